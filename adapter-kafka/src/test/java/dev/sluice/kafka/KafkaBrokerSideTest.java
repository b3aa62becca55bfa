package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Delivery;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.Sluice;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The claims of the Kafka adapter, read from Kafka itself with an admin client: committed
 * offsets never pass an unacked record, a paused member's position does not move, and a member
 * hands out nothing of a partition it lost in a rebalance.
 */
class KafkaBrokerSideTest {

    private final ProvisionedBroker kafka = BrokerProvisioner.shared(BrokerKind.KAFKA);
    private final List<BackpressureChannel> channels = new CopyOnWriteArrayList<>();
    private Admin admin;

    @BeforeEach
    void connect() {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.host() + ":" + kafka.port()));
    }

    @AfterEach
    void close() {
        channels.forEach(BackpressureChannel::close);
        admin.close(Duration.ofSeconds(5));
    }

    private BackpressureChannel open(String topic, int partitions, ConsumerPolicy consumer) {
        BackpressureChannel ch = Sluice.open(ChannelSpec.of(kafka.uri() + "/" + topic + "?partitions=" + partitions)
                .consumer(consumer).closeTimeout(Duration.ofSeconds(10)));
        channels.add(ch);
        return ch;
    }

    private static String fresh(String base) {
        return "sluice-" + base + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** @return the group's committed offset of partition 0, or -1 when it has none */
    private long committed(String topic, String group) throws Exception {
        OffsetAndMetadata om = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS).get(new TopicPartition(topic, 0));
        return om == null ? -1 : om.offset();
    }

    private long endOffset(String topic) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get(10, TimeUnit.SECONDS).get(tp).offset();
    }

    private static int partitionOf(Delivery d) {
        String id = d.id(); // topic-partition@offset
        return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1, id.indexOf('@')));
    }

    @Test
    @DisplayName("what Message cannot carry is in the record: non-UTF-8 keys and header values, repeated headers, a tombstone")
    void nativeRecordKeepsEveryByte() throws Exception {
        String topic = fresh("bytes");
        BackpressureChannel ch = open(topic, 1, ConsumerPolicy.pull(10));
        byte[] key = {(byte) 0xff, (byte) 0xfe, 0x00};
        byte[] first = {0x00, (byte) 0xc3};
        byte[] second = {(byte) 0x80};
        Map<String, Object> config = Map.of(
                org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.host() + ":" + kafka.port(),
                org.apache.kafka.clients.producer.ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArraySerializer.class.getName(),
                org.apache.kafka.clients.producer.ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        try (var plain = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(config)) {
            var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
            headers.add("h", first);
            headers.add("h", second);
            plain.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, key, "v".getBytes(), headers)).get(10, TimeUnit.SECONDS);
            plain.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, key, null)).get(10, TimeUnit.SECONDS);
        }
        List<Delivery> got = new CopyOnWriteArrayList<>();
        ch.consumer(fresh("g")).start(got::add);
        await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == 2);

        @SuppressWarnings("unchecked")
        org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record =
                got.get(0).unwrap(org.apache.kafka.clients.consumer.ConsumerRecord.class).orElseThrow();
        assertThat(record.key()).isEqualTo(key);
        assertThat(got.get(0).message().key()).as("the portable key is the UTF-8 reading, lossy here").contains("\uFFFD");
        List<byte[]> values = new java.util.ArrayList<>();
        record.headers().headers("h").forEach(h -> values.add(h.value()));
        assertThat(values).containsExactly(first, second);
        assertThat(got.get(0).unwrap(String.class)).as("a type the delivery is not").isEmpty();

        @SuppressWarnings("unchecked")
        org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> tombstone =
                got.get(1).unwrap(org.apache.kafka.clients.consumer.ConsumerRecord.class).orElseThrow();
        assertThat(tombstone.value()).as("a tombstone keeps its null value").isNull();
        assertThat(got.get(1).message().payload()).isEmpty();
    }

    @Test
    @DisplayName("the committed offset stops at an unacked record while the records after it are acked, and passes it once acked")
    void commitsNeverPassAnUnackedRecord() throws Exception {
        String topic = fresh("commit");
        // m3 fails once and waits 10 s for its redelivery: unacked all that time, while the
        // records after it are handled and acked at once.
        BackpressureChannel ch = open(topic, 1, ConsumerPolicy.pull(10).maxInFlight(10).redeliveryDelay(Duration.ofSeconds(10)));
        int n = 50;
        int held = 3;
        AtomicInteger acked = new AtomicInteger();
        ch.consumer("g").start(d -> {
            if (d.message().payloadAsString().equals("m" + held) && d.attempt() == 1) {
                throw new IllegalStateException("fails once");
            }
            acked.incrementAndGet();
        });
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        await().until(() -> {
            long c = committed(topic, "g");
            assertThat(c).as("committed while offset " + held + " is unacked").isLessThanOrEqualTo(held);
            return acked.get() == n - 1 && c == held;
        });
        // The channel counts an ack after the handler returned.
        await().until(() -> ch.pressure().consumer().acked() == n - 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> committed(topic, "g") == n);
        assertThat(acked.get()).isEqualTo(n);
    }

    @Test
    @DisplayName("while paused, the member's committed position does not move and nothing is delivered, though records arrive")
    void pausedPositionDoesNotMove() throws Exception {
        String topic = fresh("paused");
        BackpressureChannel ch = open(topic, 1, ConsumerPolicy.pull(10).maxInFlight(10).pollTimeout(Duration.ofMillis(100)));
        AtomicInteger received = new AtomicInteger();
        MessageConsumer consumer = ch.consumer("g");
        consumer.start(d -> received.incrementAndGet());
        for (int i = 0; i < 20; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        await().until(() -> committed(topic, "g") == 20);
        consumer.pause();
        for (int i = 20; i < 50; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.producer().flush(Duration.ofSeconds(10))).isTrue();
        assertThat(endOffset(topic)).isEqualTo(50);
        int before = received.get();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() ->
                received.get() == before && committed(topic, "g") == 20);
        consumer.resume();
        await().until(() -> committed(topic, "g") == 50);
        assertThat(received.get()).isEqualTo(50);
    }

    @Test
    @DisplayName("after a rebalance a member hands out nothing of the partitions it lost, and nothing is lost")
    void nothingOfARevokedPartition() throws Exception {
        String topic = fresh("revoke");
        int n = 60;
        BackpressureChannel ch = open(topic, 2, ConsumerPolicy.pull(4).maxInFlight(4).concurrency(4)
                .pollTimeout(Duration.ofMillis(100)));
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean released = new AtomicBoolean();
        Set<String> all = ConcurrentHashMap.newKeySet();
        Set<Integer> firstAfterRelease = ConcurrentHashMap.newKeySet();
        Set<Integer> second = ConcurrentHashMap.newKeySet();
        // The first member takes both partitions and holds its first four deliveries (one per
        // handler thread) while the second member joins and takes a partition away.
        ch.consumer("g").start(d -> {
            if (released.get()) {
                firstAfterRelease.add(partitionOf(d));
            }
            release.await(30, TimeUnit.SECONDS);
            all.add(d.message().payloadAsString());
        });
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i)); // no key: round robin over partitions, and over handler threads
        }
        await().until(() -> ch.pressure().consumerInFlight() == 4);
        ch.consumer("g").start(d -> {
            second.add(partitionOf(d));
            all.add(d.message().payloadAsString());
        });
        await().until(() -> !second.isEmpty());
        released.set(true);
        release.countDown();
        await().until(() -> all.size() == n);
        assertThat(second).hasSize(1);
        assertThat(firstAfterRelease).as("partitions the first member handed out after the rebalance")
                .doesNotContainAnyElementsOf(second);
        await("the group committed every record").until(() -> {
            Map<TopicPartition, OffsetAndMetadata> c = admin.listConsumerGroupOffsets("g").partitionsToOffsetAndMetadata().get();
            long sum = 0;
            for (int p = 0; p < 2; p++) {
                OffsetAndMetadata om = c.get(new TopicPartition(topic, p));
                sum += om == null ? 0 : om.offset();
            }
            return sum == n;
        });
    }
}
