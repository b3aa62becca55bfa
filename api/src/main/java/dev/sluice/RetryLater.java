package dev.sluice;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Thrown by a {@link MessageHandler} that met a downstream saying "not now" (an HTTP 429 or 503
 * with {@code Retry-After}, an open circuit breaker): the delivery is not a failure.
 *
 * <p>The consumer gives the delivery back to the broker <em>without counting an attempt</em> (as
 * {@link Delivery#release()} does: it is never dead-lettered for this) and holds the
 * {@link PauseReason#HEALTH} pause for {@link #after()}, or until {@link #healthy()} answers true
 * if one was given, whichever comes first: while it is held no delivery reaches a handler of this
 * consumer. The same as {@link Delivery#retryAfter(Duration)}, which a subscriber of the
 * publisher view calls instead. An adaptive in-flight limit counts it as congestion.
 *
 * <p>Carries no stack trace: it is a signal, not a failure.
 */
public final class RetryLater extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Duration after;
    private final transient BooleanSupplier healthy;

    /**
     * @param after how long no delivery should reach this consumer's handlers; above zero
     * @throws IllegalArgumentException when {@code after} is zero or negative
     */
    public RetryLater(Duration after) {
        this(after, null);
    }

    /**
     * @param after   the longest the consumer holds {@code HEALTH}; above zero
     * @param healthy asked while it holds (every {@value #HEALTH_CHECK_MILLIS} ms): true ends the hold early; null for none
     * @throws IllegalArgumentException when {@code after} is zero or negative
     */
    public RetryLater(Duration after, BooleanSupplier healthy) {
        super("retry after " + Validation.positive("after", after), null, false, false);
        this.after = after;
        this.healthy = healthy;
    }

    /** How often a health check given with a retry is asked, in milliseconds. */
    public static final long HEALTH_CHECK_MILLIS = 50;

    /**
     * Parses an HTTP {@code Retry-After} value given in seconds ({@code "2"}).
     *
     * @throws IllegalArgumentException when {@code seconds} is not a whole number above zero
     */
    public static RetryLater afterSeconds(String seconds) {
        Objects.requireNonNull(seconds, "seconds");
        long s;
        try {
            s = Long.parseLong(seconds.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Retry-After (\"" + seconds + "\") must be a whole number of seconds", e);
        }
        if (s <= 0) {
            throw new IllegalArgumentException("Retry-After (\"" + seconds + "\") must be above 0 seconds");
        }
        return new RetryLater(Duration.ofSeconds(s));
    }

    /** @return the longest the consumer holds {@code HEALTH} for this signal */
    public Duration after() {
        return after;
    }

    /** @return the check that ends the hold early when it answers true, if one was given */
    public Optional<BooleanSupplier> healthy() {
        return Optional.ofNullable(healthy);
    }
}
