package dev.sluice.ratelimit.redis;

/**
 * Told when a {@link RedisRateLimitStore} moves between {@link FleetMode}s: once per transition,
 * not per permit. Called on the thread that noticed the change (a producer's, usually), outside
 * any lock of the limiter; it must return quickly and not throw (a throw is logged and ignored).
 */
@FunctionalInterface
public interface FleetModeListener {

    /**
     * @param limit    the limit's name
     * @param previous the mode before
     * @param current  the mode now
     * @param reason   why: the Redis error that caused a fallback, or that Redis answered again
     */
    void modeChanged(String limit, FleetMode previous, FleetMode current, String reason);
}
