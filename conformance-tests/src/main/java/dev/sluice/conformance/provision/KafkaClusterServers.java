package dev.sluice.conformance.provision;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A Kafka cluster of three brokers the kit starts: a KRaft controller inside this JVM (node 0,
 * never stopped) and three brokers (nodes 1–3), each in a JVM of its own started from this JVM's
 * class path ({@code kafka.Kafka}), so that a broker can be killed with SIGKILL as a crashed
 * machine is, not shut down in order. Topics default to replication factor 3 and
 * {@code min.insync.replicas=2}; the internal topics are replicated the same way. The controller
 * fences a broker that stops heartbeating after {@value #BROKER_SESSION_MILLIS} ms (Kafka's default
 * is 9 s) and a leader drops a silent follower from the ISR after {@value #REPLICA_LAG_MILLIS} ms
 * (default 30 s), so leadership moves and {@code NOT_ENOUGH_REPLICAS} comes within seconds.
 * Thread-safe; close kills the brokers, stops the controller and removes the files.
 */
public final class KafkaClusterServers implements AutoCloseable {

    /** How long the controller waits for a broker's heartbeat before it fences it and moves its leaderships. */
    public static final long BROKER_SESSION_MILLIS = 3_000;
    /** How long a leader keeps a follower that does not fetch in the ISR. */
    public static final long REPLICA_LAG_MILLIS = 4_000;
    /** Every topic's {@code min.insync.replicas}, unless the topic says otherwise. */
    public static final int MIN_IN_SYNC_REPLICAS = 2;
    private static final int BROKERS = 3;

    private final Path root;
    private final Properties controllerProps;
    private final Map<Integer, Broker> brokers = new LinkedHashMap<>();
    private KafkaRaftServer controller;
    private Duration startTime = Duration.ZERO;

    /** One broker: its settings file, its port, and its JVM while it runs. */
    private static final class Broker {
        final int id;
        final int port;
        final Path dir;
        Process process;

        Broker(int id, int port, Path dir) {
            this.id = id;
            this.port = port;
            this.dir = dir;
        }
    }

    private KafkaClusterServers(Path root, Properties controllerProps) {
        this.root = root;
        this.controllerProps = controllerProps;
    }

    /**
     * Formats the storage of the four nodes, starts the controller here and the brokers in child
     * JVMs, and returns once an admin client sees three unfenced brokers.
     *
     * @throws IOException when a node cannot be formatted or the brokers do not register in time
     */
    public static KafkaClusterServers start(Duration timeout) throws Exception {
        long begin = System.nanoTime();
        Path root = Files.createTempDirectory("sluice-kafka-cluster-");
        String clusterId = Uuid.randomUuid().toString();
        int controllerPort = FreePorts.find();
        String voters = "0@127.0.0.1:" + controllerPort;
        Properties controller = new Properties();
        controller.putAll(Map.of(
                // With eligible leader replicas (Kafka 4) the controller keeps the cluster's
                // min.insync.replicas: the brokers' own static setting is not what topics report.
                "min.insync.replicas", Integer.toString(MIN_IN_SYNC_REPLICAS),
                "process.roles", "controller",
                "node.id", "0",
                "controller.quorum.voters", voters,
                "listeners", "CONTROLLER://127.0.0.1:" + controllerPort,
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT",
                "controller.listener.names", "CONTROLLER",
                "log.dirs", root.resolve("controller").toString(),
                "broker.session.timeout.ms", Long.toString(BROKER_SESSION_MILLIS)));
        format(clusterId, controller, root.resolve("controller.properties"));
        KafkaClusterServers cluster = new KafkaClusterServers(root, controller);
        try {
            for (int id = 1; id <= BROKERS; id++) {
                int port = FreePorts.find();
                Path dir = root.resolve("broker-" + id);
                Files.createDirectories(dir);
                format(clusterId, brokerProps(id, port, voters, dir), dir.resolve("server.properties"));
                cluster.brokers.put(id, new Broker(id, port, dir));
            }
            cluster.controller = new KafkaRaftServer(new KafkaConfig(controller, false), Time.SYSTEM);
            cluster.controller.startup();
            for (int id : cluster.brokers.keySet()) {
                cluster.launch(cluster.brokers.get(id));
            }
            cluster.awaitBrokers(cluster.brokers.keySet(), timeout);
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        cluster.startTime = Duration.ofNanos(System.nanoTime() - begin);
        System.out.println("[sluice] Kafka cluster " + cluster.bootstrap() + " (3 brokers, controller in this JVM) ready in "
                + cluster.startTime.toMillis() + " ms");
        return cluster;
    }

    private static Properties brokerProps(int id, int port, String voters, Path dir) {
        Properties p = new Properties();
        p.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker"),
                Map.entry("node.id", Integer.toString(id)),
                Map.entry("controller.quorum.voters", voters),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + port),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("log.dirs", dir.resolve("logs").toString()),
                Map.entry("num.partitions", "3"),
                Map.entry("default.replication.factor", "3"),
                Map.entry("min.insync.replicas", Integer.toString(MIN_IN_SYNC_REPLICAS)),
                Map.entry("offsets.topic.replication.factor", "3"),
                Map.entry("offsets.topic.num.partitions", "5"),
                Map.entry("transaction.state.log.replication.factor", "3"),
                Map.entry("transaction.state.log.min.isr", "2"),
                Map.entry("share.coordinator.state.topic.replication.factor", "3"),
                Map.entry("share.coordinator.state.topic.min.isr", "2"),
                Map.entry("broker.heartbeat.interval.ms", "500"),
                Map.entry("replica.lag.time.max.ms", Long.toString(REPLICA_LAG_MILLIS)),
                Map.entry("log.retention.check.interval.ms", "1000"),
                Map.entry("log.initial.task.delay.ms", "1000"),
                Map.entry("group.initial.rebalance.delay.ms", "1000"),
                Map.entry("log.cleaner.dedupe.buffer.size", "2097152"),
                Map.entry("auto.create.topics.enable", "true")));
        return p;
    }

    private static void format(String clusterId, Properties props, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            props.store(out, "sluice kit Kafka cluster");
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int formatted = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", file.toString(), "--ignore-formatted"},
                new PrintStream(log, true, StandardCharsets.UTF_8));
        if (formatted != 0) {
            throw new IOException("formatting " + file + " failed: " + log.toString(StandardCharsets.UTF_8));
        }
    }

    private void launch(Broker b) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), "kafka.Kafka", b.dir.resolve("server.properties").toString()));
        b.process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(b.dir.resolve("broker.log").toFile())).start();
    }

    /** @return the brokers' ids, 1 to 3 */
    public synchronized Set<Integer> brokerIds() {
        return Set.copyOf(brokers.keySet());
    }

    /** @return a {@code bootstrap.servers} list naming every broker */
    public synchronized String bootstrap() {
        return brokers.values().stream().map(b -> "127.0.0.1:" + b.port).collect(Collectors.joining(","));
    }

    /** @return a {@code bootstrap.servers} list naming the running brokers */
    public synchronized String runningBootstrap() {
        return brokers.values().stream().filter(b -> b.process != null && b.process.isAlive())
                .map(b -> "127.0.0.1:" + b.port).collect(Collectors.joining(","));
    }

    /** @return how long the start took, until every broker had registered */
    public Duration startTime() {
        return startTime;
    }

    /** @return true while the broker's JVM runs */
    public synchronized boolean running(int id) {
        Process p = broker(id).process;
        return p != null && p.isAlive();
    }

    /** Kills the broker's JVM with SIGKILL (no controlled shutdown, nothing flushed) and waits until it is gone. */
    public void kill(int id) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = broker(id).process;
            broker(id).process = null;
        }
        if (p != null) {
            p.destroyForcibly();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("broker " + id + " (pid " + p.pid() + ") outlived SIGKILL by 30 s");
            }
        }
    }

    /** Starts a killed broker again on its port and data, and returns once the controller has it unfenced. */
    public void start(int id, Duration timeout) throws Exception {
        synchronized (this) {
            Broker b = broker(id);
            if (b.process != null && b.process.isAlive()) {
                return;
            }
            launch(b);
        }
        awaitBrokers(Set.of(id), timeout);
    }

    /** Starts every killed broker again and waits until all three are unfenced. */
    public void startAll(Duration timeout) throws Exception {
        for (int id : brokerIds()) {
            synchronized (this) {
                Broker b = broker(id);
                if (b.process == null || !b.process.isAlive()) {
                    launch(b);
                }
            }
        }
        awaitBrokers(brokerIds(), timeout);
    }

    /**
     * Waits until the controller has every broker of {@code ids} registered and unfenced, as an
     * admin client on the running brokers sees it; fails at once when one of their JVMs exits.
     */
    private void awaitBrokers(Set<Integer> ids, Duration timeout) throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> seen = new java.util.concurrent.atomic.AtomicReference<>("nothing yet");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, runningBootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000))) {
            org.awaitility.Awaitility.await("brokers " + ids + " registered").atMost(timeout)
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        for (int id : ids) {
                            synchronized (this) {
                                Process p = broker(id).process;
                                if (p != null && !p.isAlive()) {
                                    throw new IOException("broker " + id + " exited with " + p.exitValue() + ": " + logTail(broker(id)));
                                }
                            }
                        }
                        try {
                            Set<Integer> up = admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).stream()
                                    .map(Node::id).collect(Collectors.toSet());
                            seen.set(up.toString());
                            return up.containsAll(ids);
                        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                            seen.set(e.toString());
                            return false;
                        }
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IOException("brokers " + ids + " did not register within " + timeout + " (last seen: " + seen.get() + ")", e);
        }
    }

    private Broker broker(int id) {
        Broker b = brokers.get(id);
        if (b == null) {
            throw new IllegalArgumentException("id (" + id + ") names no broker of this cluster: " + brokers.keySet());
        }
        return b;
    }

    private static String logTail(Broker b) {
        try {
            List<String> lines = Files.readAllLines(b.dir.resolve("broker.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws Exception {
        for (int id : brokerIds()) {
            kill(id);
        }
        synchronized (this) {
            if (controller != null) {
                controller.shutdown();
                controller.awaitShutdown();
                controller = null;
            }
        }
        TemporaryFiles.deleteTree(root);
    }

    @Override
    public String toString() {
        return "Kafka cluster " + bootstrap() + " (kit-started, controller " + controllerProps.getProperty("listeners") + ")";
    }
}
