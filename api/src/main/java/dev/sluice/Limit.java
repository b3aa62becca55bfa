package dev.sluice;

import dev.sluice.flow.AdaptiveLimit;
import dev.sluice.flow.AimdLimit;
import dev.sluice.flow.GradientLimit;
import java.time.Duration;
import java.util.Objects;

/**
 * A consumer's in-flight cap as configuration: {@link #fixed(int) fixed}, or adaptive between a
 * floor and a ceiling — {@link #aimd(int, int) AIMD} or {@link #gradient(int, int) gradient}
 * (Netflix concurrency-limits' AIMD and Gradient2, with their published defaults). An adaptive
 * cap moves from each settled delivery: how long it took from reaching the consumer to being
 * settled (waiting for a handler thread included), how many were in flight, and whether it met
 * congestion (a handler failure, or {@link RetryLater}). The consumer's credit follows it, and so
 * do the broker-side knobs that follow credit.
 *
 * <p>Immutable; every step validates its argument and {@link #newLimit()} makes a fresh limit per
 * consumer. Give it to {@link ConsumerPolicy#maxInFlight(Limit)}.
 */
public final class Limit {

    /** The algorithm. */
    public enum Algorithm { FIXED, AIMD, GRADIENT }

    private final Algorithm algorithm;
    private final int floor;
    private final int ceiling;
    private final int initial;
    private final double backoffRatio;
    private final Duration latencyTarget;
    private final double smoothing;
    private final double tolerance;
    private final int queueSize;
    private final int longWindow;

    private Limit(Algorithm algorithm, int floor, int ceiling, int initial, double backoffRatio, Duration latencyTarget,
                  double smoothing, double tolerance, int queueSize, int longWindow) {
        this.algorithm = algorithm;
        this.floor = floor;
        this.ceiling = ceiling;
        this.initial = initial;
        this.backoffRatio = backoffRatio;
        this.latencyTarget = latencyTarget;
        this.smoothing = smoothing;
        this.tolerance = tolerance;
        this.queueSize = queueSize;
        this.longWindow = longWindow;
    }

    /** A cap that never moves. */
    public static Limit fixed(int maxInFlight) {
        Validation.atLeast("maxInFlight", maxInFlight, 1);
        return new Limit(Algorithm.FIXED, maxInFlight, maxInFlight, maxInFlight, 0.9, Duration.ofSeconds(5), 0.2, 1.5, 4, 600);
    }

    /**
     * Additive increase, multiplicative decrease: a congested delivery, or one slower than
     * {@link #latencyTarget(Duration) latencyTarget} (5 s by default), multiplies the cap by
     * {@link #backoffRatio(double) backoffRatio} (0.9); any other, while at least half the cap is
     * in use, adds one. Starts at the floor.
     *
     * @throws IllegalArgumentException when floor is below 1 or ceiling below floor
     */
    public static Limit aimd(int floor, int ceiling) {
        checkRange(floor, ceiling);
        return new Limit(Algorithm.AIMD, floor, ceiling, floor, 0.9, Duration.ofSeconds(5), 0.2, 1.5, 4, 600);
    }

    /**
     * Gradient (Gradient2): the cap follows the ratio of the long-run latency to the latest,
     * so it falls as soon as deliveries take longer than they used to and grows back when they
     * are quick again; no latency target to guess. Defaults: {@link #smoothing(double)} 0.2,
     * {@link #tolerance(double)} 1.5, {@link #queueSize(int)} 4, {@link #longWindow(int)} 600.
     * Starts at the floor.
     *
     * @throws IllegalArgumentException when floor is below 1 or ceiling below floor
     */
    public static Limit gradient(int floor, int ceiling) {
        checkRange(floor, ceiling);
        return new Limit(Algorithm.GRADIENT, floor, ceiling, floor, 0.9, Duration.ofSeconds(5), 0.2, 1.5, 4, 600);
    }

    private static void checkRange(int floor, int ceiling) {
        Validation.atLeast("floor", floor, 1);
        if (ceiling < floor) {
            throw new IllegalArgumentException("ceiling (" + ceiling + ") must not be below floor (" + floor + ")");
        }
    }

    private void adaptiveOnly(String setting) {
        if (algorithm == Algorithm.FIXED) {
            throw new IllegalStateException(setting + " applies to an adaptive limit, not to a fixed one");
        }
    }

    /** @param initial where the cap starts; between floor and ceiling */
    public Limit initial(int initial) {
        adaptiveOnly("initial");
        if (initial < floor || initial > ceiling) {
            throw new IllegalArgumentException("initial (" + initial + ") must be between floor (" + floor + ") and ceiling (" + ceiling + ")");
        }
        return new Limit(algorithm, floor, ceiling, initial, backoffRatio, latencyTarget, smoothing, tolerance, queueSize, longWindow);
    }

