package dev.sluice.spi;

import dev.sluice.Message;
import dev.sluice.SendResult;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Sends to the broker in runs. The channel's gate calls it from one thread, hands it runs of up
 * to {@link #maxRun()} messages taken from its buffer in order, and never has more than the
 * producer's {@code maxInFlight} messages unconfirmed. Thread-safe.
 */
public interface BrokerSender {

    /**
     * Sends a run of messages, in order. May block the calling thread while it writes (a Redis
     * pipeline, an SQS {@code SendMessageBatch}) and on the broker's own native block (Kafka
     * {@code buffer.memory} for {@code max.block.ms}, a RabbitMQ blocked connection).
     *
     * @param run one or more messages, at most {@link #maxRun()}; the sender must not change it
     * @return one stage for the whole run that completes once every message has its final
     *     outcome, with one result per message in the run's order: {@code ACCEPTED} once the
     *     broker confirmed, {@code REJECTED} when the broker refused it (a full backlog with
     *     reject-newest), {@code TOO_LARGE}, or {@code FAILED}; it never completes exceptionally
     */
    CompletionStage<List<SendResult>> send(List<Message> run);

    /** @return the most messages one run may hold (a pipeline's or a batch request's size); at least 1 */
    default int maxRun() {
        return 256;
    }

    /** @return the largest payload the destination accepts, in bytes; {@link Integer#MAX_VALUE} if unbounded */
    int maxPayloadBytes();
}
