package dev.sluice;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A limit the broker keeps on the destination's backlog: a maximum length, with the oldest
 * dropped ({@code x-max-length} + {@code drop-head}, {@code XADD MAXLEN}) or the newest refused
 * ({@code reject-publish}, an atomic length check), and / or a maximum age
 * ({@code x-message-ttl}, {@code retention.ms}, {@code MINID}). Adapters that must emulate a
 * limit say so in the channel's mapping. Immutable.
 */
public final class BacklogLimit {

    /** What happens to a message that would exceed the maximum length. */
    public enum WhenFull {
        /** The oldest messages are removed to make room. */
        DROP_OLDEST,
        /** The new message is refused; the sender sees {@code REJECTED}. */
        REJECT_NEWEST
    }

    private final long maxLength; // 0: none
    private final WhenFull whenFull;
    private final boolean exact;
    private final Duration maxAge; // null: none

    private BacklogLimit(long maxLength, WhenFull whenFull, boolean exact, Duration maxAge) {
        this.maxLength = maxLength;
        this.whenFull = whenFull;
        this.exact = exact;
        this.maxAge = maxAge;
    }

    /** At most {@code n} messages waiting; drops the oldest unless told {@link #rejectNewest()}. */
    public static BacklogLimit maxLength(long n) {
        return new BacklogLimit(Validation.atLeast("maxLength", n, 1), WhenFull.DROP_OLDEST, false, null);
    }

    /** Messages older than {@code age} are removed. */
    public static BacklogLimit maxAge(Duration age) {
        return new BacklogLimit(0, WhenFull.DROP_OLDEST, false, Validation.positive("maxAge", age));
    }

    public BacklogLimit dropOldest() {
        requireLength("dropOldest");
        return new BacklogLimit(maxLength, WhenFull.DROP_OLDEST, exact, maxAge);
    }

    public BacklogLimit rejectNewest() {
        requireLength("rejectNewest");
        return new BacklogLimit(maxLength, WhenFull.REJECT_NEWEST, exact, maxAge);
    }

    /**
     * Asks for the length to be kept exactly where the broker can only trim approximately by
     * default (Redis {@code MAXLEN =} instead of {@code ~}), at a cost in throughput.
     */
    public BacklogLimit exact() {
        requireLength("exact");
        return new BacklogLimit(maxLength, whenFull, true, maxAge);
    }

    /** Adds a maximum age to a length limit. */
    public BacklogLimit andMaxAge(Duration age) {
        return new BacklogLimit(maxLength, whenFull, exact, Validation.positive("maxAge", age));
    }

    private void requireLength(String step) {
        if (maxLength == 0) {
            throw new IllegalStateException(step + "() needs a maxLength; this limit has only a maxAge");
        }
    }

    public OptionalLong maxLength() {
        return maxLength == 0 ? OptionalLong.empty() : OptionalLong.of(maxLength);
    }

    public WhenFull whenFull() {
        return whenFull;
    }

    public boolean isExact() {
        return exact;
    }

    public Optional<Duration> maxAge() {
        return Optional.ofNullable(maxAge);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BacklogLimit b && maxLength == b.maxLength && whenFull == b.whenFull && exact == b.exact
                && java.util.Objects.equals(maxAge, b.maxAge);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(maxLength, whenFull, exact, maxAge);
    }

    @Override
    public String toString() {
        return "BacklogLimit[" + (maxLength == 0 ? "" : "maxLength=" + maxLength + (exact ? " exact" : "") + ", " + whenFull)
                + (maxAge == null ? "" : (maxLength == 0 ? "" : ", ") + "maxAge=" + maxAge) + "]";
    }
}
