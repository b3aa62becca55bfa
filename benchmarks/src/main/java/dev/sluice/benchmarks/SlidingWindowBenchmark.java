package dev.sluice.benchmarks;

import dev.sluice.flow.SlidingWindowLimiter;
import dev.sluice.flow.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The sliding-window limiter against the naive one that keeps a list of admission times and
 * filters out the old ones on every call, both allowing {@code limit} per second. Calls come far
 * faster than the limit, so the window is always full: the steady state of an overloaded limiter.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(1)
public class SlidingWindowBenchmark {

    @Param({"100", "10000"})
    public int limit;

    private SlidingWindowLimiter sluice;
    private NaiveSlidingWindow naive;

    @Setup
    public void setUp() {
        sluice = SlidingWindowLimiter.of(limit, Duration.ofSeconds(1), Ticker.system());
        naive = new NaiveSlidingWindow(limit, Duration.ofSeconds(1).toNanos());
    }

    @Benchmark
    public boolean sluiceSlidingWindow() {
        return sluice.tryAcquire();
    }

    @Benchmark
    public boolean filterTimestampList() {
        return naive.tryAcquire();
    }

    /** The seed's pattern: drop the timestamps older than the window, then count what is left. */
    static final class NaiveSlidingWindow {
        private final int limit;
        private final long windowNanos;
        private final List<Long> admitted = new ArrayList<>();

        NaiveSlidingWindow(int limit, long windowNanos) {
            this.limit = limit;
            this.windowNanos = windowNanos;
        }

        synchronized boolean tryAcquire() {
            long now = System.nanoTime();
            admitted.removeIf(t -> now - t >= windowNanos);
            if (admitted.size() < limit) {
                admitted.add(now);
                return true;
            }
            return false;
        }
    }
}
