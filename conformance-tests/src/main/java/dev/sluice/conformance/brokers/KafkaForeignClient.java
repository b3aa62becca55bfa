package dev.sluice.conformance.brokers;

import dev.sluice.conformance.ForeignClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * kafka-clients as a plain application uses it: a producer of byte records, a consumer that reads
 * a topic from its start, and an admin client that makes a topic of its own (3 partitions,
 * {@code retention.ms}, {@code max.message.bytes}) and describes it.
 */
final class KafkaForeignClient implements ForeignClient, AutoCloseable {

    /** Partitions of the topic an application made: more than a kit URI asks for. */
    static final int EXISTING_PARTITIONS = 3;
    /** The application's own {@code max.message.bytes}, other than the broker's default. */
    static final String EXISTING_MAX_MESSAGE_BYTES = "524288";

    private final String bootstrap;
    private final KafkaProducer<byte[], byte[]> producer;
    private Admin admin;

    KafkaForeignClient(String bootstrap) {
        this.bootstrap = bootstrap;
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000), new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public void write(String destination, NativeMessage m) throws Exception {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(destination, null,
                m.key() == null ? null : m.key().getBytes(StandardCharsets.UTF_8), m.body());
        m.headers().forEach((k, v) -> r.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        producer.send(r).get(15, TimeUnit.SECONDS);
    }

    @Override
    public Optional<String> writeMalformed(String destination, byte[] body) throws Exception {
        write(destination, new NativeMessage(body, null, Map.of("x-sluice-priority", "high")));
        return Optional.of("header x-sluice-priority=high");
    }

    @Override
    public List<NativeMessage> read(String destination, int count, Duration within) {
        List<NativeMessage> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = c.partitionsFor(destination).stream()
                    .map(p -> new TopicPartition(destination, p.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            long deadline = System.nanoTime() + within.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    Map<String, String> headers = new LinkedHashMap<>();
                    for (Header h : r.headers()) {
                        headers.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
                    }
                    out.add(new NativeMessage(r.value(), r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
                            headers));
                }
            }
        }
        return out;
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000));
        }
        return admin;
    }

    /**
     * A topic of {@value #EXISTING_PARTITIONS} partitions with {@code retention.ms} and
     * {@code max.message.bytes} of its own; the messages go round the partitions, and the
     * application's group commits past the first record of partition 0.
     */
    @Override
    public boolean createExisting(String destination, String appGroup, List<NativeMessage> messages) throws Exception {
        admin().createTopics(List.of(new NewTopic(destination, EXISTING_PARTITIONS, (short) 1).configs(Map.of(
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(EXISTING_RETENTION.toMillis()),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, EXISTING_MAX_MESSAGE_BYTES)))).all().get(15, TimeUnit.SECONDS);
        for (int i = 0; i < messages.size(); i++) {
            NativeMessage m = messages.get(i);
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(destination, i % EXISTING_PARTITIONS,
                    m.key() == null ? null : m.key().getBytes(StandardCharsets.UTF_8), m.body());
            m.headers().forEach((k, v) -> r.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            producer.send(r).get(15, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, appGroup, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.commitSync(Map.of(new TopicPartition(destination, 0), new OffsetAndMetadata(1)), Duration.ofSeconds(15));
        }
        return true;
    }

    /**
     * The partition count, every topic config set on the topic itself ({@code config.<name>}),
     * each partition's end offset ({@code end.<p>}: a channel that only consumes writes nothing)
     * and the application's group's committed offsets ({@code group.<p>}).
     */
    @Override
    public Optional<Map<String, String>> settings(String destination, String appGroup) throws Exception {
        Map<String, String> settings = new TreeMap<>();
        TopicDescription topic = admin().describeTopics(List.of(destination)).allTopicNames().get(15, TimeUnit.SECONDS)
                .get(destination);
        settings.put("partitions", Integer.toString(topic.partitions().size()));
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, destination);
        Config config = admin().describeConfigs(List.of(resource)).all().get(15, TimeUnit.SECONDS).get(resource);
        for (ConfigEntry e : config.entries()) {
            if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                settings.put("config." + e.name(), e.value());
            }
        }
        Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        topic.partitions().forEach(p -> latest.put(new TopicPartition(destination, p.partition()), OffsetSpec.latest()));
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                : admin().listOffsets(latest).all().get(15, TimeUnit.SECONDS).entrySet()) {
            settings.put("end." + e.getKey().partition(), Long.toString(e.getValue().offset()));
        }
        admin().listConsumerGroupOffsets(appGroup).partitionsToOffsetAndMetadata().get(15, TimeUnit.SECONDS)
                .forEach((tp, offset) -> {
                    if (tp.topic().equals(destination)) {
                        settings.put("group." + tp.partition(), offset == null ? "none" : Long.toString(offset.offset()));
                    }
                });
        return Optional.of(settings);
    }

    @Override
    public synchronized void close() {
        producer.close(Duration.ofSeconds(5));
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }
}
