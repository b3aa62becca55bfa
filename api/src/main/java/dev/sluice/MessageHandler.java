package dev.sluice;

/**
 * Processes one delivery. Returning acks it; throwing nacks it (it is redelivered, or
 * dead-lettered after {@code maxAttempts}). Called on the consumer's handler threads; with
 * {@code concurrency > 1} it must be thread-safe, though deliveries with the same key are never
 * handled concurrently.
 */
@FunctionalInterface
public interface MessageHandler {
    void handle(Delivery delivery) throws Exception;
}
