package dev.sluice;

import dev.sluice.flow.RateLimiter;
import dev.sluice.flow.Ticker;

/**
 * Where the permits of a {@link RateLimit} are kept when several processes share the limit
 * ({@link RateLimit#shared(RateLimitStore)}): every limiter the store makes draws from one budget,
 * so the configured rate holds for the fleet, not per process. A store backed by Redis is in the
 * {@code sluice-ratelimit-redis} module.
 *
 * <p>Implementations are thread-safe; {@link #newLimiter} does no blocking I/O, so that a channel
 * opens even while the store is unreachable (the limiter then applies the store's fallback).
 */
public interface RateLimitStore {

    /**
     * @param limit  the rate, period and burst the whole fleet shares (a token bucket)
     * @param ticker the local clock for waits and for the fallback while the store is unreachable
     * @return a new limiter drawing from the shared budget; if it is {@link AutoCloseable}, closing
     *     it gives back the permits it holds and not yet handed out
     * @throws IllegalArgumentException if the store cannot share {@code limit}
     */
    RateLimiter newLimiter(RateLimit limit, Ticker ticker);
}
