package dev.sluice.spi;

import dev.sluice.Capability;
import dev.sluice.StrategyMapping;
import java.util.List;
import java.util.Set;

/**
 * An adapter's open connection to one destination. The channel builds its producer gate and
 * its consumers on top of it. Thread-safe.
 */
public interface BrokerSession extends AutoCloseable {

    /** @return the sender; the same instance on every call */
    BrokerSender sender();

    /**
     * Creates a new, not yet started member of consumer group {@code group}.
     *
     * @param consumerName unique within the group, for brokers that name members
     */
    BrokerReceiver receiver(String group, String consumerName);

    /**
     * @return the broker's backlog for this destination (depth, or lag of the busiest group) as
     *     last read, or -1 when unknown. Cheap: adapters refresh it in the background and never
     *     query the broker per call.
     */
    long backlog();

    /** @return how each configured strategy maps onto this broker */
    List<StrategyMapping> mapping();

    Set<dev.sluice.Capability> capabilities();

    /** Closes connections; receivers and the sender are closed by then. Idempotent. */
    @Override
    void close();

    /** @return true when the capability is declared */
    default boolean has(Capability capability) {
        return capabilities().contains(capability);
    }
}
