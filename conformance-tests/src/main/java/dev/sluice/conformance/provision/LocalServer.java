package dev.sluice.conformance.provision;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A broker server from the PATH ({@code redis-server}, {@code rabbitmq-server}) started as a
 * child process on a free loopback port, with its data in a temporary directory, stopped and
 * cleaned up on close. It keeps its ports and data across {@link #restart(Duration)}: Redis
 * writes an append-only file synced on every write ({@code appendfsync always}), RabbitMQ keeps
 * its node name and database directory, so durable queues and what they hold survive. Each has
 * a payload limit a test can reach ({@link #maxPayloadBytes()}).
 */
final class LocalServer implements RestartableServer {

    /** The largest payload a kit-started server accepts: Redis's {@code proto-max-bulk-len} cannot go below 1 MiB. */
    static final int MAX_PAYLOAD_BYTES = 1024 * 1024;

    private final ProcessBuilder command;
    private final Path dataDir;
    private final URI uri;
    private final int port;
    private final Probe probe;
    private final Runnable stopCommand;
    private final String node;
    private Process process; // guarded by this; null while stopped

    private LocalServer(ProcessBuilder command, Path dataDir, URI uri, Probe probe, Runnable stopCommand, String node) {
        this.command = command;
        this.dataDir = dataDir;
        this.uri = uri;
        this.port = uri.getPort();
        this.probe = probe;
        this.node = node;
        this.stopCommand = stopCommand;
    }

    /** @return the executable's path when it is on the PATH */
    static Optional<Path> onPath(String executable) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, executable);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        for (String dir : List.of("/usr/sbin", "/usr/lib/rabbitmq/bin")) {
            Path candidate = Path.of(dir, executable);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * A {@code redis-server} with an append-only file synced on every write, so that a restart
     * (SIGTERM, which makes Redis shut down cleanly, then the same command) keeps every entry and
     * group, and {@code proto-max-bulk-len} at {@value #MAX_PAYLOAD_BYTES} bytes.
     */
    static LocalServer redis(Path executable, Duration timeout) throws Exception {
        int port = FreePorts.find();
        Path dir = Files.createTempDirectory("sluice-redis-");
        ProcessBuilder pb = new ProcessBuilder(executable.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                "--proto-max-bulk-len", Integer.toString(MAX_PAYLOAD_BYTES),
                "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()));
        LocalServer server = new LocalServer(pb, dir, URI.create("redis://127.0.0.1:" + port), LocalServer::redisAnswersPing,
                () -> { }, null);
        server.startOrClose(timeout);
        return server;
    }

    /**
     * One node of a Redis Cluster the kit starts ({@link RedisClusterServers}): {@code cluster-enabled},
     * its node file in its own directory, {@code cluster-node-timeout} {@code nodeTimeoutMillis} (a
     * master that stops is failed over by its replica after about that long), an append-only file
     * synced every second, and {@code proto-max-bulk-len} at {@value #MAX_PAYLOAD_BYTES} bytes. A
     * stop is a SIGTERM: a master waits for its replicas to catch up before it exits.
     */
    static LocalServer redisClusterNode(Path executable, int port, Path dir, long nodeTimeoutMillis, Duration timeout)
            throws Exception {
        Files.createDirectories(dir);
        ProcessBuilder pb = new ProcessBuilder(executable.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", Long.toString(nodeTimeoutMillis),
                "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
                "--proto-max-bulk-len", Integer.toString(MAX_PAYLOAD_BYTES),
                "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()));
        LocalServer server = new LocalServer(pb, dir, URI.create("redis://127.0.0.1:" + port), LocalServer::redisAnswersPing,
                () -> { }, null);
        server.startOrClose(timeout);
        return server;
    }

    /**
     * A RabbitMQ node of its own: its node name, AMQP and distribution ports, database and log
     * directories, no plugins, and {@code max_message_size} at {@value #MAX_PAYLOAD_BYTES} bytes. A
     * restart stops the whole node ({@code rabbitmqctl stop}, not only the application) and starts
     * it again on the same name and database.
     */
    static LocalServer rabbitmq(Path executable, Duration timeout) throws Exception {
        int port = FreePorts.find();
        int distPort = FreePorts.find();
        String node = "sluice" + port + "@localhost";
        Path dir = Files.createTempDirectory("sluice-rabbitmq-");
        Optional<Path> ctl = onPath("rabbitmqctl");
        Runnable stop = () -> ctl.ifPresent(c -> run(List.of(c.toString(), "-n", node, "stop"), Duration.ofSeconds(30)));
        LocalServer server = rabbitmqNode(executable, port, distPort, node, dir, Map.of(), stop);
        server.startOrClose(timeout);
        return server;
    }

    /**
     * One node of a RabbitMQ cluster the kit starts ({@link RabbitMqClusterServers}): a node of
     * its own as {@link #rabbitmq(Path, Duration)} makes it, on the ports and in the directory
     * given, whose Erlang cookie is {@code cookie} ({@code -setcookie}, so that neither the
     * machine's cookie file nor the machine's own node is involved). Not started: the cluster
     * starts its nodes side by side ({@link #startAgain(Duration)}).
     *
     * @param ctl {@code rabbitmqctl}, to stop the node ({@code rabbitmqctl --erlang-cookie ... -n node stop})
     */
    static LocalServer rabbitmqClusterNode(Path executable, Path ctl, int port, int distPort, String node, Path dir,
            String cookie) throws Exception {
        Files.createDirectories(dir);
        Runnable stop = () -> run(List.of(ctl.toString(), "--erlang-cookie", cookie, "-n", node, "stop"), Duration.ofSeconds(30));
        return rabbitmqNode(executable, port, distPort, node, dir, Map.of("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-setcookie " + cookie),
                stop);
    }

    private static LocalServer rabbitmqNode(Path executable, int port, int distPort, String node, Path dir,
            Map<String, String> extraEnv, Runnable stop) throws IOException {
        // Run as root, Debian's rabbitmq-server wrapper drops to the rabbitmq user: it must be able to write here.
        openToAll(dir);
        Path plugins = dir.resolve("enabled_plugins");
        Files.writeString(plugins, "[].\n"); // no management listener to collide with the machine's own node
        openToAll(plugins);
        Path config = dir.resolve("rabbitmq.conf");
        Files.writeString(config, "max_message_size = " + MAX_PAYLOAD_BYTES + "\n");
        openToAll(config);
        ProcessBuilder pb = new ProcessBuilder(executable.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()));
        Map<String, String> env = pb.environment();
        env.put("RABBITMQ_NODENAME", node);
        env.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
        env.put("RABBITMQ_NODE_PORT", Integer.toString(port));
        env.put("RABBITMQ_DIST_PORT", Integer.toString(distPort));
        env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
        env.put("RABBITMQ_PID_FILE", dir.resolve("rabbit.pid").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", plugins.toString());
        env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq").toString());
        env.putAll(extraEnv);
        return new LocalServer(pb, dir, URI.create("amqp://guest:guest@127.0.0.1:" + port + "/%2F"),
                LocalServer::amqpAnswersHandshake, stop, node);
    }

    private void startOrClose(Duration timeout) throws Exception {
        try {
            startAgain(timeout);
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** Starts the server (again) with the same command, ports and data, and returns once it answers. */
    @Override
    public synchronized void startAgain(Duration timeout) throws Exception {
        if (process != null && process.isAlive()) {
            return;
        }
        long start = System.nanoTime();
        process = command.start();
        awaitAnswer(process, timeout);
        System.out.println("[sluice] " + uri.getScheme() + " server on port " + port + " answers "
                + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms after its start");
    }

    /**
     * Stops the server and waits until its process is gone: RabbitMQ's node with {@code rabbitmqctl
     * stop}, Redis with SIGTERM (it syncs its append-only file and exits), then whatever is left
     * of the process tree. Its data stays. Idempotent.
     */
    @Override
    public synchronized void stop() throws Exception {
        Process p = process;
        if (p == null) {
            return;
        }
        long start = System.nanoTime();
        // The server and anything it started (the su wrapper's Erlang beam), but not epmd, which
        // stays shared between nodes and outlives them.
        List<ProcessHandle> tree = new java.util.ArrayList<>(p.descendants()
                .filter(h -> !h.info().command().orElse("").endsWith("epmd")).toList());
        tree.add(p.toHandle());
        if (p.isAlive()) {
            stopCommand.run();
        }
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : tree) {
            // Gone, so the port is free for a start and the files are closed.
            try {
                h.onExit().get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException stuck) {
                h.destroyForcibly();
                h.onExit().get(10, TimeUnit.SECONDS);
            }
        }
        process = null;
        System.out.println("[sluice] " + uri.getScheme() + " server on port " + port + " stopped in "
                + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
    }

    /**
     * Kills the server with SIGKILL, as a crash: nothing is synced or handed to replicas. Waits
     * until its process is gone; its data stays as the crash left it. Idempotent.
     */
    synchronized void kill() throws Exception {
        Process p = process;
        if (p == null) {
            return;
        }
        List<ProcessHandle> tree = new java.util.ArrayList<>(p.descendants()
                .filter(h -> !h.info().command().orElse("").endsWith("epmd")).toList());
        tree.add(p.toHandle());
        tree.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle h : tree) {
            h.onExit().get(20, TimeUnit.SECONDS);
        }
        process = null;
        System.out.println("[sluice] " + uri.getScheme() + " server on port " + port + " killed (SIGKILL)");
    }

    /** @return true while the server's process runs */
    @Override
    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /** @return the largest payload the server accepts */
    int maxPayloadBytes() {
        return MAX_PAYLOAD_BYTES;
    }

    private static void openToAll(Path path) throws IOException {
        try {
            Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString(
                    Files.isDirectory(path) ? "rwxrwxrwx" : "rw-rw-rw-"));
        } catch (UnsupportedOperationException notPosix) {
            // not a POSIX file system: the server runs as the user who started it
        }
    }

    /** A check that the server on a connected socket speaks its protocol. */
    private interface Probe {
        boolean answers(Socket socket) throws IOException;
    }

    private void awaitAnswer(Process process, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the server exited with " + process.exitValue() + "; see " + dataDir.resolve("stdout.log"));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                s.setSoTimeout(2_000);
                if (probe.answers(s)) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            process.waitFor(100, TimeUnit.MILLISECONDS); // the server's own progress is what we wait for
        }
        throw new IOException("the server did not answer on 127.0.0.1:" + port + " within " + timeout);
    }

    private static boolean redisAnswersPing(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] reply = s.getInputStream().readNBytes(7);
        return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
    }

    /** Sends the AMQP 0-9-1 protocol header; a ready broker answers with a method frame (type 1). */
    private static boolean amqpAnswersHandshake(Socket s) throws IOException {
        s.getOutputStream().write(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1});
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        return in.read() == 1;
    }

    private static void run(List<String> command, Duration timeout) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            // the process is destroyed below in any case
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    URI uri() {
        return uri;
    }

    /** @return the node name its command-line tools need ({@code rabbitmqctl -n}), or null */
    String node() {
        return node;
    }

    /** @return the server's process, for tests that check it is gone; null while stopped */
    synchronized ProcessHandle handle() {
        return process == null ? null : process.toHandle();
    }

    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            TemporaryFiles.deleteTree(dataDir);
        }
    }
}
