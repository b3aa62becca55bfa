package dev.sluice.conformance.provision;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Redis Cluster the kit starts from the PATH: three masters and three replicas
 * ({@code redis-server} with {@code cluster-enabled yes} on free loopback ports, each with its
 * own directory), joined with {@code redis-cli --cluster create ... --cluster-replicas 1}, and a
 * {@code cluster-node-timeout} of {@value #NODE_TIMEOUT_MILLIS} ms so that a master that stops is
 * replaced by its replica within a few seconds. A node can be stopped and started again
 * ({@link #stop(int)}, {@link #start(int, Duration)}); close stops them all and removes their
 * files. Thread-safe.
 */
public final class RedisClusterServers implements AutoCloseable {

    /** How long a master may be silent before the others fail it over to its replica. */
    public static final long NODE_TIMEOUT_MILLIS = 2_000;
    private static final int NODES = 6;

    private final Path root;
    private final Map<Integer, LocalServer> nodes = new LinkedHashMap<>();
    private final Duration startTime;

    private RedisClusterServers(Path root, Duration startTime) {
        this.root = root;
        this.startTime = startTime;
    }

    /** @return why the kit cannot start a cluster here ({@code redis-server} or {@code redis-cli} not on the PATH), or empty */
    public static Optional<String> whyNot() {
        List<String> missing = new ArrayList<>();
        for (String exe : List.of("redis-server", "redis-cli")) {
            if (LocalServer.onPath(exe).isEmpty()) {
                missing.add(exe);
            }
        }
        return missing.isEmpty() ? Optional.empty()
                : Optional.of(String.join(" and ", missing) + " not on the PATH: the kit starts a Redis Cluster from them");
    }

    /**
     * Starts six nodes, creates the cluster and returns once every node says
     * {@code cluster_state:ok}.
     *
     * @throws IllegalStateException when {@link #whyNot()} says it cannot
     */
    public static RedisClusterServers start(Duration timeout) throws Exception {
        whyNot().ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        long begin = System.nanoTime();
        Path server = LocalServer.onPath("redis-server").orElseThrow();
        Path cli = LocalServer.onPath("redis-cli").orElseThrow();
        Path root = Files.createTempDirectory("sluice-redis-cluster-");
        RedisClusterServers cluster = new RedisClusterServers(root, Duration.ZERO);
        try {
            for (int i = 0; i < NODES; i++) {
                int port = FreePorts.find();
                cluster.nodes.put(port, LocalServer.redisClusterNode(server, port, root.resolve("node-" + port),
                        NODE_TIMEOUT_MILLIS, timeout));
            }
            List<String> command = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
            cluster.nodes.keySet().forEach(p -> command.add("127.0.0.1:" + p));
            command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            Path log = root.resolve("create.log");
            Process create = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
            if (!create.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || create.exitValue() != 0) {
                create.destroyForcibly();
                throw new IOException("redis-cli --cluster create failed: " + Files.readString(log));
            }
            cluster.awaitHealthy(timeout);
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        RedisClusterServers started = new RedisClusterServers(root, Duration.ofNanos(System.nanoTime() - begin));
        started.nodes.putAll(cluster.nodes);
        System.out.println("[sluice] Redis Cluster " + started.seeds() + " ready in " + started.startTime.toMillis() + " ms");
        return started;
    }

    /** @return every node's port, in start order */
    public synchronized List<Integer> ports() {
        return List.copyOf(nodes.keySet());
    }

    /** @return the seed list of a {@code redis-cluster://} URI: every node, {@code 127.0.0.1:port,...} */
    public synchronized String seeds() {
        return nodes.keySet().stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    /** @return how long the start took, until the cluster was healthy */
    public Duration startTime() {
        return startTime;
    }

    /** Stops one node (SIGTERM: a master lets its replicas catch up, then exits); its files stay. */
    public void stop(int port) throws Exception {
        node(port).stop();
    }

    /** Kills one node with SIGKILL, as a crash: a master hands nothing more to its replicas; its files stay. */
    public void kill(int port) throws Exception {
        node(port).kill();
    }

    /** Starts a stopped node again on its port and files; it rejoins the cluster (a former master as a replica). */
    public void start(int port, Duration timeout) throws Exception {
        node(port).startAgain(timeout);
    }

    /** @return true while the node's process runs */
    public boolean running(int port) {
        return node(port).running();
    }

    /**
     * Waits until every running node says {@code cluster_state:ok} (all 16 384 slots served).
     *
     * @throws IOException when that does not happen within the timeout
     */
    public void awaitHealthy(Duration timeout) throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> last = new java.util.concurrent.atomic.AtomicReference<>("");
        try {
            org.awaitility.Awaitility.await("cluster_state:ok on every running node").atMost(timeout)
                    .pollInterval(Duration.ofMillis(100)).until(() -> healthy(last));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IOException("the Redis Cluster " + seeds() + " was not healthy within " + timeout + "; last: " + last.get(), e);
        }
    }

    private boolean healthy(java.util.concurrent.atomic.AtomicReference<String> last) {
        for (int port : ports()) {
            if (!running(port)) {
                continue;
            }
            String info = clusterInfo(port);
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
                last.set(port + ": " + info.lines().limit(4).collect(Collectors.joining(" ")));
                return false;
            }
        }
        return true;
    }

    private synchronized LocalServer node(int port) {
        LocalServer n = nodes.get(port);
        if (n == null) {
            throw new IllegalArgumentException("port (" + port + ") is no node of this cluster: " + nodes.keySet());
        }
        return n;
    }

    /** {@code CLUSTER INFO} over a plain socket; empty when the node does not answer. */
    private static String clusterInfo(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write("CLUSTER INFO\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder header = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                header.append((char) c);
            }
            if (header.length() < 2 || header.charAt(0) != '$') {
                return header.toString();
            }
            int length = Integer.parseInt(header.substring(1).trim());
            return new String(in.readNBytes(length), StandardCharsets.UTF_8);
        } catch (IOException | NumberFormatException e) {
            return "";
        }
    }

    @Override
    public synchronized void close() throws Exception {
        Exception first = null;
        for (LocalServer n : nodes.values()) {
            try {
                n.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        nodes.clear();
        TemporaryFiles.deleteTree(root);
        if (first != null) {
            throw first;
        }
    }
}
