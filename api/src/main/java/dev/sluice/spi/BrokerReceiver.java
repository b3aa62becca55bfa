package dev.sluice.spi;

/**
 * One member of a consumer group on the broker, driven by credit: it never hands out more
 * deliveries than the credit granted with {@link #request(int)} in total, and it asks the broker
 * for no more than that where the broker lets it (Kafka pauses its partitions, SQS asks for at
 * most the credit, Redis uses it as {@code COUNT}); a broker that pushes (RabbitMQ, within a
 * prefetch equal to the in-flight cap) has what it pushed beyond the credit held by the receiver
 * until credit comes.
 *
 * <p>The channel grants credit up to the in-flight cap and gives it back, in runs, as deliveries
 * settle; it withholds credit for backpressure and calls {@link #pause()} only for the other
 * reasons (a manual pause, health, the broker, a cancelled subscriber, a close). Thread-safe:
 * {@code request}, {@code pause} and {@code resume} may be called from any thread,
 * {@code pause} and {@code resume} never concurrently with each other, always alternating. None
 * of them may wait for the fetch thread or call back into the sink: hand the work to the fetch
 * thread instead (Kafka's consumer, for one, must only be touched there).
 */
public interface BrokerReceiver extends AutoCloseable {

    /** Starts fetching. Called once, before any other method. */
    void start(DeliverySink sink);

    /** Grants {@code n} more deliveries. */
    void request(int n);

    /**
     * Stops fetching from the broker (natively, where it can) until {@link #resume()}. What the
     * receiver holds and has not handed out goes back to the broker ({@link BrokerDelivery#release()}
     * semantics: not counted); what arrives after the pause is handed back the same way, never to the sink.
     */
    void pause();

    void resume();

    /**
     * The consumer's adaptive in-flight limit moved to {@code cap} (never above
     * {@code ConsumerPolicy.maxInFlight()}). Credit already follows it; a receiver whose broker
     * pushes within a window of its own (RabbitMQ's prefetch) sets that window again, coalescing
     * quick changes. Must not wait for the broker. The default does nothing.
     */
    default void limitChanged(int cap) {
    }

    /**
     * Stops fetching and leaves every unsettled delivery to the broker for redelivery. Waits for
     * its own fetch thread to stop. Idempotent.
     */
    @Override
    void close();
}
