package dev.sluice.conformance.brokers;

import dev.sluice.conformance.ForeignClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** kafka-clients as a plain application uses it: a producer of byte records, a consumer that reads a topic from its start. */
final class KafkaForeignClient implements ForeignClient, AutoCloseable {

    private final String bootstrap;
    private final KafkaProducer<byte[], byte[]> producer;

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

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
