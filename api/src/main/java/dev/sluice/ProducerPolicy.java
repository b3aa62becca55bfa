package dev.sluice;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a producer meets a broker slower than itself: the layered gate in front of the broker
 * send. Immutable; every step returns a new policy and validates its argument at once.
 *
 * <p>The layers, in the order a message meets them:
 * <ol>
 *   <li>an optional {@link #rateLimit(RateLimit) rate limit}, which messages at or above the
 *       {@link #bypassRateLimitAtOrAbove(int) bypass priority} skip;
 *   <li>a bounded buffer of {@link #capacity()} messages: at the {@link #softLimit(int) soft
 *       limit} the pressure level becomes SOFT (health DEGRADED, and messages below the
 *       {@link #shedBelowPriority(int) shedding priority} are dropped), at capacity the
 *       {@link #onOverflow(Overflow) overflow policy} applies; the level falls back to NORMAL at
 *       the {@link #lowWatermark(int) low watermark};
 *   <li>at most {@link #maxInFlight(int) maxInFlight} messages sent to the broker and not yet
 *       confirmed; the broker's own mechanism (producer buffer, confirm window, alarms) sits
 *       behind that.
 * </ol>
 *
 * <p>A send that fails at the broker or on the connection is sent again up to
 * {@link #sendRetries(int) sendRetries} times, so that a connection cut loses nothing; one that
 * still fails is counted as failed and reported to the listeners.
 *
 * <p>Defaults: capacity 10 000, no soft limit, {@code block(30 s)}, 1 000 in flight, no rate
 * limit, 10 send retries.
 */
public final class ProducerPolicy {

    private final int capacity;
    private final int softLimit;       // 0: none
    private final int lowWatermark;    // -1: half the soft limit
    private final Overflow overflow;
    private final RateLimit rateLimit; // null: none
    private final int maxInFlight;
    private final int bypassAtOrAbove;
    private final int shedBelow;
    private final int sendRetries;

    private ProducerPolicy(int capacity, int softLimit, int lowWatermark, Overflow overflow, RateLimit rateLimit,
                           int maxInFlight, int bypassAtOrAbove, int shedBelow, int sendRetries) {
        this.capacity = capacity;
        this.softLimit = softLimit;
        this.lowWatermark = lowWatermark;
        this.overflow = overflow;
        this.rateLimit = rateLimit;
        this.maxInFlight = maxInFlight;
        this.bypassAtOrAbove = bypassAtOrAbove;
        this.shedBelow = shedBelow;
        this.sendRetries = sendRetries;
    }

    /** A buffer of {@code capacity} messages with the default settings. */
    public static ProducerPolicy buffer(int capacity) {
        return new ProducerPolicy(Validation.atLeast("capacity", capacity, 1), 0, -1,
                Overflow.block(Duration.ofSeconds(30)), null, 1_000, Integer.MAX_VALUE, Integer.MIN_VALUE, 10);
    }

    public static ProducerPolicy defaults() {
        return buffer(10_000);
    }

    /** @param softLimit the buffered count at which pressure becomes SOFT; at most the capacity */
    public ProducerPolicy softLimit(int softLimit) {
        Validation.atLeast("softLimit", softLimit, 1);
        if (softLimit > capacity) {
            throw new IllegalArgumentException("softLimit (" + softLimit + ") must not exceed capacity (" + capacity + ")");
        }
        if (lowWatermark >= softLimit) {
            throw new IllegalArgumentException("softLimit (" + softLimit + ") must exceed lowWatermark (" + lowWatermark + ")");
        }
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, sendRetries);
    }

    /** @param lowWatermark the buffered count at which pressure returns to NORMAL; below the soft limit */
    public ProducerPolicy lowWatermark(int lowWatermark) {
        if (lowWatermark < 0) {
            throw new IllegalArgumentException("lowWatermark (" + lowWatermark + ") must not be negative");
        }
        if (lowWatermark >= softLimit()) {
            throw new IllegalArgumentException("lowWatermark (" + lowWatermark + ") must be below softLimit (" + softLimit() + ")");
        }
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, sendRetries);
    }

    public ProducerPolicy onOverflow(Overflow overflow) {
        Objects.requireNonNull(overflow, "overflow");
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, sendRetries);
    }

    public ProducerPolicy rateLimit(RateLimit rateLimit) {
        Objects.requireNonNull(rateLimit, "rateLimit");
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, sendRetries);
    }

    /** @param maxInFlight messages sent to the broker and not yet confirmed; at least 1 */
    public ProducerPolicy maxInFlight(int maxInFlight) {
        Validation.atLeast("maxInFlight", maxInFlight, 1);
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, sendRetries);
    }

    /** @param priority messages at or above it skip the rate limit (0–255) */
    public ProducerPolicy bypassRateLimitAtOrAbove(int priority) {
        checkPriority("bypassRateLimitAtOrAbove", priority);
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, priority, shedBelow, sendRetries);
    }

    /** @param priority messages below it are dropped while the buffer is at or above its soft limit (0–255) */
    public ProducerPolicy shedBelowPriority(int priority) {
        checkPriority("shedBelowPriority", priority);
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, priority, sendRetries);
    }

    /**
     * @param retries how many times a send that failed at the broker or on the connection (not a
     *     refusal: {@code REJECTED} and {@code TOO_LARGE} are final) is sent again, with a backoff
     *     from 100 ms doubling up to 5 s, before it is reported as failed; 0 to never retry
     */
    public ProducerPolicy sendRetries(int retries) {
        if (retries < 0) {
            throw new IllegalArgumentException("sendRetries (" + retries + ") must not be negative");
        }
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, retries);
    }

    private static void checkPriority(String name, int priority) {
        if (priority < 0 || priority > Message.MAX_PRIORITY) {
            throw new IllegalArgumentException(name + " (" + priority + ") must be between 0 and " + Message.MAX_PRIORITY);
        }
    }

    public int sendRetries() {
        return sendRetries;
    }

    public int capacity() {
        return capacity;
    }

    /** @return the soft limit; the capacity when none was set */
    public int softLimit() {
        return softLimit == 0 ? capacity : softLimit;
    }

    /** @return the low watermark; half the soft limit when none was set */
    public int lowWatermark() {
        return lowWatermark < 0 ? softLimit() / 2 : lowWatermark;
    }

    public Overflow overflow() {
        return overflow;
    }

    public Optional<RateLimit> rateLimit() {
        return Optional.ofNullable(rateLimit);
    }

    public int maxInFlight() {
        return maxInFlight;
    }

    /** @return the bypass priority; {@link Integer#MAX_VALUE} when nothing bypasses */
    public int bypassRateLimitAtOrAbove() {
        return bypassAtOrAbove;
    }

    /** @return the shedding priority; {@link Integer#MIN_VALUE} when nothing is shed */
    public int shedBelowPriority() {
        return shedBelow;
    }

    @Override
    public String toString() {
        return "ProducerPolicy[capacity=" + capacity + ", softLimit=" + softLimit() + ", lowWatermark=" + lowWatermark()
                + ", overflow=" + overflow + ", rateLimit=" + rateLimit + ", maxInFlight=" + maxInFlight + "]";
    }
}
