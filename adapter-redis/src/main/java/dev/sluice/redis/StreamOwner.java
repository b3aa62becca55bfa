package dev.sluice.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The server that holds a channel's keys, and a small pool of connections to it. On a single
 * node that is the URI's host, for good. On Redis Cluster it is the master that owns the
 * stream's hash slot (every key of the channel shares it, see {@link RedisEndpoint}), found with
 * {@code CLUSTER SLOTS} on any node that answers; after {@link #lost()} (a cut connection, a
 * {@code MOVED} reply: a failover moved the slot) the next use asks again, and the pool follows
 * the slot to its new master. So every single-node code path (pipelines, scripts, blocking reads,
 * {@code CLIENT UNBLOCK}) runs unchanged against one server. Thread-safe.
 */
final class StreamOwner implements AutoCloseable {

    private final RedisEndpoint endpoint;
    private final String key;
    private final int slot;
    /** Nodes to ask for the slot's owner: the URI's seeds, then every node a reply named. */
    private final Set<HostAndPort> known = new LinkedHashSet<>();
    private HostAndPort owner; // guarded by this
    private JedisPool pool; // guarded by this
    private boolean stale = true; // guarded by this

    StreamOwner(RedisEndpoint endpoint) {
        this(endpoint, endpoint.stream());
    }

    /** The server of another key of the endpoint's server or cluster (a dead letter in another slot). */
    StreamOwner(RedisEndpoint endpoint, String key) {
        this.endpoint = endpoint;
        this.key = key;
        this.slot = JedisClusterCRC16.getSlot(key);
        this.known.addAll(endpoint.nodes());
    }

    /** @return the server to connect to for this channel's keys (asks the cluster again after {@link #lost()}) */
    synchronized HostAndPort address() {
        if (!stale) {
            return owner;
        }
        HostAndPort now = endpoint.cluster() ? findOwner() : endpoint.hostAndPort();
        if (!now.equals(owner) && pool != null) {
            pool.close(); // connections to a master that no longer owns the slot
            pool = null;
        }
        owner = now;
        stale = false;
        return owner;
    }

    /** @return a pooled connection to the owner; close it to give it back */
    Jedis pooled() {
        JedisPool p;
        synchronized (this) {
            address();
            if (pool == null) {
                GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
                poolConfig.setMaxTotal(8);
                poolConfig.setTestOnBorrow(false);
                pool = new JedisPool(poolConfig, owner, endpoint.controlConfig());
            }
            p = pool;
        }
        return p.getResource();
    }

    /**
     * The owner did not answer or said another node owns the slot: on a cluster the next use
     * asks which master owns it now, and drops the pooled connections if it changed. Nothing on
     * a single node.
     */
    void lost() {
        if (endpoint.cluster()) {
            synchronized (this) {
                stale = true;
            }
        }
    }

    /** @return the hash slot of the key (on a cluster, the stream's holds every key of the channel but a named dead letter) */
    int slot() {
        return slot;
    }

    private HostAndPort findOwner() {
        List<String> tried = new ArrayList<>();
        for (HostAndPort node : List.copyOf(known)) {
            try (Jedis j = new Jedis(node, endpoint.controlConfig())) {
                HostAndPort master = null;
                for (Object range : j.clusterSlots()) {
                    List<?> r = (List<?>) range;
                    HostAndPort first = address((List<?>) r.get(2));
                    for (int i = 2; i < r.size(); i++) {
                        known.add(address((List<?>) r.get(i)));
                    }
                    if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) {
                        master = first;
                    }
                }
                if (master != null) {
                    return master;
                }
                tried.add(node + ": no master owns slot " + slot);
            } catch (RuntimeException e) {
                tried.add(node + ": " + e.getMessage());
            }
        }
        throw new JedisConnectionException("no node of the Redis Cluster " + endpoint.nodes() + " names the master of slot "
                + slot + " (key '" + key + "'): " + tried);
    }

    /** A node in a {@code CLUSTER SLOTS} reply: host (empty means the node that answered's own), port, id. */
    private HostAndPort address(List<?> node) {
        Object host = node.get(0);
        String h = host instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(host);
        return new HostAndPort(h.isEmpty() || "?".equals(h) ? endpoint.hostAndPort().getHost() : h, ((Long) node.get(1)).intValue());
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }
}
