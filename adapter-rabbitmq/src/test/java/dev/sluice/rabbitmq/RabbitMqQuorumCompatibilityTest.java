package dev.sluice.rabbitmq;

import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The whole conformance kit against a real RabbitMQ with quorum queues ({@code ?queueType=quorum}):
 * the broker counts attempts ({@code x-delivery-count}), dead-letters past {@code x-delivery-limit}
 * and has no channel-wide prefetch, so every family runs again on it.
 */
@DisplayName("amqp:// conformance, queueType=quorum")
class RabbitMqQuorumCompatibilityTest extends BrokerCompatibilityKit {

    private static QuorumKitBroker broker;

    @Override
    protected KitBroker broker() {
        synchronized (RabbitMqQuorumCompatibilityTest.class) {
            if (broker == null) {
                try {
                    broker = new QuorumKitBroker(BrokerProvisioner.shared(BrokerKind.RABBITMQ));
                } catch (Exception e) {
                    throw new IllegalStateException("cannot reach the RabbitMQ under test", e);
                }
            }
            return broker;
        }
    }

    @AfterAll
    static void stop() {
        synchronized (RabbitMqQuorumCompatibilityTest.class) {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }
}
