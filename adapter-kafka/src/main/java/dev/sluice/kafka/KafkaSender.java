package dev.sluice.kafka;

import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.flow.DropReason;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerSender;
import dev.sluice.spi.RunOutcome;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Sends through one idempotent {@link KafkaProducer}. The producer's own block is the native
 * one: {@code send} waits up to {@code max.block.ms} for metadata or for room in
 * {@code buffer.memory}; when that wait runs out (or a batch expires undelivered) the broker is
 * reported blocked until a send succeeds again. The broker is also reported blocked while the
 * session sees a partition of the topic without a leader or with fewer in-sync replicas than
 * {@code min.insync.replicas} (the brokers refuse {@code acks=all} writes with
 * {@code NOT_ENOUGH_REPLICAS}, which the producer retries until {@code delivery.timeout.ms}),
 * so that the producer policy applies instead of sends piling up in the producer's buffer.
 * {@code RecordTooLargeException} answers
 * {@code TOO_LARGE}. Messages without a key go round robin over the partitions, so that every
 * member of a group gets work however few they are; messages with a key go where Kafka's
 * partitioner puts them, which keeps their order.
 *
 * <p>A reject-newest maximum length is emulated: a message is refused when the backlog (the
 * lag of the channel's groups, {@link KafkaSession#estimatedBacklog()}) plus the sends not yet
 * confirmed reach the limit.
 */
final class KafkaSender implements BrokerSender {

    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaSession session;
    private final String topic;
    private final BrokerEvents events;
    private final int maxPayloadBytes;
    private final long rejectAbove; // 0: no limit
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicLong unconfirmed = new AtomicLong();
    private boolean bufferBlocked;
    private boolean throttled;
    private String replicasShort; // null: every partition has a leader and enough in-sync replicas
    private boolean reportedBlocked;

    KafkaSender(KafkaProducer<byte[], byte[]> producer, KafkaSession session, String topic, BrokerEvents events,
                int maxPayloadBytes, long rejectAbove) {
        this.producer = producer;
        this.session = session;
        this.topic = topic;
        this.events = events;
        this.maxPayloadBytes = maxPayloadBytes;
        this.rejectAbove = rejectAbove;
    }

    @Override
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /**
     * Hands each message of the run to the producer (which batches per partition by itself);
     * the run's stage completes with the last callback.
     */
    @Override
    public CompletionStage<List<SendResult>> send(List<Message> run) {
        RunOutcome results = new RunOutcome(run.size());
        for (int i = 0; i < run.size(); i++) {
            Message message = run.get(i);
            if (rejectAbove > 0 && session.estimatedBacklog() + unconfirmed.get() >= rejectAbove) {
                events.dropped(message, DropReason.BACKLOG_REJECTED);
                results.complete(i, SendResult.rejected(DropReason.BACKLOG_REJECTED));
                continue;
            }
            int index = i;
            Integer partition = message.key() == null
                    ? Math.floorMod(roundRobin.getAndIncrement(), session.partitionCount()) : null;
            unconfirmed.incrementAndGet();
            try {
                producer.send(KafkaCodec.encode(topic, partition, message), (metadata, error) -> {
                    if (error == null) {
                        session.confirmed(metadata.partition(), metadata.offset());
                    }
                    unconfirmed.decrementAndGet();
                    results.complete(index, outcome(error));
                });
            } catch (KafkaException e) {
                unconfirmed.decrementAndGet();
                results.complete(i, outcome(e));
            }
        }
        return results.stage();
    }

    private SendResult outcome(Exception error) {
        if (error == null) {
            bufferBlocked(false);
            return SendResult.ACCEPTED;
        }
        if (error instanceof RecordTooLargeException) {
            return SendResult.TOO_LARGE;
        }
        if (error instanceof TimeoutException) {
            bufferBlocked(true);
        }
        return SendResult.failed(error);
    }

    private synchronized void bufferBlocked(boolean now) {
        if (bufferBlocked != now) {
            bufferBlocked = now;
            report();
        }
    }

    /** The broker throttles this producer (a quota), as the producer's throttle-time metric shows. */
    synchronized void throttled(boolean now) {
        if (throttled != now) {
            throttled = now;
            report();
        }
    }

    /**
     * A partition of the topic has no leader or too few in-sync replicas for {@code acks=all}
     * ({@code why}), or, with null, none has any more.
     */
    synchronized void replicasShort(String why) {
        if (!java.util.Objects.equals(replicasShort, why)) {
            boolean was = replicasShort != null;
            replicasShort = why;
            if (was != (why != null)) {
                report();
            }
        }
    }

    private void report() {
        boolean blocked = bufferBlocked || throttled || replicasShort != null;
        if (blocked && !reportedBlocked) {
            reportedBlocked = true;
            events.brokerBlocked(replicasShort != null ? replicasShort
                    : throttled ? "the Kafka broker throttles the producer (quota)"
                    : "the Kafka producer could not hand records to the broker within max.block.ms / delivery.timeout.ms");
        } else if (!blocked && reportedBlocked) {
            reportedBlocked = false;
            events.brokerUnblocked();
        }
    }
}
