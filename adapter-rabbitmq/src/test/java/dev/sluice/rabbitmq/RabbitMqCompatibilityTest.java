package dev.sluice.rabbitmq;

import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.brokers.RabbitMqKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/** The whole conformance kit against a real RabbitMQ (SLUICE_RABBITMQ_URI, or one the kit provisions). */
@DisplayName("amqp:// conformance")
class RabbitMqCompatibilityTest extends BrokerCompatibilityKit {

    private static RabbitMqKitBroker broker;

    @Override
    protected KitBroker broker() {
        synchronized (RabbitMqCompatibilityTest.class) {
            if (broker == null) {
                try {
                    broker = new RabbitMqKitBroker(BrokerProvisioner.shared(BrokerKind.RABBITMQ));
                } catch (Exception e) {
                    throw new IllegalStateException("cannot reach the RabbitMQ under test", e);
                }
            }
            return broker;
        }
    }

    @AfterAll
    static void stop() {
        synchronized (RabbitMqCompatibilityTest.class) {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }
}
