package dev.sluice.flow;

import java.util.Objects;

/**
 * The outcome of offering one element to a {@link BoundedBuffer} or {@link LayeredGate}: a value,
 * never an exception, so the hot path does not unwind stacks for ordinary overload.
 *
 * <p>Outcomes without a payload are shared constants; only {@link Status#DISPLACED} and
 * {@link Status#RATE_LIMITED} allocate.
 *
 * @param <E> the element type
 */
public final class Offer<E> {

    /** What happened to the offered element. */
    public enum Status {
        /** Buffered. */
        ACCEPTED,
        /** Buffered; another element was dropped to make room and is {@link #displaced()}. */
        DISPLACED,
        /** Dropped by the overflow policy (and reported to the drop handler). */
        DROPPED,
        /** Shed by the gate because the buffer was above its soft limit (reported as a drop). */
        SHED,
        /** Not taken and not reported: the caller still owns it (full with FAIL or non-blocking BLOCK). */
        REJECTED,
        /** Refused by the rate limiter; {@link #retryAfterNanos()} says when to try again. */
        RATE_LIMITED,
        /** Waited for space as long as allowed and got none. */
        TIMED_OUT,
        /** The buffer was closed. */
        CLOSED
    }

    private static final Offer<?> ACCEPTED = new Offer<>(Status.ACCEPTED, null, 0);
    private static final Offer<?> DROPPED = new Offer<>(Status.DROPPED, null, 0);
    private static final Offer<?> SHED = new Offer<>(Status.SHED, null, 0);
    private static final Offer<?> REJECTED = new Offer<>(Status.REJECTED, null, 0);
    private static final Offer<?> TIMED_OUT = new Offer<>(Status.TIMED_OUT, null, 0);
    private static final Offer<?> CLOSED = new Offer<>(Status.CLOSED, null, 0);

    private final Status status;
    private final E displaced;
    private final long retryAfterNanos;

    private Offer(Status status, E displaced, long retryAfterNanos) {
        this.status = status;
        this.displaced = displaced;
        this.retryAfterNanos = retryAfterNanos;
    }

    @SuppressWarnings("unchecked")
    static <E> Offer<E> of(Status status) {
        switch (status) {
            case ACCEPTED: return (Offer<E>) ACCEPTED;
            case DROPPED: return (Offer<E>) DROPPED;
            case SHED: return (Offer<E>) SHED;
            case REJECTED: return (Offer<E>) REJECTED;
            case TIMED_OUT: return (Offer<E>) TIMED_OUT;
            case CLOSED: return (Offer<E>) CLOSED;
            default: throw new IllegalArgumentException("status (" + status + ") carries a value");
        }
    }

    /** The shared {@code ACCEPTED} outcome, without the switch of {@link #of(Status)}: the hot path. */
    @SuppressWarnings("unchecked")
    static <E> Offer<E> accepted() {
        return (Offer<E>) ACCEPTED;
    }

    static <E> Offer<E> displaced(E victim) {
        return new Offer<>(Status.DISPLACED, Objects.requireNonNull(victim, "victim"), 0);
    }

    static <E> Offer<E> rateLimited(long retryAfterNanos) {
        return new Offer<>(Status.RATE_LIMITED, null, retryAfterNanos);
    }

    public Status status() {
        return status;
    }

    /** @return true when the offered element is now in the buffer ({@code ACCEPTED} or {@code DISPLACED}) */
    public boolean isAccepted() {
        return status == Status.ACCEPTED || status == Status.DISPLACED;
    }

    /** @return the element dropped to make room, or null unless {@code DISPLACED} */
    public E displaced() {
        return displaced;
    }

    /** @return how long to wait before offering again when {@code RATE_LIMITED}, else 0 */
    public long retryAfterNanos() {
        return retryAfterNanos;
    }

    @Override
    public String toString() {
        if (status == Status.DISPLACED) {
            return "DISPLACED(" + displaced + ")";
        }
        if (status == Status.RATE_LIMITED) {
            return "RATE_LIMITED(retryAfter=" + retryAfterNanos + "ns)";
        }
        return status.name();
    }
}
