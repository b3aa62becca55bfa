package dev.sluice.kafka;

import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.PublisherTckKit;
import dev.sluice.conformance.brokers.KafkaKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import org.testng.annotations.AfterClass;

/** The Reactive Streams TCK against a consumer's publisher view on a real Kafka broker. */
public class KafkaPublisherTckTest extends PublisherTckKit {

    private KafkaKitBroker broker;

    public KafkaPublisherTckTest() {
        super(15_000);
    }

    @Override
    protected synchronized KitBroker broker() {
        if (broker == null) {
            try {
                broker = new KafkaKitBroker(BrokerProvisioner.shared(BrokerKind.KAFKA));
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
