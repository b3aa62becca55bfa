package dev.sluice.conformance.brokers;

import dev.sluice.conformance.Fault;
import dev.sluice.conformance.ForeignClient;
import dev.sluice.conformance.provision.KafkaClusterServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * The kit's three-broker Kafka cluster ({@link KafkaClusterServers}): channels open topics with
 * replication factor 3 (and the brokers' {@code min.insync.replicas=2}), bootstrapping from every
 * broker. There is no fault proxy (each broker tells clients the others' addresses, which would
 * bypass it); the faults are the brokers' own: a request quota for broker pressure, and in the
 * cluster scenarios a partition leader killed with SIGKILL ({@link #killLeader(String, int)}) or
 * two brokers killed, which leaves the topic with fewer in-sync replicas than
 * {@code min.insync.replicas}.
 */
public final class KafkaClusterKitBroker implements KafkaKit, AutoCloseable {

    private final KafkaClusterServers cluster;
    private final KafkaAdmin admin;
    private KafkaForeignClient foreign;

    /** @param cluster a running cluster; closed with this broker */
    public KafkaClusterKitBroker(KafkaClusterServers cluster) {
        this.cluster = cluster;
        this.admin = new KafkaAdmin(cluster.bootstrap());
    }

    /** @return the cluster the channels run on */
    public KafkaClusterServers cluster() {
        return cluster;
    }

    @Override
    public String name() {
        return "kafka-cluster";
    }

    @Override
    public String uri(String destination) {
        return uri(destination, 1);
    }

    @Override
    public String uri(String destination, int members) {
        String[] brokers = cluster.bootstrap().split(",", 2);
        return "kafka://" + brokers[0] + "/" + destination + "?partitions=" + Math.max(1, members)
                + "&replicationFactor=3&bootstrap=" + brokers[1];
    }

    @Override
    public synchronized Optional<ForeignClient> foreign() {
        if (foreign == null) {
            foreign = new KafkaForeignClient(cluster.bootstrap());
        }
        return Optional.of(foreign);
    }

    /** @return the partition's leader and in-sync replicas as the controller has them now */
    public TopicPartitionInfo partition(String topic, int partition) throws Exception {
        TopicDescription d = admin.admin().describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic);
        return d.partitions().get(partition);
    }

    /** @return the id of the partition's leader now, or -1 when it has none */
    public int leader(String topic, int partition) throws Exception {
        Node leader = partition(topic, partition).leader();
        return leader == null || leader.isEmpty() ? -1 : leader.id();
    }

    /**
     * Kills the broker that leads the partition (SIGKILL) and returns once another broker leads
     * it; the killed broker stays down until {@link #restartKilled(Duration)}.
     *
     * @return the id of the killed broker
     */
    public int killLeader(String topic, int partition, Duration timeout) throws Exception {
        int old = leader(topic, partition);
        if (old < 0) {
            throw new IllegalStateException("partition " + partition + " of '" + topic + "' has no leader to kill");
        }
        cluster.kill(old);
        org.awaitility.Awaitility.await("a new leader of " + topic + "-" + partition + " in place of broker " + old)
                .atMost(timeout).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> leader(topic, partition), l -> l >= 0 && l != old);
        return old;
    }

    /**
     * Kills every broker but the partition's leader, and returns once the partition's in-sync
     * replicas have shrunk below {@code min.insync.replicas}.
     *
     * @return the ids of the killed brokers
     */
    public List<Integer> killFollowers(String topic, int partition, Duration timeout) throws Exception {
        int leader = leader(topic, partition);
        List<Integer> killed = new ArrayList<>();
        for (int id : cluster.brokerIds()) {
            if (id != leader) {
                cluster.kill(id);
                killed.add(id);
            }
        }
        org.awaitility.Awaitility.await("the in-sync replicas of " + topic + "-" + partition + " below min.insync.replicas")
                .atMost(timeout).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> partition(topic, partition).isr().size() < KafkaClusterServers.MIN_IN_SYNC_REPLICAS);
        return killed;
    }

    /** Starts every killed broker again and waits until every partition of the topic has all three replicas in sync. */
    public void restartKilled(String topic, Duration timeout) throws Exception {
        cluster.startAll(timeout);
        org.awaitility.Awaitility.await("every replica of " + topic + " in sync").atMost(timeout)
                .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> admin.admin().describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS)
                        .get(topic).partitions().stream().allMatch(p -> p.isr().size() == 3));
    }

    @Override
    public Set<Fault> faults() {
        return Set.of(Fault.BROKER_PRESSURE);
    }

    @Override
    public String whyNot(Fault fault) {
        return switch (fault) {
            case STALL, CUT_CONNECTIONS -> "Kafka clients connect to the address each broker advertises after the bootstrap:"
                    + " no proxy can stand in front of a cluster's brokers";
            case RESTART -> "kafka-cluster: brokers are killed in the cluster scenarios (families 28 and 29 of"
                    + " KafkaClusterCompatibilityTest), not restarted in place";
            default -> "kafka-cluster offers no " + fault + " fault";
        };
    }

    @Override
    public void inject(Fault fault) throws Exception {
        if (fault != Fault.BROKER_PRESSURE) {
            throw new UnsupportedOperationException(whyNot(fault));
        }
        admin.throttleEveryClient(true);
    }

    @Override
    public void heal(Fault fault) throws Exception {
        if (fault == Fault.BROKER_PRESSURE) {
            admin.throttleEveryClient(false);
        }
    }

    @Override
    public OptionalLong ready(String destination, String group) {
        return admin.ready(destination, group);
    }

    @Override
    public OptionalInt maxPayloadBytes() {
        return OptionalInt.of(1_048_576); // the producer's max.request.size
    }

    @Override
    public void deleteDestination(String destination) {
        admin.deleteDestination(destination);
    }

    @Override
    public void deleteGroup(String group) throws Exception {
        admin.deleteGroup(group);
    }

    @Override
    public void close() throws Exception {
        synchronized (this) {
            if (foreign != null) {
                foreign.close();
            }
        }
        admin.close();
        cluster.close();
    }

    @Override
    public String toString() {
        return "kafka-cluster " + cluster.bootstrap() + " (kit-started)";
    }
}
