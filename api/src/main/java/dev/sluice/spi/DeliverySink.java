package dev.sluice.spi;

/** Where a {@link BrokerReceiver} hands its deliveries. Implemented by the channel; thread-safe. */
public interface DeliverySink {

    /** One delivery, within the credit granted. Must not block. */
    void onDelivery(BrokerDelivery delivery);

    /** A failure the receiver could not recover from itself; it keeps trying unless closed. */
    void onError(Throwable error);
}
