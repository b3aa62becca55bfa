package dev.sluice.spi;

import dev.sluice.Message;
import java.time.Duration;

/**
 * One message as the broker delivered it, settled exactly once by the channel with one of the
 * three methods. Thread-safe.
 */
public interface BrokerDelivery {

    Message message();

    /** @return 1 on the first delivery, counted by the broker where it counts (delivery count, receive count) */
    int attempt();

    /** @return the broker's identifier (offset, delivery tag, receipt handle, entry ID) */
    String id();

    /** Success: the broker may forget it (commit, {@code basic.ack}, delete, {@code XACK}). */
    void ack();

    /** Failure: deliver it again, after {@code delay} where the broker allows a delay. */
    void nack(Duration delay);

    /** Moves it to the dead letter destination, then acks it. */
    void deadLetter(String reason);
}
