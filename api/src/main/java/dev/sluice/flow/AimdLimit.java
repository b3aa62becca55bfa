package dev.sluice.flow;

/**
 * Additive increase, multiplicative decrease, as Netflix's concurrency-limits {@code AIMDLimit}:
 * a congested sample, or one slower than the latency target, multiplies the limit by the backoff
 * ratio; any other sample taken while at least half the limit was in use adds one. Defaults
 * (from that library): backoff ratio 0.9, latency target 5 s.
 */
public final class AimdLimit implements AdaptiveLimit {

    private final int floor;
    private final int ceiling;
    private final double backoffRatio;
    private final long latencyTargetNanos;
    private volatile int limit;

    /** Arguments are checked by {@link dev.sluice.Limit}, which makes these. */
    public AimdLimit(int floor, int ceiling, int initial, double backoffRatio, long latencyTargetNanos) {
        this.floor = floor;
        this.ceiling = ceiling;
        this.backoffRatio = backoffRatio;
        this.latencyTargetNanos = latencyTargetNanos;
        this.limit = initial;
    }

    @Override
    public int limit() {
        return limit;
    }

    @Override
    public synchronized int onSample(long rttNanos, int inFlight, boolean congested) {
        int current = limit;
        if (congested || rttNanos > latencyTargetNanos) {
            current = (int) (current * backoffRatio);
        } else if (inFlight * 2 >= current) {
            current = current + 1;
        }
        limit = Math.min(ceiling, Math.max(floor, current));
        return limit;
    }

    @Override
    public String toString() {
        return "AimdLimit[limit=" + limit + ", floor=" + floor + ", ceiling=" + ceiling + "]";
    }
}
