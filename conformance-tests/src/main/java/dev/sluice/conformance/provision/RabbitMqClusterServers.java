package dev.sluice.conformance.provision;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A three-node RabbitMQ cluster the kit starts from the PATH: three nodes of their own
 * ({@code rabbitmq-server} with its own node name {@code sluice<port>@localhost}, AMQP and
 * distribution ports on loopback, database and log directories, no plugins, {@code max_message_size}
 * 1 MiB), sharing one Erlang cookie made for this cluster ({@code -setcookie}; the machine's
 * cookie file and the machine's own node are never involved, and {@link #rabbitmqctl} passes
 * the cookie to every command). The nodes start side by side; the second and the third then
 * join the first ({@code rabbitmqctl stop_app}, {@code join_cluster}, {@code start_app}). A node
 * can be stopped whole ({@code rabbitmqctl stop}: the Erlang VM goes) and started again on its
 * name, ports and database, where it rejoins the cluster by itself ({@link #stop(String)},
 * {@link #start(String, Duration)}); close stops them all and removes their files. Thread-safe.
 */
public final class RabbitMqClusterServers implements AutoCloseable {

    private static final int NODES = 3;

    private final Path root;
    private final String cookie;
    private final Path ctl;
    /** By node name, in start order: the first is the one the others joined. */
    private final Map<String, LocalServer> nodes = new LinkedHashMap<>();
    private volatile Duration startTime = Duration.ZERO;

    private RabbitMqClusterServers(Path root, String cookie, Path ctl) {
        this.root = root;
        this.cookie = cookie;
        this.ctl = ctl;
    }

    /** @return why the kit cannot start a cluster here ({@code rabbitmq-server} or {@code rabbitmqctl} not on the PATH), or empty */
    public static Optional<String> whyNot() {
        List<String> missing = new ArrayList<>();
        for (String exe : List.of("rabbitmq-server", "rabbitmqctl")) {
            if (LocalServer.onPath(exe).isEmpty()) {
                missing.add(exe);
            }
        }
        return missing.isEmpty() ? Optional.empty()
                : Optional.of(String.join(" and ", missing) + " not on the PATH: the kit starts a 3-node RabbitMQ cluster from them");
    }

    /**
     * Starts three nodes, joins the second and third to the first, and returns once the first
     * counts three running nodes ({@code rabbitmqctl await_online_nodes 3}).
     *
     * @param timeout for each step: a node's start, a join, the wait for the three
     * @throws IllegalStateException when {@link #whyNot()} says it cannot
     */
    public static RabbitMqClusterServers start(Duration timeout) throws Exception {
        whyNot().ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        long begin = System.nanoTime();
        Path server = LocalServer.onPath("rabbitmq-server").orElseThrow();
        Path ctl = LocalServer.onPath("rabbitmqctl").orElseThrow();
        Path root = Files.createTempDirectory("sluice-rabbitmq-cluster-");
        // Run as root, Debian's wrapper drops to the rabbitmq user: it must be able to write below here.
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        String cookie = "SLUICE" + UUID.randomUUID().toString().replace("-", "").toUpperCase(Locale.ROOT);
        RabbitMqClusterServers cluster = new RabbitMqClusterServers(root, cookie, ctl);
        try {
            for (int i = 0; i < NODES; i++) {
                int port = FreePorts.find();
                int distPort = FreePorts.find();
                String node = "sluice" + port + "@localhost";
                cluster.add(node, LocalServer.rabbitmqClusterNode(server, ctl, port, distPort, node, root.resolve("node-" + port), cookie));
            }
            List<CompletableFuture<Void>> starts = new ArrayList<>();
            for (LocalServer n : cluster.servers()) {
                starts.add(CompletableFuture.runAsync(() -> {
                    try {
                        n.startAgain(timeout);
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }));
            }
            for (CompletableFuture<Void> s : starts) {
                try {
                    s.get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
            List<String> names = cluster.nodes();
            String first = names.get(0);
            for (String joining : names.subList(1, names.size())) {
                cluster.rabbitmqctl(joining, timeout, "stop_app");
                cluster.rabbitmqctl(joining, timeout, "join_cluster", first);
                cluster.rabbitmqctl(joining, timeout, "start_app");
            }
            cluster.rabbitmqctl(first, timeout, "await_online_nodes", Integer.toString(NODES),
                    "--timeout", Long.toString(Math.max(1, timeout.toSeconds())));
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        cluster.startTime = Duration.ofNanos(System.nanoTime() - begin);
        System.out.println("[sluice] RabbitMQ cluster " + cluster.nodes() + " on " + cluster.hosts() + " ready in "
                + cluster.startTime.toMillis() + " ms; resident memory " + cluster.residentBytes() / (1024 * 1024) + " MiB");
        return cluster;
    }

    private synchronized void add(String node, LocalServer server) {
        nodes.put(node, server);
    }

    private synchronized List<LocalServer> servers() {
        return List.copyOf(nodes.values());
    }

    /** @return every node's name ({@code sluice<port>@localhost}), in start order; the first is the one the others joined */
    public synchronized List<String> nodes() {
        return List.copyOf(nodes.keySet());
    }

    /** @return the node's AMQP port on 127.0.0.1 */
    public int amqpPort(String node) {
        return server(node).uri().getPort();
    }

    /** @return the node whose AMQP port this is */
    public String nodeOnPort(int port) {
        for (String node : nodes()) {
            if (amqpPort(node) == port) {
                return node;
            }
        }
        throw new IllegalArgumentException("port (" + port + ") is no AMQP port of this cluster: " + hosts());
    }

    /** @return the host list of an {@code amqp://} URI that names every node: {@code 127.0.0.1:port,...} */
    public String hosts() {
        return nodes().stream().map(n -> "127.0.0.1:" + amqpPort(n)).collect(Collectors.joining(","));
    }

    /** @return {@code amqp://guest:guest@127.0.0.1:<port>/%2F}: one node, for a plain client */
    public URI uri(String node) {
        return server(node).uri();
    }

    /** @return how long {@link #start(Duration)} took, until three nodes ran in one cluster */
    public Duration startTime() {
        return startTime;
    }

    /** @return the resident memory of the running nodes' processes (the Erlang VMs and their helpers), from /proc; 0 where unreadable */
    public long residentBytes() {
        long total = 0;
        for (LocalServer n : servers()) {
            ProcessHandle h = n.handle();
            if (h == null) {
                continue;
            }
            List<ProcessHandle> tree = new ArrayList<>(h.descendants().toList());
            tree.add(h);
            for (ProcessHandle p : tree) {
                total += residentBytes(p.pid());
            }
        }
        return total;
    }

    private static long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException gone) {
            // not Linux, or the process is gone
        }
        return 0;
    }

    /** Stops one node whole ({@code rabbitmqctl stop}, then whatever is left of its process tree); its files stay. */
    public void stop(String node) throws Exception {
        server(node).stop();
    }

    /**
     * Kills one node with SIGKILL, as a crash (its Erlang VM and helpers; epmd stays, it is shared):
     * no goodbye to the other nodes or to clients, only closed sockets. Its files stay as the crash
     * left them; {@link #start(String, Duration)} brings it back.
     */
    public void kill(String node) throws Exception {
        server(node).kill();
    }

    /** Starts a stopped node again on its name, ports and database; it rejoins the cluster. Returns once it accepts AMQP. */
    public void start(String node, Duration timeout) throws Exception {
        server(node).startAgain(timeout);
    }

    /** @return true while the node's process runs */
    public boolean running(String node) {
        return server(node).running();
    }

    /** @return the running nodes, in start order */
    public List<String> runningNodes() {
        return nodes().stream().filter(this::running).toList();
    }

    /**
     * Runs {@code rabbitmqctl --erlang-cookie <this cluster's> -n <node> -q <args>}.
     *
     * @return its output lines
     * @throws IOException when it fails or does not end within the timeout, with its output
     */
    public List<String> rabbitmqctl(String node, Duration timeout, String... args) throws IOException {
        server(node); // a node of this cluster, never another on the machine
        List<String> command = new ArrayList<>(List.of(ctl.toString(), "--erlang-cookie", cookie, "-n", node, "-q"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("rabbitmqctl -n " + node + " " + String.join(" ", args) + " did not end within " + timeout);
            }
            String out = output.get(5, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new IOException("rabbitmqctl -n " + node + " " + String.join(" ", args) + " failed (" + p.exitValue() + "): " + out.trim());
            }
            return out.lines().toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while rabbitmqctl ran", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("cannot read the output of rabbitmqctl", e);
        }
    }

    private synchronized LocalServer server(String node) {
        LocalServer n = nodes.get(node);
        if (n == null) {
            throw new IllegalArgumentException("node (" + node + ") is no node of this cluster: " + nodes.keySet());
        }
        return n;
    }

    /** Stops every node, side by side (their files go, so the order of the stops does not matter), and removes their files. */
    @Override
    public synchronized void close() throws Exception {
        Exception first = null;
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (LocalServer n : nodes.values()) {
            stops.add(CompletableFuture.runAsync(() -> {
                try {
                    n.close();
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }));
        }
        for (CompletableFuture<Void> stop : stops) {
            try {
                stop.get(2, TimeUnit.MINUTES); // LocalServer.stop gives each node at most about a minute
            } catch (java.util.concurrent.ExecutionException e) {
                first = first == null ? (e.getCause() instanceof Exception cause ? cause : e) : first;
            } catch (java.util.concurrent.TimeoutException e) {
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
