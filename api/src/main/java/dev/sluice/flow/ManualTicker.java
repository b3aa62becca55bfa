package dev.sluice.flow;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;

/**
 * A ticker that moves only when told to, for deterministic tests of rate limiters and timeouts.
 *
 * <p>{@link #sleep(long)} advances the clock by the requested time and returns at once, so a
 * limiter that "waits the computed time" can be checked without real waiting.
 * {@link #awaitNanos(Condition, long)} really waits on the condition (another thread may signal
 * it), for at most a short real time, and then advances the clock by the full amount when it was
 * not signalled: a timed-out wait on a manual clock costs no real time beyond that slice.
 *
 * <p>Thread-safe.
 */
public final class ManualTicker implements Ticker {

    /** The real time an {@link #awaitNanos} gives other threads to signal before it times out. */
    private static final long REAL_SLICE_NANOS = Duration.ofMillis(20).toNanos();

    private final AtomicLong now;

    /** Starts at zero. */
    public ManualTicker() {
        this(0);
    }

    /** @param start the first reading */
    public ManualTicker(long start) {
        this.now = new AtomicLong(start);
    }

    @Override
    public long nanoTime() {
        return now.get();
    }

    /** Moves the clock forward. */
    public void advance(Duration d) {
        advanceNanos(d.toNanos());
    }

    /**
     * Moves the clock forward.
     *
     * @throws IllegalArgumentException if {@code nanos} is negative (a monotonic clock never goes back)
     */
    public void advanceNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("nanos (" + nanos + ") must not be negative");
        }
        now.addAndGet(nanos);
    }

    @Override
    public void sleep(long nanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (nanos > 0) {
            now.addAndGet(nanos);
        }
    }

    @Override
    public long awaitNanos(Condition condition, long nanos) throws InterruptedException {
        if (nanos <= 0) {
            return nanos;
        }
        long start = now.get();
        long realLeft = condition.awaitNanos(Math.min(nanos, REAL_SLICE_NANOS));
        if (realLeft > 0) {
            // Signalled (or woken spuriously): report the manual time left.
            return nanos - (now.get() - start);
        }
        now.addAndGet(nanos);
        return 0;
    }
}
