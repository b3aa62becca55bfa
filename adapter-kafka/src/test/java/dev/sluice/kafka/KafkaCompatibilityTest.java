package dev.sluice.kafka;

import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.brokers.KafkaKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/** The whole conformance kit against Kafka: in-process KRaft, or SLUICE_KAFKA_URI, or a container with Docker. */
@DisplayName("kafka:// conformance")
class KafkaCompatibilityTest extends BrokerCompatibilityKit {

    private static KafkaKitBroker broker;

    @Override
    protected KitBroker broker() {
        synchronized (KafkaCompatibilityTest.class) {
            if (broker == null) {
                try {
                    broker = new KafkaKitBroker(BrokerProvisioner.shared(BrokerKind.KAFKA));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("cannot start the fault proxy", e);
                }
            }
            return broker;
        }
    }

    @AfterAll
    static void stop() {
        synchronized (KafkaCompatibilityTest.class) {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }
}
