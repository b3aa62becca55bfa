package dev.sluice.flow;

import java.time.Duration;
import java.util.Objects;

/**
 * Admits at most {@code limit} permits in any window of length {@code window}: for every instant
 * t, the permits admitted in {@code [t, t + window)} never exceed the limit.
 *
 * <p>Exact and O(1) per permit: it keeps the times of the last {@code limit} admissions in a
 * fixed ring, oldest first, and admits {@code n} permits when the n-th oldest of them has left
 * the window. Nothing is filtered or copied per call. Memory is 8 bytes per permit of the limit.
 *
 * <p>Waiting reserves the permits and sleeps the computed time once. Thread-safe.
 */
public final class SlidingWindowLimiter implements RateLimiter {

    private final int limit;
    private final long windowNanos;
    private final Ticker ticker;
    private final long[] admittedAt;
    private int oldest;
    private int count;

    private SlidingWindowLimiter(int limit, long windowNanos, Ticker ticker) {
        this.limit = limit;
        this.windowNanos = windowNanos;
        this.ticker = ticker;
        this.admittedAt = new long[limit];
    }

    /**
     * @param limit  permits per window; at least 1
     * @param window the window length; at least 1 ns
     */
    public static SlidingWindowLimiter of(int limit, Duration window, Ticker ticker) {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(ticker, "ticker");
        if (limit < 1) {
            throw new IllegalArgumentException("limit (" + limit + ") must be at least 1");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window (" + window + ") must be positive");
        }
        long nanos;
        try {
            nanos = window.toNanos();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("window (" + window + ") is too long");
        }
        return new SlidingWindowLimiter(limit, nanos, ticker);
    }

    @Override
    public long tryAcquireOrDelay(int permits) {
        check(permits);
        synchronized (this) {
            long now = ticker.nanoTime();
            long delay = delay(permits, now);
            if (delay == 0) {
                record(permits, now);
            }
            return delay;
        }
    }

    @Override
    public boolean acquire(int permits, Duration timeout) throws InterruptedException {
        check(permits);
        Objects.requireNonNull(timeout, "timeout");
        long delay;
        synchronized (this) {
            long now = ticker.nanoTime();
            delay = delay(permits, now);
            if (delay > 0 && (timeout.isNegative() || delay > timeout.toNanos())) {
                return false;
            }
            // Reserve: record the permits at the time they will be admitted. Later callers see them.
            record(permits, now + delay);
        }
        if (delay > 0) {
            ticker.sleep(delay); // interrupted: the reserved permits stay counted in their window
        }
        return true;
    }

    @Override
    public long retryAfterNanos(int permits) {
        check(permits);
        synchronized (this) {
            return delay(permits, ticker.nanoTime());
        }
    }

    public int limit() {
        return limit;
    }

    public Duration window() {
        return Duration.ofNanos(windowNanos);
    }

    /** Lock held. */
    private long delay(int permits, long now) {
        int mustExpire = count + permits - limit;
        if (mustExpire <= 0) {
            return 0;
        }
        long leavesWindowAt = admittedAt[(oldest + mustExpire - 1) % limit] + windowNanos;
        return Math.max(0, leavesWindowAt - now);
    }

    /** Lock held. */
    private void record(int permits, long at) {
        for (int i = 0; i < permits; i++) {
            if (count < limit) {
                admittedAt[(oldest + count) % limit] = at;
                count++;
            } else {
                admittedAt[oldest] = at;
                oldest = (oldest + 1) % limit;
            }
        }
    }

    private void check(int permits) {
        if (permits < 1 || permits > limit) {
            throw new IllegalArgumentException("permits (" + permits + ") must be between 1 and limit (" + limit + ")");
        }
    }
}
