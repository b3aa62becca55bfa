package dev.sluice.conformance;

import dev.sluice.conformance.scenarios.BadInputScenarios;
import dev.sluice.conformance.scenarios.ConnectionFaultScenarios;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Timeout;

/**
 * The families that need a broker the kit started itself and a shared server cannot give: a
 * restart keeping ports and data, the health seen while the broker is down, connection cuts,
 * and a payload limit a test can reach (family 18's TOO_LARGE). An adapter runs them against a
 * server from the PATH, whatever its environment names, next to its {@link BrokerCompatibilityKit}
 * run on the shared server:
 *
 * <pre>{@code
 * class RedisRestartCompatibilityTest extends RestartCompatibilityKit {
 *     @Override protected KitBroker broker() {
 *         return new RedisKitBroker(BrokerProvisioner.pathServer(BrokerKind.REDIS));  // once, closed after all
 *     }
 * }
 * }</pre>
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
public abstract class RestartCompatibilityKit {

    /** @return the broker under test, one the kit started; called before every test */
    protected abstract KitBroker broker();

    @Nested
    @DisplayName("16 connection cut and broker restart")
    class ConnectionFaults extends ConnectionFaultScenarios {
        ConnectionFaults() {
            super(RestartCompatibilityKit.this::broker);
        }
    }

    @Nested
    @DisplayName("18 bad input")
    class BadInput extends BadInputScenarios {
        BadInput() {
            super(RestartCompatibilityKit.this::broker);
        }
    }
}
