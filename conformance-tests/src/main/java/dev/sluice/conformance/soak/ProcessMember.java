package dev.sluice.conformance.soak;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The soak's side of a {@link SoakMember}: starts the child JVM on this JVM's class path, reads
 * what its handlers finished into the ledger, and kills it with SIGKILL or stops it.
 */
final class ProcessMember {

    /** What the child said when it stopped: its consumer counters, or null after a kill. */
    record Counters(long acked, long nacked, long deadLettered) {
    }

    private final Process process;
    private final Thread reader;
    private final Path errors;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final AtomicLong handled = new AtomicLong();
    private volatile Counters counters;

    private ProcessMember(Process process, Path errors, LongConsumer onHandled, Runnable onUnreadable) {
        this.process = process;
        this.errors = errors;
        this.reader = new Thread(() -> read(onHandled, onUnreadable), "sluice-soak-member-" + process.pid());
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /**
     * Starts a member and waits until its consumer runs.
     *
     * @param uri         the channel URI (through the kit's proxy when it has one)
     * @param group       the consumer group
     * @param inFlight    the member's in-flight cap
     * @param nativeSettings native settings for the member's channel
     * @param onHandled   told every id the member's handlers finished, before the member acks it
     * @param onUnreadable told of a delivery without a soak id
     * @param timeout     how long the member may take to start
     * @throws IOException if the JVM cannot be started or its consumer did not start in time
     */
    static ProcessMember start(String uri, String group, int inFlight, java.util.Map<String, String> nativeSettings,
                               LongConsumer onHandled, Runnable onUnreadable, Duration timeout) throws IOException, InterruptedException {
        Path errors = Files.createTempFile("sluice-soak-member", ".err");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        System.getProperties().stringPropertyNames().stream()
                .filter(n -> n.startsWith("aws.") || n.startsWith("sluice."))
                .forEach(n -> command.add("-D" + n + "=" + System.getProperty(n)));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SoakMember.class.getName());
        command.add(uri);
        command.add(group);
        command.add(Integer.toString(inFlight));
        nativeSettings.forEach((k, v) -> command.add(k + "=" + v));
        Process p = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        ProcessMember m = new ProcessMember(p, errors, onHandled, onUnreadable);
        if (!m.ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            String why = p.isAlive() ? "did not start its consumer within " + timeout.toSeconds() + " s"
                    : "exited with " + p.exitValue();
            String tail = m.errorTail();
            m.kill();
            throw new IOException("a soak member in a child JVM " + why + ": " + tail);
        }
        return m;
    }

    private void read(LongConsumer onHandled, Runnable onUnreadable) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("H ")) {
                    long id = parse(line.substring(2));
                    handled.incrementAndGet();
                    if (id < 0) {
                        onUnreadable.run();
                    } else {
                        onHandled.accept(id);
                    }
                } else if (line.equals("U")) {
                    handled.incrementAndGet();
                    onUnreadable.run();
                } else if (line.equals(SoakMember.READY)) {
                    ready.countDown();
                } else if (line.startsWith("C ")) {
                    String[] f = line.split(" ");
                    counters = new Counters(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]));
                }
            }
        } catch (IOException e) {
            // the pipe closed with the process
        }
    }

    private static long parse(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** @return the process id */
    long pid() {
        return process.pid();
    }

    /** @return how many handlings the member reported */
    long handled() {
        return handled.get();
    }

    /**
     * Kills the member with SIGKILL, wherever its handlers are, and reads what it printed before
     * it died.
     */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        reader.join(TimeUnit.SECONDS.toMillis(10));
        deleteErrors();
    }

    /**
     * Tells the member to close its channel and waits for it to exit.
     *
     * @return its consumer counters, or null when it did not stop in time (then it is killed)
     */
    Counters stop(Duration timeout) throws InterruptedException {
        try {
            OutputStream in = process.getOutputStream();
            in.write("STOP\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException e) {
            // it is gone already
        }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            return null;
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        deleteErrors();
        return counters;
    }

    /** @return the end of what the member wrote on standard error */
    String errorTail() {
        try {
            String s = Files.readString(errors);
            return s.length() > 2_000 ? "…" + s.substring(s.length() - 2_000) : s;
        } catch (IOException e) {
            return "(its standard error could not be read: " + e + ")";
        }
    }

    private void deleteErrors() {
        try {
            Files.deleteIfExists(errors);
        } catch (IOException e) {
            // a temporary file
        }
    }
}
