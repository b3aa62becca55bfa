package dev.sluice.redis;

import dev.sluice.ChannelSpec;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Where a channel's stream is: {@code redis://[user:password@]host[:port]/stream} or
 * {@code rediss://} for TLS, with optional query parameters:
 * <ul>
 *   <li>{@code claimIdleMs}: how long an entry pending at a member must be idle before another
 *       member claims it (a crashed consumer's work); default 30 000;
 *   <li>{@code db}: the database number; default 0;
 *   <li>{@code deleteAcked}: delete an entry once acked while the stream has one group
 *       ({@code XDEL}, in the script that acks, so the group count is the server's at that
 *       moment), so that the stream holds only work still to do; default true. Set it to false
 *       when another application may create a group of its own later and read the stream from
 *       its start: what was acked and deleted before its group existed is gone for it.
 *   <li>{@code payloadField}: the entry field that holds the payload when reading what other
 *       producers wrote ({@code p}, Sluice's own, by default); their other fields are headers.
 *   <li>{@code waitReplicas}: confirm a send only once this many replicas have it ({@code WAIT}
 *       after each pipeline of adds); default 0, confirm once the master has it. Redis replicates
 *       asynchronously, so a master that crashes can take the writes it confirmed last with it;
 *       with {@code waitReplicas=1} a replica holds every confirmed send. A pipeline that fewer
 *       replicas acknowledged within {@code waitTimeoutMs} fails (the entries stay on the master:
 *       the producer's retry may duplicate them) and is broker pressure until one is acknowledged.
 *   <li>{@code waitTimeoutMs}: how long {@code WAIT} waits for the replicas; default 1 000.
 * </ul>
 *
 * <p>Redis Cluster: {@code redis-cluster://[user:password@]host1:7000[,host2:7001...]/stream} (or
 * {@code rediss-cluster://}); the hosts are seeds, any one that answers is enough. Every key of
 * the channel lives in the stream's hash slot: the dead letter is {@code {stream}.dlq} (hash tag
 * of the stream's name), or {@code stream.dlq} when the name already has a tag
 * ({@code {orders}.eu} gives {@code {orders}.eu.dlq}). A dead letter named in the consumer
 * policy may live in another slot: it is written through a connection to its own master.
 * {@code db} must be 0 (a cluster has no other).
 *
 * @param hostAndPort the single node, or the first seed of a cluster
 * @param nodes the single node, or every seed of a cluster
 * @param cluster true for {@code redis-cluster://} and {@code rediss-cluster://}
 * @param waitReplicas how many replicas must acknowledge a pipeline of adds; 0 for none
 * @param waitTimeoutMs how long {@code WAIT} may take
 * @param sendConfig the sender's connection: its socket waits for {@code WAIT} too
 */
record RedisEndpoint(HostAndPort hostAndPort, JedisClientConfig config, JedisClientConfig blockingConfig,
                     JedisClientConfig controlConfig, String stream, long claimIdleMs, boolean deleteAcked,
                     String payloadField, List<HostAndPort> nodes, boolean cluster, int waitReplicas, long waitTimeoutMs,
                     JedisClientConfig sendConfig) {

    /** The schemes of Redis Cluster. */
    static final Set<String> CLUSTER_SCHEMES = Set.of("redis-cluster", "rediss-cluster");

    /** Acks, claims and unblocks are quick: a broker that does not answer them in this time is stalled. */
    static final int CONTROL_TIMEOUT_MILLIS = 2_000;

    static RedisEndpoint of(ChannelSpec spec) {
        spec.requireKnownParameters(Set.of("claimIdleMs", "db", "deleteAcked", "payloadField", "waitReplicas", "waitTimeoutMs"));
        if (!spec.nativeSettings().isEmpty()) {
            throw new IllegalArgumentException("native settings " + spec.nativeSettings().keySet() + " are not known to redis://:"
                    + " it takes none; its settings are URI parameters");
        }
        var uri = spec.uri();
        boolean cluster = CLUSTER_SCHEMES.contains(spec.scheme());
        String expected = cluster ? "redis-cluster://host1:7000,host2:7001/stream" : "redis://host:6379/stream";
        String info;
        List<HostAndPort> nodes;
        if (cluster) {
            String authority = uri.getRawAuthority();
            if (authority == null || authority.isEmpty()) {
                throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") names no host; expected " + expected);
            }
            int at = authority.lastIndexOf('@');
            info = at < 0 ? null : authority.substring(0, at);
            nodes = seeds(spec.redactedUri(), authority.substring(at + 1));
        } else {
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") names no host; expected " + expected);
            }
            info = uri.getRawUserInfo();
            nodes = List.of(new HostAndPort(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379));
        }
        String stream = spec.destination().orElseThrow(() -> new IllegalArgumentException(
                "uri (" + spec.redactedUri() + ") names no stream; expected " + expected));
        long claimIdle = spec.queryParameter("claimIdleMs").map(v -> parse("claimIdleMs", v, 1)).orElse(30_000L);
        int db = spec.queryParameter("db").map(v -> (int) parse("db", v, 0)).orElse(0);
        if (cluster && db != 0) {
            throw new IllegalArgumentException("db (" + db + ") must be 0 on Redis Cluster, which has no other database");
        }
        if (cluster) {
            if (JedisClusterCRC16.getSlot(deadLetterOf(stream, true)) != JedisClusterCRC16.getSlot(stream)) {
                throw new IllegalArgumentException("stream (" + stream + ") has braces that are no hash tag Redis honours"
                        + " ({name} with a non-empty name): its dead letter cannot share its slot; name it plainly or as {tag}rest");
            }
        }
        boolean deleteAcked = spec.queryParameter("deleteAcked").map(v -> switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("deleteAcked (" + v + ") must be true or false");
        }).orElse(true);
        String payloadField = spec.queryParameter("payloadField").orElse("p");
        if (payloadField.isBlank()) {
            throw new IllegalArgumentException("payloadField (\"" + payloadField + "\") must not be blank");
        }
        int waitReplicas = spec.queryParameter("waitReplicas").map(v -> (int) parse("waitReplicas", v, 0)).orElse(0);
        long waitTimeout = spec.queryParameter("waitTimeoutMs").map(v -> parse("waitTimeoutMs", v, 1)).orElse(1_000L);
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, spec.connectTimeout().toMillis());
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                // No protocol negotiation: Jedis warns on every connection when it tries, and streams
                // need nothing of RESP3.
                .autoNegotiateProtocol(false)
                .connectionTimeoutMillis(connectMillis)
                .socketTimeoutMillis((int) Math.max(2_000, Math.min(Integer.MAX_VALUE, spec.connectTimeout().toMillis())))
                .database(db)
                .ssl(spec.scheme().startsWith("rediss"))
                .clientName("sluice");
        if (info != null && !info.isEmpty()) {
            int colon = info.indexOf(':');
            String user = colon < 0 ? null : decode(info.substring(0, colon));
            String password = decode(colon < 0 ? info : info.substring(colon + 1));
            if (user != null && !user.isEmpty()) {
                b.user(user);
            }
            b.password(password);
        }
        JedisClientConfig config = b.build();
        // Blocking reads wait up to the poll timeout on the server: the socket must wait longer.
        Duration poll = spec.consumer().pollTimeout();
        JedisClientConfig blocking = b.socketTimeoutMillis((int) Math.min(Integer.MAX_VALUE,
                poll.toMillis() + Math.max(2_000, spec.connectTimeout().toMillis()))).build();
        JedisClientConfig control = b.socketTimeoutMillis(CONTROL_TIMEOUT_MILLIS).build();
        JedisClientConfig send = waitReplicas == 0 ? config : b.socketTimeoutMillis((int) Math.min(Integer.MAX_VALUE,
                waitTimeout + Math.max(2_000, spec.connectTimeout().toMillis()))).build();
        return new RedisEndpoint(nodes.get(0), config, blocking, control, stream, claimIdle, deleteAcked,
                payloadField, nodes, cluster, waitReplicas, waitTimeout, send);
    }

    /** @return the dead letter stream when the consumer policy names none: see the class comment */
    String defaultDeadLetter() {
        return deadLetterOf(stream, cluster);
    }

    /**
     * {@code stream.dlq} on a single node (as always); on a cluster {@code {stream}.dlq}, or
     * {@code stream.dlq} when the name holds a hash tag already, so that both share a slot.
     */
    static String deadLetterOf(String stream, boolean cluster) {
        return (cluster ? hashTagged(stream) : stream) + ".dlq";
    }

    /** @return the name itself when it holds a hash tag Redis honours, else the name as one: {@code {name}} */
    static String hashTagged(String name) {
        int open = name.indexOf('{');
        int close = open < 0 ? -1 : name.indexOf('}', open + 1);
        return close > open + 1 ? name : "{" + name + "}";
    }

    private static List<HostAndPort> seeds(String redacted, String hosts) {
        List<HostAndPort> seeds = new ArrayList<>();
        for (String part : hosts.split(",", -1)) {
            int colon = part.lastIndexOf(':');
            String host = colon < 0 ? part : part.substring(0, colon);
            if (host.isEmpty()) {
                throw new IllegalArgumentException("uri (" + redacted + ") has an empty host in its seed list '" + hosts
                        + "'; expected redis-cluster://host1:7000,host2:7001/stream");
            }
            int port = colon < 0 ? 6379 : (int) parse("port of " + host, part.substring(colon + 1), 1);
            if (port > 65_535) {
                throw new IllegalArgumentException("port of " + host + " (" + port + ") must be at most 65535");
            }
            seeds.add(new HostAndPort(host, port));
        }
        return List.copyOf(seeds);
    }

    private static long parse(String name, String value, long min) {
        try {
            long v = Long.parseLong(value);
            if (v >= min) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(name + " (" + value + ") must be a whole number of at least " + min);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return (cluster ? "cluster " + nodes : hostAndPort) + "/" + stream;
    }
}
