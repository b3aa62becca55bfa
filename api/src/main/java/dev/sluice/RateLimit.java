package dev.sluice;

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
 * holds for all of them together.
 */
public final class RateLimit {

    /** The algorithm. */
    public enum Kind { TOKEN_BUCKET, SLIDING_WINDOW }

    private final Kind kind;
    private final long permits;
    private final Duration period;
    private final long burst;
    private final RateLimitStore store; // null: each limiter is local to its channel

    private RateLimit(Kind kind, long permits, Duration period, long burst) {
        this(kind, permits, period, burst, null);
    }

    private RateLimit(Kind kind, long permits, Duration period, long burst, RateLimitStore store) {
        this.kind = kind;
        this.permits = permits;
        this.period = period;
        this.burst = burst;
        this.store = store;
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
        return new RateLimit(kind, permits, period, Validation.atLeast("burst", burst, 1), store);
    }

    /**
     * The same token bucket, shared by every process whose limit uses the same store (for Redis:
     * the same server and limit name): together they admit the configured rate, each one drawing
     * from the one budget. What happens while the store is unreachable is the store's setting.
     *
     * @throws IllegalStateException for a sliding window, which cannot be shared
     */
    public RateLimit shared(RateLimitStore store) {
        Objects.requireNonNull(store, "store");
        if (kind != Kind.TOKEN_BUCKET) {
            throw new IllegalStateException("shared applies to a token bucket, not to a " + kind);
        }
        return new RateLimit(kind, permits, period, burst, store);
    }

    /** @return the store a {@link #shared(RateLimitStore) shared} limit draws from; empty for a local one */
    public Optional<RateLimitStore> store() {
        return Optional.ofNullable(store);
    }

    /** @return a new limiter with this configuration, reading time from {@code ticker} */
    public RateLimiter newLimiter(Ticker ticker) {
        Objects.requireNonNull(ticker, "ticker");
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

    /** @return the sustained rate in messages per second */
    public double perSecond() {
        return permits * 1e9 / period.toNanos();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RateLimit r && kind == r.kind && permits == r.permits && period.equals(r.period) && burst == r.burst
                && Objects.equals(store, r.store);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, permits, period, burst, store);
    }

    @Override
    public String toString() {
        String local = kind == Kind.TOKEN_BUCKET
                ? "tokenBucket(" + permits + " per " + period + ", burst " + burst + ")"
                : "slidingWindow(" + permits + " per " + period + ")";
        return store == null ? local : local + " shared by " + store;
    }
}
