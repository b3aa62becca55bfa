package dev.sluice.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.conformance.brokers.RedisClusterKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.RedisClusterServers;
import java.time.Duration;
import java.util.Optional;

/** Starts the kit's Redis Cluster for a test class, or skips it (fails it under -Dsluice.brokers.required=redis) saying why. */
final class ClusterBrokers {

    private ClusterBrokers() {
    }

    static RedisClusterKitBroker start() {
        Optional<String> why = RedisClusterServers.whyNot();
        if (why.isPresent() && BrokerProvisioner.required().contains(BrokerKind.REDIS)) {
            throw new IllegalStateException("redis is required (-D" + BrokerProvisioner.REQUIRED_PROPERTY + ") but " + why.get());
        }
        assumeTrue(why.isEmpty(), () -> why.orElse(""));
        try {
            return new RedisClusterKitBroker(RedisClusterServers.start(Duration.ofSeconds(30)));
        } catch (Exception e) {
            throw new IllegalStateException("the kit's Redis Cluster did not start", e);
        }
    }
}
