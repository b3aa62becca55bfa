package dev.sluice;

import dev.sluice.flow.AdaptiveRate;
import dev.sluice.flow.RateLimiter;
import dev.sluice.flow.SlidingWindowLimiter;
import dev.sluice.flow.Ticker;
import dev.sluice.flow.TokenBucket;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A rate limit as configuration: a token bucket ({@code tokenBucket(5_000).burst(500)}) or a
 * sliding window ({@code slidingWindow(100, Duration.ofSeconds(1))}). Immutable; each channel
 * makes its own limiter from it with {@link #newLimiter(Ticker)}.
 *
 * <p>A token bucket can be {@link #shared(RateLimitStore) shared} by a fleet of processes: its
 * permits are then kept in a store (Redis, through {@code sluice-ratelimit-redis}) and the rate
 * holds for all of them together. An {@link #adaptive(long) adaptive} rate finds its own level
 * from the broker's pressure.
 */
public final class RateLimit {

    /** The algorithm. */
    public enum Kind {
        TOKEN_BUCKET, SLIDING_WINDOW,
        /** Finds its own level below a ceiling from the broker's pressure: {@link RateLimit#adaptive(long)}. */
        ADAPTIVE
    }

    private final Kind kind;
    private final long permits;
    private final Duration period;
    private final long burst;
    /** {@link Kind#ADAPTIVE} only: the lowest rate, the backoff, the climb a second, the confirm latency target. */
    private final long floor;
    private final double backoffRatio;
    private final long increasePerSecond;
    private final Duration confirmTarget;
    private final RateLimitStore store; // null: each limiter is local to its channel

    private RateLimit(Kind kind, long permits, Duration period, long burst) {
        this(kind, permits, period, burst, 0, 0.5, 0, Duration.ofSeconds(1), null);
    }

    private RateLimit(Kind kind, long permits, Duration period, long burst, long floor, double backoffRatio,
                      long increasePerSecond, Duration confirmTarget, RateLimitStore store) {
        this.store = store;
        this.kind = kind;
        this.permits = permits;
        this.period = period;
        this.burst = burst;
        this.floor = floor;
        this.backoffRatio = backoffRatio;
        this.increasePerSecond = increasePerSecond;
        this.confirmTarget = confirmTarget;
    }

    /**
     * A rate that finds its own level, starting at {@code ceilingPerSecond} and never above it:
     * it backs off multiplicatively (by {@link #backoffRatio(double) backoffRatio}, 0.5) when the
     * broker signals pressure (RabbitMQ {@code connection.blocked}, Redis OOM, SQS throttling,
     * Kafka's full buffer — once at the signal and again every 100 ms while it lasts), when a
     * confirm takes longer than {@link #confirmLatencyTarget(Duration) confirmLatencyTarget} (1 s),
     * and when the broker refuses a send — at most once per 100 ms; and it climbs additively, by
     * {@link #increasePerSecond(long) increasePerSecond} each second (a quarter of the ceiling),
     * once none of them has been seen for 100 ms. Never below {@link #floor(long) floor} (a
     * hundredth of the ceiling, at least 1). The bucket's burst is a tenth of a second's worth.
     * For a producer ({@code ProducerPolicy.rateLimit}); a consumer's rate limit sees no broker pressure.
     */
    public static RateLimit adaptive(long ceilingPerSecond) {
        Validation.atLeast("ceilingPerSecond", ceilingPerSecond, 1);
        return new RateLimit(Kind.ADAPTIVE, ceilingPerSecond, Duration.ofSeconds(1), Math.max(1, ceilingPerSecond / 10),
                Math.max(1, ceilingPerSecond / 100), 0.5, Math.max(1, ceilingPerSecond / 4), Duration.ofSeconds(1), null);
    }

    private RateLimit adaptiveWith(long floor, double backoffRatio, long increasePerSecond, Duration confirmTarget) {
        if (kind != Kind.ADAPTIVE) {
            throw new IllegalStateException("this setting applies to an adaptive rate, not to a " + kind);
        }
        return new RateLimit(kind, permits, period, burst, floor, backoffRatio, increasePerSecond, confirmTarget, null);
    }

    /** @param perSecond adaptive: the lowest the rate goes; at least 1, at most the ceiling */
    public RateLimit floor(long perSecond) {
        Validation.atLeast("floor", perSecond, 1);
        if (perSecond > permits) {
            throw new IllegalArgumentException("floor (" + perSecond + ") must not exceed the ceiling (" + permits + ")");
        }
        return adaptiveWith(perSecond, backoffRatio, increasePerSecond, confirmTarget);
    }

    /** @param ratio adaptive: what each backoff multiplies the rate by; above 0 and below 1 */
    public RateLimit backoffRatio(double ratio) {
        if (!(ratio > 0.0 && ratio < 1.0)) {
            throw new IllegalArgumentException("backoffRatio (" + ratio + ") must be above 0 and below 1");
        }
        return adaptiveWith(floor, ratio, increasePerSecond, confirmTarget);
    }

    /** @param perSecond adaptive: how much the rate climbs each calm second; at least 1 */
    public RateLimit increasePerSecond(long perSecond) {
        Validation.atLeast("increasePerSecond", perSecond, 1);
        return adaptiveWith(floor, backoffRatio, perSecond, confirmTarget);
    }

    /** @param target adaptive: a confirm slower than this counts as pressure; positive */
    public RateLimit confirmLatencyTarget(Duration target) {
        Validation.positive("confirmLatencyTarget", target);
        return adaptiveWith(floor, backoffRatio, increasePerSecond, target);
    }

    /**
     * @param onChange told (from, to) in messages a second when the rate moves by 5 % or reaches a bound; may be null
     * @return a new adaptive rate with this configuration
     * @throws IllegalStateException when this is not {@link Kind#ADAPTIVE}
     */
    public AdaptiveRate newAdaptiveRate(Ticker ticker, java.util.function.DoubleBinaryOperator onChange) {
        Objects.requireNonNull(ticker, "ticker");
        if (kind != Kind.ADAPTIVE) {
            throw new IllegalStateException("a " + kind + " rate limit is not adaptive");
        }
        return new AdaptiveRate(floor, permits, permits, backoffRatio, increasePerSecond, confirmTarget, ticker, onChange);
    }

    /**
     * A token bucket refilled at {@code perSecond} messages a second, whose burst is by default
     * one second's worth.
     */
    public static RateLimit tokenBucket(long perSecond) {
        Validation.atLeast("perSecond", perSecond, 1);
        return new RateLimit(Kind.TOKEN_BUCKET, perSecond, Duration.ofSeconds(1), perSecond);
    }

    /** A token bucket refilled at {@code permits} per {@code period}, burst one period's worth. */
    public static RateLimit tokenBucket(long permits, Duration period) {
        Validation.atLeast("permits", permits, 1);
        return new RateLimit(Kind.TOKEN_BUCKET, permits, Validation.positive("period", period), permits);
    }

    /** At most {@code limit} messages in any window of length {@code window}. */
    public static RateLimit slidingWindow(int limit, Duration window) {
        Validation.atLeast("limit", limit, 1);
        return new RateLimit(Kind.SLIDING_WINDOW, limit, Validation.positive("window", window), limit);
    }

    /**
     * @param burst how many messages may pass at once after a quiet spell (the bucket's capacity)
     * @throws IllegalStateException for a sliding window, which has no separate burst
     */
    public RateLimit burst(long burst) {
        if (kind != Kind.TOKEN_BUCKET) {
            throw new IllegalStateException("burst applies to a token bucket, not to a " + kind);
        }
        return new RateLimit(kind, permits, period, Validation.atLeast("burst", burst, 1), floor, backoffRatio, increasePerSecond,
                confirmTarget, store);
    }

    /**
     * The same token bucket, shared by every process whose limit uses the same store (for Redis:
     * the same server and limit name): together they admit the configured rate, each one drawing
     * from the one budget. What happens while the store is unreachable is the store's setting.
     *
     * @throws IllegalStateException for a sliding window or an adaptive rate, which cannot be shared
     */
    public RateLimit shared(RateLimitStore store) {
        Objects.requireNonNull(store, "store");
        if (kind != Kind.TOKEN_BUCKET) {
            throw new IllegalStateException("shared applies to a token bucket, not to a " + kind);
        }
        return new RateLimit(kind, permits, period, burst, floor, backoffRatio, increasePerSecond, confirmTarget, store);
    }

    /** @return the store a {@link #shared(RateLimitStore) shared} limit draws from; empty for a local one */
    public Optional<RateLimitStore> store() {
        return Optional.ofNullable(store);
    }

    /** @return a new limiter with this configuration, reading time from {@code ticker} */
    public RateLimiter newLimiter(Ticker ticker) {
        Objects.requireNonNull(ticker, "ticker");
        if (kind == Kind.ADAPTIVE) {
            return newAdaptiveRate(ticker, null);
        }
        if (store != null) {
            return store.newLimiter(this, ticker);
        }
        return kind == Kind.TOKEN_BUCKET
                ? TokenBucket.of(burst, permits, period, ticker)
                : SlidingWindowLimiter.of((int) permits, period, ticker);
    }

    public Kind kind() {
        return kind;
    }

    /** @return messages per {@link #period()} */
    public long permits() {
        return permits;
    }

    public Duration period() {
        return period;
    }

    public long burst() {
        return burst;
    }

    /** @return adaptive: the lowest rate, in messages a second; 0 for the other kinds */
    public long floor() {
        return floor;
    }

    /** @return adaptive: what each backoff multiplies the rate by */
    public double backoffRatio() {
        return backoffRatio;
    }

    /** @return adaptive: the climb each calm second, in messages a second; 0 for the other kinds */
    public long increasePerSecond() {
        return increasePerSecond;
    }

    /** @return adaptive: the confirm latency above which a confirm counts as pressure */
    public Duration confirmLatencyTarget() {
        return confirmTarget;
    }

    /** @return the sustained rate in messages per second */
    public double perSecond() {
        return permits * 1e9 / period.toNanos();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RateLimit r && kind == r.kind && permits == r.permits && period.equals(r.period) && burst == r.burst
                && floor == r.floor && backoffRatio == r.backoffRatio && increasePerSecond == r.increasePerSecond
                && confirmTarget.equals(r.confirmTarget) && Objects.equals(store, r.store);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, permits, period, burst, floor, backoffRatio, increasePerSecond, confirmTarget, store);
    }

    @Override
    public String toString() {
        if (kind == Kind.ADAPTIVE) {
            return "adaptive(" + floor + ".." + permits + " per second, backoff " + backoffRatio + ", +" + increasePerSecond
                    + "/s a second, confirm target " + confirmTarget + ")";
        }
        String local = kind == Kind.TOKEN_BUCKET
                ? "tokenBucket(" + permits + " per " + period + ", burst " + burst + ")"
                : "slidingWindow(" + permits + " per " + period + ")";
        return store == null ? local : local + " shared by " + store;
    }
}
