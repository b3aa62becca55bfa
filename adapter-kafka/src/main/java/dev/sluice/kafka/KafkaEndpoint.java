package dev.sluice.kafka;

import dev.sluice.ChannelSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Where a channel's topic is: {@code kafka://host[:port]/topic} with optional query parameters:
 * <ul>
 *   <li>{@code bootstrap}: more {@code host:port} pairs, comma-separated, for the bootstrap list;
 *   <li>{@code partitions}: the partition count when the channel creates the topic; default 3;
 *   <li>{@code replicationFactor}: the replication factor when it creates the topic; default the
 *       broker's {@code default.replication.factor};
 *   <li>{@code group}: a consumer group whose lag is the channel's backlog (and what a
 *       reject-newest limit counts) before the channel has consumers of its own;
 *   <li>{@code revokeGraceMs}: how long a member whose partitions are revoked in a rebalance
 *       waits for the handlers of their records before it commits and lets them go; default
 *       5 000. The whole group's rebalance waits as long, so keep it well below
 *       {@code max.poll.interval.ms}.
 * </ul>
 * Native settings ({@link ChannelSpec#nativeSetting}) go to the Kafka clients unchanged: a name
 * starting with {@code producer.}, {@code consumer.} or {@code admin.} to that client only (the
 * prefix removed), any other name ({@code security.protocol}, {@code sasl.jaas.config}, ...) to
 * all three.
 */
record KafkaEndpoint(String bootstrap, String topic, int partitions, Optional<Short> replicationFactor,
                     Optional<String> group, Duration revokeGrace, Map<String, String> nativeSettings, ChannelSpec spec) {

    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    static KafkaEndpoint of(ChannelSpec spec) {
        spec.requireKnownParameters(java.util.Set.of("partitions", "replicationFactor", "group", "bootstrap", "revokeGraceMs"));
        var uri = spec.uri();
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") names no host; expected kafka://host:9092/topic");
        }
        String topic = spec.destination().orElseThrow(() -> new IllegalArgumentException(
                "uri (" + spec.redactedUri() + ") names no topic; expected kafka://host:9092/topic"));
        if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new IllegalArgumentException("topic (\"" + topic + "\") must be 1 to 249 of the characters a-z A-Z 0-9 . _ -");
        }
        StringBuilder bootstrap = new StringBuilder(uri.getHost() + ":" + (uri.getPort() > 0 ? uri.getPort() : 9092));
        spec.queryParameter("bootstrap").ifPresent(more -> {
            for (String hostPort : more.split(",")) {
                if (!hostPort.matches("[^:,\\s]+:\\d{1,5}")) {
                    throw new IllegalArgumentException("bootstrap (\"" + more + "\") must be host:port pairs separated by commas");
                }
                bootstrap.append(',').append(hostPort);
            }
        });
        int partitions = (int) (long) spec.queryParameter("partitions").map(v -> parse("partitions", v, 1, 100_000)).orElse(3L);
        Optional<Short> replication = spec.queryParameter("replicationFactor")
                .map(v -> (short) parse("replicationFactor", v, 1, Short.MAX_VALUE));
        Optional<String> group = spec.queryParameter("group").filter(g -> !g.isBlank());
        Duration revokeGrace = Duration.ofMillis(spec.queryParameter("revokeGraceMs")
                .map(v -> parse("revokeGraceMs", v, 0, 600_000)).orElse(5_000L));
        spec.nativeSettings().keySet().forEach(KafkaEndpoint::requireKnownSetting);
        requireClassicOnlyAbsent(spec.nativeSettings());
        return new KafkaEndpoint(bootstrap.toString(), topic, partitions, replication, group, revokeGrace,
                spec.nativeSettings(), spec);
    }

    /** A native setting Kafka's clients would only warn about and ignore is refused by name instead. */
    private static void requireKnownSetting(String name) {
        java.util.Set<String> known;
        String bare;
        if (name.startsWith("producer.")) {
            known = org.apache.kafka.clients.producer.ProducerConfig.configNames();
            bare = name.substring("producer.".length());
        } else if (name.startsWith("consumer.")) {
            known = org.apache.kafka.clients.consumer.ConsumerConfig.configNames();
            bare = name.substring("consumer.".length());
        } else if (name.startsWith("admin.")) {
            known = AdminClientConfig.configNames();
            bare = name.substring("admin.".length());
        } else {
            java.util.Set<String> all = new java.util.HashSet<>(org.apache.kafka.clients.producer.ProducerConfig.configNames());
            all.addAll(org.apache.kafka.clients.consumer.ConsumerConfig.configNames());
            all.addAll(AdminClientConfig.configNames());
            known = all;
            bare = name;
        }
        if (!known.contains(bare)) {
            throw new IllegalArgumentException("native setting '" + name + "' is not a Kafka client setting"
                    + (name.equals(bare) ? "" : " of that client") + "; see the producer, consumer and admin configs");
        }
    }

    /** Settings of the classic group protocol that the consumer protocol's brokers own instead. */
    private static final java.util.List<String> CLASSIC_ONLY = java.util.List.of(
            "session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy");

    /**
     * With {@code group.protocol=consumer} the broker assigns partitions and owns the session and
     * heartbeat ({@code group.consumer.*}); the consumer would refuse the classic settings only
     * when a member starts, so they are refused here, at open, by name.
     */
    private static void requireClassicOnlyAbsent(Map<String, String> settings) {
        String protocol = settings.getOrDefault("consumer.group.protocol", settings.get("group.protocol"));
        if (protocol == null || !protocol.trim().equalsIgnoreCase("consumer")) {
            return;
        }
        for (String bare : CLASSIC_ONLY) {
            for (String name : java.util.List.of("consumer." + bare, bare)) {
                if (settings.containsKey(name)) {
                    throw new IllegalArgumentException("native setting '" + name + "' (" + settings.get(name)
                            + ") cannot be set with group.protocol=consumer: the brokers assign the partitions and set the"
                            + " session and heartbeat (group.consumer.* broker or group configs)");
                }
            }
        }
    }

    private static long parse(String name, String value, long min, long max) {
        try {
            long v = Long.parseLong(value);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(name + " (" + value + ") must be a whole number from " + min + " to " + max);
    }

    /** The dead-letter topic: the consumer policy's, else {@code <topic>.dlq}. */
    String deadLetterTopic() {
        return spec.consumer().deadLetter().orElse(topic + ".dlq");
    }

    Map<String, Object> adminConfig() {
        Map<String, Object> c = common();
        int timeout = millis(spec.connectTimeout().toMillis());
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
        c.put(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-admin-" + topic);
        return with(c, "admin.");
    }

    /**
     * Idempotent, {@code acks=all}; {@code max.block.ms} is the connect timeout, so a send waits
     * at most that long for metadata or for room in {@code buffer.memory}. Throttle-time metrics
     * are sampled over one-second windows so that the end of a broker's throttling shows quickly.
     */
    Map<String, Object> producerConfig() {
        Map<String, Object> c = common();
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, millis(spec.connectTimeout().toMillis()));
        c.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        c.put(CommonClientConfigs.METRICS_SAMPLE_WINDOW_MS_CONFIG, 1_000);
        c.put(CommonClientConfigs.METRICS_NUM_SAMPLES_CONFIG, 2);
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-producer-" + topic);
        return with(c, "producer.");
    }

    /** Manual commits, {@code max.poll.records} = the batch size, from the earliest offset for a new group. */
    Map<String, Object> consumerConfig(String group, String member) {
        Map<String, Object> c = common();
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, member);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, spec.consumer().batchSize());
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis(spec.connectTimeout().toMillis()));
        return with(c, "consumer.");
    }

    private Map<String, Object> common() {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return c;
    }

    /** The user's native settings win over the adapter's defaults: shared ones first, then the client's own. */
    private Map<String, Object> with(Map<String, Object> c, String prefix) {
        nativeSettings.forEach((k, v) -> {
            if (!k.startsWith("producer.") && !k.startsWith("consumer.") && !k.startsWith("admin.")) {
                c.put(k, v);
            }
        });
        nativeSettings.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                c.put(k.substring(prefix.length()), v);
            }
        });
        return c;
    }

    private static int millis(long ms) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
    }

    @Override
    public String toString() {
        return bootstrap + "/" + topic;
    }
}
