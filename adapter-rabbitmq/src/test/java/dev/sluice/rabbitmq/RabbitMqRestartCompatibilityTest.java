package dev.sluice.rabbitmq;

import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.RestartCompatibilityKit;
import dev.sluice.conformance.brokers.RabbitMqKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.opentest4j.TestAbortedException;

/**
 * Restart (a full node stop and start), connection faults and bad input (TOO_LARGE) against a
 * RabbitMQ node the kit starts from the PATH (its own node name, ports and database,
 * {@code max_message_size} 1 MiB), whatever {@code SLUICE_RABBITMQ_URI} names: the shared node
 * is not restarted by tests and has no payload limit a test can reach. Skipped, with the reason,
 * when no {@code rabbitmq-server} is on the PATH (a failure with
 * {@code -Dsluice.brokers.required=rabbitmq}).
 */
@DisplayName("amqp:// conformance on a RabbitMQ node the kit started")
class RabbitMqRestartCompatibilityTest extends RestartCompatibilityKit {

    private static RabbitMqKitBroker broker;

    @Override
    protected KitBroker broker() {
        synchronized (RabbitMqRestartCompatibilityTest.class) {
            if (broker == null) {
                try {
                    broker = new RabbitMqKitBroker(BrokerProvisioner.pathServer(BrokerKind.RABBITMQ));
                } catch (TestAbortedException | AssertionError skipOrRequired) {
                    throw skipOrRequired;
                } catch (Exception e) {
                    throw new IllegalStateException("cannot reach the RabbitMQ node the kit started", e);
                }
            }
            return broker;
        }
    }

    @AfterAll
    static void stop() {
        synchronized (RabbitMqRestartCompatibilityTest.class) {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }
}
