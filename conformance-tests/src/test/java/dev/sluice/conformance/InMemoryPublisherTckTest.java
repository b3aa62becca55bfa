package dev.sluice.conformance;

/** The Reactive Streams TCK against a consumer's publisher view on the in-memory broker: the kit proven on the reference. */
public class InMemoryPublisherTckTest extends PublisherTckKit {

    public InMemoryPublisherTckTest() {
        super(2_000, InMemoryKitBroker::new);
    }
}
