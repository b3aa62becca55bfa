package dev.sluice.redis;

import dev.sluice.BrokerUnavailableException;
import dev.sluice.ChannelSpec;
import dev.sluice.spi.BrokerAdapter;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerSession;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * The adapter for Redis Streams, {@code redis://host:port/stream} and {@code rediss://} (TLS),
 * through Jedis. See {@link RedisEndpoint} for the URI's parameters. Registered through
 * {@link java.util.ServiceLoader}; does no I/O until a channel is opened.
 */
public final class RedisAdapter implements BrokerAdapter {

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("redis", "rediss");
    }

    @Override
    public BrokerSession connect(ChannelSpec spec, BrokerEvents events) {
        RedisEndpoint endpoint = RedisEndpoint.of(spec);
        GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(8);
        poolConfig.setTestOnBorrow(false);
        JedisPool pool = new JedisPool(poolConfig, endpoint.hostAndPort(), endpoint.controlConfig());
        int maxPayloadBytes;
        try (Jedis j = pool.getResource()) {
            j.ping();
            maxPayloadBytes = RedisSession.maxPayloadBytes(j);
        } catch (RuntimeException e) {
            pool.close();
            if (e instanceof redis.clients.jedis.exceptions.JedisAccessControlException) {
                throw new BrokerUnavailableException("Redis at " + endpoint.hostAndPort() + " refused the login: " + e.getMessage(), e);
            }
            throw BrokerUnavailableException.of("Redis at " + endpoint.hostAndPort(), spec.connectTimeout(), e);
        }
        return new RedisSession(spec, endpoint, pool, events, maxPayloadBytes);
    }
}
