package dev.sluice.kafka;

import dev.sluice.conformance.PublisherTckKit;
import dev.sluice.conformance.brokers.KafkaKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;

/** The Reactive Streams TCK against a consumer's publisher view on a real broker. */
public class KafkaPublisherTckTest extends PublisherTckKit {

    public KafkaPublisherTckTest() {
        super(15_000, () -> new KafkaKitBroker(BrokerProvisioner.shared(BrokerKind.KAFKA)));
    }
}
