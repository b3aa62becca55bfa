package dev.sluice.conformance.soak;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.PressureState;
import dev.sluice.Sluice;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A consumer group member in a JVM of its own, started by a {@link Soak} so that a consumer
 * crash can be a real one: the soak kills this process with SIGKILL while its handlers hold
 * deliveries, and the broker has to time its session out.
 *
 * <p>Arguments: the channel URI, the group, the in-flight cap, then native settings as
 * {@code name=value}. Speaks a line protocol on its
 * standard streams: it prints {@code READY} once its consumer runs, {@code H <id>} for every
 * message its handler finished — printed and flushed <em>before</em> the handler returns, so
 * before the ack, so that a kill can cost a duplicate but never hide a handling — and {@code U}
 * for a delivery without a soak id. On {@code STOP} from standard input it closes its channel and
 * prints {@code C <acked> <nacked> <deadLettered>}; when standard input ends (its parent is gone)
 * it exits at once, so that it never outlives the soak.
 */
public final class SoakMember {

    /** The line a member prints once its consumer runs. */
    static final String READY = "READY";

    private SoakMember() {
    }

    /**
     * Runs the member until told to stop or until standard input ends.
     *
     * @param args the channel URI, the group, the in-flight cap
     * @throws Exception if the channel cannot be opened (printed on standard error; exit 2)
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: SoakMember <uri> <group> <inFlight> [nativeSetting=value]...");
            System.exit(2);
        }
        int inFlight = Integer.parseInt(args[2]);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        ChannelSpec spec = ChannelSpec.of(args[0])
                .consumer(ConsumerPolicy.pull(inFlight).maxInFlight(inFlight).maxAttempts(1_000))
                .closeTimeout(Duration.ofSeconds(10));
        for (int i = 3; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            spec = spec.nativeSetting(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        BackpressureChannel channel = Sluice.open(spec);
        channel.consumer(args[1]).start(d -> {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500)); // the handler's work, as in-process members do
            String id = d.message().headers().get(Soak.ID_HEADER);
            synchronized (out) {
                out.println(id == null ? "U" : "H " + id);
                out.flush(); // handed to the parent before the ack
            }
        });
        synchronized (out) {
            out.println(READY);
            out.flush();
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("STOP")) {
                PressureState.ConsumerCounters c = channel.pressure().consumer();
                channel.close();
                try {
                    c = channel.pressure().consumer(); // with the acks sent while closing
                } catch (RuntimeException closed) {
                    // this adapter reads no figures after close: keep the last ones
                }
                synchronized (out) {
                    out.println("C " + c.acked() + " " + c.nacked() + " " + c.deadLettered());
                    out.flush();
                }
                System.exit(0);
            }
        }
        Runtime.getRuntime().halt(3); // the soak is gone: do not linger holding its deliveries
    }
}
