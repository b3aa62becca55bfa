package dev.sluice;

/**
 * One message handed to a consumer, in flight until it is settled.
 *
 * <p>With {@link MessageConsumer#start(MessageHandler)} the consumer settles it: the handler
 * returning acks, the handler throwing nacks (or dead-letters after {@code maxAttempts}). With
 * the {@link MessageConsumer#publisher() Flow.Publisher view} the subscriber must call
 * {@link #ack()} or {@link #nack()} exactly once; until then the delivery counts against the
 * in-flight cap. Settling twice has no effect. Thread-safe.
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

    /** @return true once acked or nacked */
    boolean isSettled();
}
