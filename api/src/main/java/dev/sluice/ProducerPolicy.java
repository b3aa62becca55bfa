package dev.sluice;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How a producer meets a broker slower than itself: the layered gate in front of the broker
 * send. Immutable; every step returns a new policy and validates its argument at once.
 *
 * <p>The layers, in the order a message meets them:
 * <ol>
 *   <li>an optional {@link #rateLimit(RateLimit) rate limit}, which messages at or above the
 *       {@link #bypassRateLimitAtOrAbove(int) bypass priority} skip;
 *   <li>a bounded buffer of {@link #capacity()} messages, and optionally of
 *       {@link #maxBytes(long) maxBytes} bytes counted with each message's own overhead: at the {@link #softLimit(int) soft
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
    private final long maxBytes;       // 0: bounded by count only

    private ProducerPolicy(int capacity, int softLimit, int lowWatermark, Overflow overflow, RateLimit rateLimit,
                           int maxInFlight, int bypassAtOrAbove, int shedBelow, int sendRetries, long maxBytes) {
        this.capacity = capacity;
        this.softLimit = softLimit;
        this.lowWatermark = lowWatermark;
        this.overflow = overflow;
        this.rateLimit = rateLimit;
        this.maxInFlight = maxInFlight;
        this.bypassAtOrAbove = bypassAtOrAbove;
        this.shedBelow = shedBelow;
        this.sendRetries = sendRetries;
        this.maxBytes = maxBytes;
    }

    /** A buffer of {@code capacity} messages with the default settings. */
    public static ProducerPolicy buffer(int capacity) {
        return new ProducerPolicy(Validation.atLeast("capacity", capacity, 1), 0, -1,
                Overflow.block(Duration.ofSeconds(30)), null, 1_000, Integer.MAX_VALUE, Integer.MIN_VALUE, 10, 0);
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
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, sendRetries, maxBytes);
    }

    /** @param lowWatermark the buffered count at which pressure returns to NORMAL; below the soft limit */
    public ProducerPolicy lowWatermark(int lowWatermark) {
        if (lowWatermark < 0) {
            throw new IllegalArgumentException("lowWatermark (" + lowWatermark + ") must not be negative");
        }
        if (lowWatermark >= softLimit()) {
            throw new IllegalArgumentException("lowWatermark (" + lowWatermark + ") must be below softLimit (" + softLimit() + ")");
        }
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, sendRetries, maxBytes);
    }

    public ProducerPolicy onOverflow(Overflow overflow) {
        Objects.requireNonNull(overflow, "overflow");
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, sendRetries, maxBytes);
    }

    public ProducerPolicy rateLimit(RateLimit rateLimit) {
        Objects.requireNonNull(rateLimit, "rateLimit");
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, sendRetries, maxBytes);
    }

    /** @param maxInFlight messages sent to the broker and not yet confirmed; at least 1 */
    public ProducerPolicy maxInFlight(int maxInFlight) {
        Validation.atLeast("maxInFlight", maxInFlight, 1);
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, sendRetries, maxBytes);
    }

    /** @param priority messages at or above it skip the rate limit (0–255) */
    public ProducerPolicy bypassRateLimitAtOrAbove(int priority) {
        checkPriority("bypassRateLimitAtOrAbove", priority);
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, priority, shedBelow, sendRetries, maxBytes);
    }

    /** @param priority messages below it are dropped while the buffer is at or above its soft limit (0–255) */
    public ProducerPolicy shedBelowPriority(int priority) {
        checkPriority("shedBelowPriority", priority);
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, priority, sendRetries, maxBytes);
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
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, retries, maxBytes);
    }

    /**
     * Bounds the buffer in bytes as well as in messages: a message is admitted only while the
     * buffered messages' {@linkplain #footprint(Message) footprints} plus its own stay within
     * {@code maxBytes}; otherwise the {@link #onOverflow(Overflow) overflow policy} applies, just
     * as at the capacity ({@code block} waits for bytes to free, the dropping policies drop as
     * many messages as it takes). A message whose footprint alone exceeds {@code maxBytes} is
     * refused as {@link SendResult#TOO_LARGE}. The buffered bytes show in
     * {@link PressureState.ProducerCounters#bufferedBytes()}, and the pressure level reads the
     * fuller of the two bounds.
     *
     * @param maxBytes at least 1
     * @throws IllegalArgumentException when {@code maxBytes} is below 1
     */
    public ProducerPolicy maxBytes(long maxBytes) {
        Validation.atLeast("maxBytes", maxBytes, 1L);
        return new ProducerPolicy(capacity, softLimit, lowWatermark, overflow, rateLimit, maxInFlight, bypassAtOrAbove, shedBelow, sendRetries, maxBytes);
    }

    /** The fixed part of a message's footprint: the message, its envelope in the buffer, the slot and a confirmation stage. */
    static final long MESSAGE_OVERHEAD_BYTES = 128;

    /**
     * What the byte bound counts for one message: its own heap, not only its payload — the
     * payload array, the key, the headers (map, entries and strings) and a fixed
     * {@value #MESSAGE_OVERHEAD_BYTES} bytes for the objects that carry a message through the
     * buffer (the message, its envelope, the slot, a confirmation stage). An estimate for a
     * 64-bit JVM with compressed references, rounded up to 8-byte objects; strings are counted
     * at one byte a character (compact strings) plus their two objects.
     */
    public static long footprint(Message message) {
        long bytes = MESSAGE_OVERHEAD_BYTES + arrayBytes(message.payload().length);
        if (message.key() != null) {
            bytes += stringBytes(message.key());
        }
        if (!message.headers().isEmpty()) {
            int n = message.headers().size();
            // LinkedHashMap object and table (load 0.75, power of two), one 40-byte entry each.
            bytes += 64 + arrayBytes(4L * Integer.highestOneBit(Math.max(1, (int) (n / 0.75f)) * 2 - 1)) + 40L * n;
            for (var h : message.headers().entrySet()) {
                bytes += stringBytes(h.getKey()) + stringBytes(h.getValue());
            }
        }
        return bytes;
    }

    private static long stringBytes(String s) {
        return 24 + arrayBytes(s.length());
    }

    private static long arrayBytes(long length) {
        return (16 + length + 7) & ~7L;
    }

    private static void checkPriority(String name, int priority) {
        if (priority < 0 || priority > Message.MAX_PRIORITY) {
            throw new IllegalArgumentException(name + " (" + priority + ") must be between 0 and " + Message.MAX_PRIORITY);
        }
    }

    public int sendRetries() {
        return sendRetries;
    }

    /** @return the byte bound of the buffer, empty when it is bounded by count only */
    public OptionalLong maxBytes() {
        return maxBytes == 0 ? OptionalLong.empty() : OptionalLong.of(maxBytes);
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
                + (maxBytes == 0 ? "" : ", maxBytes=" + maxBytes)
                + ", overflow=" + overflow + ", rateLimit=" + rateLimit + ", maxInFlight=" + maxInFlight + "]";
    }
}
