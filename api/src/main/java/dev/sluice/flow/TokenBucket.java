package dev.sluice.flow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * tokens at saturation, with no drift from rounding.
 *
 * <p>Lock-free: the whole state is one {@code long}, the theoretical arrival time of the GCRA
 * (generic cell rate algorithm) in those units — the instant at which the bucket would be full
 * again. Taking permits moves it forward with one compare-and-set; a refusal only reads it, so
 * refusing callers do not contend with each other. O(1) per call, no list of timestamps.
 *
 * <p>{@link #acquire(int, Duration)} reserves the permits and sleeps the computed time once, so
 * waiting callers are served in order of arrival and never spin. Thread-safe.
 */
public final class TokenBucket implements RateLimiter {

    /** Marks an epoch whose state has moved to a newer epoch; never a real arrival time. */
    private static final long RETIRED = Long.MIN_VALUE;
    private static final VarHandle TAT;

    static {
        try {
            TAT = MethodHandles.lookup().findVarHandle(Epoch.class, "tat", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The time origin of the state and the state itself. Times are kept relative to {@code origin}
     * so that {@code (now − origin) × unitsPerNano} fits in a long; when it would not (after about
     * {@code 2^62 / unitsPerNano} ns: 146 years for rates that divide their period, seconds for an
     * odd rate of about a billion a second) the state moves to a new epoch — the old one is retired with
     * one CAS, so no update can land on it afterwards.
     */
    private static final class Epoch {
        final long origin;
        /** The theoretical arrival time, in units since {@code origin}; {@link #RETIRED} once moved. */
        volatile long tat;

        Epoch(long origin, long tat) {
            this.origin = origin;
            this.tat = tat;
        }
    }

    private final long capacity;
    private final long unitsPerToken;
    private final long unitsPerNano;
    private final long capacityUnits;
    /** The most nanoseconds after an epoch's origin before a new epoch starts. */
    private final long epochNanos;
    private final Ticker ticker;

    private volatile Epoch epoch;

    private TokenBucket(long capacity, long refillTokens, long periodNanos, Ticker ticker) {
        long g = BigInteger.valueOf(refillTokens).gcd(BigInteger.valueOf(periodNanos)).longValueExact();
        this.capacity = capacity;
        this.unitsPerToken = periodNanos / g;
        this.unitsPerNano = refillTokens / g;
        long capUnits;
        try {
            capUnits = Math.multiplyExact(capacity, unitsPerToken);
        } catch (ArithmeticException e) {
            capUnits = -1;
        }
        // Head-room: now (within an epoch) + a full debt (capacity) + reservations must fit a long.
        if (capUnits < 0 || capUnits > (1L << 61)) {
            throw new IllegalArgumentException("capacity (" + capacity + ") is too large for a refill of "
                    + refillTokens + " per " + periodNanos + " ns");
        }
        this.capacityUnits = capUnits;
        this.epochNanos = Math.max(1, ((1L << 62) - capUnits) / unitsPerNano);
        this.ticker = ticker;
        // Starts full: the arrival time is now.
        this.epoch = new Epoch(ticker.nanoTime(), 0);
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
    public boolean tryAcquire(int permits) {
        return take(permits) == 0;
    }

    @Override
    public boolean tryAcquire() {
        return tryAcquire(1);
    }

    @Override
    public long tryAcquireOrDelay(int permits) {
        long excess = take(permits);
        return excess == 0 ? 0 : ceilDiv(excess, unitsPerNano);
    }

    /**
     * Takes the permits when the bucket holds them.
     *
     * @return 0 when taken; otherwise how many units the bucket lacks (positive), nothing written
     */
    private long take(int permits) {
        long need = unitsFor(permits);
        while (true) {
            Epoch e = epoch;
            long tat = e.tat;
            long now = nowUnits(e, tat);
            if (now == RETIRED) {
                continue;
            }
            // On a lost race, retry with the value that won and the same reading of the clock: an
            // earlier reading only ever makes the answer stricter, and it spares a clock read.
            while (true) {
                long after = Math.max(tat, now) + need;
                if (after - now > capacityUnits) {
                    return after - now - capacityUnits; // refused: read, never written
                }
                long witness = (long) TAT.compareAndExchange(e, tat, after);
                if (witness == tat) {
                    return 0;
                }
                if (witness == RETIRED) {
                    break;
                }
                tat = witness;
            }
        }
    }

    @Override
    public boolean acquire(int permits, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        long need = unitsFor(permits);
        long wait;
        while (true) {
            Epoch e = epoch;
            long tat = e.tat;
            long now = nowUnits(e, tat);
            if (now == RETIRED) {
                continue;
            }
            long after = Math.max(tat, now) + need;
            wait = after - now <= capacityUnits ? 0 : ceilDiv(after - now - capacityUnits, unitsPerNano);
            if (wait > 0 && (timeout.isNegative() || wait > timeout.toNanos())) {
                return false;
            }
            if (TAT.compareAndSet(e, tat, after)) {
                break; // reserved: later callers queue behind this arrival time
            }
        }
        if (wait == 0) {
            return true;
        }
        try {
            ticker.sleep(wait);
            return true;
        } catch (InterruptedException ie) {
            refund(need);
            throw ie;
        }
    }

    /** Gives back a reservation, never below a full bucket. */
    private void refund(long need) {
        while (true) {
            Epoch e = epoch;
            long tat = e.tat;
            long now = nowUnits(e, tat);
            if (now == RETIRED) {
                continue;
            }
            if (TAT.compareAndSet(e, tat, Math.max(now, tat - need))) {
                return;
            }
        }
    }

    @Override
    public long retryAfterNanos(int permits) {
        long need = unitsFor(permits);
        while (true) {
            Epoch e = epoch;
            long tat = e.tat;
            long now = nowUnits(e, tat);
            if (now != RETIRED) {
                long after = Math.max(tat, now) + need;
                return after - now <= capacityUnits ? 0 : ceilDiv(after - now - capacityUnits, unitsPerNano);
            }
        }
    }

    /** @return the whole tokens available now */
    public long availableTokens() {
        while (true) {
            Epoch e = epoch;
            long tat = e.tat;
            long now = nowUnits(e, tat);
            if (now != RETIRED) {
                long debt = Math.max(0, tat - now);
                return Math.max(0, (capacityUnits - debt) / unitsPerToken);
            }
        }
    }

    public long capacity() {
        return capacity;
    }

    /**
     * @return now in units since the epoch's origin, or {@link #RETIRED} when the caller must read
     *     the epoch again (it was retired, or this call retired it)
     */
    private long nowUnits(Epoch e, long tat) {
        if (tat == RETIRED) {
            Thread.onSpinWait(); // the thread that retired it is about to publish the next epoch
            return RETIRED;
        }
        long sinceOrigin = ticker.nanoTime() - e.origin;
        if (sinceOrigin <= epochNanos) {
            return sinceOrigin * unitsPerNano;
        }
        newEpoch(e, tat);
        return RETIRED;
    }

    /** Moves the state to an epoch whose origin is now; rare (see {@link Epoch}). */
    private void newEpoch(Epoch e, long tat) {
        if (!TAT.compareAndSet(e, tat, RETIRED)) {
            return; // changed meanwhile: the caller reads again
        }
        long origin = ticker.nanoTime();
        long elapsed = origin - e.origin;
        // The debt left at the new origin, computed without multiplying a long elapsed time.
        long debt = elapsed > Math.floorDiv(tat, unitsPerNano) ? 0 : tat - elapsed * unitsPerNano;
        epoch = new Epoch(origin, Math.max(0, debt));
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
