package dev.sluice.flow;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * The source of time for every flow primitive, so that tests can move a fake clock instead of
 * sleeping.
 *
 * <p>{@link #nanoTime()} is a monotonic reading with an arbitrary origin, like
 * {@link System#nanoTime()}. The two waiting methods are the only places where a primitive gives
 * up time: a real ticker parks the thread, a {@link ManualTicker} advances itself instead. Both
 * respect interruption.
 *
 * <p>Implementations must be thread-safe.
 */
public interface Ticker {

    /** @return the current reading in nanoseconds; only differences between readings mean anything */
    long nanoTime();

    /**
     * Waits for the given time to pass, as measured by this ticker.
     *
     * @param nanos how long to wait; zero or less returns at once
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    void sleep(long nanos) throws InterruptedException;

    /**
     * Waits on a condition of a lock the caller holds, at most {@code nanos}.
     *
     * @return the time left, as {@link Condition#awaitNanos(long)} returns it (zero or less when
     *     the time ran out)
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    long awaitNanos(Condition condition, long nanos) throws InterruptedException;

    /** @return the ticker backed by {@link System#nanoTime()} that really parks threads */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}

/** The real clock. */
enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void sleep(long nanos) throws InterruptedException {
        if (nanos > 0) {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } else if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    @Override
    public long awaitNanos(Condition condition, long nanos) throws InterruptedException {
        return condition.awaitNanos(nanos);
    }
}
