package dev.sluice.conformance.brokers;

import dev.sluice.conformance.BrokerProbe;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.ForeignClient;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.provision.RedisClusterServers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
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
 * The kit's Redis Cluster: channels open {@code redis-cluster://} URIs naming the seeds of either
 * a cluster the kit started ({@link #RedisClusterKitBroker(RedisClusterServers)}, every node a
 * seed) or a cluster a user named ({@link #existing(URI, Duration)}, for {@code sluice check}); the
 * probe finds the master that owns a destination's hash slot ({@code CLUSTER SLOTS}) and reads its
 * figures there ({@code XINFO GROUPS}, {@code XPENDING}). There is no fault proxy in front of a
 * cluster (its nodes tell clients each other's addresses, which would bypass it), so the faults are
 * the nodes' own, on both kinds of cluster, as the standalone {@link RedisKitBroker} uses
 * {@code CONFIG SET maxmemory} on any server it is given: connections cut ({@code CLIENT KILL} on
 * every node: every normal client on the kit's cluster, only the connections named {@code sluice}
 * on a user's), a stall ({@code CLIENT PAUSE WRITE} on every master, ended with
 * {@code CLIENT UNPAUSE}), broker pressure ({@code maxmemory 1} on every master, restored). A node
 * that refuses one of these commands (a managed Redis, an ACL) fails the scenario with the node's
 * answer. The failover helpers ({@link #failover}, {@link #plannedFailover},
 * {@link #restartStopped}, {@link #awaitFullStrength}) stop and start nodes: they need the cluster
 * the kit started.
 */
public final class RedisClusterKitBroker implements KitBroker, BrokerProbe, AutoCloseable {

    /** Kit runs claim a dead member's entries after 2 s instead of the default 30 s. */
    private static final long CLAIM_IDLE_MS = 2_000;
    private static final JedisClientConfig CONFIG = DefaultJedisClientConfig.builder().autoNegotiateProtocol(false)
            .connectionTimeoutMillis(1_000).socketTimeoutMillis(5_000).build();
    /** The client name the Redis adapter gives its connections: on a user's cluster only these are cut. */
    private static final String ADAPTER_CLIENT_NAME = "sluice";
    /** A stall the kit forgets to heal ends by itself after this long. */
    private static final long STALL_LIMIT_MILLIS = 120_000;

    /** The servers the kit started, or null for a cluster a user named. */
    private final RedisClusterServers servers;
    /** {@code redis-cluster://[user:password@]seeds}: every channel URI begins with it. */
    private final String base;
    /** The seeds as given, for messages ({@code 127.0.0.1:7000,127.0.0.1:7001}). */
    private final String seeds;
    private final List<HostAndPort> seedNodes;
    private final JedisClientConfig config;

    private final Map<HostAndPort, String> maxmemoryBefore = new HashMap<>();
    private final Set<HostAndPort> stalled = new java.util.HashSet<>();

    /** @param cluster a running cluster the kit started; closed with this broker */
    public RedisClusterKitBroker(RedisClusterServers cluster) {
        this(java.util.Objects.requireNonNull(cluster, "cluster"), "redis-cluster://" + cluster.seeds(), cluster.seeds(),
                cluster.ports().stream().map(p -> new HostAndPort("127.0.0.1", p)).toList(), CONFIG);
    }

    private RedisClusterKitBroker(RedisClusterServers servers, String base, String seeds, List<HostAndPort> seedNodes,
                                  JedisClientConfig config) {
        this.servers = servers;
        this.base = base;
        this.seeds = seeds;
        this.seedNodes = List.copyOf(seedNodes);
        this.config = config;
    }

    /**
     * Attaches to a Redis Cluster a user runs, named by {@code redis-cluster://[user:password@]host1:port1[,host2:port2...][/...]}
     * (or {@code rediss-cluster://} for TLS; a path or query is ignored: the kit makes its own
     * streams). Every seed must answer on its port within {@code timeout}, and the first must say
     * {@code cluster_state:ok}. Closing the broker leaves the cluster alone; the kit never stops
     * or restarts its nodes.
     *
     * @throws IllegalArgumentException when the URI is no {@code redis-cluster://} or {@code rediss-cluster://} URI with seeds
     * @throws IOException naming every seed that does not answer
     * @throws IllegalStateException when the seeds answer but are no healthy cluster (cluster support disabled, slots unserved, refused login)
     */
    public static RedisClusterKitBroker existing(URI uri, Duration timeout) throws IOException {
        java.util.Objects.requireNonNull(uri, "uri");
        java.util.Objects.requireNonNull(timeout, "timeout");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("redis-cluster") && !scheme.equals("rediss-cluster")) {
            throw new IllegalArgumentException("uri (" + redacted(uri) + ") must be redis-cluster://host1:port1,host2:port2"
                    + " or rediss-cluster://...");
        }
        String authority = uri.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw new IllegalArgumentException("uri (" + redacted(uri) + ") names no seed; expected " + scheme + "://host1:7000,host2:7001");
        }
        int at = authority.lastIndexOf('@');
        String info = at < 0 ? null : authority.substring(0, at);
        String hosts = authority.substring(at + 1);
        List<HostAndPort> seedNodes = parseSeeds(redacted(uri), hosts);
        awaitAnswers(seedNodes, timeout);
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder().autoNegotiateProtocol(false)
                .connectionTimeoutMillis(millis).socketTimeoutMillis(Math.max(5_000, millis))
                .ssl(scheme.startsWith("rediss"));
        if (info != null && !info.isEmpty()) {
            int colon = info.indexOf(':');
            String user = colon < 0 ? null : decode(info.substring(0, colon));
            if (user != null && !user.isEmpty()) {
                b.user(user);
            }
            b.password(decode(colon < 0 ? info : info.substring(colon + 1)));
        }
        JedisClientConfig config = b.build();
        HostAndPort first = seedNodes.get(0);
        String state;
        try (Jedis j = new Jedis(first, config)) {
            state = j.clusterInfo();
        } catch (RuntimeException e) {
            throw new IllegalStateException("seed " + first + " answers but is no Redis Cluster node the kit can use: " + e.getMessage()
                    + (String.valueOf(e.getMessage()).contains("cluster support disabled") ? " (for a single server use redis://)" : ""), e);
        }
        if (!state.contains("cluster_state:ok")) {
            throw new IllegalStateException("seed " + first + " says the cluster is not healthy: "
                    + state.lines().limit(3).collect(java.util.stream.Collectors.joining(" ")));
        }
        return new RedisClusterKitBroker(null, scheme + "://" + (info == null ? "" : info + "@") + hosts, hosts, seedNodes, config);
    }

    private static List<HostAndPort> parseSeeds(String redacted, String hosts) {
        List<HostAndPort> seeds = new ArrayList<>();
        for (String part : hosts.split(",", -1)) {
            int colon = part.lastIndexOf(':');
            String host = colon < 0 ? part : part.substring(0, colon);
            if (host.isEmpty()) {
                throw new IllegalArgumentException("uri (" + redacted + ") has an empty host in its seed list '" + hosts
                        + "'; expected redis-cluster://host1:7000,host2:7001");
            }
            int port;
            try {
                port = colon < 0 ? 6379 : Integer.parseInt(part.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("uri (" + redacted + "): the port of seed " + host + " ("
                        + part.substring(colon + 1) + ") must be a whole number from 1 to 65535");
            }
            seeds.add(new HostAndPort(host, port));
        }
        return seeds;
    }

    /** Connects to every seed at once; throws naming each that does not answer within the timeout. */
    private static void awaitAnswers(List<HostAndPort> seeds, Duration timeout) throws IOException {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(seeds.size(), r -> {
            Thread t = new Thread(r, "sluice-reach-seed");
            t.setDaemon(true);
            return t;
        });
        try {
            List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
            for (HostAndPort seed : seeds) {
                answers.add(pool.submit(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(seed.getHost(), seed.getPort()), (int) timeout.toMillis());
                        return null;
                    } catch (IOException e) {
                        return seed + " (" + e.getMessage() + ")";
                    }
                }));
            }
            List<String> silent = new ArrayList<>();
            for (java.util.concurrent.Future<String> f : answers) {
                String why = f.get();
                if (why != null) {
                    silent.add(why);
                }
            }
            if (!silent.isEmpty()) {
                throw new IOException((silent.size() == 1 ? "seed " + silent.get(0) + " does not answer"
                        : "seeds " + String.join(", ", silent) + " do not answer") + " (" + (seeds.size() - silent.size())
                        + " of " + seeds.size() + " answered)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reaching the seeds " + seeds, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("reaching the seeds " + seeds + " failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static String redacted(URI uri) {
        String authority = uri.getRawAuthority();
        if (authority == null || !authority.contains("@")) {
            return uri.toString();
        }
        return uri.toString().replace(authority.substring(0, authority.lastIndexOf('@')) + "@", "***@");
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** @return the servers the kit started, or empty for a cluster a user named */
    public Optional<RedisClusterServers> cluster() {
        return Optional.ofNullable(servers);
    }

    /** @return true when the kit started this cluster (and may stop its nodes) */
    public boolean startedByKit() {
        return servers != null;
    }

    @Override
    public String name() {
        return "redis-cluster";
    }

    @Override
    public String uri(String destination) {
        return base + "/" + destination + "?claimIdleMs=" + CLAIM_IDLE_MS;
    }

    @Override
    public BrokerProbe probe() {
        return this;
    }

    @Override
    public Optional<ForeignClient> foreign() {
        return Optional.of(new RedisForeignClient(this::master));
    }

    /** @return the address of the master that owns the key's hash slot now, as the running nodes say */
    public HostAndPort masterOf(String key) {
        int slot = JedisClusterCRC16.getSlot(key);
        List<String> tried = new ArrayList<>();
        for (HostAndPort node : askable()) {
            try (Jedis j = new Jedis(node, config)) {
                for (Object range : j.clusterSlots()) {
                    List<?> r = (List<?>) range;
                    if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) {
                        return address((List<?>) r.get(2), node);
                    }
                }
                tried.add(node + ": slot " + slot + " unassigned");
            } catch (RuntimeException e) {
                tried.add(node + ": " + e.getMessage());
            }
        }
        throw new IllegalStateException("no running node names the master of slot " + slot + " (key '" + key + "'): " + tried);
    }

    /** @return the port of the master that owns the key's hash slot now (the kit's nodes all listen on 127.0.0.1) */
    public int masterPort(String key) {
        return masterOf(key).getPort();
    }

    /** A node of a {@code CLUSTER SLOTS} range: its announced host, or the asking node's when it announces none. */
    private static HostAndPort address(List<?> node, HostAndPort asked) {
        Object h = node.get(0);
        String host = h instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(h);
        return new HostAndPort(host.isEmpty() || host.equals("?") ? asked.getHost() : host, ((Long) node.get(1)).intValue());
    }

    /** @return a connection to the master that owns the key's slot */
    public Jedis master(String key) {
        return new Jedis(masterOf(key), config);
    }

    /** @return the servers the kit started; the failover helpers stop and start them */
    private RedisClusterServers kitServers(String helper) {
        if (servers == null) {
            throw new UnsupportedOperationException(helper + " needs the Redis Cluster the kit started (RedisClusterServers):"
                    + " the cluster at " + seeds + " was named by a user, and the kit never stops or starts its nodes");
        }
        return servers;
    }

    /**
     * Stops the master that owns the destination's slot (SIGTERM) and returns once its replica
     * has been promoted and the cluster is healthy again; the stopped node stays down until
     * {@link #restartStopped(Duration)}. Needs the cluster the kit started.
     *
     * @return the port of the stopped master
     * @throws UnsupportedOperationException on a cluster a user named
     */
    public int failover(String destination, Duration timeout) throws Exception {
        return failover(destination, timeout, false);
    }

    /**
     * As {@link #failover(String, Duration)}, but the master is killed with SIGKILL, as a crash:
     * it does not wait for its replica to catch up, so what it confirmed last may be lost unless
     * the writes waited for the replica ({@code waitReplicas}). Needs the cluster the kit started.
     *
     * @return the port of the killed master
     * @throws UnsupportedOperationException on a cluster a user named
     */
    public int crashFailover(String destination, Duration timeout) throws Exception {
        return failover(destination, timeout, true);
    }

    private int failover(String destination, Duration timeout, boolean crash) throws Exception {
        RedisClusterServers cluster = kitServers(crash ? "crashFailover" : "failover");
        int old = masterPort(destination);
        if (crash) {
            cluster.kill(old);
        } else {
            cluster.stop(old);
        }
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
     * Needs the cluster the kit started.
     *
     * @return the port of the new master
     * @throws UnsupportedOperationException on a cluster a user named
     */
    public int plannedFailover(String destination, Duration timeout) throws Exception {
        RedisClusterServers cluster = kitServers("plannedFailover");
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
        for (HostAndPort node : runningNodes()) {
            try (Jedis j = new Jedis(node, config)) {
                b.append(node).append(" says ").append(j.clusterNodes().replace('\n', ';')).append(" | ");
            } catch (RuntimeException e) {
                b.append(node).append(": ").append(e.getMessage()).append(" | ");
            }
        }
        return b.toString();
    }

    /**
     * Starts every stopped node again (a former master rejoins as a replica) and waits for a
     * healthy cluster. Needs the cluster the kit started.
     *
     * @throws UnsupportedOperationException on a cluster a user named
     */
    public void restartStopped(Duration timeout) throws Exception {
        RedisClusterServers cluster = kitServers("restartStopped");
        for (int port : cluster.ports()) {
            if (!cluster.running(port)) {
                cluster.start(port, timeout);
            }
        }
        awaitFullStrength(timeout);
    }

    /**
     * Waits until every slot is served and every node names a replica for every master (a
     * former master that rejoined is attached to the one that replaced it): a failover can
     * begin. Needs the cluster the kit started.
     *
     * @throws UnsupportedOperationException on a cluster a user named
     */
    public void awaitFullStrength(Duration timeout) throws Exception {
        kitServers("awaitFullStrength").awaitHealthy(timeout);
        org.awaitility.Awaitility.await("every master has a replica, as every node sees it").atMost(timeout)
                .pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(this::everyMasterReplicated);
    }

    private boolean everyMasterReplicated() {
        for (HostAndPort node : runningNodes()) {
            try (Jedis j = new Jedis(node, config)) {
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
            case RESTART -> servers != null
                    ? "redis-cluster: a node is stopped in the master failover scenarios (family 26 of RedisClusterCompatibilityTest), not restarted in place"
                    : "redis-cluster at " + seeds + " was named by a user: the kit never stops or restarts its nodes";
            default -> "redis-cluster offers no " + fault + " fault";
        };
    }

    @Override
    public void inject(Fault fault) throws Exception {
        switch (fault) {
            case BROKER_PRESSURE -> {
                for (HostAndPort node : runningNodes()) {
                    onNode(node, "CONFIG SET maxmemory", j -> {
                        String before = j.configGet("maxmemory").get("maxmemory");
                        j.configSet("maxmemory", "1"); // every write is refused: OOM command not allowed
                        maxmemoryBefore.put(node, before);
                    });
                }
            }
            case STALL -> {
                // The masters hold every write (XADD, XREADGROUP, XACK, scripts) with the connections
                // open, as a stalled broker does; reads (the probe's XINFO) still answer.
                for (HostAndPort node : masters()) {
                    onNode(node, "CLIENT PAUSE WRITE", j -> {
                        j.clientPause(STALL_LIMIT_MILLIS, ClientPauseMode.WRITE);
                        stalled.add(node);
                    });
                }
            }
            case CUT_CONNECTIONS -> {
                for (HostAndPort node : runningNodes()) {
                    onNode(node, "CLIENT KILL", j -> {
                        if (servers != null) {
                            j.clientKill(ClientKillParams.clientKillParams().type(ClientType.NORMAL).skipMe(ClientKillParams.SkipMe.YES));
                        } else {
                            // Not the user's other applications: only the adapter's connections, by name.
                            for (String id : clientIds(j.clientList(ClientType.NORMAL), ADAPTER_CLIENT_NAME)) {
                                j.clientKill(ClientKillParams.clientKillParams().id(id));
                            }
                        }
                    });
                }
            }
            default -> throw new UnsupportedOperationException(whyNot(fault));
        }
    }

    /** @return the ids of the clients named {@code name} in a {@code CLIENT LIST} reply */
    static List<String> clientIds(String clientList, String name) {
        List<String> ids = new ArrayList<>();
        for (String line : clientList.split("\n")) {
            String id = null;
            boolean named = false;
            for (String field : line.trim().split(" ")) {
                if (field.startsWith("id=")) {
                    id = field.substring(3);
                } else if (field.equals("name=" + name)) {
                    named = true;
                }
            }
            if (named && id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    private interface NodeCommand {
        void run(Jedis j);
    }

    /** Runs a fault's command on one node; a refusal (a managed Redis, an ACL) names the node and the command. */
    private void onNode(HostAndPort node, String command, NodeCommand action) {
        try (Jedis j = new Jedis(node, config)) {
            action.run(j);
        } catch (redis.clients.jedis.exceptions.JedisDataException e) {
            throw new IllegalStateException("node " + node + " of the Redis Cluster refused " + command + ": " + e.getMessage()
                    + " (the kit causes this fault with that command; a server that does not allow it cannot run the scenario)", e);
        }
    }

    @Override
    public void heal(Fault fault) throws Exception {
        if (fault == Fault.STALL && !stalled.isEmpty()) {
            for (HostAndPort node : List.copyOf(stalled)) {
                try (Jedis j = new Jedis(node, config)) {
                    j.clientUnpause();
                }
                stalled.remove(node);
            }
        }
        if (fault == Fault.BROKER_PRESSURE && !maxmemoryBefore.isEmpty()) {
            for (Map.Entry<HostAndPort, String> e : Map.copyOf(maxmemoryBefore).entrySet()) {
                try (Jedis j = new Jedis(e.getKey(), config)) {
                    j.configSet("maxmemory", e.getValue());
                }
                maxmemoryBefore.remove(e.getKey());
            }
        }
    }

    @Override
    public Optional<String> unreachableUri() {
        return Optional.of("redis-cluster://127.0.0.1:1/unreachable");
    }

    /** @return the nodes' {@code proto-max-bulk-len} on the kit's cluster; empty on a user's, as for a standalone server the kit did not start */
    @Override
    public OptionalInt maxPayloadBytes() {
        return servers != null ? OptionalInt.of(1024 * 1024) : OptionalInt.empty();
    }

    @Override
    public String whyNoPayloadLimit() {
        return "the redis-cluster under test (" + seeds + ") was named by a user: its proto-max-bulk-len (512 MiB by default)"
                + " is beyond what a test sends; the kit sets one only on the nodes it starts";
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
    private List<HostAndPort> masters() {
        List<HostAndPort> masters = new ArrayList<>();
        for (HostAndPort node : runningNodes()) {
            try (Jedis j = new Jedis(node, config)) {
                Object role = j.role().get(0);
                String r = role instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(role);
                if ("master".equals(r)) {
                    masters.add(node);
                }
            }
        }
        return masters;
    }

    /**
     * @return every node that runs: on the kit's cluster its servers that run; on a user's, the
     *     nodes the first answering seed lists in {@code CLUSTER NODES} and does not consider
     *     failed (a user's seeds may be a few of many nodes)
     */
    private List<HostAndPort> runningNodes() {
        if (servers != null) {
            return servers.ports().stream().filter(servers::running).map(p -> new HostAndPort("127.0.0.1", p)).toList();
        }
        List<String> tried = new ArrayList<>();
        for (HostAndPort seed : seedNodes) {
            try (Jedis j = new Jedis(seed, config)) {
                return listedNodes(j.clusterNodes(), seed);
            } catch (RuntimeException e) {
                tried.add(seed + ": " + e.getMessage());
            }
        }
        throw new IllegalStateException("no seed of the Redis Cluster " + seeds + " lists its nodes: " + tried);
    }

    /** @return the nodes of a {@code CLUSTER NODES} reply that are neither failed nor unreachable, as addresses */
    static List<HostAndPort> listedNodes(String clusterNodes, HostAndPort asked) {
        List<HostAndPort> nodes = new ArrayList<>();
        for (String line : clusterNodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8) {
                continue;
            }
            String flags = f[2];
            boolean myself = flags.contains("myself");
            if (flags.contains("fail") || flags.contains("noaddr") || flags.contains("handshake")
                    || (!myself && !f[7].equals("connected"))) {
                continue;
            }
            String address = f[1].split("[@,]")[0]; // ip:port@cport[,hostname]
            int colon = address.lastIndexOf(':');
            String host = address.substring(0, colon);
            nodes.add(new HostAndPort(host.isEmpty() ? asked.getHost() : host, Integer.parseInt(address.substring(colon + 1))));
        }
        return nodes;
    }

    /** @return the nodes to ask about slots: the kit's running nodes, or the user's seeds */
    private List<HostAndPort> askable() {
        return servers != null ? runningNodes() : seedNodes;
    }

    private Jedis node(int port) {
        return new Jedis(new HostAndPort("127.0.0.1", port), config);
    }

    /** Stops the kit's servers; a cluster a user named is left alone (nothing of it was started here). */
    @Override
    public void close() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    @Override
    public String toString() {
        return "redis-cluster " + seeds + (servers != null ? " (kit-started)" : " (named by a user)");
    }
}
