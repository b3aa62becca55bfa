package dev.sluice.rabbitmq;

import dev.sluice.conformance.PublisherTckKit;
import dev.sluice.conformance.brokers.RabbitMqKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;

/** The Reactive Streams TCK against a consumer's publisher view on a real broker. */
public class RabbitMqPublisherTckTest extends PublisherTckKit {

    public RabbitMqPublisherTckTest() {
        super(5_000, () -> new RabbitMqKitBroker(BrokerProvisioner.shared(BrokerKind.RABBITMQ)));
    }
}
