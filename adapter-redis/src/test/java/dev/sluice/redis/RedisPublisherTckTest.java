package dev.sluice.redis;

import dev.sluice.conformance.PublisherTckKit;
import dev.sluice.conformance.brokers.RedisKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;

/** The Reactive Streams TCK against a consumer's publisher view on a real broker. */
public class RedisPublisherTckTest extends PublisherTckKit {

    public RedisPublisherTckTest() {
        super(5_000, () -> new RedisKitBroker(BrokerProvisioner.shared(BrokerKind.REDIS)));
    }
}
