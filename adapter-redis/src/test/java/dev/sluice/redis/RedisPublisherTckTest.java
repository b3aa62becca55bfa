package dev.sluice.redis;

import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.PublisherTckKit;
import dev.sluice.conformance.brokers.RedisKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import org.testng.annotations.AfterClass;

/** The Reactive Streams TCK against a consumer's publisher view on a real Redis broker. */
public class RedisPublisherTckTest extends PublisherTckKit {

    private RedisKitBroker broker;

    public RedisPublisherTckTest() {
        super(5_000);
    }

    @Override
    protected synchronized KitBroker broker() {
        if (broker == null) {
            try {
                broker = new RedisKitBroker(BrokerProvisioner.shared(BrokerKind.REDIS));
            } catch (Exception e) {
                throw new IllegalStateException("cannot reach the broker under test", e);
            }
        }
        return broker;
    }

    @AfterClass(alwaysRun = true, dependsOnMethods = "closeChannels")
    public synchronized void stopBroker() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }
}
