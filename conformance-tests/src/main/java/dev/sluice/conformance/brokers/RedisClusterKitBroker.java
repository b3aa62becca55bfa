package dev.sluice.conformance.brokers;

import dev.sluice.conformance.BrokerProbe;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.ForeignClient;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.provision.RedisClusterServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.args.ClientPauseMode;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The kit's Redis Cluster: channels open {@code redis-cluster://} URIs naming every node of a
 * cluster the kit started ({@link RedisClusterServers}); the probe finds the master that owns a
 * destination's hash slot ({@code CLUSTER SLOTS}) and reads its figures there ({@code XINFO
 * GROUPS}, {@code XPENDING}). There is no fault proxy in front of a cluster (its nodes tell
 * clients each other's addresses, which would bypass it), so the faults are the nodes' own:
 * connections cut ({@code CLIENT KILL TYPE normal} on every node), a stall ({@code CLIENT PAUSE
 * WRITE} on every master, ended with {@code CLIENT UNPAUSE}), broker pressure ({@code maxmemory 1} on every master, restored), and
 * {@link #failover(String)}: the master of a destination's slot stops and its replica takes over.
 */
public final class RedisClusterKitBroker implements KitBroker, BrokerProbe, AutoCloseable {

    /** Kit runs claim a dead member's entries after 2 s instead of the default 30 s. */
    private static final long CLAIM_IDLE_MS = 2_000;
    private static final JedisClientConfig CONFIG = DefaultJedisClientConfig.builder().autoNegotiateProtocol(false)
            .connectionTimeoutMillis(1_000).socketTimeoutMillis(5_000).build();

    private final RedisClusterServers cluster;
    /** A stall the kit forgets to heal ends by itself after this long. */
    private static final long STALL_LIMIT_MILLIS = 120_000;

    private final Map<Integer, String> maxmemoryBefore = new HashMap<>();
    private final Set<Integer> stalled = new java.util.HashSet<>();

    /** @param cluster a running cluster; closed with this broker */
    public RedisClusterKitBroker(RedisClusterServers cluster) {
        this.cluster = cluster;
    }

    /** @return the cluster the channels run on */
    public RedisClusterServers cluster() {
        return cluster;
    }

    @Override
    public String name() {
        return "redis-cluster";
    }

    @Override
    public String uri(String destination) {
        return "redis-cluster://" + cluster.seeds() + "/" + destination + "?claimIdleMs=" + CLAIM_IDLE_MS;
    }

    @Override
    public BrokerProbe probe() {
        return this;
    }

    @Override
    public Optional<ForeignClient> foreign() {
        return Optional.of(new RedisForeignClient(this::master));
    }

    /** @return the port of the master that owns the key's hash slot now, as the running nodes say */
    public int masterPort(String key) {
        int slot = JedisClusterCRC16.getSlot(key);
        List<String> tried = new ArrayList<>();
        for (int port : cluster.ports()) {
            if (!cluster.running(port)) {
                continue;
            }
            try (Jedis j = new Jedis(new HostAndPort("127.0.0.1", port), CONFIG)) {
                for (Object range : j.clusterSlots()) {
                    List<?> r = (List<?>) range;
                    if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) {
                        return ((Long) ((List<?>) r.get(2)).get(1)).intValue();
                    }
                }
                tried.add(port + ": slot " + slot + " unassigned");
            } catch (RuntimeException e) {
                tried.add(port + ": " + e.getMessage());
            }
        }
        throw new IllegalStateException("no running node names the master of slot " + slot + " (key '" + key + "'): " + tried);
    }

    /** @return a connection to the master that owns the key's slot */
    public Jedis master(String key) {
        return new Jedis(new HostAndPort("127.0.0.1", masterPort(key)), CONFIG);
    }

    /**
     * Stops the master that owns the destination's slot (SIGTERM) and returns once its replica
     * has been promoted and the cluster is healthy again; the stopped node stays down until
     * {@link #heal(Fault)} or {@link #restartStopped(Duration)}.
     *
     * @return the port of the stopped master
     */
    public int failover(String destination, Duration timeout) throws Exception {
        int old = masterPort(destination);
        cluster.stop(old);
        // The others go on naming the stopped master until they fail it (cluster-node-timeout) and
        // its replica wins the election: wait for that, then for every slot to be served.
        org.awaitility.Awaitility.await("a replica promoted in place of master " + old).atMost(timeout)
                .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> masterPort(destination) != old);
        cluster.awaitHealthy(timeout);
        return old;
    }

    /**
     * A planned failover: the replica of the destination's master takes over with
     * {@code CLUSTER FAILOVER} (it catches up first, so nothing is lost) while the old master
     * keeps running as its replica and answers clients that still write to it with {@code MOVED}.
     *
     * @return the port of the new master
     */
    public int plannedFailover(String destination, Duration timeout) throws Exception {
        int old = masterPort(destination);
        int replica = org.awaitility.Awaitility.await("a replica of master " + old).atMost(timeout)
                .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> replicaPort(destination), p -> p > 0);
        try (Jedis j = node(replica)) {
            j.clusterFailover();
        }
        org.awaitility.Awaitility.await("replica " + replica + " promoted in place of master " + old).atMost(timeout)
                .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> masterPort(destination) == replica);
        cluster.awaitHealthy(timeout);
        return replica;
    }

    /** @return the port of a replica of the master that owns the key's slot, as the master says */
    private int replicaPort(String key) {
        int slot = JedisClusterCRC16.getSlot(key);
        try (Jedis j = master(key)) {
            for (Object range : j.clusterSlots()) {
                List<?> r = (List<?>) range;
                if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1) && r.size() > 3) {
                    return ((Long) ((List<?>) r.get(3)).get(1)).intValue();
                }
            }
        }
        throw new IllegalStateException("the master of slot " + slot + " (key '" + key + "') has no replica: "
                + describe(slot));
    }

    private String describe(int slot) {
        StringBuilder b = new StringBuilder();
        for (int port : runningPorts()) {
            try (Jedis j = node(port)) {
                b.append(port).append(" says ").append(j.clusterNodes().replace('\n', ';')).append(" | ");
            } catch (RuntimeException e) {
                b.append(port).append(": ").append(e.getMessage()).append(" | ");
            }
        }
        return b.toString();
    }

    /** Starts every stopped node again (a former master rejoins as a replica) and waits for a healthy cluster. */
    public void restartStopped(Duration timeout) throws Exception {
        for (int port : cluster.ports()) {
            if (!cluster.running(port)) {
                cluster.start(port, timeout);
            }
        }
        awaitFullStrength(timeout);
    }

    /**
     * Waits until every slot is served and every node names a replica for every master (a
     * former master that rejoined is attached to the one that replaced it).
     */
    public void awaitFullStrength(Duration timeout) throws Exception {
        cluster.awaitHealthy(timeout);
        org.awaitility.Awaitility.await("every master has a replica, as every node sees it").atMost(timeout)
                .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(this::everyMasterReplicated);
    }

    private boolean everyMasterReplicated() {
        for (int port : runningPorts()) {
            try (Jedis j = node(port)) {
                if (!j.clusterSlots().stream().allMatch(range -> ((List<?>) range).size() > 3)) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public OptionalLong ready(String destination, String group) {
        try (Jedis j = master(destination)) {
            return RedisKitBroker.ready(j, destination, group);
        }
    }

    @Override
    public OptionalLong unacked(String destination, String group) {
        try (Jedis j = master(destination)) {
            return RedisKitBroker.unacked(j, destination, group);
        }
    }

    @Override
    public OptionalLong backlog(String destination, String group) {
        return ready(destination, group);
    }

    @Override
    public boolean refusesSendsUnderPressure() {
        return true;
    }

    @Override
    public Set<Fault> faults() {
        return EnumSet.of(Fault.BROKER_PRESSURE, Fault.CUT_CONNECTIONS, Fault.STALL);
    }

    @Override
    public String whyNot(Fault fault) {
        return switch (fault) {
            case RESTART -> "redis-cluster: a node is stopped in the master failover scenarios (family 26 of RedisClusterCompatibilityTest), not restarted in place";
            default -> "redis-cluster offers no " + fault + " fault";
        };
    }

    @Override
    public void inject(Fault fault) throws Exception {
        switch (fault) {
            case BROKER_PRESSURE -> {
                for (int port : runningPorts()) {
                    try (Jedis j = node(port)) {
                        maxmemoryBefore.put(port, j.configGet("maxmemory").get("maxmemory"));
                        j.configSet("maxmemory", "1"); // every write is refused: OOM command not allowed
                    }
                }
            }
            case STALL -> {
                // The masters hold every write (XADD, XREADGROUP, XACK, scripts) with the connections
                // open, as a stalled broker does; reads (the probe's XINFO) still answer.
                for (int port : masters()) {
                    try (Jedis j = node(port)) {
                        j.clientPause(STALL_LIMIT_MILLIS, ClientPauseMode.WRITE);
                        stalled.add(port);
                    }
                }
            }
            case CUT_CONNECTIONS -> {
                for (int port : runningPorts()) {
                    try (Jedis j = node(port)) {
                        j.clientKill(ClientKillParams.clientKillParams().type(ClientType.NORMAL).skipMe(ClientKillParams.SkipMe.YES));
                    }
                }
            }
            default -> throw new UnsupportedOperationException(whyNot(fault));
        }
    }

    @Override
    public void heal(Fault fault) throws Exception {
        if (fault == Fault.STALL && !stalled.isEmpty()) {
            for (int port : List.copyOf(stalled)) {
                try (Jedis j = node(port)) {
                    j.clientUnpause();
                }
                stalled.remove(port);
            }
        }
        if (fault == Fault.BROKER_PRESSURE && !maxmemoryBefore.isEmpty()) {
            for (Map.Entry<Integer, String> e : maxmemoryBefore.entrySet()) {
                try (Jedis j = node(e.getKey())) {
                    j.configSet("maxmemory", e.getValue());
                }
            }
            maxmemoryBefore.clear();
        }
    }

    @Override
    public Optional<String> unreachableUri() {
        return Optional.of("redis-cluster://127.0.0.1:1/unreachable");
    }

    @Override
    public OptionalInt maxPayloadBytes() {
        return OptionalInt.of(1024 * 1024); // the nodes' proto-max-bulk-len
    }

    @Override
    public void deleteDestination(String destination) {
        try (Jedis j = master(destination)) {
            j.del(destination);
            j.del(deadLetterOf(destination));
        }
    }

    /** The adapter's dead letter on a cluster: the stream's name as a hash tag, unless it has one. */
    static String deadLetterOf(String stream) {
        int open = stream.indexOf('{');
        int close = open < 0 ? -1 : stream.indexOf('}', open + 1);
        return (close > open + 1 ? stream : "{" + stream + "}") + ".dlq";
    }

    /** @return the running nodes that are masters now ({@code ROLE}) */
    private List<Integer> masters() {
        List<Integer> masters = new ArrayList<>();
        for (int port : runningPorts()) {
            try (Jedis j = node(port)) {
                Object role = j.role().get(0);
                String r = role instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(role);
                if ("master".equals(r)) {
                    masters.add(port);
                }
            }
        }
        return masters;
    }

    private List<Integer> runningPorts() {
        return cluster.ports().stream().filter(cluster::running).toList();
    }

    private static Jedis node(int port) {
        return new Jedis(new HostAndPort("127.0.0.1", port), CONFIG);
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }

    @Override
    public String toString() {
        return "redis-cluster " + cluster.seeds() + " (kit-started)";
    }
}
