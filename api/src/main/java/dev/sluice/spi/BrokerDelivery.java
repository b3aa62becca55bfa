package dev.sluice.spi;

import dev.sluice.Message;
import java.time.Duration;

/**
 * One message as the broker delivered it, settled exactly once by the channel with one of the
 * four methods. Thread-safe. None of the methods may block on the broker for long: an adapter
 * whose settlement is a round trip hands it to a thread of its own.
 */
public interface BrokerDelivery {

    Message message();

    /** @return 1 on the first delivery, counted by the broker where it counts (delivery count, receive count) */
    int attempt();

    /** @return the broker's identifier (offset, delivery tag, receipt handle, entry ID) */
    String id();

    /** Success: the broker may forget it (commit, {@code basic.ack}, delete, {@code XACK}). */
    void ack();

    /** Failure: deliver it again, after {@code delay} where the broker allows a delay, with the attempt counted. */
    void nack(Duration delay);

    /**
     * Give-back, not a failure: the message goes back as if it had never been handed out (a pause
     * or a close took it before any handler saw it). The next delivery of it reports the same
     * {@link #attempt()}, so repeated pauses never dead-letter a message. Where the broker counts
     * every delivery regardless (SQS {@code ApproximateReceiveCount}), the adapter compensates
     * what it can and says so in its mapping.
     */
    void release();

    /**
     * @return why the message could not be decoded as Sluice writes it (a foreign producer's
     *     fields, metadata that does not parse), or null when it could; {@link #message()} then
     *     carries the raw payload and every field the broker had, unknown ones as headers. Decoding
     *     never throws: every byte from a broker is untrusted input.
     */
    default String malformed() {
        return null;
    }

    /** Moves it to the dead letter destination, then acks it. */
    void deadLetter(String reason);

    /**
     * @return the broker client's own object for this delivery (see {@link dev.sluice.Delivery#unwrap}),
     *     or null when there is none
     */
    default Object nativeDelivery() {
        return null;
    }
}
