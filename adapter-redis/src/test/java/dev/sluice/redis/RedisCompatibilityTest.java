package dev.sluice.redis;

import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.brokers.RedisKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/** The whole conformance kit against a real Redis (SLUICE_REDIS_URI, or one the kit provisions). */
@DisplayName("redis:// conformance")
class RedisCompatibilityTest extends BrokerCompatibilityKit {

    private static RedisKitBroker broker;

    @Override
    protected KitBroker broker() {
        synchronized (RedisCompatibilityTest.class) {
            if (broker == null) {
                try {
                    broker = new RedisKitBroker(BrokerProvisioner.shared(BrokerKind.REDIS));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("cannot start the fault proxy", e);
                }
            }
            return broker;
        }
    }

    @AfterAll
    static void stopProxy() {
        synchronized (RedisCompatibilityTest.class) {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }
}
