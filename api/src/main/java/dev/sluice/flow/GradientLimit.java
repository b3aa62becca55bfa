package dev.sluice.flow;

/**
 * The gradient algorithm of Netflix's concurrency-limits {@code Gradient2Limit}: the ratio of a
 * long-run average latency (an exponential average over {@code longWindow} samples, after 10
 * warm-up samples) to the latest sample, times a tolerance, clamped to [0.5, 1], scales the
 * limit, a small queue allowance is added, and the result is smoothed. When latency rises the
 * ratio falls and so does the limit; when it is back at the long-run level the limit grows by
 * the queue allowance. It does not grow while less than half the limit is in use. Defaults (from
 * that library): smoothing 0.2, tolerance 1.5, queue allowance 4, long window 600.
 *
 * <p>One addition: a congested sample (a failure, a downstream's "retry later") counts as the
 * steepest gradient, 0.5, whatever its latency.
 */
public final class GradientLimit implements AdaptiveLimit {

    private static final int WARMUP = 10;

    private final int floor;
    private final int ceiling;
    private final double smoothing;
    private final double tolerance;
    private final int queueSize;
    private final double longFactor;
    private double estimated;
    private double longRtt;
    private int samples;
    private volatile int limit;

    /** Arguments are checked by {@link dev.sluice.Limit}, which makes these. */
    public GradientLimit(int floor, int ceiling, int initial, double smoothing, double tolerance, int queueSize, int longWindow) {
        this.floor = floor;
        this.ceiling = ceiling;
        this.smoothing = smoothing;
        this.tolerance = tolerance;
        this.queueSize = queueSize;
        this.longFactor = 2.0 / (longWindow + 1);
        this.estimated = initial;
        this.limit = initial;
    }

    @Override
    public int limit() {
        return limit;
    }

    @Override
    public synchronized int onSample(long rttNanos, int inFlight, boolean congested) {
        double shortRtt = Math.max(1, rttNanos);
        if (samples < WARMUP) {
            samples++;
            longRtt += (shortRtt - longRtt) / samples;
        } else {
            longRtt = longRtt * (1 - longFactor) + shortRtt * longFactor;
        }
        if (longRtt / shortRtt > 2) {
            longRtt *= 0.95; // latency is back to normal after a long slow spell: forget the spell sooner
        }
        if (!congested && inFlight < estimated / 2) {
            return limit; // not using what it has: no evidence to grow on
        }
        double gradient = congested ? 0.5 : Math.max(0.5, Math.min(1.0, tolerance * longRtt / shortRtt));
        double next = estimated * gradient + queueSize;
        next = estimated * (1 - smoothing) + next * smoothing;
        estimated = Math.max(floor, Math.min(ceiling, next));
        limit = (int) estimated;
        return limit;
    }

    /** @return the long-run average latency the samples are compared with, in nanoseconds */
    public synchronized double longRttNanos() {
        return longRtt;
    }

    @Override
    public String toString() {
        return "GradientLimit[limit=" + limit + ", floor=" + floor + ", ceiling=" + ceiling + "]";
    }
}
