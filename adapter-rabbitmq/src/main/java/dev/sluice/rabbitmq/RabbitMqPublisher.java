package dev.sluice.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.MessageProperties;
import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.flow.DropReason;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerSender;
import dev.sluice.spi.RunOutcome;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Publishes with publisher confirms on a connection used for nothing else, so that a connection
 * the broker blocks (memory or disk alarm) never stalls a consumer. Each send completes when the
 * broker confirms it (a run, when its last message is confirmed); a nack (a full queue with {@code x-overflow=reject-publish}) is
 * {@code REJECTED}. The window of unconfirmed messages is the channel's in-flight cap. When the
 * connection goes away, every unconfirmed send fails, and the channel's retry sends it again
 * after recovery.
 */
final class RabbitMqPublisher implements BrokerSender, AutoCloseable {

    static final String KEY_HEADER = "x-sluice-key";
    static final String ATTEMPT_HEADER = "x-sluice-attempt";
    /** RabbitMQ 3.10's default {@code max_message_size} is 128 MiB. */
    static final int MAX_PAYLOAD_BYTES = 128 * 1024 * 1024;

    /** A published message waiting for its confirm, and where its result goes: the index in a run. */
    private record Outstanding(Message message, RunOutcome run, int index) {
        void complete(SendResult result) {
            run.complete(index, result);
        }
    }

    private final Channel channel;
    private final String queue;
    private final BrokerEvents events;
    private final ConcurrentNavigableMap<Long, Outstanding> unconfirmed = new ConcurrentSkipListMap<>();
    private final Object publishLock = new Object();
    private final String idPrefix = "sluice-" + java.util.UUID.randomUUID().toString().substring(0, 13) + "-";
    private long nextId; // guarded by publishLock

    RabbitMqPublisher(Connection connection, String queue, BrokerEvents events) throws IOException {
        this.queue = queue;
        this.events = events;
        this.channel = connection.createChannel();
        channel.confirmSelect();
        channel.addConfirmListener((tag, multiple) -> settle(tag, multiple, true), (tag, multiple) -> settle(tag, multiple, false));
        channel.addShutdownListener(cause -> failAll(cause));
        connection.addBlockedListener(reason -> events.brokerBlocked("RabbitMQ blocked the connection: " + reason),
                events::brokerUnblocked);
    }

    /** Publishes the run to the queue; its stage completes with the last confirm (or nack) of the run. */
    @Override
    public CompletionStage<List<SendResult>> send(List<Message> run) {
        RunOutcome results = new RunOutcome(run.size());
        synchronized (publishLock) {
            for (int i = 0; i < run.size(); i++) {
                publish(queue, run.get(i), 0, results, i);
            }
        }
        return results.stage();
    }

    /**
     * Publishes to the queue through the default exchange; {@code attempt} above 0 marks a
     * message given back for redelivery.
     */
    CompletableFuture<SendResult> publish(Message message, int attempt) {
        return publishOne(queue, message, attempt);
    }

    /** Publishes to another queue (the dead-letter queue), confirmed like every send. */
    CompletableFuture<SendResult> publishTo(String target, Message message) {
        return publishOne(target, message, 0);
    }

    private CompletableFuture<SendResult> publishOne(String target, Message message, int attempt) {
        RunOutcome result = new RunOutcome(1);
        synchronized (publishLock) {
            publish(target, message, attempt, result, 0);
        }
        return result.stage().thenApply(results -> results.get(0));
    }

    private void publish(String target, Message message, int attempt, RunOutcome results, int index) {
        Map<String, Object> headers = new HashMap<>(message.headers());
        if (message.key() != null) {
            headers.put(KEY_HEADER, message.key());
        }
        if (attempt > 0) {
            headers.put(ATTEMPT_HEADER, attempt);
        }
        long seq = channel.getNextPublishSeqNo();
        // A message id of its own, so that a consumer can tell a give-back's redelivery apart
        // from a failed attempt (GiveBacks): unique per publishing connection and message.
        AMQP.BasicProperties props = MessageProperties.PERSISTENT_BASIC.builder()
                .headers(headers).priority(message.priority()).messageId(idPrefix + nextId++).build();
        unconfirmed.put(seq, new Outstanding(message, results, index));
        try {
            channel.basicPublish("", target, false, props, message.payload());
        } catch (IOException | RuntimeException e) {
            unconfirmed.remove(seq);
            results.complete(index, SendResult.failed(e));
        }
    }

    private void settle(long tag, boolean multiple, boolean ack) {
        Map<Long, Outstanding> done = multiple ? unconfirmed.headMap(tag, true) : subMap(tag);
        for (Outstanding o : done.values()) {
            if (ack) {
                o.complete(SendResult.ACCEPTED);
            } else {
                events.dropped(o.message(), DropReason.BACKLOG_REJECTED);
                o.complete(SendResult.rejected(DropReason.BACKLOG_REJECTED));
            }
        }
        done.clear();
    }

    private Map<Long, Outstanding> subMap(long tag) {
        return unconfirmed.subMap(tag, true, tag, true);
    }

    private void failAll(Throwable cause) {
        for (Long seq : unconfirmed.keySet()) {
            Outstanding o = unconfirmed.remove(seq);
            if (o != null) {
                o.complete(SendResult.failed(cause));
            }
        }
    }

    @Override
    public int maxPayloadBytes() {
        return MAX_PAYLOAD_BYTES;
    }

    @Override
    public void close() {
        failAll(new IllegalStateException("the publisher closed before the broker confirmed"));
    }
}
