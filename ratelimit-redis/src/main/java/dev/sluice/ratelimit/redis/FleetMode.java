package dev.sluice.ratelimit.redis;

/** Where a shared limit's permits come from right now. */
public enum FleetMode {
    /** From Redis: the whole fleet draws from one budget. */
    SHARED,
    /**
     * Redis is unreachable and the store was built with
     * {@link RedisRateLimitStore.Builder#fallBackToLocalShare(int)}: each limiter admits its share of
     * the rate (rate / expected fleet size) from a local token bucket until Redis answers again.
     */
    LOCAL_SHARE,
    /**
     * Redis is unreachable and the store fails closed ({@link RedisRateLimitStore.Builder#failClosed()},
     * the default): nothing is admitted beyond the permits already leased, and the producer policy
     * applies to the refusals ({@code RATE_LIMITED} with a retry-after).
     */
    CLOSED
}
