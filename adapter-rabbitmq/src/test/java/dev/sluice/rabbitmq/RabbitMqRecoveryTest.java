package dev.sluice.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.sluice.BacklogLimit;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.Sluice;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import dev.sluice.conformance.proxy.FaultProxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * After a reconnect the adapter declares again what it declared — queues, their {@code .dlq} and
 * {@code .dropped} queues, the exchange and the group bindings — so that what the broker lost
 * meanwhile (a fresh node, a deleted queue) comes back, consumers resume, and nothing is logged
 * at ERROR. The shared broker is not restarted: the test deletes what the channel declared from a
 * plain connection, then cuts the channel's connections at a {@link FaultProxy} in front of the
 * broker, which only this test's channels go through. Checked from the broker's side.
 */
class RabbitMqRecoveryTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private ProvisionedBroker broker;
    private FaultProxy proxy;
    private String destination;
    private Connection direct;
    private final List<BackpressureChannel> opened = new ArrayList<>();
    private final List<String> queues = new ArrayList<>();
    private PrintStream originalErr;
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        broker = BrokerProvisioner.shared(BrokerKind.RABBITMQ);
        proxy = FaultProxy.start(broker.host(), broker.port());
        destination = "recovery-" + UUID.randomUUID().toString().substring(0, 8);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(broker.uri());
        direct = factory.newConnection("sluice-recovery-test");
        // slf4j-simple (the tests' logging backend) writes to System.err as it is at each call:
        // a tee keeps what was logged, for the assertion, and still shows it.
        originalErr = System.err;
        System.setErr(new PrintStream(new Tee(originalErr, logged), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (BackpressureChannel c : opened) {
                c.close();
            }
            Channel ch = direct.createChannel();
            for (String q : queues) {
                ch.queueDelete(q);
            }
            ch.exchangeDelete(destination);
            direct.close(2_000);
            proxy.close();
        } finally {
            System.setErr(originalErr);
        }
    }

    /** The channel's URI, through the proxy, with the broker's credentials and vhost. */
    private String uri(String query) {
        java.net.URI base = broker.uri();
        return base.getScheme() + "://" + (base.getRawUserInfo() == null ? "" : base.getRawUserInfo() + "@")
                + proxy.host() + ":" + proxy.port() + (base.getRawPath() == null || base.getRawPath().isEmpty() ? "/%2F" : base.getRawPath())
                + "/" + destination + query;
    }

    private BackpressureChannel open(ChannelSpec spec) {
        BackpressureChannel ch = Sluice.open(spec);
        opened.add(ch);
        return ch;
    }

    /** The queue's unacknowledged messages as the broker counts them now ({@code rabbitmqctl list_queues}; classic queues). */
    private long unacked(String queue) throws Exception {
        List<String> lines = ListQueues.of(broker, "name", "messages_unacknowledged");
        return lines.stream().map(l -> l.split("\\s+")).filter(cols -> cols.length == 2 && cols[0].equals(queue))
                .mapToLong(cols -> Long.parseLong(cols[1])).findFirst().orElseThrow(() -> new AssertionError(queue + " not listed: " + lines));
    }

    /** The queue as the broker has it now, on a channel of its own (a missing queue closes the channel). */
    private AMQP.Queue.DeclareOk passive(String queue) throws IOException {
        Channel ch = direct.createChannel();
        try {
            return ch.queueDeclarePassive(queue);
        } finally {
            if (ch.isOpen()) {
                ch.abort();
            }
        }
    }

    private boolean exists(String queue) {
        try {
            passive(queue);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Passes only if the queue exists with these arguments: RabbitMQ refuses an equivalent declare with other ones. */
    private void assertDeclaredWith(String queue, Map<String, Object> arguments) throws IOException {
        Channel ch = direct.createChannel();
        try {
            ch.queueDeclare(queue, true, false, false, arguments);
        } finally {
            if (ch.isOpen()) {
                ch.abort();
            }
        }
    }

    private void delete(List<String> toDelete, boolean exchangeToo) throws IOException {
        Channel ch = direct.createChannel();
        for (String q : toDelete) {
            ch.queueDelete(q);
        }
        if (exchangeToo) {
            ch.exchangeDelete(destination);
        }
        ch.abort();
        for (String q : toDelete) {
            assertThat(exists(q)).as(q + " deleted").isFalse();
        }
    }

    private static ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(PATIENCE).pollInterval(Duration.ofMillis(50));
    }

    /** What slf4j-simple printed at ERROR, and anything about topology or channel recovery at any level. */
    private List<String> errorsLogged() {
        List<String> bad = new ArrayList<>();
        for (String line : logged.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.contains(" ERROR ") || line.contains("TopologyRecoveryException") || line.contains("recovering topology")
                    || line.contains("recovering channel")) {
                bad.add(line);
            }
        }
        return bad;
    }

    /**
     * Sends one message, cuts the connections after {@code lose} ran, and checks that every
     * queue comes back with {@code arguments[queue]}, with one consumer each where one consumed,
     * and that a message sent afterwards is handled.
     */
    private void cutAndCheck(BackpressureChannel ch, String consumed, List<String> declared, Map<String, Map<String, Object>> arguments,
                             List<String> consumedQueues, Runnable lose) throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        ch.consumer("g").start(d -> received.add(d.message().payloadAsString()));
        assertThat(ch.producer().sendAsync(Message.of("before")).toCompletableFuture().get(30, TimeUnit.SECONDS))
                .isEqualTo(SendResult.ACCEPTED);
        await("the message sent before the cut is handled").until(() -> received.contains("before"));
        // Handled is not acked at the broker yet: the ack is written after the handler returns.
        await("its ack reached the broker").until(() -> passive(consumed).getMessageCount() == 0 && unacked(consumed) == 0);

        lose.run();
        int before = proxy.openConnections();
        assertThat(before).as("the channel's two connections go through the proxy").isEqualTo(2);
        proxy.cutConnections();

        for (String q : declared) {
            await(q + " is declared again").until(() -> exists(q));
            assertDeclaredWith(q, arguments.getOrDefault(q, Map.of()));
        }
        for (String q : consumedQueues) {
            await(q + " has its consumer again, once").until(() -> passive(q).getConsumerCount() == 1);
        }
        SendResult after = ch.producer().sendAsync(Message.of("after")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(after).as("a send after the reconnect").isEqualTo(SendResult.ACCEPTED);
        await("the message sent after the reconnect is handled").until(() -> received.contains("after"));
        assertThat(received).containsExactly("before", "after");
        assertThat(errorsLogged()).as("logged during the reconnect").isEmpty();
    }

    private Runnable deleting(List<String> toDelete, boolean exchangeToo) {
        return () -> {
            try {
                delete(toDelete, exchangeToo);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Test
    @DisplayName("queue mode: the queue, its .dlq and .dropped queues come back with their arguments after a reconnect, and consumers resume")
    void queueModeRedeclaresAfterReconnect() throws Exception {
        ChannelSpec spec = ChannelSpec.of(uri("")).backlog(BacklogLimit.maxLength(1_000).dropOldest());
        String q = destination;
        List<String> all = List.of(q, q + ".dlq", q + ".dropped");
        queues.addAll(all);
        BackpressureChannel ch = open(spec);
        cutAndCheck(ch, q, all, Map.of(q, QueueDeclaration.of(spec, q).arguments()), List.of(q, q + ".dropped"),
                deleting(all, false));
    }

    @Test
    @DisplayName("exchange mode: the exchange, each group's queue with its .dlq and .dropped queues, and its binding come back after a reconnect")
    void exchangeModeRedeclaresAfterReconnect() throws Exception {
        ChannelSpec spec = ChannelSpec.of(uri("?groups=exchange&requiredGroups=a"))
                .backlog(BacklogLimit.maxLength(1_000).dropOldest());
        String a = destination + ".a";
        String g = destination + ".g";
        List<String> all = List.of(a, a + ".dlq", a + ".dropped", g, g + ".dlq", g + ".dropped");
        queues.addAll(all);
        BackpressureChannel ch = open(spec);
        // Group g is declared when its consumer starts (in cutAndCheck), group a at open: both
        // are lost with the exchange and its bindings, and both come back.
        cutAndCheck(ch, g, all, Map.of(a, QueueDeclaration.of(spec, a).arguments(), g, QueueDeclaration.of(spec, g).arguments()),
                List.of(g, g + ".dropped"), deleting(all, true));
        Channel check = direct.createChannel();
        check.exchangeDeclarePassive(destination);
        check.abort();
        await("group a, which no one consumes, got the message sent after the reconnect through its binding")
                .until(() -> passive(a).getMessageCount() == 1);
    }

    @Test
    @DisplayName("a queue found with other arguments and used as it is comes back as the channel declares one after it was lost, with its .dlq")
    void queueUsedAsItIsComesBack() throws Exception {
        String q = destination;
        List<String> all = List.of(q, q + ".dlq");
        queues.addAll(all);
        Channel setup = direct.createChannel();
        setup.queueDeclare(q, true, false, false, Map.of("x-max-length", 5));
        setup.abort();
        // No backlog limit: the channel uses the queue as it is (its declare is refused, which
        // closes the channel that declared the .dlq before it).
        BackpressureChannel ch = open(ChannelSpec.of(uri("")));
        cutAndCheck(ch, q, all, Map.of(), List.of(q), deleting(all, false));
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
