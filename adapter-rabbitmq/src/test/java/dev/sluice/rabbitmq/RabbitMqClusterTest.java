package dev.sluice.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Overflow;
import dev.sluice.ProducerPolicy;
import dev.sluice.conformance.FaultStream;
import dev.sluice.conformance.ScenarioFamily;
import dev.sluice.conformance.brokers.RabbitMqClusterKitBroker;
import dev.sluice.conformance.brokers.RabbitMqClusterKitBroker.LeaderAndMembers;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.RabbitMqClusterServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A quorum queue on a 3-node RabbitMQ cluster the kit starts from the PATH
 * ({@link RabbitMqClusterServers}), opened with every node in the URI; mid-stream one node stops
 * whole: the one the channel's consumer connection is on, or the queue leader's node when it
 * holds none of the channel's connections. Skipped, with the reason, when {@code rabbitmq-server}
 * or {@code rabbitmqctl} is not on the PATH (a failure with {@code -Dsluice.brokers.required=rabbitmq}).
 */
@DisplayName("amqp:// on a 3-node RabbitMQ cluster, quorum queues, a node stopped mid-stream")
class RabbitMqClusterTest extends ScenarioFamily {

    private static final int PRODUCER_IN_FLIGHT = 5;
    private static final int CONSUMER_IN_FLIGHT = 10;
    /** The stream goes on until this many messages were handled after the stopped node was gone. */
    private static final int AFTER_GONE = 200;

    private static RabbitMqClusterKitBroker cluster;

    RabbitMqClusterTest() {
        super(RabbitMqClusterTest::cluster);
    }

    static RabbitMqClusterKitBroker cluster() {
        synchronized (RabbitMqClusterTest.class) {
            if (cluster == null) {
                Optional<String> why = RabbitMqClusterServers.whyNot();
                if (why.isPresent() && BrokerProvisioner.required().contains(BrokerKind.RABBITMQ)) {
                    throw new IllegalStateException("rabbitmq is required (-D" + BrokerProvisioner.REQUIRED_PROPERTY + ") but " + why.get());
                }
                assumeTrue(why.isEmpty(), () -> why.orElse(""));
                try {
                    cluster = new RabbitMqClusterKitBroker(RabbitMqClusterServers.start(Duration.ofSeconds(60)));
                } catch (Exception e) {
                    throw new IllegalStateException("the kit's RabbitMQ cluster did not start", e);
                }
            }
            return cluster;
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        synchronized (RabbitMqClusterTest.class) {
            if (cluster != null) {
                long begin = System.nanoTime();
                cluster.close();
                System.out.println("[sluice] RabbitMQ cluster stopped and removed in "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin) + " ms");
                cluster = null;
            }
        }
    }

    @Test
    @DisplayName("the node the consumer's connection is on stops: the connection recovers to another node, nothing is lost,"
            + " duplicates stay within the in-flight caps, the queue ends empty")
    void connectedNodeStops() throws Exception {
        runThrough("the consumer connection's node", (c, destination) -> {
            Set<String> held = c.nodesHolding("sluice-consume-" + destination);
            assertThat(held).as("nodes holding the channel's consumer connection").hasSize(1);
            return held.iterator().next();
        });
    }

    @Test
    @DisplayName("the queue leader's node stops while it holds none of the channel's connections: a follower is elected,"
            + " nothing is lost, duplicates stay within the in-flight caps, the queue ends empty")
    void leaderNodeStops() throws Exception {
        runThrough("the queue leader's node", (c, destination) -> {
            List<String> free = new ArrayList<>(c.cluster().nodes());
            free.removeAll(c.nodesHolding("sluice-consume-" + destination));
            free.removeAll(c.nodesHolding("sluice-publish-" + destination));
            assertThat(free).as("a node holding none of the channel's two connections (three nodes, two connections)").isNotEmpty();
            String target = free.get(0);
            if (!c.leader(destination).leader().equals(target)) {
                c.transferLeadership(destination, target);
                await("the leadership moved to " + target).ignoreExceptions()
                        .until(() -> c.leader(destination).leader().equals(target));
            }
            return target;
        });
    }

