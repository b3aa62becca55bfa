package dev.sluice.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.sluice.BacklogLimit;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.DestinationConflictException;
import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.Sluice;
import dev.sluice.StrategyMapping;
import dev.sluice.StrategyMapping.Mechanism;
import dev.sluice.StrategyMapping.Strategy;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
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
 * Quorum queues ({@code ?queueType=quorum}) checked from the broker's side: the queue type and
 * arguments as {@code rabbitmqctl list_queues} reports them, the attempt taken from the broker's
 * {@code x-delivery-count}, the dead letter the broker itself moves past {@code x-delivery-limit}
 * (its {@code x-death} says {@code delivery_limit}), {@code reject-publish}, and a queue of the
 * other type refused and left as it was.
 */
class RabbitMqQuorumQueueTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private ProvisionedBroker broker;
    private String base;
    private String queue;
    private Connection direct;
    private Channel probe;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        broker = BrokerProvisioner.shared(BrokerKind.RABBITMQ);
        base = broker.uri().toString();
        queue = "quorum-" + UUID.randomUUID().toString().substring(0, 8);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(base);
        direct = factory.newConnection("sluice-quorum-test");
        probe = direct.createChannel();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        Channel ch = direct.createChannel();
        for (String q : List.of(queue, queue + ".dlq", queue + ".dropped", queue + ".billing", queue + ".billing.dlq")) {
            ch.queueDelete(q);
        }
        ch.exchangeDelete(queue);
        ch.exchangeDelete(queue + "-dead");
        direct.close(2_000);
    }

    private BackpressureChannel open(ChannelSpec spec) {
        BackpressureChannel ch = Sluice.open(spec);
        opened.add(ch);
        return ch;
    }

    private String uri(String query) {
        return base + "/" + queue + "?queueType=quorum" + query;
    }

    private static ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(PATIENCE).pollInterval(Duration.ofMillis(20));
    }

    /** The queue's type and arguments as the broker reports them: {@code rabbitmqctl list_queues name type arguments}. */
    private String typeAndArguments(String name) throws Exception {
        return ListQueues.of(broker, "name", "type", "arguments").stream().filter(l -> l.startsWith(name + "\t")).findFirst()
                .map(l -> l.substring(name.length() + 1)).orElse("absent");
    }

    /** The quorum queue's unacknowledged messages, from its leader now (list_queues would show its last 5 s tick). */
    private long unacked(String name) {
        return QuorumKitBroker.checkedOut(broker, name).orElseThrow();
    }

    private static Mechanism mechanism(BackpressureChannel ch, Strategy strategy) {
        return ch.mapping().stream().filter(m -> m.strategy() == strategy).map(StrategyMapping::mechanism)
                .findFirst().orElseThrow();
    }

    @Test
    @DisplayName("declares the queue and its dead-letter queue as quorum queues, with the delivery limit and an at-least-once dead-letter exchange")
    void declaresQuorumQueues() throws Exception {
        BackpressureChannel ch = open(ChannelSpec.of(uri("")).consumer(ConsumerPolicy.pull(10).maxAttempts(3)));

        String declared = typeAndArguments(queue);
        assertThat(declared).startsWith("quorum\t")
                .contains("{\"x-queue-type\",\"quorum\"}")
                .contains("{\"x-delivery-limit\",2}")
                .contains("{\"x-dead-letter-exchange\",[]}") // rabbitmqctl shows the default exchange's empty name so
                .contains("{\"x-dead-letter-routing-key\",\"" + queue + ".dlq\"}")
                .contains("{\"x-dead-letter-strategy\",\"at-least-once\"}")
                .contains("{\"x-overflow\",\"reject-publish\"}");
        assertThat(typeAndArguments(queue + ".dlq")).startsWith("quorum\t");
        assertThat(mechanism(ch, Strategy.REDELIVERY)).isEqualTo(Mechanism.NATIVE);
        assertThat(mechanism(ch, Strategy.DEAD_LETTER)).isEqualTo(Mechanism.NATIVE);
    }

    @Test
    @DisplayName("in exchange mode each group's queue is a quorum queue; a named dead letter is the broker's dead-letter exchange, with the group's queue as routing key")
    void exchangeModeGroupQueuesAreQuorumQueues() throws Exception {
        BackpressureChannel ch = open(ChannelSpec.of(uri("&groups=exchange&requiredGroups=billing"))
                .consumer(ConsumerPolicy.pull(10).maxAttempts(4).deadLetter(queue + "-dead")));
        assertThat(typeAndArguments(queue + ".billing")).startsWith("quorum\t")
                .contains("{\"x-delivery-limit\",3}")
                .contains("{\"x-dead-letter-exchange\",\"" + queue + "-dead\"}")
                .contains("{\"x-dead-letter-routing-key\",\"" + queue + ".billing\"}");
        assertThat(mechanism(ch, Strategy.DEAD_LETTER)).isEqualTo(Mechanism.NATIVE);
    }

    @Test
    @DisplayName("the attempt is the broker's x-delivery-count plus one, also for returns Sluice did not make")
    void attemptFromTheBrokersDeliveryCount() throws Exception {
        BackpressureChannel ch = open(ChannelSpec.of(uri("")).consumer(ConsumerPolicy.pull(1).maxAttempts(10)));
        probe.confirmSelect();
        probe.basicPublish("", queue, new AMQP.BasicProperties.Builder().deliveryMode(2).build(),
                "returned twice".getBytes(StandardCharsets.UTF_8));
        probe.waitForConfirmsOrDie(30_000);
        // A plain consumer takes it and gives it back twice: the broker counts both returns.
        for (int i = 0; i < 2; i++) {
            GetResponse got = await("the message ready").until(() -> probe.basicGet(queue, false), r -> r != null);
            probe.basicReject(got.getEnvelope().getDeliveryTag(), true);
        }
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        List<Map<String, String>> headers = new CopyOnWriteArrayList<>();
        ch.consumer("quorum").start(d -> {
            attempts.add(d.attempt());
            headers.add(d.message().headers());
        });
        await("the message handled").until(() -> ch.pressure().consumer().acked() == 1);
        assertThat(attempts).containsExactly(3);
        assertThat(headers.get(0)).as("the count is the attempt, not a header").doesNotContainKey("x-delivery-count");
    }

    @Test
    @DisplayName("after maxAttempts failures the broker dead-letters the message past x-delivery-limit, at-least-once, to the dead-letter queue")
    void brokerDeadLettersPastTheDeliveryLimit() throws Exception {
        BackpressureChannel ch = open(ChannelSpec.of(uri("")).consumer(ConsumerPolicy.pull(1).maxAttempts(3)
                .redeliveryDelay(Duration.ZERO)));
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        ch.consumer("quorum").start(d -> {
            attempts.add(d.attempt());
            throw new IllegalStateException("always fails");
        });
        assertThat(ch.producer().sendAsync(Message.of("poison")).toCompletableFuture().get(30, TimeUnit.SECONDS))
                .isEqualTo(SendResult.ACCEPTED);

        await("the broker moved it to the dead-letter queue")
                .until(() -> probe.queueDeclarePassive(queue + ".dlq").getMessageCount() == 1);
        GetResponse dead = probe.basicGet(queue + ".dlq", true);
        assertThat(new String(dead.getBody(), StandardCharsets.UTF_8)).isEqualTo("poison");
        assertThat(String.valueOf(dead.getProps().getHeaders().get("x-first-death-reason")))
                .as("moved by the broker's delivery limit, not published by the adapter").isEqualTo("delivery_limit");
        assertThat(attempts).containsExactly(1, 2, 3);
        await("counted").until(() -> ch.pressure().consumer().deadLettered() == 1);
        assertThat(ch.pressure().consumer().nacked()).isEqualTo(2);
        assertThat(probe.queueDeclarePassive(queue).getMessageCount()).as("nothing left in the queue").isZero();
    }

    @Test
    @DisplayName("the in-flight cap holds across a pause and resume while handlers still run: the new consumer's prefetch is what is left of the cap")
    void capHoldsAcrossPauseAndResume() throws Exception {
        int cap = 4;
        BackpressureChannel ch = open(ChannelSpec.of(uri("")).consumer(ConsumerPolicy.pull(cap).maxInFlight(cap)));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
        dev.sluice.MessageConsumer consumer = ch.consumer("quorum");
        consumer.start(d -> {
            started.incrementAndGet();
            release.await(); // holds its message unacked
        });
        try {
            for (int i = 0; i < 3 * cap; i++) {
                ch.producer().send(Message.of("m" + i));
            }
            assertThat(ch.producer().flush(PATIENCE)).isTrue();
            await("the handlers hold the cap").until(() -> unacked(queue) == cap);

            consumer.pause();
            consumer.resume(); // the cap is all held by the first consumer's messages: the new consume waits for a settlement
            await("nothing beyond the cap is pushed").during(Duration.ofSeconds(1)).atMost(PATIENCE)
                    .until(() -> unacked(queue) <= cap);
        } finally {
            release.countDown();
        }
        await("all handled").until(() -> ch.pressure().consumer().acked() == 3L * cap);
        assertThat(started.get()).isEqualTo(3 * cap);
    }

    @Test
    @DisplayName("reject-newest is x-overflow=reject-publish on the quorum queue: once over the limit the broker refuses, the sender sees REJECTED; exactness is not claimed")
    void rejectNewestIsRejectPublish() throws Exception {
        BackpressureChannel ch = open(ChannelSpec.of(uri("")).backlog(BacklogLimit.maxLength(2).rejectNewest()));
        List<SendResult> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // one at a time: a quorum queue refuses once it is over the limit
            results.add(ch.producer().sendAsync(Message.of("m" + i)).toCompletableFuture().get(30, TimeUnit.SECONDS));
        }
        long accepted = results.stream().filter(SendResult::isAccepted).count();
        assertThat(results).as("refused by the broker's full queue").filteredOn(r -> !r.isAccepted())
                .isNotEmpty().allMatch(r -> r.status() == SendResult.Status.REJECTED
                        && r.dropReason() == dev.sluice.flow.DropReason.BACKLOG_REJECTED);
        assertThat(accepted).as("the limit, and at most one over it").isBetween(2L, 3L);
        assertThat(probe.queueDeclarePassive(queue).getMessageCount()).as("what the broker holds").isEqualTo(accepted);
        assertThat(typeAndArguments(queue)).startsWith("quorum\t").contains("{\"x-max-length\",2}")
                .contains("{\"x-overflow\",\"reject-publish\"}").doesNotContain("x-delivery-limit");
        assertThat(ch.capabilities()).as("approximate on a quorum queue").doesNotContain(dev.sluice.Capability.BACKLOG_REJECT_NEWEST);
    }

    @Test
    @DisplayName("an existing classic queue is refused naming the queue type, and left a classic queue")
    void existingClassicQueueIsAConflict() throws Exception {
        probe.queueDeclare(queue, true, false, false, null);
        assertThatThrownBy(() -> open(ChannelSpec.of(uri(""))))
                .isInstanceOf(DestinationConflictException.class)
                .hasMessageContaining(queue).hasMessageContaining("x-queue-type").hasMessageContaining("queueType=quorum");
        assertThat(typeAndArguments(queue)).startsWith("classic\t");
    }

    @Test
    @DisplayName("an existing quorum queue is refused to a classic channel (it could not consume it), and left a quorum queue")
    void existingQuorumQueueIsAConflictForAClassicChannel() throws Exception {
        probe.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
        assertThatThrownBy(() -> open(ChannelSpec.of(base + "/" + queue)))
                .isInstanceOf(DestinationConflictException.class)
                .hasMessageContaining(queue).hasMessageContaining("x-queue-type").hasMessageContaining("queueType=classic");
        assertThat(typeAndArguments(queue)).startsWith("quorum\t");
    }
}
