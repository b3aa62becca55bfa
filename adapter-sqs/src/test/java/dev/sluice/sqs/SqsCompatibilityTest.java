package dev.sluice.sqs;

import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.brokers.SqsKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/** The whole conformance kit against SQS: in-process ElasticMQ, or SLUICE_SQS_URI, or LocalStack with Docker. */
@DisplayName("sqs:// conformance")
class SqsCompatibilityTest extends BrokerCompatibilityKit {

    private static SqsKitBroker broker;

    @Override
    protected KitBroker broker() {
        synchronized (SqsCompatibilityTest.class) {
            if (broker == null) {
                try {
                    broker = new SqsKitBroker(BrokerProvisioner.shared(BrokerKind.SQS));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("cannot start the fault proxy", e);
                }
            }
            return broker;
        }
    }

    @AfterAll
    static void stop() {
        synchronized (SqsCompatibilityTest.class) {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }
}
