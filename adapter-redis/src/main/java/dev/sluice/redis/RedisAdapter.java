package dev.sluice.redis;

import dev.sluice.BrokerUnavailableException;
import dev.sluice.ChannelSpec;
import dev.sluice.spi.BrokerAdapter;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerSession;
import java.util.Set;
import redis.clients.jedis.Jedis;

/**
 * The adapter for Redis Streams, {@code redis://host:port/stream} and {@code rediss://} (TLS),
 * and on Redis Cluster {@code redis-cluster://host1:port1,host2:port2/stream} (and
 * {@code rediss-cluster://}), through Jedis. See {@link RedisEndpoint} for the URI's parameters. Registered through
 * {@link java.util.ServiceLoader}; does no I/O until a channel is opened.
 */
public final class RedisAdapter implements BrokerAdapter {

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("redis", "rediss", "redis-cluster", "rediss-cluster");
    }

    @Override
    public BrokerSession connect(ChannelSpec spec, BrokerEvents events) {
        RedisEndpoint endpoint = RedisEndpoint.of(spec);
        StreamOwner pool = new StreamOwner(endpoint);
        int maxPayloadBytes;
        try (Jedis j = pool.pooled()) {
            j.ping();
            maxPayloadBytes = RedisSession.maxPayloadBytes(j);
        } catch (RuntimeException e) {
            pool.close();
            if (e instanceof redis.clients.jedis.exceptions.JedisAccessControlException) {
                throw new BrokerUnavailableException("Redis at " + endpoint.nodes() + " refused the login: " + e.getMessage(), e);
            }
            throw BrokerUnavailableException.of("Redis at " + endpoint.nodes(), spec.connectTimeout(), e);
        }
        return new RedisSession(spec, endpoint, pool, events, maxPayloadBytes);
    }
}
