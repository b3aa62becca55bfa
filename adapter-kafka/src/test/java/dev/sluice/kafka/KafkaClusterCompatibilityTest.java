package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.HealthStatus;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.PressureListener;
import dev.sluice.ProducerPolicy;
import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.FaultStream;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import dev.sluice.conformance.brokers.KafkaClusterKitBroker;
import dev.sluice.conformance.provision.KafkaClusterServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit on a three-broker Kafka cluster the kit starts (a controller in this JVM,
 * three brokers in JVMs of their own; topics with replication factor 3 and
 * {@code min.insync.replicas=2}), and what only a cluster can show: a partition's leader killed
 * mid-stream, and two brokers lost, which leaves too few in-sync replicas for {@code acks=all}.
 */
@DisplayName("kafka:// conformance on a 3-broker cluster")
class KafkaClusterCompatibilityTest extends BrokerCompatibilityKit {

    private static KafkaClusterKitBroker broker;

    @Override
    protected KitBroker broker() {
        return cluster();
    }

    static KafkaClusterKitBroker cluster() {
        synchronized (KafkaClusterCompatibilityTest.class) {
            if (broker == null) {
                try {
                    broker = new KafkaClusterKitBroker(KafkaClusterServers.start(Duration.ofSeconds(90)));
                } catch (Exception e) {
                    throw new IllegalStateException("the kit's Kafka cluster did not start", e);
                }
            }
            return broker;
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        synchronized (KafkaClusterCompatibilityTest.class) {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }

    @Nested
    @DisplayName("28 partition leader killed")
    class LeaderKilled extends ScenarioFamily {

        private static final int PRODUCER_IN_FLIGHT = 5;
        private static final int CONSUMER_IN_FLIGHT = 10;

        LeaderKilled() {
            super(KafkaClusterCompatibilityTest::cluster);
        }

        @Test
        @DisplayName("the partition's leader is killed (SIGKILL) mid-stream under block: another broker leads, nothing is lost,"
                + " duplicates stay within the in-flight caps, producer and consumer carry on")
        void leaderKilledMidStream() throws Exception {
            KafkaClusterKitBroker cluster = cluster();
            String topic = fresh("leader-kill");
            int beforeKill = scaled(1_000);
            BackpressureChannel ch = open(spec(topic)
                    .producer(ProducerPolicy.buffer(50).maxInFlight(PRODUCER_IN_FLIGHT).onOverflow(Overflow.block(cluster.patience())))
                    .consumer(ConsumerPolicy.pull(CONSUMER_IN_FLIGHT).maxInFlight(CONSUMER_IN_FLIGHT)));
            FaultStream stream = FaultStream.start(ch, group, beforeKill, cluster.patience().multipliedBy(2));
            stream.awaitHandled(beforeKill / 2);
            long killedAt = stream.beginFault();
            int killed = cluster.killLeader(topic, 0, cluster.patience());
            long movedAt = System.nanoTime();
            try {
                int leader = cluster.leader(topic, 0);
                assertThat(leader).as("the partition's leader after the kill").isNotEqualTo(killed).isPositive();
                stream.finish(movedAt, scaled(500));
                stream.assertNothingLost(PRODUCER_IN_FLIGHT + CONSUMER_IN_FLIGHT);
                // From the brokers' side: the group commits everything, on the surviving brokers.
                await("the group's lag, as the surviving brokers have it").until(() -> brokerFigure(probe().ready(topic, group), "lag") == 0);
                FaultStream.Pauses p = stream.pauses(killedAt, movedAt);
                System.out.printf("[sluice] kafka-cluster leader kill: broker %d killed, broker %d leads %d ms later;"
                                + " first handling after that %d ms after the kill; longest pause in handling %d ms;"
                                + " %d messages, %d duplicates%n",
                        killed, leader, TimeUnit.NANOSECONDS.toMillis(movedAt - killedAt), p.firstAfterEnd(), p.longestPause(),
                        stream.sent(), stream.duplicates());
            } finally {
                cluster.restartKilled(topic, Duration.ofSeconds(90));
            }
        }
    }

    @Nested
    @DisplayName("29 too few in-sync replicas")
    class NotEnoughReplicas extends ScenarioFamily {

        NotEnoughReplicas() {
            super(KafkaClusterCompatibilityTest::cluster);
        }

        @Test
        @DisplayName("two of three brokers killed: NOT_ENOUGH_REPLICAS becomes the broker-pressure signal, the block policy"
                + " holds sends, and when the brokers return everything held is delivered")
        void notEnoughReplicasIsBrokerPressure() throws Exception {
            KafkaClusterKitBroker cluster = cluster();
            String topic = fresh("min-isr");
            int capacity = 20;
            BackpressureChannel ch = open(spec(topic)
                    .producer(ProducerPolicy.buffer(capacity).maxInFlight(5).onOverflow(Overflow.block(Duration.ofMillis(300)))));
            List<String> reasons = new CopyOnWriteArrayList<>();
            List<String> events = new CopyOnWriteArrayList<>();
            ch.addListener(new PressureListener() {
                @Override
                public void onBrokerBlocked(String reason) {
                    reasons.add(reason);
                    events.add("blocked");
                }

                @Override
                public void onBrokerUnblocked() {
                    events.add("unblocked");
                }
            });
            Received received = new Received();
            ch.consumer(group).start(received);
            assertThat(ch.producer().send(Message.of("warm-up")).isAccepted()).isTrue();
            await().until(() -> received.distinct().contains("warm-up"));

            long killedAt = System.nanoTime();
            List<Integer> killed = cluster.killFollowers(topic, 0, cluster.patience());
            try {
                await("the channel reports the brokers' refusal").until(() -> ch.pressure().brokerBlocked());
                long signalAt = System.nanoTime();
                // The channel's state turns before its listeners are called.
                await("the refusal told to listeners").until(() -> !reasons.isEmpty());
                assertThat(reasons).as("why the broker is blocked").anyMatch(r -> r.contains("NOT_ENOUGH_REPLICAS")
                        && r.contains("min.insync.replicas=" + KafkaClusterServers.MIN_IN_SYNC_REPLICAS));
                assertThat(ch.health().state()).isEqualTo(HealthStatus.State.DOWN);
                assertThat(ch.retryAfter()).isPresent();
                assertThat(rawAcksAllSend(cluster, topic)).as("the leader's answer to a plain acks=all producer meanwhile")
                        .isInstanceOfAny(NotEnoughReplicasException.class, NotEnoughReplicasAfterAppendException.class);

                // The producer policy applies: block fills the buffer, then times out; nothing is refused silently.
                int accepted = sendUntilTimedOut(ch, "held", 0, 10 * capacity, "while the replicas are short");
                assertThat(accepted).as("sends the channel took while the replicas were short").isLessThanOrEqualTo(capacity + 5);

                long restartAt = System.nanoTime();
                cluster.restartKilled(topic, Duration.ofSeconds(90));
                await("the channel learns the replicas are back").until(() -> !ch.pressure().brokerBlocked());
                long clearedAt = System.nanoTime();
                await("the return told to listeners").until(() -> events.contains("unblocked"));
                assertThat(events).containsSubsequence("blocked", "unblocked");
                await("every held send delivered").until(() -> received.distinct().size() == accepted + 1);
                assertThat(ch.producer().flush(cluster.patience())).isTrue();
                assertThat(ch.pressure().producer().failed()).as("sends lost").isZero();
                assertThat(ch.pressure().producer().reconciles()).isTrue();
                System.out.printf("[sluice] kafka-cluster NOT_ENOUGH_REPLICAS: brokers %s killed; signal %d ms after the kill;"
                                + " %d sends held; signal cleared %d ms after the restart began (brokers back and in sync)%n",
                        killed, TimeUnit.NANOSECONDS.toMillis(signalAt - killedAt), accepted,
                        TimeUnit.NANOSECONDS.toMillis(clearedAt - restartAt));
            } finally {
                cluster.restartKilled(topic, Duration.ofSeconds(90));
            }
        }
    }

    /**
     * What the partition's leader answers a plain kafka-clients producer with {@code acks=all} and
     * no retries: the broker's own refusal, not Sluice's reading of the replicas.
     */
    private static Throwable rawAcksAllSend(KafkaClusterKitBroker cluster, String topic) throws Exception {
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.cluster().runningBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000), new ByteArraySerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(topic, 0, null, "raw".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            throw new AssertionError("the leader took an acks=all write with too few in-sync replicas");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }
}
