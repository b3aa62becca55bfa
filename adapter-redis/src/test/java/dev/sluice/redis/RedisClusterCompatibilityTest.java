package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.ProducerPolicy;
import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.FaultStream;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.ScenarioFamily;
import dev.sluice.conformance.brokers.RedisClusterKitBroker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The whole conformance kit on a Redis Cluster the kit starts from the PATH (3 masters, 3
 * replicas, {@code redis-cluster://} with every node as a seed), and a master failover mid-stream.
 * Skipped, with the reason, when {@code redis-server} or {@code redis-cli} is not on the PATH (a
 * failure with {@code -Dsluice.brokers.required=redis}).
 */
@DisplayName("redis-cluster:// conformance")
class RedisClusterCompatibilityTest extends BrokerCompatibilityKit {

    private static RedisClusterKitBroker broker;

    @Override
    protected KitBroker broker() {
        return cluster();
    }

    static RedisClusterKitBroker cluster() {
        synchronized (RedisClusterCompatibilityTest.class) {
            if (broker == null) {
                broker = ClusterBrokers.start();
            }
            return broker;
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        synchronized (RedisClusterCompatibilityTest.class) {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }

    @Nested
    @DisplayName("26 master failover")
    class Failover extends ScenarioFamily {

        private static final int PRODUCER_IN_FLIGHT = 5;
        private static final int CONSUMER_IN_FLIGHT = 10;

        Failover() {
            super(RedisClusterCompatibilityTest::cluster);
        }

        @Test
        @DisplayName("the stream's master stops mid-stream: its replica takes over, nothing is lost, duplicates stay within the in-flight caps, the channel carries on")
        void masterFailoverMidStream() throws Exception {
            runThrough("master stopped", (cluster, destination) -> {
                cluster.failover(destination, cluster.patience());
            });
        }

        @Test
        @DisplayName("a planned failover (CLUSTER FAILOVER) mid-stream: MOVED replies take the channel to the new master, nothing is lost")
        void plannedFailoverMidStream() throws Exception {
            runThrough("planned (CLUSTER FAILOVER)", (cluster, destination) -> {
                cluster.plannedFailover(destination, cluster.patience());
            });
        }

        @Test
        @DisplayName("the stream's master is killed (SIGKILL) mid-stream, with sends confirmed only once a replica has them"
                + " (waitReplicas=1): sends wait until the killed node rejoins as the new master's replica, nothing confirmed is lost")
        void masterCrashWithWaitReplicas() throws Exception {
            runThrough("master killed, waitReplicas=1", "&waitReplicas=1", (cluster, destination) -> {
                cluster.crashFailover(destination, cluster.patience());
                // The promoted replica has no replica of its own until the killed node rejoins as
                // one: until then WAIT 1 answers 0, sends are not confirmed and the producer holds.
                cluster.restartStopped(cluster.patience());
            });
        }

        private interface Move {
            void run(RedisClusterKitBroker cluster, String destination) throws Exception;
        }

        private void runThrough(String kind, Move move) throws Exception {
            runThrough(kind, "", move);
        }

        private void runThrough(String kind, String parameters, Move move) throws Exception {
            RedisClusterKitBroker cluster = cluster();
            cluster.awaitFullStrength(cluster.patience()); // a replica ready to take over
            String destination = fresh("failover");
            int beforeFault = scaled(1_000);
            BackpressureChannel ch = open(ChannelSpec.of(cluster.uri(destination) + parameters).connectTimeout(Duration.ofSeconds(15))
                    .closeTimeout(Duration.ofSeconds(10))
                    .producer(ProducerPolicy.buffer(50).maxInFlight(PRODUCER_IN_FLIGHT).onOverflow(Overflow.block(cluster.patience())))
                    .consumer(ConsumerPolicy.pull(CONSUMER_IN_FLIGHT).maxInFlight(CONSUMER_IN_FLIGHT)));
            FaultStream stream = FaultStream.start(ch, group, beforeFault, cluster.patience());
            stream.awaitHandled(beforeFault / 2);
            int before = cluster.masterPort(destination);
            long stoppedAt = stream.beginFault();
            move.run(cluster, destination);
            long promotedAt = System.nanoTime();
            try {
                int after = cluster.masterPort(destination);
                assertThat(after).as("the slot's master after the failover").isNotEqualTo(before);
                stream.finish(promotedAt, scaled(500));
                stream.assertNothingLost(PRODUCER_IN_FLIGHT + CONSUMER_IN_FLIGHT);
                // From the broker's side: the new master holds no entry pending for the group.
                await("nothing pending on the new master").until(() -> brokerFigure(probe().unacked(destination, group), "pending") == 0);
                FaultStream.Pauses p = stream.pauses(stoppedAt, promotedAt);
                System.out.printf("[sluice] redis-cluster failover, " + kind + ": master %d, %d in its place when the move ended %d ms after the fault began;"
                                + " first handling after that %d ms after the fault began; longest pause in handling %d ms;"
                                + " %d messages, %d duplicates%n",
                        before, after, TimeUnit.NANOSECONDS.toMillis(promotedAt - stoppedAt), p.firstAfterEnd(), p.longestPause(),
                        stream.sent(), stream.duplicates());
            } finally {
                cluster.restartStopped(cluster.patience());
            }
        }
    }

    @Nested
    @DisplayName("27 every key in the stream's hash slot")
    class Slots extends ScenarioFamily {

        Slots() {
            super(RedisClusterCompatibilityTest::cluster);
        }

        @Test
        @DisplayName("the default dead letter is {stream}.dlq on the stream's own master, beside the stream")
        void defaultDeadLetterBesideTheStream() throws Exception {
            RedisClusterKitBroker cluster = cluster();
            String destination = fresh("slot");
            BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(1).maxAttempts(1).redeliveryDelay(Duration.ZERO)));
            ch.consumer(group).start(d -> {
                throw new IllegalStateException("always fails");
            });
            assertThat(ch.producer().send(Message.of("poison")).isAccepted()).isTrue();
            await("dead-lettered").until(() -> ch.pressure().consumer().deadLettered() == 1);
            try (redis.clients.jedis.Jedis master = cluster.master(destination)) {
                assertThat(master.xlen("{" + destination + "}.dlq")).as("entries in {stream}.dlq on the stream's master").isEqualTo(1);
                assertThat(master.xpending(destination, group).getTotal()).as("pending in the stream's group").isZero();
            }
        }
    }
}
