package dev.sluice.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.HealthStatus;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.ProducerPolicy;
import dev.sluice.conformance.FaultStream;
import dev.sluice.conformance.Received;
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
 * holds none of the channel's connections; or the node that leads the queue and holds the
 * consumer's connection is killed with SIGKILL. Skipped, with the reason, when {@code rabbitmq-server}
 * or {@code rabbitmqctl} is not on the PATH (a failure with {@code -Dsluice.brokers.required=rabbitmq}).
 */
@DisplayName("amqp:// on a 3-node RabbitMQ cluster, quorum queues, a node stopped or killed mid-stream")
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
        runThrough("the consumer connection's node stopped", Fault.STOP, RabbitMqClusterTest::consumerNode);
    }

    @Test
    @DisplayName("the queue leader's node stops while it holds none of the channel's connections: a follower is elected,"
            + " nothing is lost, duplicates stay within the in-flight caps, the queue ends empty")
    void leaderNodeStops() throws Exception {
        runThrough("the queue leader's node stopped", Fault.STOP, (c, destination) -> {
            List<String> free = new ArrayList<>(c.cluster().nodes());
            free.removeAll(c.nodesHolding("sluice-consume-" + destination));
            free.removeAll(c.nodesHolding("sluice-publish-" + destination));
            assertThat(free).as("a node holding none of the channel's two connections (three nodes, two connections)").isNotEmpty();
            return leading(c, destination, free.get(0));
        });
    }

    @Test
    @DisplayName("the node that leads the queue and holds the consumer's connection is killed (SIGKILL): the connection"
            + " recovers to another node, a follower is elected, nothing is lost, duplicates stay within the in-flight caps")
    void leaderAndConnectedNodeKilled() throws Exception {
        runThrough("the leader's node, with the consumer connection, killed", Fault.KILL, (c, destination) -> leading(c, destination, consumerNode(c, destination)));
    }

    @Test
    @DisplayName("two of three nodes stop: the quorum queue has no majority and confirms nothing, the block policy holds"
            + " sends and then times out, nothing is lost; when the nodes return everything held is delivered")
    void majorityLost() throws Exception {
        RabbitMqClusterKitBroker c = cluster();
        c.restartStopped(c.patience());
        String destination = fresh("no-majority");
        int capacity = 20;
        BackpressureChannel ch = open(spec(destination)
                .producer(ProducerPolicy.buffer(capacity).maxInFlight(5).onOverflow(Overflow.block(Duration.ofMillis(300)))));
        await("the queue has a leader and three replicas").ignoreExceptions().until(() -> c.leader(destination).members() == 3);
        Received received = new Received();
        ch.consumer(group).start(received);
        assertThat(ch.producer().send(Message.of("warm-up")).isAccepted()).isTrue();
        await().until(() -> received.distinct().contains("warm-up"));

        String survivor = consumerNode(c, destination);
        List<String> stopped = c.cluster().nodes().stream().filter(n -> !n.equals(survivor)).toList();
        long stoppedAt = System.nanoTime();
        for (String node : stopped) {
            c.stop(node);
        }
        long goneAt = System.nanoTime();
        try {
            int accepted = sendUntilTimedOut(ch, "held", 0, 10 * capacity, "while no majority runs");
            assertThat(accepted).as("sends the channel took while no majority ran").isLessThanOrEqualTo(capacity + 5);
            HealthStatus meanwhile = ch.health();
            long restartAt = System.nanoTime();
            c.restartStopped(c.patience());
            await("every held send delivered").until(() -> received.distinct().size() == accepted + 1);
            long deliveredAt = System.nanoTime();
            assertThat(ch.producer().flush(c.patience())).isTrue();
            assertThat(ch.pressure().producer().failed()).as("sends lost").isZero();
            assertThat(ch.pressure().producer().reconciles()).isTrue();
            await("nothing held by the queue's leader, ready or handed out")
                    .until(() -> c.total(destination).orElse(-1) == 0);
            System.out.printf("[sluice] rabbitmq-cluster, two of three nodes stopped (%s; %s runs): stops took %d ms; %d sends"
                            + " held; health meanwhile %s (%s); every held send handled %d ms after the restart began%n",
                    stopped, survivor, TimeUnit.NANOSECONDS.toMillis(goneAt - stoppedAt), accepted, meanwhile.state(),
                    meanwhile.detail(), TimeUnit.NANOSECONDS.toMillis(deliveredAt - restartAt));
        } finally {
            c.restartStopped(c.patience());
        }
    }

    /** @return the node the channel's consumer connection is on */
    private static String consumerNode(RabbitMqClusterKitBroker c, String destination) throws Exception {
        Set<String> held = c.nodesHolding("sluice-consume-" + destination);
        assertThat(held).as("nodes holding the channel's consumer connection").hasSize(1);
        return held.iterator().next();
    }

    /** Moves the queue's leadership to the node, unless it leads already; returns the node. */
    private String leading(RabbitMqClusterKitBroker c, String destination, String node) throws Exception {
        if (!c.leader(destination).leader().equals(node)) {
            c.transferLeadership(destination, node);
            await("the leadership moved to " + node).ignoreExceptions().until(() -> c.leader(destination).leader().equals(node));
        }
        return node;
    }

    /** How the chosen node goes. */
    private enum Fault {
        /** {@code rabbitmqctl stop}: the node leaves in order. */
        STOP,
        /** SIGKILL: a crash, only closed sockets tell anyone. */
        KILL
    }

    private interface Choice {
        String node(RabbitMqClusterKitBroker cluster, String destination) throws Exception;
    }

    private void runThrough(String kind, Fault fault, Choice choice) throws Exception {
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
        if (fault == Fault.KILL) {
            c.kill(node);
        } else {
            c.stop(node);
        }
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
            System.out.printf("[sluice] rabbitmq-cluster, %s (%s, %s; the channel's connections on it: %s): the %s took"
                            + " %d ms; longest pause in handling %d ms, handling resumed %d ms after the stop began; first handling"
                            + " after the node was gone: %d ms after the stop began; leader after: %s; %d messages (%d before the stop),"
                            + " %d duplicates%n",
                    kind, node, before.leader().equals(node) ? "the queue's leader" : "a follower",
                    connectionsOn.isEmpty() ? "none" : String.join(" and ", connectionsOn), fault.name().toLowerCase(java.util.Locale.ROOT),
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
