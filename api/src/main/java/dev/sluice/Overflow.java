package dev.sluice;

import dev.sluice.flow.OverflowStrategy;
import java.time.Duration;
import java.util.Objects;

/**
 * What the producer does when its buffer is at the hard limit. Immutable.
 *
 * <ul>
 *   <li>{@link #block(Duration)}: {@code send} waits for room up to {@code maxWait}, then
 *       {@code TIMED_OUT}. Nothing is lost.
 *   <li>{@link #dropNewest()}: the new message is refused ({@code REJECTED}) and reported as dropped.
 *   <li>{@link #dropOldest()}: the oldest buffered message is dropped ({@code DISPLACED}).
 *   <li>{@link #dropRandom()}: a random one among the buffered and the new message is dropped.
 *   <li>{@link #dropByPriority()}: the lowest priority is dropped; the buffer then sends the
 *       highest priority first.
 *   <li>{@link #fail()}: the new message is refused ({@code REJECTED}) and stays the caller's;
 *       it is not reported as a drop.
 * </ul>
 */
public final class Overflow {

    private final OverflowStrategy strategy;
    private final Duration maxWait;

    private Overflow(OverflowStrategy strategy, Duration maxWait) {
        this.strategy = strategy;
        this.maxWait = maxWait;
    }

    /** @param maxWait how long {@code send} may wait for room; positive */
    public static Overflow block(Duration maxWait) {
        return new Overflow(OverflowStrategy.BLOCK, Validation.positive("maxWait", maxWait));
    }

    public static Overflow dropNewest() {
        return new Overflow(OverflowStrategy.DROP_NEWEST, Duration.ZERO);
    }

    public static Overflow dropOldest() {
        return new Overflow(OverflowStrategy.DROP_OLDEST, Duration.ZERO);
    }

    public static Overflow dropRandom() {
        return new Overflow(OverflowStrategy.DROP_RANDOM, Duration.ZERO);
    }

    public static Overflow dropByPriority() {
        return new Overflow(OverflowStrategy.DROP_LOWEST_PRIORITY, Duration.ZERO);
    }

    public static Overflow fail() {
        return new Overflow(OverflowStrategy.FAIL, Duration.ZERO);
    }

    /** @return the buffer strategy this policy uses */
    public OverflowStrategy strategy() {
        return strategy;
    }

    /** @return how long {@code send} waits for room; zero unless blocking */
    public Duration maxWait() {
        return maxWait;
    }

    public boolean isBlocking() {
        return strategy == OverflowStrategy.BLOCK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Overflow other && strategy == other.strategy && maxWait.equals(other.maxWait);
    }

    @Override
    public int hashCode() {
        return Objects.hash(strategy, maxWait);
    }

    @Override
    public String toString() {
        return strategy == OverflowStrategy.BLOCK ? "block(" + maxWait + ")" : strategy.name().toLowerCase();
    }
}
