package dev.sluice.sqs;

import dev.sluice.conformance.PublisherTckKit;
import dev.sluice.conformance.brokers.SqsKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;

/** The Reactive Streams TCK against a consumer's publisher view on a real broker. */
public class SqsPublisherTckTest extends PublisherTckKit {

    public SqsPublisherTckTest() {
        super(5_000, () -> new SqsKitBroker(BrokerProvisioner.shared(BrokerKind.SQS)));
    }
}
