package dev.sluice.conformance.soak;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The faults of a soak, drawn one at a time from a seed: which kind, how long to wait before it
 * (the gap) and how long to hold it. The same seed and the same kinds give the same schedule.
 * Not thread-safe: one soak draws from it.
 */
public final class FaultSchedule {

    /** One fault to cause: wait {@code gapMillis}, inject, hold {@code holdMillis}, heal. */
    public record Planned(int index, SoakFault kind, long gapMillis, long holdMillis) {
    }

    private final List<SoakFault> kinds;
    private final SplittableRandom random;
    private final long gapMin;
    private final long gapMax;
    private final long holdMin;
    private final long holdMax;
    private int drawn;

    /**
     * @param kinds the kinds to draw from, at least one
     * @param seed  the seed, printed by the soak so that a run can be repeated
     * @throws IllegalArgumentException when {@code kinds} is empty or a range is inverted or negative
     */
    public FaultSchedule(List<SoakFault> kinds, long seed, long gapMinMillis, long gapMaxMillis, long holdMinMillis, long holdMaxMillis) {
        Objects.requireNonNull(kinds, "kinds");
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("kinds (" + kinds + ") must name at least one fault");
        }
        if (gapMinMillis < 0 || gapMaxMillis < gapMinMillis) {
            throw new IllegalArgumentException("gap (" + gapMinMillis + ".." + gapMaxMillis + " ms) must be a range of non-negative times");
        }
        if (holdMinMillis < 0 || holdMaxMillis < holdMinMillis) {
            throw new IllegalArgumentException("hold (" + holdMinMillis + ".." + holdMaxMillis + " ms) must be a range of non-negative times");
        }
        this.kinds = List.copyOf(kinds);
        this.random = new SplittableRandom(seed);
        this.gapMin = gapMinMillis;
        this.gapMax = gapMaxMillis;
        this.holdMin = holdMinMillis;
        this.holdMax = holdMaxMillis;
    }

    /** @return the next fault; a consumer crash has no hold */
    public Planned next() {
        SoakFault kind = kinds.get(random.nextInt(kinds.size()));
        long gap = gapMin + (gapMax == gapMin ? 0 : random.nextLong(gapMax - gapMin + 1));
        long hold = holdMin + (holdMax == holdMin ? 0 : random.nextLong(holdMax - holdMin + 1));
        return new Planned(drawn++, kind, gap, kind == SoakFault.CONSUMER_CRASH ? 0 : hold);
    }
}
