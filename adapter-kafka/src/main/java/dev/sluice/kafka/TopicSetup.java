package dev.sluice.kafka;

import dev.sluice.BacklogLimit;
import dev.sluice.BrokerUnavailableException;
import dev.sluice.DestinationConflictException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Makes sure the topic exists as the spec asks: creates it ({@code partitions},
 * {@code replicationFactor}, {@code retention.ms} for a maximum age) or, when it exists, checks
 * that its {@code retention.ms} is the maximum age asked for: a channel never changes the
 * retention of a topic others may rely on, and fails with a {@link DestinationConflictException}
 * that shows both. Also reads {@code max.message.bytes}, which with the producer's
 * {@code max.request.size} bounds the payload, and {@code min.insync.replicas}, below which the
 * brokers refuse the producer's {@code acks=all} writes ({@code NOT_ENOUGH_REPLICAS}).
 */
final class TopicSetup {

    /** Room for the record batch header, the record's own fields, the key and the headers. */
    static final int RECORD_OVERHEAD_BYTES = 512;

    private final Admin admin;
    private final KafkaEndpoint endpoint;
    private final Duration timeout;
    private final int partitions;
    private final int maxPayloadBytes;
    private final int minInSyncReplicas;
    private volatile boolean deadLetterReady;

    private TopicSetup(Admin admin, KafkaEndpoint endpoint, Duration timeout, int partitions, int maxPayloadBytes,
                       int minInSyncReplicas) {
        this.admin = admin;
        this.endpoint = endpoint;
        this.timeout = timeout;
        this.partitions = partitions;
        this.maxPayloadBytes = maxPayloadBytes;
        this.minInSyncReplicas = minInSyncReplicas;
    }

    static TopicSetup prepare(Admin admin, KafkaEndpoint endpoint) {
        Duration timeout = endpoint.spec().connectTimeout();
        Optional<Duration> maxAge = endpoint.spec().backlog().flatMap(BacklogLimit::maxAge);
        String topic = endpoint.topic();
        try {
            Optional<TopicDescription> existing = describe(admin, topic, timeout);
            if (existing.isEmpty()) {
                create(admin, topic, endpoint, maxAge, timeout);
            }
            Config config = describeConfig(admin, topic, timeout);
            if (maxAge.isPresent()) {
                ConfigEntry retention = config.get(TopicConfig.RETENTION_MS_CONFIG);
                String asked = Long.toString(maxAge.get().toMillis());
                if (retention == null || !asked.equals(retention.value())) {
                    throw new DestinationConflictException(topic,
                            "retention.ms=" + (retention == null ? "unknown" : retention.value()),
                            "retention.ms=" + asked + " (BacklogLimit.maxAge " + maxAge.get()
                                    + "); change the topic with kafka-configs --alter or open it without a maximum age");
                }
            }
            ConfigEntry maxMessage = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            long topicMax = maxMessage == null ? Integer.MAX_VALUE : Long.parseLong(maxMessage.value());
            long requestMax = Long.parseLong(String.valueOf(endpoint.producerConfig()
                    .getOrDefault(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_576)));
            int maxPayload = (int) Math.max(0, Math.min(topicMax, requestMax) - RECORD_OVERHEAD_BYTES);
            int partitions = existing.map(d -> d.partitions().size()).orElse(endpoint.partitions());
            ConfigEntry minIsr = config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            int minInSync = minIsr == null || minIsr.value() == null ? 1 : Integer.parseInt(minIsr.value());
            return new TopicSetup(admin, endpoint, timeout, partitions, maxPayload, minInSync);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerUnavailableException("interrupted while preparing topic '" + topic + "' at " + endpoint.bootstrap(), e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw unavailable(endpoint, timeout, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unavailable(endpoint, timeout, e.getCause());
            }
            throw new IllegalStateException("Kafka at " + endpoint.bootstrap() + " refused to prepare topic '" + topic
                    + "': " + e.getCause(), e.getCause());
        }
    }

    static BrokerUnavailableException unavailable(KafkaEndpoint endpoint, Duration timeout, Throwable cause) {
        return BrokerUnavailableException.of("Kafka at " + endpoint.bootstrap(), timeout, cause);
    }

    private static Optional<TopicDescription> describe(Admin admin, String topic, Duration timeout)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        try {
            return Optional.of(admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Reads the topic's configuration; a topic just created may take a moment to be known everywhere. */
    private static Config describeConfig(Admin admin, String topic, Duration timeout)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return admin.describeConfigs(List.of(resource)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(resource);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50); // back off before asking again
            }
        }
    }

    private static void create(Admin admin, String topic, KafkaEndpoint endpoint, Optional<Duration> maxAge, Duration timeout)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        NewTopic newTopic = new NewTopic(topic, Optional.of(endpoint.partitions()), endpoint.replicationFactor());
        maxAge.ifPresent(age -> newTopic.configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(age.toMillis()))));
        try {
            admin.createTopics(List.of(newTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
            // another channel created it first
        }
    }

    /** Creates the dead-letter topic unless it exists; once per session. */
    void ensureDeadLetterTopic() {
        if (deadLetterReady) {
            return;
        }
        try {
            if (describe(admin, endpoint.deadLetterTopic(), timeout).isEmpty()) {
                NewTopic dlq = new NewTopic(endpoint.deadLetterTopic(), Optional.of(partitions), endpoint.replicationFactor());
                try {
                    admin.createTopics(List.of(dlq)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            deadLetterReady = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // created on first use by a broker that auto-creates, else the dead-lettering fails and the record comes again
        }
    }

    int partitions() {
        return partitions;
    }

    int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /** @return the topic's {@code min.insync.replicas} as the brokers reported it when the channel opened */
    int minInSyncReplicas() {
        return minInSyncReplicas;
    }
}
