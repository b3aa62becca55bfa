package dev.sluice.ratelimit.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.util.UUID;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * The Redis the tests use: {@code SLUICE_REDIS_URI}, else 127.0.0.1:6379. When none answers the
 * tests are skipped with the reason, unless {@code -Dsluice.brokers.required} names redis.
 */
final class TestRedis {

    private TestRedis() {
    }

    static String uri() {
        String env = System.getenv("SLUICE_REDIS_URI");
        return env == null || env.isBlank() ? "redis://127.0.0.1:6379" : env;
    }

    /** A connection to the test Redis; skips (or fails, when required) if it does not answer. */
    static Jedis connect() {
        URI u = URI.create(uri());
        Jedis j = new Jedis(new HostAndPort(u.getHost(), u.getPort() > 0 ? u.getPort() : 6379),
                DefaultJedisClientConfig.builder().autoNegotiateProtocol(false).socketTimeoutMillis(2_000).build());
        try {
            j.ping();
            return j;
        } catch (RuntimeException e) {
            j.close();
            boolean required = System.getProperty("sluice.brokers.required", "").contains("redis");
            if (required) {
                throw new AssertionError("Redis at " + uri() + " is required (sluice.brokers.required) and does not answer", e);
            }
            assumeTrue(false, "no Redis answers at " + uri() + " (set SLUICE_REDIS_URI): " + e);
            throw e;
        }
    }

    /** A limit name no other test or helper uses. */
    static String uniqueName(String what) {
        return "test-" + what + "-" + UUID.randomUUID();
    }
}
