package dev.sluice.redis;

import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.RestartCompatibilityKit;
import dev.sluice.conformance.brokers.RedisKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/**
 * Restart, connection faults and bad input (TOO_LARGE) against a {@code redis-server} the kit
 * starts from the PATH (append-only, {@code proto-max-bulk-len} 1 MiB), whatever
 * {@code SLUICE_REDIS_URI} names: the shared server cannot be restarted and has no payload limit
 * a test can reach. Skipped, with the reason, when no {@code redis-server} is on the PATH (a
 * failure with {@code -Dsluice.brokers.required=redis}).
 */
@DisplayName("redis:// conformance on a redis-server the kit started")
class RedisRestartCompatibilityTest extends RestartCompatibilityKit {

    private static RedisKitBroker broker;

    @Override
    protected KitBroker broker() {
        synchronized (RedisRestartCompatibilityTest.class) {
            if (broker == null) {
                try {
                    broker = new RedisKitBroker(BrokerProvisioner.pathServer(BrokerKind.REDIS));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot start the fault proxy", e);
                }
            }
            return broker;
        }
    }

    @AfterAll
    static void stopProxy() {
        synchronized (RedisRestartCompatibilityTest.class) {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }
}
