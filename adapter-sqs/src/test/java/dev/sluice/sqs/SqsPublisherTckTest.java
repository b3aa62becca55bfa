package dev.sluice.sqs;

import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.PublisherTckKit;
import dev.sluice.conformance.brokers.SqsKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import org.testng.annotations.AfterClass;

/** The Reactive Streams TCK against a consumer's publisher view on a real Sqs broker. */
public class SqsPublisherTckTest extends PublisherTckKit {

    private SqsKitBroker broker;

    public SqsPublisherTckTest() {
        super(5_000);
    }

    @Override
    protected synchronized KitBroker broker() {
        if (broker == null) {
            try {
                broker = new SqsKitBroker(BrokerProvisioner.shared(BrokerKind.SQS));
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
