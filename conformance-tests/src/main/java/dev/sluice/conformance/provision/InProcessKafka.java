package dev.sluice.conformance.provision;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node Kafka (KRaft, broker and controller in one) inside this JVM, from the
 * {@code kafka_2.13} server artifact, on free loopback ports and a temporary log directory.
 *
 * <p>Besides its own listener it opens a second one, {@code PROXIED}, that advertises a port
 * reserved for a fault proxy ({@link #proxyRoute()}): a client that bootstraps through the proxy
 * is told to come back through it, so stalls and cuts reach every connection. Clients of the
 * first listener never see the proxy. It can be restarted on the same ports and data.
 */
final class InProcessKafka implements RestartableServer {

    private final Properties props;
    private final Path logDir;
    private final int port;
    private final ProxyRoute proxyRoute;
    private KafkaRaftServer server;

    private InProcessKafka(Properties props, Path logDir, int port, ProxyRoute proxyRoute) {
        this.props = props;
        this.logDir = logDir;
        this.port = port;
        this.proxyRoute = proxyRoute;
    }

    /** Formats the storage, starts the server and waits until an admin client sees the cluster. */
    static InProcessKafka start(Duration timeout) throws Exception {
        int brokerPort = FreePorts.find();
        int controllerPort = FreePorts.find();
        ProxyRoute route = new ProxyRoute(FreePorts.find(), FreePorts.find());
        Path logDir = Files.createTempDirectory("sluice-kafka-");
        Properties props = new Properties();
        props.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("controller.quorum.voters", "1@127.0.0.1:" + controllerPort),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort
                        + ",PROXIED://127.0.0.1:" + route.targetPort()),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort
                        + ",PROXIED://127.0.0.1:" + route.listenPort()),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,PROXIED:PLAINTEXT"),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("log.dirs", logDir.toString()),
                Map.entry("num.partitions", "3"),
                // Expired segments go within a second of their retention, not after the default 5 minutes.
                Map.entry("log.retention.check.interval.ms", "1000"),
                Map.entry("log.initial.task.delay.ms", "1000"),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "5"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                // Members that start together join the first generation together, as with Kafka's
                // default (3 s): a group formed member by member rebalances under load and hands
                // the records in flight at each revocation out again.
                Map.entry("group.initial.rebalance.delay.ms", "1000"),
                // Groups of the consumer protocol (group.protocol=consumer) have their session and
                // heartbeat from the broker, not the client: a dead member is noticed after 6 s, as
                // the kit's classic members are told to (KafkaKit.memberSettings), not after 45 s.
                Map.entry("group.consumer.min.session.timeout.ms", "6000"),
                Map.entry("group.consumer.session.timeout.ms", "6000"),
                Map.entry("group.consumer.min.heartbeat.interval.ms", "1000"),
                Map.entry("group.consumer.heartbeat.interval.ms", "1000"),
                // The default cleaner buffer takes 128 MiB of heap.
                Map.entry("log.cleaner.dedupe.buffer.size", "2097152"),
                Map.entry("auto.create.topics.enable", "true")));
        Path propsFile = logDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(propsFile)) {
            props.store(out, "sluice in-process Kafka");
        }
        ByteArrayOutputStream formatLog = new ByteArrayOutputStream();
        int formatted = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(),
                "-c", propsFile.toString(), "--ignore-formatted"}, new PrintStream(formatLog, true, StandardCharsets.UTF_8));
        if (formatted != 0) {
            throw new IOException("formatting the Kafka storage failed: " + formatLog.toString(StandardCharsets.UTF_8));
        }
        InProcessKafka kafka = new InProcessKafka(props, logDir, brokerPort, route);
        try {
            kafka.startServer(timeout);
            return kafka;
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
    }

    private synchronized void startServer(Duration timeout) throws Exception {
        server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        server.startup();
        awaitReady(timeout);
    }

    private synchronized void stopServer() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    @Override
    public void stop() {
        stopServer();
    }

    @Override
    public synchronized void startAgain(Duration timeout) throws Exception {
        if (server == null) {
            startServer(timeout);
        }
    }

    @Override
    public synchronized boolean running() {
        return server != null;
    }

    @Override
    public void restart(Duration timeout) throws Exception {
        long start = System.nanoTime();
        stopServer();
        startServer(timeout);
        System.out.println("[sluice] restarted the in-process Kafka on port " + port + " in "
                + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
    }

    ProxyRoute proxyRoute() {
        return proxyRoute;
    }

    private void awaitReady(Duration timeout) throws Exception {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000)))) {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    URI uri() {
        return URI.create("kafka://127.0.0.1:" + port);
    }

    @Override
    public void close() throws IOException {
        try {
            stopServer();
        } finally {
            TemporaryFiles.deleteTree(logDir);
        }
    }
}
