package dev.sluice.spi;

import java.util.List;

/** Where a {@link BrokerReceiver} hands its deliveries. Implemented by the channel; thread-safe. */
public interface DeliverySink {

    /** One delivery, within the credit granted. Must not block. */
    void onDelivery(BrokerDelivery delivery);

    /**
     * A run of deliveries fetched together (a poll, a {@code COUNT} read, a receive), within the
     * credit granted, in the broker's order. Cheaper than one call each: the channel takes its
     * locks and wakes its handler threads once per run. Must not block.
     */
    default void onDeliveries(List<? extends BrokerDelivery> deliveries) {
        for (BrokerDelivery d : deliveries) {
            onDelivery(d);
        }
    }

    /** A failure the receiver could not recover from itself; it keeps trying unless closed. */
    void onError(Throwable error);
}
