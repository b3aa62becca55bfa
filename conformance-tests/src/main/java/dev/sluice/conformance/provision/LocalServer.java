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
 * cleaned up on close.
 */
final class LocalServer implements AutoCloseable {

    private final Process process;
    private final Path dataDir;
    private final URI uri;
    private final Runnable stopCommand;
    private final String node;

    private LocalServer(Process process, Path dataDir, URI uri, Runnable stopCommand, String node) {
        this.process = process;
        this.dataDir = dataDir;
        this.uri = uri;
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

    static LocalServer redis(Path executable, Duration timeout) throws Exception {
        int port = FreePorts.find();
        Path dir = Files.createTempDirectory("sluice-redis-");
        Process p = new ProcessBuilder(executable.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        LocalServer server = new LocalServer(p, dir, URI.create("redis://127.0.0.1:" + port), () -> { }, null);
        try {
            server.awaitAnswer(port, timeout, LocalServer::redisAnswersPing);
            return server;
        } catch (Exception e) {
            server.close();
            throw e;
        }
    }

    static LocalServer rabbitmq(Path executable, Duration timeout) throws Exception {
        int port = FreePorts.find();
        int distPort = FreePorts.find();
        String node = "sluice" + port + "@localhost";
        Path dir = Files.createTempDirectory("sluice-rabbitmq-");
        // Run as root, Debian's rabbitmq-server wrapper drops to the rabbitmq user: it must be able to write here.
        openToAll(dir);
        Path plugins = dir.resolve("enabled_plugins");
        Files.writeString(plugins, "[].\n"); // no management listener to collide with the machine's own node
        openToAll(plugins);
        ProcessBuilder pb = new ProcessBuilder(executable.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile());
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
        Process p = pb.start();
        Optional<Path> ctl = onPath("rabbitmqctl");
        Runnable stop = () -> ctl.ifPresent(c -> run(List.of(c.toString(), "-n", node, "stop"), Duration.ofSeconds(20)));
        LocalServer server = new LocalServer(p, dir, URI.create("amqp://guest:guest@127.0.0.1:" + port + "/%2F"), stop, node);
        try {
            server.awaitAnswer(port, timeout, LocalServer::amqpAnswersHandshake);
            return server;
        } catch (Exception e) {
            server.close();
            throw e;
        }
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

    private void awaitAnswer(int port, Duration timeout, Probe probe) throws Exception {
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

    /** @return the server's process, for tests that check it is gone */
    ProcessHandle handle() {
        return process.toHandle();
    }

    @Override
    public void close() throws Exception {
        try {
            if (process.isAlive()) {
                stopCommand.run();
            }
            // The server and anything it started (Erlang's beam, epmd stays shared).
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            TemporaryFiles.deleteTree(dataDir);
        }
    }
}
