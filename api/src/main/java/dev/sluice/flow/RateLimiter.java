package dev.sluice.flow;

import java.time.Duration;

/**
 * Admits permits at a bounded rate. Implementations are thread-safe and never spin: a wait is
 * one computed sleep on the {@link Ticker}.
 */
public interface RateLimiter extends AutoCloseable {

    /**
     * Takes {@code permits} if they are available now.
     *
     * @return 0 when the permits were taken; otherwise how many nanoseconds from now the same
     *     request would succeed if nobody else took permits meanwhile (always positive)
     * @throws IllegalArgumentException if {@code permits} is below 1 or can never be granted at once
     */
    long tryAcquireOrDelay(int permits);

    /** @return true when the permits were taken now, false when they are not available */
    default boolean tryAcquire(int permits) {
        return tryAcquireOrDelay(permits) == 0;
    }

    /** @return true when one permit was taken now */
    default boolean tryAcquire() {
        return tryAcquire(1);
    }

    /**
     * Takes {@code permits}, waiting for them if they come within {@code timeout}. Gives up at
     * once, without waiting, when they cannot come in time.
     *
     * @return true when the permits were taken
     * @throws InterruptedException if interrupted while waiting; a token bucket gives the
     *     reserved permits back, a sliding window keeps them counted in their window
     */
    boolean acquire(int permits, Duration timeout) throws InterruptedException;

    /** @return how long until {@code permits} would be available, 0 when they are now; takes nothing */
    long retryAfterNanos(int permits);

    /**
     * {@link #acquire} for a limiter that reserves nothing while a caller waits: asks
     * {@code limiter} again after each delay it names, one sleep on {@code ticker} at a time, and
     * gives up at once when a named delay does not fit in what is left of {@code timeout}.
     */
    static boolean acquireBySleeping(RateLimiter limiter, Ticker ticker, int permits, Duration timeout) throws InterruptedException {
        java.util.Objects.requireNonNull(timeout, "timeout");
        long deadline = ticker.nanoTime() + Math.max(0, timeout.toNanos());
        while (true) {
            long delay = limiter.tryAcquireOrDelay(permits);
            if (delay == 0) {
                return true;
            }
            if (ticker.nanoTime() + delay - deadline > 0) {
                return false;
            }
            ticker.sleep(delay); // what the limiter holds may change meanwhile: ask again
        }
    }

    /**
     * Gives back what the limiter holds — a limiter shared by a fleet returns the permits it leased
     * and has not used — once its channel no longer asks it. The channel calls it when it closes;
     * nothing for a local limiter.
     */
    @Override
    default void close() {
    }
}
