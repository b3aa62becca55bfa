package dev.sluice.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.sluice.BacklogLimit;
import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.ChannelSpec;
import dev.sluice.DestinationConflictException;
import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.Sluice;
import dev.sluice.StrategyMapping;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Exchange mode ({@code ?groups=exchange}) checked from the broker's side, on a direct
 * connection: what is declared at open, where a nack goes, what a message that no group queue
 * takes becomes, and that an existing exchange is never altered.
 */
class RabbitMqExchangeGroupsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private String base;
    private String destination;
    private Connection direct;
    private Channel probe;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private final List<String> queues = new ArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        base = BrokerProvisioner.shared(BrokerKind.RABBITMQ).uri().toString();
        destination = "exchange-groups-" + UUID.randomUUID().toString().substring(0, 8);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(base);
        direct = factory.newConnection("sluice-exchange-groups-test");
        probe = direct.createChannel();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        Channel ch = direct.createChannel();
        for (String q : queues) {
            ch.queueDelete(q);
        }
        ch.exchangeDelete(destination);
        direct.close(2_000);
    }

    private BackpressureChannel open(ChannelSpec spec) {
        BackpressureChannel ch = Sluice.open(spec);
        opened.add(ch);
        return ch;
    }

    private String uri(String query) {
        return base + "/" + destination + "?groups=exchange" + query;
    }

    /** Notes the queues a group gets, for the cleanup. */
    private String groupQueue(String group) {
        String q = destination + "." + group;
        queues.addAll(List.of(q, q + ".dlq", q + ".dropped"));
        return q;
    }

    private long ready(String queue) throws IOException {
        return probe.queueDeclarePassive(queue).getMessageCount();
    }

    private static ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(PATIENCE).pollInterval(Duration.ofMillis(20));
    }

    @Test
    @DisplayName("a send that no group queue takes comes back and is REJECTED, never ACCEPTED; once a group is bound it is kept")
    void unroutableSendIsRefused() throws Exception {
        BackpressureChannel ch = open(ChannelSpec.of(uri("")));
        probe.exchangeDeclarePassive(destination); // declared at open

        SendResult lost = ch.producer().sendAsync(Message.of("nobody listens")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(lost.status()).as("a message the exchange routed nowhere").isEqualTo(SendResult.Status.REJECTED);
        assertThat(lost.dropReason()).as("refused outright: the caller still has it").isNull();
        assertThat(ch.pressure().producer().confirmed()).isZero();

        String late = groupQueue("late");
        ch.consumer("late"); // declares and binds its queue, consumes nothing yet
        SendResult kept = ch.producer().sendAsync(Message.of("kept")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(kept).isEqualTo(SendResult.ACCEPTED);
        assertThat(ready(late)).as("only what was sent after the group was bound").isEqualTo(1);
    }

    @Test
    @DisplayName("requiredGroups declares each group's queue, with its own dead-letter and dropped queues, and each gets every message")
    void requiredGroupsAreDeclaredAtOpen() throws Exception {
        String billing = groupQueue("billing");
        String audit = groupQueue("audit");
        BackpressureChannel ch = open(ChannelSpec.of(uri("&requiredGroups=billing,audit"))
                .backlog(BacklogLimit.maxLength(100).dropOldest()));
        for (String q : List.of(billing, audit)) {
            assertThat(ready(q)).as(q + " exists, empty").isZero();
            probe.queueDeclarePassive(q + ".dlq");
            probe.queueDeclarePassive(q + ".dropped");
        }
        for (int i = 0; i < 3; i++) {
            assertThat(ch.producer().sendAsync(Message.of("m" + i)).toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .isEqualTo(SendResult.ACCEPTED);
        }
        assertThat(ready(billing)).isEqualTo(3);
        assertThat(ready(audit)).isEqualTo(3);
        await("the backlog is the deepest required group's queue").until(() -> ch.pressure().backlog() == 3);
        // A group queue is declared with the channel's arguments: the same declaration with
        // other ones is refused by the broker.
        assertThatThrownBy(() -> direct.createChannel().queueDeclare(billing, true, false, false, java.util.Map.of()))
                .isInstanceOf(IOException.class);
    }

    @Test
    @DisplayName("a nacked message comes back to its own group only; the other group gets it once")
    void nackStaysInItsGroup() throws Exception {
        String a = groupQueue("a");
        String b = groupQueue("b");
        BackpressureChannel ch = open(ChannelSpec.of(uri("&requiredGroups=a,b"))
                .consumer(dev.sluice.ConsumerPolicy.pull(1).redeliveryDelay(Duration.ZERO)));
        List<Integer> attemptsA = new CopyOnWriteArrayList<>();
        List<String> receivedB = new CopyOnWriteArrayList<>();
        ch.consumer("a").start(d -> {
            attemptsA.add(d.attempt());
            if (d.attempt() == 1) {
                throw new IllegalStateException("fails once");
            }
        });
        ch.consumer("b").start(d -> receivedB.add(d.message().payloadAsString()));
        ch.producer().send(Message.of("once"));
        await("group a handled it on its second attempt").until(() -> attemptsA.equals(List.of(1, 2)));
        await("every delivery acked").until(() -> ch.pressure().consumer().acked() == 2);
        assertThat(receivedB).containsExactly("once");
        assertThat(ready(a)).isZero();
        assertThat(ready(b)).isZero();
    }

    @Test
    @DisplayName("an existing exchange of another type is refused with both, and left as it was")
    void existingExchangeIsNotAltered() throws Exception {
        probe.exchangeDeclare(destination, BuiltinExchangeType.FANOUT, true);
        assertThatThrownBy(() -> open(ChannelSpec.of(uri(""))))
                .isInstanceOf(DestinationConflictException.class)
                .hasMessageContaining("'" + destination + "'")
                .hasMessageContaining("fanout")
                .hasMessageContaining("durable topic exchange");
        Channel check = direct.createChannel();
        check.exchangeDeclare(destination, BuiltinExchangeType.FANOUT, true); // still what it was: an equivalent declare passes
        check.close();
    }

    @Test
    @DisplayName("INDEPENDENT_GROUPS and the exchange layout in exchange mode only; queue mode keeps one queue and refuses a second group")
    void capabilitiesAndMappingSayWhichMode() {
        BackpressureChannel exchange = open(ChannelSpec.of(uri("&requiredGroups=g")));
        groupQueue("g");
        assertThat(exchange.capabilities()).contains(Capability.INDEPENDENT_GROUPS);
        assertThat(exchange.mapping()).extracting(StrategyMapping::toString).anySatisfy(line ->
                assertThat(line).contains("groups=exchange").contains("'" + destination + "'").contains(destination + ".<group>"));

        queues.add(destination);
        queues.add(destination + ".dlq");
        BackpressureChannel queue = open(ChannelSpec.of(base + "/" + destination));
        assertThat(queue.capabilities()).doesNotContain(Capability.INDEPENDENT_GROUPS);
        queue.consumer("one");
        assertThatThrownBy(() -> queue.consumer("two")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("INDEPENDENT_GROUPS");
    }
}
