package dev.sluice.conformance;

import dev.sluice.conformance.scenarios.AccountingScenarios;
import dev.sluice.conformance.scenarios.AdaptiveScenarios;
import dev.sluice.conformance.scenarios.BacklogLimitScenarios;
import dev.sluice.conformance.scenarios.BacklogSignalScenarios;
import dev.sluice.conformance.scenarios.BadInputScenarios;
import dev.sluice.conformance.scenarios.BrokerPressureScenarios;
import dev.sluice.conformance.scenarios.ConnectionFaultScenarios;
import dev.sluice.conformance.scenarios.ConsumerCrashScenarios;
import dev.sluice.conformance.scenarios.ConsumerGroupScenarios;
import dev.sluice.conformance.scenarios.DeliveryScenarios;
import dev.sluice.conformance.scenarios.ExistingDestinationScenarios;
import dev.sluice.conformance.scenarios.GracefulCloseScenarios;
import dev.sluice.conformance.scenarios.InFlightCapScenarios;
import dev.sluice.conformance.scenarios.ForeignTrafficScenarios;
import dev.sluice.conformance.scenarios.LimitScenarios;
import dev.sluice.conformance.scenarios.PoisonScenarios;
import dev.sluice.conformance.scenarios.PauseChurnScenarios;
import dev.sluice.conformance.scenarios.PauseOwnershipScenarios;
import dev.sluice.conformance.scenarios.PauseResumeScenarios;
import dev.sluice.conformance.scenarios.PauseSurvivalScenarios;
import dev.sluice.conformance.scenarios.ProducerBlockScenarios;
import dev.sluice.conformance.scenarios.ProducerDropScenarios;
import dev.sluice.conformance.scenarios.RateLimitScenarios;
import dev.sluice.conformance.scenarios.RedeliveryScenarios;
import dev.sluice.conformance.scenarios.TwoGroupScenarios;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Timeout;

/**
 * The conformance kit: the scenario families of the catalogue, each a {@code @Nested} group,
 * run against one broker. An adapter runs the whole kit with one small subclass:
 *
 * <pre>{@code
 * class RedisCompatibilityTest extends BrokerCompatibilityKit {
 *     static final KitBroker REDIS = ...;   // URI, probe, faults
 *     @Override protected KitBroker broker() { return REDIS; }
 * }
 * }</pre>
 *
 * Every test uses fresh destinations, waits with Awaitility bounded by the broker's patience,
 * checks claims from the broker's side where its probe can, and skips only with a stated reason.
 * Sizes scale with {@link KitScale}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
public abstract class BrokerCompatibilityKit {

    /** @return the broker under test; called before every test */
    protected abstract KitBroker broker();

    @Nested
    @DisplayName("1 delivery")
    class Delivery extends DeliveryScenarios {
        Delivery() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("2 producer block")
    class ProducerBlock extends ProducerBlockScenarios {
        ProducerBlock() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("3 producer drop")
    class ProducerDrop extends ProducerDropScenarios {
        ProducerDrop() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("4 soft and hard limits")
    class Limits extends LimitScenarios {
        Limits() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("5 rate limit")
    class RateLimit extends RateLimitScenarios {
        RateLimit() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("6 consumer in-flight cap")
    class InFlightCap extends InFlightCapScenarios {
        InFlightCap() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("7 pause and resume")
    class PauseResume extends PauseResumeScenarios {
        PauseResume() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("8 pause ownership")
    class PauseOwnership extends PauseOwnershipScenarios {
        PauseOwnership() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("9 pause survives rebalance and reconnect")
    class PauseSurvival extends PauseSurvivalScenarios {
        PauseSurvival() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("10 nack, redelivery and dead letter")
    class Redelivery extends RedeliveryScenarios {
        Redelivery() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("11 consumer crash")
    class ConsumerCrash extends ConsumerCrashScenarios {
        ConsumerCrash() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("12 consumer group")
    class ConsumerGroup extends ConsumerGroupScenarios {
        ConsumerGroup() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("13 backlog signal")
    class BacklogSignal extends BacklogSignalScenarios {
        BacklogSignal() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("14 broker pressure")
    class BrokerPressure extends BrokerPressureScenarios {
        BrokerPressure() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("15 backlog limits")
    class BacklogLimits extends BacklogLimitScenarios {
        BacklogLimits() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("16 connection cut and broker restart")
    class ConnectionFaults extends ConnectionFaultScenarios {
        ConnectionFaults() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("17 graceful close")
    class GracefulClose extends GracefulCloseScenarios {
        GracefulClose() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("18 bad input")
    class BadInput extends BadInputScenarios {
        BadInput() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("19 foreign traffic")
    class ForeignTraffic extends ForeignTrafficScenarios {
        ForeignTraffic() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("20 poison messages")
    class Poison extends PoisonScenarios {
        Poison() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("21 two groups")
    class TwoGroups extends TwoGroupScenarios {
        TwoGroups() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("22 pause/resume churn and give-back")
    class PauseChurn extends PauseChurnScenarios {
        PauseChurn() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("23 accounting under trimming and at scale")
    class Accounting extends AccountingScenarios {
        Accounting() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("24 existing destinations")
    class ExistingDestinations extends ExistingDestinationScenarios {
        ExistingDestinations() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("25 adaptive limits and downstream signals")
    class Adaptive extends AdaptiveScenarios {
        Adaptive() {
            super(BrokerCompatibilityKit.this::broker);
        }
    }
}
