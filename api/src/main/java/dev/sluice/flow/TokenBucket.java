package dev.sluice.flow;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Objects;

/**
 * A token bucket: holds up to {@code capacity} tokens (the burst), refills {@code refillTokens}
 * every {@code refillPeriod} continuously, and starts full.
 *
 * <p>Exact: time and tokens are kept as integers in units where both a nanosecond and a token are
 * whole numbers ({@code period / gcd} units per token, {@code tokens / gcd} units per
 * nanosecond), so over any run the bucket admits exactly {@code capacity + elapsed × rate}
 * tokens at saturation, with no drift from rounding. The state is the debt owed to the bucket
 * and the time it was last read: O(1) per call, no list of timestamps.
 *
 * <p>{@link #acquire(int, Duration)} reserves the permits and sleeps the computed time once, so
 * waiting callers are served in order of arrival and never spin. Thread-safe.
 */
public final class TokenBucket implements RateLimiter {

    private final long capacity;
    private final long unitsPerToken;
    private final long unitsPerNano;
    private final long capacityUnits;
    private final Ticker ticker;

    private long debtUnits;
    private long lastNanos;

    private TokenBucket(long capacity, long refillTokens, long periodNanos, Ticker ticker) {
        long g = BigInteger.valueOf(refillTokens).gcd(BigInteger.valueOf(periodNanos)).longValueExact();
        this.capacity = capacity;
        this.unitsPerToken = periodNanos / g;
        this.unitsPerNano = refillTokens / g;
        try {
            this.capacityUnits = Math.multiplyExact(capacity, unitsPerToken);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("capacity (" + capacity + ") is too large for a refill of "
                    + refillTokens + " per " + periodNanos + " ns");
        }
        this.ticker = ticker;
        this.lastNanos = ticker.nanoTime();
    }

    /**
     * @param capacity     the most tokens held (the burst); at least 1
     * @param refillTokens tokens added per {@code refillPeriod}; at least 1
     * @param refillPeriod at least 1 ns
     */
    public static TokenBucket of(long capacity, long refillTokens, Duration refillPeriod, Ticker ticker) {
        Objects.requireNonNull(refillPeriod, "refillPeriod");
        Objects.requireNonNull(ticker, "ticker");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity (" + capacity + ") must be at least 1");
        }
        if (refillTokens < 1) {
            throw new IllegalArgumentException("refillTokens (" + refillTokens + ") must be at least 1");
        }
        if (refillPeriod.isNegative() || refillPeriod.isZero()) {
            throw new IllegalArgumentException("refillPeriod (" + refillPeriod + ") must be positive");
        }
        long periodNanos;
        try {
            periodNanos = refillPeriod.toNanos();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("refillPeriod (" + refillPeriod + ") is too long");
        }
        return new TokenBucket(capacity, refillTokens, periodNanos, ticker);
    }

    /** A bucket of {@code capacity} tokens refilled at {@code perSecond} tokens a second. */
    public static TokenBucket perSecond(long perSecond, long capacity, Ticker ticker) {
        return of(capacity, perSecond, Duration.ofSeconds(1), ticker);
    }

    @Override
    public long tryAcquireOrDelay(int permits) {
        long need = unitsFor(permits);
        synchronized (this) {
            refill();
            long after = debtUnits + need;
            if (after <= capacityUnits) {
                debtUnits = after;
                return 0;
            }
            return ceilDiv(after - capacityUnits, unitsPerNano);
        }
    }

    @Override
    public boolean acquire(int permits, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        long need = unitsFor(permits);
        long wait;
        synchronized (this) {
            refill();
            long after = debtUnits + need;
            wait = after <= capacityUnits ? 0 : ceilDiv(after - capacityUnits, unitsPerNano);
            if (wait > 0 && (timeout.isNegative() || wait > timeout.toNanos())) {
                return false;
            }
            debtUnits = after; // reserve: later callers queue behind this debt
        }
        if (wait == 0) {
            return true;
        }
        try {
            ticker.sleep(wait);
            return true;
        } catch (InterruptedException e) {
            synchronized (this) {
                refill();
                debtUnits = Math.max(0, debtUnits - need);
            }
            throw e;
        }
    }

    @Override
    public long retryAfterNanos(int permits) {
        long need = unitsFor(permits);
        synchronized (this) {
            refill();
            long after = debtUnits + need;
            return after <= capacityUnits ? 0 : ceilDiv(after - capacityUnits, unitsPerNano);
        }
    }

    /** @return the whole tokens available now */
    public long availableTokens() {
        synchronized (this) {
            refill();
            return Math.max(0, (capacityUnits - debtUnits) / unitsPerToken);
        }
    }

    public long capacity() {
        return capacity;
    }

    /** Lock held: pays the debt down by the time that passed. */
    private void refill() {
        long now = ticker.nanoTime();
        long elapsed = now - lastNanos;
        if (elapsed <= 0) {
            return;
        }
        lastNanos = now;
        if (elapsed >= ceilDiv(debtUnits, unitsPerNano)) {
            debtUnits = 0;
        } else {
            debtUnits -= elapsed * unitsPerNano;
        }
    }

    private long unitsFor(int permits) {
        if (permits < 1 || permits > capacity) {
            throw new IllegalArgumentException("permits (" + permits + ") must be between 1 and capacity (" + capacity + ")");
        }
        return permits * unitsPerToken;
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    @Override
    public String toString() {
        return "TokenBucket[capacity=" + capacity + ", rate=" + unitsPerNano + " tokens per " + unitsPerToken + " ns]";
    }
}
