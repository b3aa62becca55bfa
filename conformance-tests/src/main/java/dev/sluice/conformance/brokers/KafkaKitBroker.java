package dev.sluice.conformance.brokers;

import dev.sluice.BacklogLimit;
import dev.sluice.conformance.BrokerProbe;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.ProxiedKitBroker;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;

/**
 * The kit's Kafka. Channels reach it through the fault proxy, on a listener that advertises the
 * proxy's port (so every connection, not only the bootstrap, passes the proxy); the probe's
 * admin client talks to the broker directly: the group's committed offsets against the end
 * offsets. The broker's own pressure is a client quota on request time
 * ({@code request_percentage}) that makes the broker throttle every client: a byte-rate quota
 * ({@code producer_byte_rate}) far below the traffic throttles for a time proportional to the
 * excess, unbounded — after one second of a soak's traffic over 16 B/s the client stayed muted
 * for many minutes after the quota was removed — while a request quota's throttle is bounded
 * by the quota window. Each test gets a topic with one partition per member it runs.
 */
public final class KafkaKitBroker extends ProxiedKitBroker implements BrokerProbe {

    /** A share of the broker's request threads' time (in percent) that the kit's traffic exceeds at once. */
    private static final double THROTTLING_REQUEST_PERCENTAGE = 0.01;
    private static final ClientQuotaEntity EVERY_CLIENT = new ClientQuotaEntity(
            java.util.Collections.singletonMap(ClientQuotaEntity.CLIENT_ID, null));

    private final Admin direct;

    public KafkaKitBroker(ProvisionedBroker broker) throws IOException {
        super(broker);
        this.direct = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.host() + ":" + broker.port(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    }

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public String uri(String destination) {
        return uri(destination, 1);
    }

    @Override
    public String uri(String destination, int members) {
        // Without a route through the proxy, clients would go around it after the bootstrap.
        String hostPort = broker.proxyRoute().isPresent() ? proxy.host() + ":" + proxy.port() : broker.host() + ":" + broker.port();
        return "kafka://" + hostPort + "/" + destination + "?partitions=" + Math.max(1, members);
    }

    /** A dead member is noticed after the broker's least session timeout (6 s), not the client's default 45 s. */
    @Override
    public java.util.Map<String, String> memberSettings() {
        return java.util.Map.of("consumer.session.timeout.ms", "6000", "consumer.heartbeat.interval.ms", "1000");
    }

    @Override
    public BrokerProbe probe() {
        return this;
    }

    private KafkaForeignClient foreign;

    @Override
    public synchronized Optional<dev.sluice.conformance.ForeignClient> foreign() {
        if (foreign == null) {
            foreign = new KafkaForeignClient(broker.host() + ":" + broker.port());
        }
        return Optional.of(foreign);
    }

    @Override
    public Set<Fault> faults() {
        Set<Fault> faults = EnumSet.of(Fault.BROKER_PRESSURE);
        if (broker.proxyRoute().isPresent()) {
            faults.addAll(super.faults());
        } else if (broker.restartable()) {
            faults.add(Fault.RESTART);
        }
        return faults;
    }

    @Override
    public String whyNot(Fault fault) {
        if ((fault == Fault.STALL || fault == Fault.CUT_CONNECTIONS) && broker.proxyRoute().isEmpty()) {
            return "Kafka clients connect to the address the broker advertises after the bootstrap, and this broker ("
                    + broker.source() + ") advertises its own: no proxy can stand between them";
        }
        return super.whyNot(fault);
    }

    @Override
    public void inject(Fault fault) throws Exception {
        if (fault == Fault.BROKER_PRESSURE) {
            quota(THROTTLING_REQUEST_PERCENTAGE);
        } else {
            super.inject(fault);
        }
    }

    @Override
    public void heal(Fault fault) throws Exception {
        if (fault == Fault.BROKER_PRESSURE) {
            quota(null);
        } else {
            super.heal(fault);
        }
    }

    /** Sets (or, with null, removes) the default {@code request_percentage} quota of every client. */
    private void quota(Double percentage) throws Exception {
        direct.alterClientQuotas(List.of(new ClientQuotaAlteration(EVERY_CLIENT,
                List.of(new ClientQuotaAlteration.Op("request_percentage", percentage))))).all().get(15, TimeUnit.SECONDS);
    }

    @Override
    public OptionalLong ready(String destination, String group) {
        try {
            var description = direct.describeTopics(List.of(destination)).allTopicNames().get().get(destination);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            description.partitions().forEach(p -> {
                latest.put(new TopicPartition(destination, p.partition()), OffsetSpec.latest());
                earliest.put(new TopicPartition(destination, p.partition()), OffsetSpec.earliest());
            });
            var ends = direct.listOffsets(latest).all().get();
            var starts = direct.listOffsets(earliest).all().get();
            Map<TopicPartition, OffsetAndMetadata> committed = direct.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            long lag = 0;
            for (TopicPartition tp : ends.keySet()) {
                OffsetAndMetadata c = committed.get(tp);
                long from = Math.max(starts.get(tp).offset(), c == null ? 0 : c.offset());
                lag += Math.max(0, ends.get(tp).offset() - from);
            }
            return OptionalLong.of(lag);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return OptionalLong.of(0);
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kafka knows what a group committed, not what its members hold uncommitted. */
    @Override
    public OptionalLong unacked(String destination, String group) {
        return OptionalLong.empty();
    }

    @Override
    public OptionalLong backlog(String destination, String group) {
        return ready(destination, group);
    }

    @Override
    public Optional<String> whyNoMaxAgeExpiry() {
        return broker.source().contains("in-process")
                ? Optional.empty()
                : Optional.of("the broker deletes expired segments every log.retention.check.interval.ms (5 min by default),"
                        + " past the kit's patience; the adapter sets retention.ms, which the broker enforces then");
    }

    @Override
    public OptionalInt maxPayloadBytes() {
        return OptionalInt.of(1_048_576); // the producer's max.request.size: a bigger payload never fits a request
    }

    @Override
    public boolean storesDestinationSettings() {
        return true; // retention.ms
    }

    @Override
    public List<BacklogLimit> conflictingLimits() {
        return List.of(BacklogLimit.maxAge(Duration.ofSeconds(10)), BacklogLimit.maxAge(Duration.ofSeconds(20)));
    }

    @Override
    public Optional<String> unreachableUri() {
        return Optional.of("kafka://127.0.0.1:1/unreachable");
    }

    @Override
    public void deleteDestination(String destination) throws Exception {
        try {
            direct.deleteTopics(List.of(destination, destination + ".dlq")).topicNameValues()
                    .forEach((name, f) -> {
                        try {
                            f.get(15, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            // never created
                        }
                    });
        } catch (RuntimeException e) {
            // nothing to delete
        }
    }

    @Override
    public void deleteGroup(String group) throws Exception {
        try {
            direct.deleteConsumerGroups(List.of(group)).all().get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // A member whose channel closed under a stall could not leave: the group empties
            // when its session times out, and the broker forgets it with its offsets later.
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)
                    && !(e.getCause() instanceof org.apache.kafka.common.errors.GroupNotEmptyException)) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        try {
            quota(null);
        } catch (Exception ignored) {
            // the broker is going away with the JVM
        }
        super.close();
        synchronized (this) {
            if (foreign != null) {
                foreign.close();
            }
        }
        direct.close(Duration.ofSeconds(5));
    }
}
