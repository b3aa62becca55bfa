package dev.sluice.benchmarks;

import dev.sluice.conformance.results.ResultsFile;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Limit;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.ProducerPolicy;
import dev.sluice.Sluice;
import dev.sluice.mem.InMemoryBroker;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The adaptive in-flight limit against fixed caps under a stepped handler latency, on
 * {@code mem://} (no broker I/O: the figures are the limit's, not a client's). An open-loop
 * producer offers {@value #RATE} messages a second for three phases of {@code phaseSeconds}
 * each, while the handler's downstream takes 5 ms, then 100 ms, then 5 ms again, on
 * {@value #CONCURRENCY} handler threads. Each configuration reports the throughput (handled
 * a second over the run and its drain), the end-to-end latency (send to handled) p50 / p99, and
 * the most deliveries in flight at the consumer during the slow phase — the work queued behind
 * the handlers, which a close or a rebalance gives back and which another member of the group
 * could have taken.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.AdaptiveLatencySteps [phaseSeconds] [fixed caps]}
 */
public final class AdaptiveLatencySteps {

    static final int RATE = 400;
    static final int CONCURRENCY = 8;
    static final int CEILING = 256;

    private AdaptiveLatencySteps() {
    }

    /** One configuration's figures. */
    record Figures(String name, double throughput, double p50Millis, double p99Millis, long maxInFlightSlow) {
    }

    public static void main(String[] args) throws Exception {
        int phaseSeconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int[] caps = args.length > 1 ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {8, 16, 32, 64, 256};
        List<Figures> fixed = new ArrayList<>();
        run("warm-up", Limit.fixed(16), 1); // class loading and JIT out of the way
        for (int cap : caps) {
            fixed.add(print(run("fixed " + cap, Limit.fixed(cap), phaseSeconds)));
        }
        Figures gradient = print(run("gradient 4.." + CEILING, Limit.gradient(4, CEILING), phaseSeconds));
        Figures aimd = print(run("aimd 4.." + CEILING + ", target 150 ms",
                Limit.aimd(4, CEILING).latencyTarget(Duration.ofMillis(150)), phaseSeconds));
        // The best fixed cap in hindsight: the highest throughput, then the lowest p99.
        Figures best = fixed.stream().sorted((a, b) -> Math.abs(a.throughput - b.throughput) > 0.01 * Math.max(a.throughput, b.throughput)
                ? Double.compare(b.throughput, a.throughput) : Double.compare(a.p99Millis, b.p99Millis)).findFirst().orElseThrow();
        System.out.printf(Locale.ROOT, "best fixed cap in hindsight: %s%n", best.name);
        for (Figures f : List.of(gradient, aimd)) {
            double tput = f.throughput / best.throughput;
            double p99 = f.p99Millis / best.p99Millis;
            double queued = (double) f.maxInFlightSlow / best.maxInFlightSlow;
            System.out.printf(Locale.ROOT, "%s / %s: throughput %.3f, p99 end-to-end %.3f, max in flight while slow %.3f%n",
                    f.name, best.name, tput, p99, queued);
            String caseName = "mem, " + RATE + "/s offered, 5->100->5 ms x " + phaseSeconds + " s, " + CONCURRENCY + " threads, "
                    + f.name + " vs best fixed (" + best.name + ")";
            ResultsFile.record("AdaptiveLatencySteps", caseName, "throughput adaptive/best fixed", tput, ">= 0.9");
            ResultsFile.record("AdaptiveLatencySteps", caseName, "p99 end-to-end latency adaptive/best fixed", p99, "<= 1.2");
            ResultsFile.record("AdaptiveLatencySteps", caseName, "max in flight at the consumer while slow, adaptive/best fixed", queued, null);
        }
    }

    private static Figures print(Figures f) {
        System.out.printf(Locale.ROOT, "%-32s throughput %7.1f/s  end-to-end p50 %7.1f ms  p99 %7.1f ms  max in flight while slow %4d%n",
                f.name, f.throughput, f.p50Millis, f.p99Millis, f.maxInFlightSlow);
        return f;
    }

    static Figures run(String name, Limit limit, int phaseSeconds) throws Exception {
        String brokerName = "steps-" + UUID.randomUUID();
        InMemoryBroker.named(brokerName);
        int total = RATE * phaseSeconds * 3;
        long[] latencies = new long[total];
        AtomicInteger handled = new AtomicInteger();
        AtomicLong handlerMillis = new AtomicLong(5);
        try (BackpressureChannel ch = Sluice.open(ChannelSpec.of("mem://" + brokerName + "/steps")
                .producer(ProducerPolicy.buffer(total))
                .consumer(ConsumerPolicy.pull(8).maxInFlight(limit).concurrency(CONCURRENCY))
                .closeTimeout(Duration.ofSeconds(30)))) {
            MessageConsumer consumer = ch.consumer("steps");
            consumer.start(d -> {
                Thread.sleep(handlerMillis.get()); // the downstream's latency: the workload
                long sent = ByteBuffer.wrap(d.message().payload()).getLong();
                int i = handled.getAndIncrement();
                if (i < latencies.length) {
                    latencies[i] = System.nanoTime() - sent;
                }
            });
            long start = System.nanoTime();
            long periodNanos = 1_000_000_000L / RATE;
            long maxInFlightSlow = 0;
            for (int i = 0; i < total; i++) {
                long due = start + i * periodNanos;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait); // the open-loop schedule
                }
                int phase = (int) ((System.nanoTime() - start) / 1_000_000_000L / phaseSeconds);
                handlerMillis.set(phase == 1 ? 100 : 5);
                if (phase == 1) {
                    maxInFlightSlow = Math.max(maxInFlightSlow, consumer.inFlight());
                }
                ch.producer().send(Message.of(ByteBuffer.allocate(8).putLong(System.nanoTime()).array()));
            }
            handlerMillis.set(5);
            long drainDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (handled.get() < total && System.nanoTime() < drainDeadline) {
                LockSupport.parkNanos(1_000_000);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            int n = Math.min(handled.get(), total);
            long[] sorted = Arrays.copyOf(latencies, n);
            Arrays.sort(sorted);
            return new Figures(name, n / seconds, sorted[n / 2] / 1e6, sorted[(int) (n * 0.99)] / 1e6, maxInFlightSlow);
        } finally {
            InMemoryBroker.remove(brokerName);
        }
    }
}
