package dev.sluice.rabbitmq;

import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.scenarios.BacklogLimitScenarios;
import dev.sluice.conformance.scenarios.BacklogSignalScenarios;
import dev.sluice.conformance.scenarios.BadInputScenarios;
import dev.sluice.conformance.scenarios.ConsumerCrashScenarios;
import dev.sluice.conformance.scenarios.ConsumerGroupScenarios;
import dev.sluice.conformance.scenarios.DeliveryScenarios;
import dev.sluice.conformance.scenarios.ForeignTrafficScenarios;
import dev.sluice.conformance.scenarios.InFlightCapScenarios;
import dev.sluice.conformance.scenarios.RedeliveryScenarios;
import dev.sluice.conformance.scenarios.TwoGroupScenarios;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Timeout;

/**
 * The kit's families where the group layout matters, against a real RabbitMQ in exchange mode
 * ({@code ?groups=exchange}): an exchange per destination, a queue per group. The other families
 * (producer side, pausing, faults) do not depend on the layout and run in
 * {@link RabbitMqCompatibilityTest}.
 */
@DisplayName("amqp:// conformance, groups=exchange")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RabbitMqExchangeGroupsCompatibilityTest {

    private static ExchangeGroupsKitBroker broker;

    static KitBroker broker() {
        synchronized (RabbitMqExchangeGroupsCompatibilityTest.class) {
            if (broker == null) {
                try {
                    broker = new ExchangeGroupsKitBroker(BrokerProvisioner.shared(BrokerKind.RABBITMQ));
                } catch (Exception e) {
                    throw new IllegalStateException("cannot reach the RabbitMQ under test", e);
                }
            }
            return broker;
        }
    }

    @AfterAll
    static void stop() {
        synchronized (RabbitMqExchangeGroupsCompatibilityTest.class) {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }

    @Nested
    @DisplayName("1 delivery")
    class Delivery extends DeliveryScenarios {
        Delivery() {
            super(RabbitMqExchangeGroupsCompatibilityTest::broker);
        }
    }

    @Nested
    @DisplayName("6 consumer in-flight cap")
    class InFlightCap extends InFlightCapScenarios {
        InFlightCap() {
            super(RabbitMqExchangeGroupsCompatibilityTest::broker);
        }
    }

    @Nested
    @DisplayName("10 redelivery and dead letter")
    class Redelivery extends RedeliveryScenarios {
        Redelivery() {
            super(RabbitMqExchangeGroupsCompatibilityTest::broker);
        }
    }

    @Nested
    @DisplayName("11 consumer crash")
    class ConsumerCrash extends ConsumerCrashScenarios {
        ConsumerCrash() {
            super(RabbitMqExchangeGroupsCompatibilityTest::broker);
        }
    }

    @Nested
    @DisplayName("12 consumer group")
    class ConsumerGroup extends ConsumerGroupScenarios {
        ConsumerGroup() {
            super(RabbitMqExchangeGroupsCompatibilityTest::broker);
        }
    }

    @Nested
    @DisplayName("13 backlog signal")
    class BacklogSignal extends BacklogSignalScenarios {
        BacklogSignal() {
            super(RabbitMqExchangeGroupsCompatibilityTest::broker);
        }
    }

    @Nested
    @DisplayName("15 backlog limits")
    class BacklogLimits extends BacklogLimitScenarios {
        BacklogLimits() {
            super(RabbitMqExchangeGroupsCompatibilityTest::broker);
        }
    }

    @Nested
    @DisplayName("18 bad input")
    class BadInput extends BadInputScenarios {
        BadInput() {
            super(RabbitMqExchangeGroupsCompatibilityTest::broker);
        }
    }

    @Nested
    @DisplayName("19 foreign traffic")
    class ForeignTraffic extends ForeignTrafficScenarios {
        ForeignTraffic() {
            super(RabbitMqExchangeGroupsCompatibilityTest::broker);
        }
    }

    @Nested
    @DisplayName("21 two groups")
    class TwoGroups extends TwoGroupScenarios {
        TwoGroups() {
            super(RabbitMqExchangeGroupsCompatibilityTest::broker);
        }
    }
}
