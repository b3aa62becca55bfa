package dev.sluice;

import java.util.Optional;

/**
 * One message handed to a consumer, in flight until it is settled.
 *
 * <p>With {@link MessageConsumer#start(MessageHandler)} the consumer settles it: the handler
 * returning acks, the handler throwing nacks (or dead-letters after {@code maxAttempts}). With
 * the {@link MessageConsumer#publisher() Flow.Publisher view} the subscriber must call
 * {@link #ack()}, {@link #nack()}, {@link #release()} or {@link #deadLetter(String)} exactly once; until then the delivery
 * counts against the in-flight cap. Settling twice has no effect. Thread-safe.
 */
public interface Delivery {

    Message message();

    /** @return 1 for the first delivery of this message, 2 for the first redelivery, ... */
    int attempt();

    /** @return the broker's identifier of this delivery (offset, delivery tag, receipt, entry ID) */
    String id();

    /** Confirms processing: the broker may forget the message. */
    void ack();

    /**
     * Reports failed processing: the message is delivered again, or dead-lettered when this was
     * attempt {@code maxAttempts}.
     */
    void nack();

    /**
     * Gives the message back without processing it and without counting an attempt: the broker
     * delivers it again (to this consumer or another member of the group) with the same
     * {@link #attempt()}, and it is never dead-lettered for it. For a subscriber that takes a
     * delivery it will not handle now (it is shutting down, or stepping back); a failure is
     * {@link #nack()}. SQS counts every receive: its adapter says in its mapping how it compensates.
     */
    void release();

    /**
     * A downstream said "not now" (HTTP 429/503 with {@code Retry-After}, an open circuit
     * breaker): gives the message back like {@link #release()} (no attempt counted, never
     * dead-lettered for it) and holds the consumer's {@link PauseReason#HEALTH} pause for
     * {@code after}, so no delivery reaches its handlers or subscriber meanwhile. The same as a
     * handler throwing {@link RetryLater}. An adaptive in-flight limit counts it as congestion.
     * The default, for a delivery no consumer settles, only releases it.
     *
     * @param after how long to hold; above zero
     * @throws IllegalArgumentException when {@code after} is zero or negative
     */
    default void retryAfter(java.time.Duration after) {
        retryLater(new RetryLater(after));
    }

    /**
     * As {@link #retryAfter(java.time.Duration)}, with the hold ending early once {@code healthy}
     * answers true (asked every {@value RetryLater#HEALTH_CHECK_MILLIS} ms).
     */
    default void retryAfter(java.time.Duration after, java.util.function.BooleanSupplier healthy) {
        java.util.Objects.requireNonNull(healthy, "healthy");
        retryLater(new RetryLater(after, healthy));
    }

    /** Settles this delivery as {@code signal} says; see {@link RetryLater}. The default only releases it. */
    default void retryLater(RetryLater signal) {
        java.util.Objects.requireNonNull(signal, "signal");
        release();
    }

    /**
     * Moves the message to the dead letter destination now, with {@code reason} in its
     * {@code x-dead-letter-reason} header, whatever attempt this is: for a message the handler
     * knows it will never process (poison). Counted as dead-lettered.
     */
    void deadLetter(String reason);

    /** @return true once acked, nacked, released or dead-lettered */
    boolean isSettled();

    /**
     * The broker client's own object for this delivery, for what {@link Message} does not carry:
     * Kafka's {@code ConsumerRecord<byte[], byte[]>} (key and header values as bytes, repeated
     * header names, a tombstone's null value, partition, offset, timestamp), RabbitMQ's
     * {@code com.rabbitmq.client.Delivery} (envelope and properties), SQS's
     * {@code software.amazon.awssdk.services.sqs.model.Message} (every attribute), Redis's
     * {@code redis.clients.jedis.resps.StreamEntryBinary} (every field as the server had it).
     * Reading it settles nothing; it must not be modified.
     *
     * @param type the class expected, for example {@code ConsumerRecord.class}
     * @return the object, or empty when the broker's delivery is not of that type (or, as with
     *     {@code mem://}, there is none)
     */
    default <T> Optional<T> unwrap(Class<T> type) {
        return Optional.empty();
    }
}
