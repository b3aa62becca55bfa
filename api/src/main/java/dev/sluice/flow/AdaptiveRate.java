package dev.sluice.flow;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleBinaryOperator;

/**
 * A rate limiter whose rate finds its own level between a floor and a ceiling: it backs off
 * multiplicatively on pressure — the broker signalling it ({@link #brokerBlocked(boolean)}), a
 * confirm slower than the target, a refused send ({@link #onConfirm(long, boolean)}) — at most
 * once per {@link #DECREASE_INTERVAL} (a burst of refusals is one congestion event, and a broker
 * that stays blocked is backed off from once per interval), and climbs additively, by
 * {@code increasePerSecond} each second, while none of them has been seen for an interval.
 *
 * <p>Admission is a token bucket of the current rate whose burst is {@link #BURST} of a second's
 * worth (at least one). Thread-safe: one lock; a wait is one computed sleep on the {@link Ticker}.
 */
public final class AdaptiveRate implements RateLimiter {

    /** The shortest time between two decreases, and the calm that must pass before climbing. */
    public static final Duration DECREASE_INTERVAL = Duration.ofMillis(100);
    /** The bucket's capacity as a fraction of one second at the current rate. */
    public static final double BURST = 0.1;

    private final double floor;
    private final double ceiling;
    private final double backoffRatio;
    private final double increasePerSecond;
    private final long confirmTargetNanos;
    private final Ticker ticker;
    private final long intervalNanos = DECREASE_INTERVAL.toNanos();
    private final DoubleBinaryOperator onChange;

    private double rate;
    /** Tokens in the bucket now, as of {@link #refilledAt}. */
    private double tokens;
    private long refilledAt;
    private long lastDecrease;
    private long lastPressure;
    private long climbedAt;
    private boolean blocked;

    /**
     * Arguments are checked by {@link dev.sluice.RateLimit}, which makes these.
     *
     * @param onChange told (from, to) when the rate moved by at least 5 % or reached a bound; may be null
     */
    public AdaptiveRate(double floor, double ceiling, double initial, double backoffRatio, double increasePerSecond,
                        Duration confirmTarget, Ticker ticker, DoubleBinaryOperator onChange) {
        this.floor = floor;
        this.ceiling = ceiling;
        this.backoffRatio = backoffRatio;
        this.increasePerSecond = increasePerSecond;
        this.confirmTargetNanos = confirmTarget.toNanos();
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.onChange = onChange;
        this.rate = initial;
        long now = ticker.nanoTime();
        this.refilledAt = now;
        this.climbedAt = now;
        this.lastDecrease = now - intervalNanos;
        this.lastPressure = now - intervalNanos;
        this.tokens = capacity();
        this.told = initial;
    }

    private double told;

    private double capacity() {
        return Math.max(1.0, rate * BURST);
    }

    /** @return the rate now, in permits a second */
    public double rate() {
        double now;
        synchronized (this) {
            advance(ticker.nanoTime());
            now = rate;
        }
        tell();
        return now;
    }

    /** The broker signalled pressure (or that it is over): backs off now and once per interval while it lasts. */
    public void brokerBlocked(boolean blocked) {
        synchronized (this) {
            this.blocked = blocked;
            long now = ticker.nanoTime();
            advance(now);
            if (blocked) {
                pressure(now);
            }
        }
        tell();
    }

    /**
     * A send was confirmed (or refused).
     *
     * @param latencyNanos from handing it to the broker to its answer
     * @param refused      whether the broker refused it (throttled, out of memory, rejected)
     */
    public void onConfirm(long latencyNanos, boolean refused) {
        synchronized (this) {
            long now = ticker.nanoTime();
            advance(now);
            if (refused || latencyNanos > confirmTargetNanos) {
                pressure(now);
            }
        }
        tell();
    }

    /** Under the lock: one congestion event; the rate is multiplied once per interval at most. */
    private void pressure(long now) {
        lastPressure = now;
        if (now - lastDecrease >= intervalNanos) {
            lastDecrease = now;
            setRate(Math.max(floor, rate * backoffRatio), now);
        }
    }

    /** Under the lock: applies the time since the last look — the climb while calm, the backoff while blocked. */
    private void advance(long now) {
        if (blocked) {
            if (now - lastDecrease >= intervalNanos) {
                pressure(now);
            }
            climbedAt = now;
            return;
        }
        long calmSince = lastPressure + intervalNanos;
        long from = Math.max(climbedAt, calmSince);
        if (now > from && rate < ceiling) {
            setRate(Math.min(ceiling, rate + increasePerSecond * (now - from) / 1e9), now);
        }
        climbedAt = Math.max(climbedAt, now);
    }

    private void setRate(double next, long now) {
        refill(now);
        rate = next;
        tokens = Math.min(tokens, capacity());
    }

    private void refill(long now) {
        if (now > refilledAt) {
            tokens = Math.min(capacity(), tokens + rate * (now - refilledAt) / 1e9);
            refilledAt = now;
        }
    }

    /** Tells the change listener when the rate moved by 5 % since it was last told, or reached a bound. */
    private void tell() {
        double from;
        double to;
        synchronized (this) {
            to = rate;
            from = told;
            boolean bound = (to == floor || to == ceiling) && to != from;
            if (!bound && Math.abs(to - from) < 0.05 * from) {
                return;
            }
            told = to;
        }
        if (onChange != null) {
            onChange.applyAsDouble(from, to);
        }
    }

    @Override
    public long tryAcquireOrDelay(int permits) {
        long delay;
        synchronized (this) {
            delay = take(permits, ticker.nanoTime(), false);
        }
        tell();
        return delay;
    }

    /**
     * Under the lock: takes the permits when there, else answers how long until they would be. A
     * request larger than the bucket waits for a full bucket and leaves it in debt.
     */
    private long take(int permits, long now, boolean peek) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits (" + permits + ") must be at least 1");
        }
        advance(now);
        refill(now);
        double need = Math.min(permits, capacity());
        if (tokens >= need) {
            if (!peek) {
                tokens -= permits;
            }
            return 0;
        }
        return Math.max(1, (long) Math.ceil((need - tokens) / rate * 1e9));
    }

    @Override
    public boolean acquire(int permits, Duration timeout) throws InterruptedException {
        return RateLimiter.acquireBySleeping(this, ticker, permits, timeout);
    }

    @Override
    public synchronized long retryAfterNanos(int permits) {
        return take(permits, ticker.nanoTime(), true);
    }

    @Override
    public synchronized String toString() {
        return "AdaptiveRate[rate=" + rate + "/s, floor=" + floor + ", ceiling=" + ceiling + (blocked ? ", broker blocked" : "") + "]";
    }
}
