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
 * {@code REJECTED}. In exchange mode sends are {@code mandatory}: a message that no queue is bound
 * to take comes back ({@code basic.return}, which the broker sends before the confirm) and its send
 * is {@code REJECTED} (refused outright, no drop reported: the caller still has it), never
 * {@code ACCEPTED}. The window of unconfirmed messages is the channel's in-flight cap. When the
 * connection goes away, every unconfirmed send fails, and the channel's retry sends it again
 * after recovery.
 */
final class RabbitMqPublisher implements BrokerSender, AutoCloseable {

    static final String KEY_HEADER = "x-sluice-key";
    static final String ATTEMPT_HEADER = "x-sluice-attempt";

    /** A published message waiting for its confirm, and where its result goes: the index in a run. */
    private record Outstanding(Message message, String messageId, RunOutcome run, int index) {
        void complete(SendResult result) {
            run.complete(index, result);
        }
    }

    private final Channel channel;
    private final RabbitMqTopology.Route sendRoute;
    private final BrokerEvents events;
    private final ConcurrentNavigableMap<Long, Outstanding> unconfirmed = new ConcurrentSkipListMap<>();
    private final Object publishLock = new Object();
    private final String idPrefix = "sluice-" + java.util.UUID.randomUUID().toString().substring(0, 13) + "-";
    private long nextId; // guarded by publishLock
    private final int maxPayloadBytes;

    /**
     * @param maxPayloadBytes the broker's {@code max_message_size} as the channel's URI gives it
     *     ({@code maxMessageSize}); RabbitMQ never tells a client
     */
    RabbitMqPublisher(Connection connection, RabbitMqTopology.Route sendRoute, BrokerEvents events, int maxPayloadBytes)
            throws IOException {
        this.maxPayloadBytes = maxPayloadBytes;
        this.sendRoute = sendRoute;
        this.events = events;
        this.channel = connection.createChannel();
        channel.confirmSelect();
        // The broker sends basic.return before the confirm of the same message, and amqp-client
        // calls both listeners in that order on its connection thread: the refusal is set first,
        // and RunOutcome keeps the first result of a message, so the later ack cannot undo it.
        channel.addReturnListener(r -> refuse(r.getProperties().getMessageId()));
        channel.addConfirmListener((tag, multiple) -> settle(tag, multiple, true), (tag, multiple) -> settle(tag, multiple, false));
        channel.addShutdownListener(cause -> failAll(cause));
        connection.addBlockedListener(reason -> events.brokerBlocked("RabbitMQ blocked the connection: " + reason),
                events::brokerUnblocked);
    }

    /** Publishes the run to the destination; its stage completes with the last confirm (or nack, or return) of the run. */
    @Override
    public CompletionStage<List<SendResult>> send(List<Message> run) {
        RunOutcome results = new RunOutcome(run.size());
        synchronized (publishLock) {
            for (int i = 0; i < run.size(); i++) {
                publish(sendRoute, run.get(i), 0, results, i);
            }
        }
        return results.stage();
    }

    /**
     * Publishes to one queue through the default exchange (a consumer's own queue, whatever the
     * group mode); {@code attempt} above 0 marks a message given back for redelivery.
     */
    CompletableFuture<SendResult> republish(String queue, Message message, int attempt) {
        return publishOne(RabbitMqTopology.Route.toQueue(queue), message, attempt);
    }

    /** Publishes along another route (the dead letter), confirmed like every send. */
    CompletableFuture<SendResult> publishTo(RabbitMqTopology.Route target, Message message) {
        return publishOne(target, message, 0);
    }

    private CompletableFuture<SendResult> publishOne(RabbitMqTopology.Route target, Message message, int attempt) {
        RunOutcome result = new RunOutcome(1);
        synchronized (publishLock) {
            publish(target, message, attempt, result, 0);
        }
        return result.stage().thenApply(results -> results.get(0));
    }

    private void publish(RabbitMqTopology.Route target, Message message, int attempt, RunOutcome results, int index) {
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
        String messageId = idPrefix + nextId++;
        AMQP.BasicProperties props = MessageProperties.PERSISTENT_BASIC.builder()
                .headers(headers).priority(message.priority()).messageId(messageId).build();
        unconfirmed.put(seq, new Outstanding(message, messageId, results, index));
        try {
            channel.basicPublish(target.exchange(), target.routingKey(), target.mandatory(), props, message.payload());
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

    /**
     * A mandatory message came back: no queue took it. Its send is refused; the confirm that
     * follows finds its result set. A linear search, on a path taken only when a destination has
     * no queue bound, over at most the window of unconfirmed messages.
     */
    private void refuse(String messageId) {
        if (messageId == null) {
            return;
        }
        for (Outstanding o : unconfirmed.values()) {
            if (o.messageId().equals(messageId)) {
                o.complete(SendResult.REJECTED);
                return;
            }
        }
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
        return maxPayloadBytes;
    }

    @Override
    public void close() {
        failAll(new IllegalStateException("the publisher closed before the broker confirmed"));
    }
}
