package dev.sluice.benchmarks;

import dev.sluice.conformance.results.ResultsFile;
import dev.sluice.BacklogLimit;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.ProducerPolicy;
import dev.sluice.RateLimit;
import dev.sluice.Sluice;
import dev.sluice.flow.RateLimiter;
import dev.sluice.flow.Ticker;
import dev.sluice.mem.InMemoryBroker;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Memory under overload: a producer offering 200 000 messages of 1 KiB a second, at least ten
 * times what gets through, in a JVM with a 64 MiB heap, for each producer policy, through a
 * {@code mem://} channel. The broker takes sends only a tenth of the time (stalled 90 ms of every
 * 100 ms, as a broker that keeps up with a tenth of the rate), keeps at most 5 000 messages (drop
 * oldest), and its consumer handles 20 000 a second with at most 100 in flight. The producer
 * buffer is bounded in bytes ({@link ProducerPolicy#maxBytes(long)}: 1 000 messages' worth of
 * {@linkplain ProducerPolicy#footprint(Message) footprint}, with a count capacity far above it so
 * that the bytes bind), and the configured bound is that plus (100 sending + 5 000 on the broker
 * + 100 in flight) footprints — each message counted with its own overhead, not only its payload.
 * The live heap is measured after a full collection every 250 ms (what the collection left, see
 * {@link #liveHeap()}); the peak above the live heap before the run (after a short warm-up run) is
 * reported against the bound. The same producer and consumer joined by an
 * unbounded {@link LinkedBlockingQueue} show what happens without a bound.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.MemoryUnderOverload
 * [count,count...]} — each policy and count runs in a child JVM of its own.
 */
public final class MemoryUnderOverload {

    static final int PAYLOAD = 1_024;
    static final int BUFFER = 1_000;
    static final int BACKLOG = 5_000;
    static final int IN_FLIGHT = 100;
    static final int SENDING = 100;
    /** What the byte bound counts for one of these messages: payload plus its own objects. */
    static final long FOOTPRINT = ProducerPolicy.footprint(Message.of(new byte[PAYLOAD]));
    static final long BUFFER_BYTES = BUFFER * FOOTPRINT;
    static final long BOUND = BUFFER_BYTES + (long) (SENDING + BACKLOG + IN_FLIGHT) * FOOTPRINT;
    static final long CONSUMER_RATE = 20_000;
    static final long WARM_UP = 20_000;
    static final long PRODUCER_RATE = 10 * CONSUMER_RATE;
    static final List<String> POLICIES = List.of("block", "drop-newest", "drop-oldest", "drop-random", "unbounded-queue");

    private MemoryUnderOverload() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("child")) {
            child(args[1], Long.parseLong(args[2]));
            return;
        }
        List<Long> counts = new ArrayList<>();
        for (String c : (args.length > 0 ? args[0] : "250000,500000,1000000").split(",")) {
            counts.add(Long.parseLong(c));
        }
        System.out.printf("heap -Xmx64m, payload %d B (footprint %d B), producer %d/s, consumer %d/s, bound maxBytes %d + (%d + %d + %d) x %d B = %.2f MiB%n",
                PAYLOAD, FOOTPRINT, PRODUCER_RATE, CONSUMER_RATE, BUFFER_BYTES, SENDING, BACKLOG, IN_FLIGHT, FOOTPRINT, BOUND / 1048576.0);
        for (String policy : POLICIES) {
            for (long count : counts) {
                if (policy.equals("block") && count > 250_000) {
                    continue; // the producer runs at the consumer's pace: 1 M would take 50 s for the same picture
                }
                ProcessBuilder pb = new ProcessBuilder(javaBin(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                        MemoryUnderOverload.class.getName(), "child", policy, Long.toString(count));
                pb.redirectErrorStream(true);
                Process p = pb.start();
                String last = "";
                String figure = null;
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith("RESULT ")) {
                            last = line.substring("RESULT ".length());
                        } else if (line.startsWith("FIGURE ")) {
                            figure = line.substring("FIGURE ".length());
                        }
                    }
                }
                p.waitFor();
                System.out.printf("%-16s %,9d messages: %s%n", policy, count, last.isEmpty() ? "no result (exit " + p.exitValue() + ")" : last);
                if (figure != null && !policy.equals("unbounded-queue")) {
                    String[] f = figure.split(" ");
                    String caseName = policy + ", " + count + " messages";
                    ResultsFile.record("MemoryUnderOverload", caseName, "peak live heap / configured bound", Double.parseDouble(f[0]), "<= 1.10");
                    ResultsFile.record("MemoryUnderOverload", caseName, "peak live heap above baseline (MiB)", Double.parseDouble(f[1]), null);
                    ResultsFile.record("MemoryUnderOverload", caseName, "peak heap used read after GC / configured bound", Double.parseDouble(f[2]), null);
                }
            }
        }
    }

    private static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    /**
     * Live heap after a full collection, in bytes: what the collection left in each heap pool
     * ({@link MemoryPoolMXBean#getCollectionUsage()}). Reading {@code getHeapMemoryUsage().getUsed()}
     * after {@code System.gc()} instead also counts what the producer allocated (200 MB/s here)
     * between the end of the collection and the read — up to 2–3 MiB of fresh, mostly dead,
     * allocation regions; that reading is kept as a second figure ({@link #usedAfterGc}).
     */
    static long liveHeap() {
        System.gc();
        usedAfterGc = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long live = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                live += pool.getCollectionUsage().getUsed();
            }
        }
        return live;
    }

    /** The heap's used size read just after the last {@link #liveHeap()} collection. */
    static volatile long usedAfterGc;

    private static void child(String policy, long count) throws Exception {
        byte[] payload = new byte[PAYLOAD];
        long cold = liveHeap();
        if (!policy.equals("unbounded-queue")) {
            // A short run of the same channel first, on a broker of its own that is then removed,
            // so that what the baseline leaves out is what the messages hold, not the classes and
            // the JDK's lazily built tables (reported as "warm-up added"; it does not grow with the run).
            sluice(policy, payload, WARM_UP, "overload-warm-up");
            InMemoryBroker.remove("overload-warm-up");
        }
        long baseline = liveHeap();
        long baselineUsed = usedAfterGc;
        AtomicLong peak = new AtomicLong(baseline);
        AtomicLong peakUsed = new AtomicLong(baselineUsed);
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(liveHeap(), Math::max);
                peakUsed.accumulateAndGet(usedAfterGc, Math::max);
                try {
                    Thread.sleep(250); // the sampling period
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        long start = System.nanoTime();
        String outcome;
        try {
            sampler.start();
            outcome = policy.equals("unbounded-queue") ? unbounded(payload, count) : sluice(policy, payload, count, "overload");
        } catch (OutOfMemoryError e) {
            outcome = "OutOfMemoryError";
        }
        sampler.interrupt();
        sampler.join();
        long bound = BOUND;
        double used = (peak.get() - baseline) / 1048576.0;
        double usedRatio = (peakUsed.get() - baselineUsed) / (double) bound;
        System.out.printf(Locale.ROOT, "RESULT peak live heap above baseline %.2f MiB = %.3f x the bound (used read after GC: %.3f x; warm-up added %.2f MiB to the baseline); %s; %.1f s%n",
                used, (peak.get() - baseline) / (double) bound, usedRatio, (baseline - cold) / 1048576.0, outcome, (System.nanoTime() - start) / 1e9);
        if (!outcome.startsWith("OutOfMemoryError")) {
            System.out.printf(Locale.ROOT, "FIGURE %.4f %.3f %.4f%n", (peak.get() - baseline) / (double) bound, used, usedRatio);
        }
    }

    private static String sluice(String policy, byte[] payload, long count, String brokerName) throws Exception {
        Overflow overflow = switch (policy) {
            case "drop-newest" -> Overflow.dropNewest();
            case "drop-oldest" -> Overflow.dropOldest();
            case "drop-random" -> Overflow.dropRandom();
            default -> Overflow.block(Duration.ofSeconds(5));
        };
        ChannelSpec spec = ChannelSpec.of("mem://" + brokerName + "/q")
                .producer(ProducerPolicy.buffer(10 * BUFFER).maxBytes(BUFFER_BYTES).maxInFlight(SENDING).onOverflow(overflow))
                .consumer(ConsumerPolicy.pull(IN_FLIGHT).maxInFlight(IN_FLIGHT)
                        .rateLimit(RateLimit.tokenBucket(CONSUMER_RATE).burst(CONSUMER_RATE / 100)))
                .backlog(BacklogLimit.maxLength(BACKLOG).dropOldest().exact());
        AtomicLong handled = new AtomicLong();
        InMemoryBroker broker = InMemoryBroker.named(brokerName);
        Thread throttle = new Thread(() -> {
            try {
                while (true) {
                    broker.stall();
                    Thread.sleep(90); // the broker's slow phase: nothing is taken
                    broker.unstall();
                    Thread.sleep(10);
                }
            } catch (InterruptedException e) {
                broker.unstall();
            }
        }, "broker-throttle");
        throttle.setDaemon(true);
        throttle.start();
        try (BackpressureChannel ch = Sluice.open(spec)) {
            ch.consumer("overload").start(d -> handled.incrementAndGet());
            RateLimiter pace = RateLimit.tokenBucket(PRODUCER_RATE).burst(PRODUCER_RATE / 100).newLimiter(Ticker.system());
            for (long i = 0; i < count; i++) {
                pace.acquire(1, Duration.ofDays(1));
                ch.producer().send(Message.of(payload.clone())); // each message its own bytes
            }
            ch.producer().flush(Duration.ofSeconds(30)); // counters reconcile once nothing moves between them
            throttle.interrupt();
            var p = ch.pressure();
            return String.format(Locale.ROOT, "offered %d, dropped or timed out by the policy %d, trimmed by the broker %d, handled %d so far, counters reconcile %b",
                    p.producer().offered(), p.producer().dropped() + p.producer().rejected(), p.brokerDropped(), handled.get(),
                    p.producer().reconciles());
        }
    }

    private static String unbounded(byte[] payload, long count) throws Exception {
        BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
        AtomicLong handled = new AtomicLong();
        Thread consumer = new Thread(() -> {
            RateLimiter pace = RateLimit.tokenBucket(CONSUMER_RATE).burst(CONSUMER_RATE / 100).newLimiter(Ticker.system());
            try {
                while (true) {
                    queue.take();
                    pace.acquire(1, Duration.ofDays(1));
                    handled.incrementAndGet();
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        consumer.setDaemon(true);
        consumer.start();
        RateLimiter pace = RateLimit.tokenBucket(PRODUCER_RATE).burst(PRODUCER_RATE / 100).newLimiter(Ticker.system());
        long i = 0;
        try {
            for (; i < count; i++) {
                pace.acquire(1, Duration.ofDays(1));
                queue.add(payload.clone()); // each message its own bytes, as a received message would be
            }
        } catch (OutOfMemoryError e) {
            queue.clear();
            return "OutOfMemoryError after " + i + " offered, " + handled.get() + " handled";
        }
        consumer.interrupt();
        return "queue held " + queue.size() + " at the end, " + handled.get() + " handled";
    }
}