    /** @param ratio AIMD: what a congested delivery multiplies the cap by; at least 0.5 and below 1 */
    public Limit backoffRatio(double ratio) {
        requireAlgorithm(Algorithm.AIMD, "backoffRatio");
        if (!(ratio >= 0.5 && ratio < 1.0)) {
            throw new IllegalArgumentException("backoffRatio (" + ratio + ") must be at least 0.5 and below 1");
        }
        return new Limit(algorithm, floor, ceiling, initial, ratio, latencyTarget, smoothing, tolerance, queueSize, longWindow);
    }

    /** @param target AIMD: a delivery slower than this (hand-out to settle) counts as congestion; positive */
    public Limit latencyTarget(Duration target) {
        requireAlgorithm(Algorithm.AIMD, "latencyTarget");
        Validation.positive("latencyTarget", target);
        return new Limit(algorithm, floor, ceiling, initial, backoffRatio, target, smoothing, tolerance, queueSize, longWindow);
    }

    /** @param smoothing gradient: how much of each new estimate is taken; above 0, at most 1 */
    public Limit smoothing(double smoothing) {
        requireAlgorithm(Algorithm.GRADIENT, "smoothing");
        if (!(smoothing > 0.0 && smoothing <= 1.0)) {
            throw new IllegalArgumentException("smoothing (" + smoothing + ") must be above 0 and at most 1");
        }
        return new Limit(algorithm, floor, ceiling, initial, backoffRatio, latencyTarget, smoothing, tolerance, queueSize, longWindow);
    }

    /** @param tolerance gradient: how much slower than the long-run latency still counts as not queueing; at least 1 */
    public Limit tolerance(double tolerance) {
        requireAlgorithm(Algorithm.GRADIENT, "tolerance");
        if (!(tolerance >= 1.0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("tolerance (" + tolerance + ") must be at least 1 and finite");
        }
        return new Limit(algorithm, floor, ceiling, initial, backoffRatio, latencyTarget, smoothing, tolerance, queueSize, longWindow);
    }

    /** @param queueSize gradient: how much the cap may grow by per estimate; at least 0 */
    public Limit queueSize(int queueSize) {
        requireAlgorithm(Algorithm.GRADIENT, "queueSize");
        Validation.atLeast("queueSize", queueSize, 0);
        return new Limit(algorithm, floor, ceiling, initial, backoffRatio, latencyTarget, smoothing, tolerance, queueSize, longWindow);
    }

    /** @param samples gradient: the long-run latency's averaging window, in samples; at least 1 */
    public Limit longWindow(int samples) {
        requireAlgorithm(Algorithm.GRADIENT, "longWindow");
        Validation.atLeast("longWindow", samples, 1);
        return new Limit(algorithm, floor, ceiling, initial, backoffRatio, latencyTarget, smoothing, tolerance, queueSize, samples);
    }

    private void requireAlgorithm(Algorithm wanted, String setting) {
        if (algorithm != wanted) {
            throw new IllegalStateException(setting + " applies to a " + wanted + " limit, not to a " + algorithm + " one");
        }
    }

    /** @return a fresh adaptive limit for one consumer, or null for a fixed cap */
    public AdaptiveLimit newLimit() {
        switch (algorithm) {
            case AIMD:
                return new AimdLimit(floor, ceiling, initial, backoffRatio, latencyTarget.toNanos());
            case GRADIENT:
                return new GradientLimit(floor, ceiling, initial, smoothing, tolerance, queueSize, longWindow);
            default:
                return null;
        }
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public boolean isAdaptive() {
        return algorithm != Algorithm.FIXED;
    }

    /** @return the lowest the cap goes (the cap itself when fixed) */
    public int floor() {
        return floor;
    }

    /** @return the highest the cap goes (the cap itself when fixed); the broker is never asked for more */
    public int ceiling() {
        return ceiling;
    }

    /** @return where the cap starts */
    public int initial() {
        return initial;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Limit l && algorithm == l.algorithm && floor == l.floor && ceiling == l.ceiling && initial == l.initial
                && backoffRatio == l.backoffRatio && latencyTarget.equals(l.latencyTarget) && smoothing == l.smoothing
                && tolerance == l.tolerance && queueSize == l.queueSize && longWindow == l.longWindow;
    }

    @Override
    public int hashCode() {
        return Objects.hash(algorithm, floor, ceiling, initial, backoffRatio, latencyTarget, smoothing, tolerance, queueSize, longWindow);
    }

    @Override
    public String toString() {
        switch (algorithm) {
            case AIMD:
                return "aimd(" + floor + ".." + ceiling + ", initial " + initial + ", backoff " + backoffRatio + ", latency target " + latencyTarget + ")";
            case GRADIENT:
                return "gradient(" + floor + ".." + ceiling + ", initial " + initial + ", smoothing " + smoothing + ", tolerance " + tolerance
                        + ", queue " + queueSize + ", window " + longWindow + ")";
            default:
                return "fixed(" + floor + ")";
        }
    }
}