    private interface Choice {
        String node(RabbitMqClusterKitBroker cluster, String destination) throws Exception;
    }

    private void runThrough(String kind, Choice choice) throws Exception {
        RabbitMqClusterKitBroker c = cluster();
        c.restartStopped(c.patience());
        String destination = fresh("cluster");
        int beforeStop = scaled(1_000);
        BackpressureChannel ch = open(spec(destination)
                .producer(ProducerPolicy.buffer(50).maxInFlight(PRODUCER_IN_FLIGHT).onOverflow(Overflow.block(c.patience())))
                .consumer(ConsumerPolicy.pull(CONSUMER_IN_FLIGHT).maxInFlight(CONSUMER_IN_FLIGHT)));
        AtomicReference<LeaderAndMembers> placed = new AtomicReference<>();
        await("the queue has a leader and three replicas").ignoreExceptions().until(() -> {
            placed.set(c.leader(destination));
            return placed.get().members() == 3;
        });
        // Chosen (and the leadership moved) before any traffic, so that no pause in handling comes from the choice.
        String node = choice.node(c, destination);
        LeaderAndMembers before = c.leader(destination);
        Set<String> connectionsOn = new java.util.LinkedHashSet<>();
        for (String kindOf : List.of("consume", "publish")) {
            if (c.nodesHolding("sluice-" + kindOf + "-" + destination).contains(node)) {
                connectionsOn.add(kindOf);
            }
        }
        FaultStream stream = FaultStream.start(ch, group, beforeStop, c.patience());
        stream.awaitHandled(beforeStop / 2);
        long stoppedAt = stream.beginFault();
        c.stop(node);
        long goneAt = System.nanoTime();
        try {
            // The stream goes on until AFTER_GONE messages were handled after the node was gone.
            stream.finish(goneAt, AFTER_GONE);
            stream.assertNothingLost(PRODUCER_IN_FLIGHT + CONSUMER_IN_FLIGHT);
            assertThat(c.nodesHolding("sluice-consume-" + destination)).as("nodes holding the consumer connection after the stop")
                    .hasSize(1).doesNotContain(node);
            LeaderAndMembers after = c.leader(destination);
            assertThat(after.leader()).as("the leader after the stop").isNotEqualTo(node);
            // From the broker's side: nothing ready on a surviving node, nothing held by the leader.
            await("nothing ready, from a plain client on a surviving node")
                    .until(() -> brokerFigure(probe().ready(destination, group), "ready") == 0);
            await("nothing held by the queue's leader, ready or handed out")
                    .until(() -> c.total(destination).orElse(-1) == 0);
            FaultStream.Pauses p = stream.pauses(stoppedAt, goneAt);
            System.out.printf("[sluice] rabbitmq-cluster, %s stopped (%s, %s; the channel's connections on it: %s): the stop took"
                            + " %d ms; longest pause in handling %d ms, handling resumed %d ms after the stop began; first handling"
                            + " after the node was gone: %d ms after the stop began; leader after: %s; %d messages (%d before the stop),"
                            + " %d duplicates%n",
                    kind, node, before.leader().equals(node) ? "the queue's leader" : "a follower",
                    connectionsOn.isEmpty() ? "none" : String.join(" and ", connectionsOn),
                    TimeUnit.NANOSECONDS.toMillis(goneAt - stoppedAt), p.longestPause(), p.resumedAfter(), p.firstAfterEnd(),
                    after.leader(), stream.sent(), beforeStop, stream.duplicates());
        } finally {
            long restart = System.nanoTime();
            c.restartStopped(c.patience());
            System.out.println("[sluice] rabbitmq-cluster: " + node + " started again and answers AMQP in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart) + " ms");
        }
        await("the restarted node runs its replica of the queue again").ignoreExceptions()
                .until(() -> c.online(destination).contains(node));
    }
}
