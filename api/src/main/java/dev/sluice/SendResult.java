package dev.sluice;

import dev.sluice.flow.DropReason;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What became of one send. A value, not an exception: overload is ordinary, and the hot path
 * does not pay for stack traces. Constants are shared; only results carrying a value allocate.
 */
public final class SendResult {

    /** The outcome. */
    public enum Status {
        /**
         * From {@code send}: taken by the producer's gate (the buffer), to be sent. From
         * {@code sendAsync}: confirmed by the broker (Kafka ack, RabbitMQ publisher confirm, SQS
         * response, Redis reply).
         */
        ACCEPTED,
        /**
         * Not sent. Either dropped by a policy or the broker, and reported as a drop —
         * {@link #dropReason()} says which (a drop-newest policy's {@code OVERFLOW_NEWEST}, a
         * soft-limit shed, a broker's full backlog) — or refused outright with no drop reported
         * (a full buffer under a non-dropping policy): {@code dropReason()} is null and the
         * caller still owns the message.
         */
        REJECTED,
        /** Accepted; to make room, an older or lower-priority message was dropped: {@link #displaced()}. */
        DISPLACED,
        /**
         * Accepted earlier, then dropped before it reached the broker (displaced, shed, or not sent
         * by close); {@link #dropReason()} says why.
         */
        DROPPED,
        /** Refused by the rate limiter; try again after {@link #retryAfter()}. */
        RATE_LIMITED,
        /** The policy was to block and no room came within its {@code maxWait}. */
        TIMED_OUT,
        /** Larger than the broker accepts; nothing was sent. */
        TOO_LARGE,
        /** The broker or the connection failed: {@link #cause()}. */
        FAILED
    }

    public static final SendResult ACCEPTED = new SendResult(Status.ACCEPTED, null, null, null);
    public static final SendResult REJECTED = new SendResult(Status.REJECTED, null, null, null);
    public static final SendResult DROPPED = new SendResult(Status.DROPPED, null, null, null);
    public static final SendResult TIMED_OUT = new SendResult(Status.TIMED_OUT, null, null, null);
    public static final SendResult TOO_LARGE = new SendResult(Status.TOO_LARGE, null, null, null);

    private static final Map<DropReason, SendResult> REJECTED_BY = byReason(Status.REJECTED);
    private static final Map<DropReason, SendResult> DROPPED_BY = byReason(Status.DROPPED);

    private final Status status;
    private final Message displaced;
    private final Duration retryAfter;
    private final Throwable cause;
    private final DropReason dropReason;

    private SendResult(Status status, Message displaced, Duration retryAfter, Throwable cause) {
        this(status, displaced, retryAfter, cause, null);
    }

    private SendResult(Status status, Message displaced, Duration retryAfter, Throwable cause, DropReason dropReason) {
        this.status = status;
        this.displaced = displaced;
        this.retryAfter = retryAfter;
        this.cause = cause;
        this.dropReason = dropReason;
    }

    private static Map<DropReason, SendResult> byReason(Status status) {
        Map<DropReason, SendResult> m = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            m.put(r, new SendResult(status, null, null, null, r));
        }
        return m;
    }

    /** Not sent: dropped for {@code reason} (and reported as a drop). Shared instances: no allocation. */
    public static SendResult rejected(DropReason reason) {
        return REJECTED_BY.get(Objects.requireNonNull(reason, "reason"));
    }

    /** Accepted earlier, then dropped for {@code reason} before it reached the broker. Shared instances. */
    public static SendResult dropped(DropReason reason) {
        return DROPPED_BY.get(Objects.requireNonNull(reason, "reason"));
    }

    /** Accepted, and {@code dropped} made room for it. */
    public static SendResult displaced(Message dropped) {
        return new SendResult(Status.DISPLACED, Objects.requireNonNull(dropped, "dropped"), null, null);
    }

    public static SendResult rateLimited(Duration retryAfter) {
        return new SendResult(Status.RATE_LIMITED, null, Objects.requireNonNull(retryAfter, "retryAfter"), null);
    }

    public static SendResult failed(Throwable cause) {
        return new SendResult(Status.FAILED, null, null, Objects.requireNonNull(cause, "cause"));
    }

    public Status status() {
        return status;
    }

    /** @return true for {@code ACCEPTED} and {@code DISPLACED}: the message itself was taken */
    public boolean isAccepted() {
        return status == Status.ACCEPTED || status == Status.DISPLACED;
    }

    /** @return the message dropped to make room, or null unless {@code DISPLACED} */
    public Message displaced() {
        return displaced;
    }

    /** @return when to retry for {@code RATE_LIMITED}, else {@link Duration#ZERO} */
    public Duration retryAfter() {
        return retryAfter == null ? Duration.ZERO : retryAfter;
    }

    /** @return the failure for {@code FAILED}, else null */
    public Throwable cause() {
        return cause;
    }

    /**
     * @return why a {@code REJECTED} or {@code DROPPED} message was dropped (as reported to the
     *     listeners); null for a refusal that dropped nothing, and for every other status
     */
    public DropReason dropReason() {
        return dropReason;
    }

    @Override
    public String toString() {
        switch (status) {
            case DISPLACED: return "DISPLACED(" + displaced + ")";
            case RATE_LIMITED: return "RATE_LIMITED(retryAfter=" + retryAfter + ")";
            case FAILED: return "FAILED(" + cause + ")";
            case REJECTED:
            case DROPPED: return dropReason == null ? status.name() : status.name() + "(" + dropReason + ")";
            default: return status.name();
        }
    }
}
