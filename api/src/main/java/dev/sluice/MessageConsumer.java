package dev.sluice;

import java.util.Set;
import java.util.concurrent.Flow;

/**
 * A member of a consumer group that pulls at the broker's own granularity and never holds more
 * than {@code maxInFlight} unacked messages. Use either {@link #start(MessageHandler)} or
 * {@link #publisher()}, once. Thread-safe.
 *
 * <p>Pausing has owners: each {@link PauseReason} is held or not, and the consumer fetches only
 * when none is held. While paused no delivery reaches the handler or subscriber; a delivery the
 * broker had already sent when the pause was taken is given back to the broker (a paused consumer
 * holds nothing). A {@code BACKPRESSURE} pause alone only stops fetching: what was already fetched
 * is within the in-flight cap and is handled.
 */
public interface MessageConsumer extends AutoCloseable {

    /**
     * Starts fetching and handing deliveries to {@code handler} on the consumer's threads.
     *
     * @throws IllegalStateException if already started or closed
     */
    void start(MessageHandler handler);

    /**
     * A {@link Flow.Publisher} view: the subscriber's demand is the pull (request N), bounded by
     * {@code maxInFlight}; each {@link Delivery} must be acked or nacked by the subscriber. One
     * subscriber; a second one is refused with {@code onError}. The publisher completes when
     * the consumer is closed.
     *
     * @throws IllegalStateException if the consumer was started with a handler
     */
    Flow.Publisher<Delivery> publisher();

    /** Holds the {@code MANUAL} reason: stops fetching until {@link #resume()}. */
    default void pause() {
        pause(PauseReason.MANUAL);
    }

    /** Releases the {@code MANUAL} reason; fetching restarts if no other reason is held. */
    default void resume() {
        resume(PauseReason.MANUAL);
    }

    /** Holds {@code reason}. Idempotent. */
    void pause(PauseReason reason);

    /** Releases {@code reason}. Idempotent; never releases another reason. */
    void resume(PauseReason reason);

    /**
     * Binds a health check to the {@link PauseReason#HEALTH} pause: while {@code healthy}
     * answers false (asked every {@code every} on a thread of the consumer) the consumer holds
     * {@code HEALTH}; when it answers true again the reason is released (unless a
     * {@link RetryLater} still holds it). For a circuit breaker:
     * {@code consumer.holdWhileUnhealthy(() -> breaker.getState() != CircuitBreaker.State.OPEN, Duration.ofMillis(100))}.
     * A check that throws counts as unhealthy.
     *
     * @param healthy asked repeatedly; must be quick and must not block
     * @param every   how often to ask; above zero
     * @return closing it unbinds the check (and releases what it held)
     * @throws IllegalArgumentException when {@code every} is zero or negative
     */
    default AutoCloseable holdWhileUnhealthy(java.util.function.BooleanSupplier healthy, java.time.Duration every) {
        throw new UnsupportedOperationException("this consumer does not bind health checks");
    }

    /** @return the reasons held now; empty when fetching */
    Set<PauseReason> pausedReasons();

    default boolean isPaused() {
        return !pausedReasons().isEmpty();
    }

    /** @return deliveries handed out and not yet settled */
    int inFlight();

    /** @return the consumer group this consumer belongs to */
    String group();

    /**
     * Stops fetching, waits (up to the channel's close timeout) for running handlers to finish
     * and settle, and leaves every unacked message to the broker for redelivery. Idempotent.
     */
    @Override
    void close();
}
