package dev.sluice.spi;

import dev.sluice.Message;
import dev.sluice.flow.DropReason;

/** How a session tells the channel what the broker did. Implemented by the channel; thread-safe, never blocks. */
public interface BrokerEvents {

    /** The broker signalled pressure: the channel holds its sends and applies the producer policy. */
    void brokerBlocked(String reason);

    /** The pressure is gone. */
    void brokerUnblocked();

    /**
     * The broker cannot be reached now: the adapter's last call to it failed for want of a
     * connection or an answer ({@code cause} says which). The channel's health is DOWN until
     * {@link #reachable()}. Repeats are harmless.
     */
    default void unreachable(String cause) {
    }

    /** The broker answered again. Harmless when it was never unreachable. */
    default void reachable() {
    }

    /** The broker dropped a message for its backlog limit (trimmed, refused, expired). */
    void dropped(Message message, DropReason reason);

    /**
     * The broker dropped {@code count} messages the adapter cannot show (Redis reports how many
     * entries {@code XTRIM} removed, not which).
     */
    void dropped(long count, DropReason reason);
}
