package dev.sluice.spi;

import dev.sluice.Message;
import dev.sluice.SendResult;
import java.util.concurrent.CompletionStage;

/**
 * Sends to the broker. The channel's gate calls it from one thread and never has more than the
 * producer's {@code maxInFlight} sends unconfirmed. Thread-safe.
 */
public interface BrokerSender {

    /**
     * Sends one message. May block the calling thread only on the broker's own native block
     * (Kafka {@code buffer.memory} for {@code max.block.ms}, a RabbitMQ blocked connection).
     *
     * @return a stage that completes with {@code ACCEPTED} once the broker confirmed,
     *     {@code REJECTED} when the broker refused it (a full backlog with reject-newest),
     *     {@code TOO_LARGE}, or {@code FAILED}; it never completes exceptionally
     */
    CompletionStage<SendResult> send(Message message);

    /** @return the largest payload the destination accepts, in bytes; {@link Integer#MAX_VALUE} if unbounded */
    int maxPayloadBytes();
}
