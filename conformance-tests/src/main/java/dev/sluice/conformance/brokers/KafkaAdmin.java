package dev.sluice.conformance.brokers;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;

/**
 * The kit's admin client on a Kafka broker or cluster, talking to the brokers directly (never
 * through a fault proxy): what a group has left to read, the broker-pressure quota, and the
 * clean-up after a test. Shared by {@link KafkaKitBroker} and {@link KafkaClusterKitBroker}.
 */
final class KafkaAdmin implements AutoCloseable {

    /**
     * A share of the broker's request threads' time (in percent) that the kit's traffic exceeds at
     * once: a request quota's throttle is bounded by the quota window, while a byte-rate quota far
     * below the traffic throttles for a time proportional to the excess, unbounded.
     */
    private static final double THROTTLING_REQUEST_PERCENTAGE = 0.01;
    private static final ClientQuotaEntity EVERY_CLIENT = new ClientQuotaEntity(
            java.util.Collections.singletonMap(ClientQuotaEntity.CLIENT_ID, null));

    private final Admin admin;

    KafkaAdmin(String bootstrap) {
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    }

    Admin admin() {
        return admin;
    }

    /** Makes the brokers throttle every client (true) or lifts that ({@code request_percentage} quota). */
    void throttleEveryClient(boolean on) throws Exception {
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(EVERY_CLIENT,
                List.of(new ClientQuotaAlteration.Op("request_percentage", on ? THROTTLING_REQUEST_PERCENTAGE : null)))))
                .all().get(15, TimeUnit.SECONDS);
    }

    /** @return what the group has not committed yet: end offsets minus committed offsets (or the start) */
    OptionalLong ready(String destination, String group) {
        try {
            var description = admin.describeTopics(List.of(destination)).allTopicNames().get().get(destination);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            description.partitions().forEach(p -> {
                latest.put(new TopicPartition(destination, p.partition()), OffsetSpec.latest());
                earliest.put(new TopicPartition(destination, p.partition()), OffsetSpec.earliest());
            });
            var ends = admin.listOffsets(latest).all().get();
            var starts = admin.listOffsets(earliest).all().get();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
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

    /** Deletes the topic and its dead-letter topic, when they exist. */
    void deleteDestination(String destination) {
        try {
            admin.deleteTopics(List.of(destination, destination + ".dlq")).topicNameValues()
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

    /** Deletes the group and its offsets, unless a member is still in it. */
    void deleteGroup(String group) throws Exception {
        try {
            admin.deleteConsumerGroups(List.of(group)).all().get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // A member whose channel closed under a stall could not leave: the group empties
            // when its session times out, and the broker forgets it with its offsets later.
            if (!(e.getCause() instanceof GroupIdNotFoundException) && !(e.getCause() instanceof GroupNotEmptyException)) {
                throw e;
            }
        }
    }

    /** Lifts the quota if it is still on, and closes the client. */
    @Override
    public void close() {
        try {
            throttleEveryClient(false);
        } catch (Exception ignored) {
            // the broker is going away with the JVM
        }
        admin.close(Duration.ofSeconds(5));
    }
}
