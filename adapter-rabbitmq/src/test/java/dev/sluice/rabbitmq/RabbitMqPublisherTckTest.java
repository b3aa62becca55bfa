package dev.sluice.rabbitmq;

import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.PublisherTckKit;
import dev.sluice.conformance.brokers.RabbitMqKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import org.testng.annotations.AfterClass;

/** The Reactive Streams TCK against a consumer's publisher view on a real RabbitMq broker. */
public class RabbitMqPublisherTckTest extends PublisherTckKit {

    private RabbitMqKitBroker broker;

    public RabbitMqPublisherTckTest() {
        super(5_000);
    }

    @Override
    protected synchronized KitBroker broker() {
        if (broker == null) {
            try {
                broker = new RabbitMqKitBroker(BrokerProvisioner.shared(BrokerKind.RABBITMQ));
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
