package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.spi.BrokerDelivery;
import dev.sluice.spi.DeliverySink;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The receiver's rebalance handling against kafka-clients' {@link MockConsumer}, where the
 * moment of a rebalance can be chosen: records fetched and not yet handed out when their
 * partition is revoked are never handed out, and partitions assigned while paused stay paused.
 * Every rebalance runs as a poll task, on the poll thread, as a real one does.
 */
class KafkaReceiverRebalanceTest {

    private static final String TOPIC = "t";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    /** The offsets committed synchronously (on revocation and close), as the receiver asked. */
    private final Map<TopicPartition, Long> syncCommits = new java.util.concurrent.ConcurrentHashMap<>();
    private final MockConsumer<byte[], byte[]> mock = new MockConsumer<>("earliest") {
        @Override
        public void commitSync(Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets, Duration timeout) {
            offsets.forEach((tp, om) -> syncCommits.put(tp, om.offset()));
            super.commitSync(offsets, timeout);
        }
    };
    private final List<BrokerDelivery> delivered = new CopyOnWriteArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private KafkaReceiver receiver;

    private KafkaReceiver start() {
        ChannelSpec spec = ChannelSpec.of("kafka://127.0.0.1:9092/" + TOPIC)
                .consumer(ConsumerPolicy.pull(10).maxInFlight(10).pollTimeout(Duration.ofMillis(20)));
        receiver = new KafkaReceiver(null, KafkaEndpoint.of(spec), "g", "m1", spec.consumer(), 0, config -> mock);
        receiver.start(new DeliverySink() {
            @Override
            public void onDelivery(BrokerDelivery delivery) {
                delivered.add(delivery);
            }

            @Override
            public void onError(Throwable error) {
                errors.add(error);
            }
        });
        return receiver;
    }

    private static boolean pollThreadIsIn(String method) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().equals("sluice-kafka-m1"))
                .anyMatch(e -> java.util.Arrays.stream(e.getValue()).anyMatch(f -> f.getMethodName().equals(method)));
    }

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
        assertThat(errors).isEmpty();
    }

    private void assignWithRecords(List<TopicPartition> partitions, int perPartition) {
        mock.schedulePollTask(() -> {
            mock.rebalance(partitions);
            partitions.forEach(tp -> mock.updateBeginningOffsets(Map.of(tp, 0L)));
            for (TopicPartition tp : partitions) {
                for (int o = 0; o < perPartition; o++) {
                    mock.addRecord(new ConsumerRecord<>(TOPIC, tp.partition(), o, null, ("p" + tp.partition() + "-" + o).getBytes()));
                }
            }
        });
    }

    private static int partitionOf(BrokerDelivery d) {
        return Integer.parseInt(d.id().substring(d.id().lastIndexOf('-') + 1, d.id().indexOf('@')));
    }

    @Test
    @DisplayName("records fetched for a partition that is then revoked are never handed out")
    void fetchedRecordsOfARevokedPartitionAreDropped() {
        start().request(1);
        assignWithRecords(List.of(P0, P1), 5);
        // One record is handed out; the other nine wait, fetched, for credit.
        await().until(() -> delivered.size() == 1);
        await().until(() -> mock.paused().containsAll(List.of(P0, P1)));
        mock.schedulePollTask(() -> mock.rebalance(List.of(P0)));
        await().until(() -> mock.assignment().equals(java.util.Set.of(P0)));
        receiver.request(20);
        await().until(() -> delivered.stream().filter(d -> partitionOf(d) == 0).count() == 5);
        assertThat(delivered.subList(1, delivered.size())).as("handed out after P1 was revoked")
                .allMatch(d -> partitionOf(d) == 0);
    }

    @Test
    @DisplayName("a revocation waits for the handlers of the revoked partition, so the commit covers their records")
    void revocationWaitsForHandlers() throws Exception {
        start().request(2);
        assignWithRecords(List.of(P1), 2);
        await().until(() -> delivered.size() == 2);
        mock.schedulePollTask(() -> {
            mock.updateBeginningOffsets(Map.of(P0, 0L));
            mock.rebalance(List.of(P0));
        });
        // The poll thread is inside the revocation, waiting for the two handlers: they finish now.
        await().until(() -> pollThreadIsIn("awaitHandlers"));
        delivered.forEach(BrokerDelivery::ack);
        await().until(() -> mock.assignment().equals(java.util.Set.of(P0)));
        assertThat(syncCommits).as("committed on revocation").containsEntry(P1, 2L);
    }

    @Test
    @DisplayName("partitions assigned while paused are paused at once and nothing of them is handed out")
    void partitionsAssignedWhilePausedStayPaused() {
        KafkaReceiver r = start();
        r.request(10);
        r.pause();
        assignWithRecords(List.of(P0, P1), 3);
        await().until(() -> mock.assignment().size() == 2 && mock.paused().containsAll(List.of(P0, P1)));
        await().during(Duration.ofMillis(300)).until(() -> delivered.isEmpty());
        r.resume();
        await().until(() -> delivered.size() == 6);
    }
}
