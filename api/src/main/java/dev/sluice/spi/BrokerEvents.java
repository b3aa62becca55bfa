package dev.sluice.spi;

import dev.sluice.Message;
import dev.sluice.flow.DropReason;

/** How a session tells the channel what the broker did. Implemented by the channel; thread-safe, never blocks. */
public interface BrokerEvents {

    /** The broker signalled pressure: the channel holds its sends and applies the producer policy. */
    void brokerBlocked(String reason);

    /** The pressure is gone. */
    void brokerUnblocked();

    /** The broker dropped a message for its backlog limit (trimmed, refused, expired). */
    void dropped(Message message, DropReason reason);

    /**
     * The broker dropped {@code count} messages the adapter cannot show (Redis reports how many
     * entries {@code XTRIM} removed, not which).
     */
    void dropped(long count, DropReason reason);
}
