package dev.sluice;

import java.time.Duration;
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
        /** Refused: the buffer was full and the policy dropped it (reported as a drop), or the broker refused it. */
        REJECTED,
        /** Accepted; to make room, an older or lower-priority message was dropped: {@link #displaced()}. */
        DISPLACED,
        /** Accepted earlier, then dropped before it reached the broker (displaced, shed, or not sent by close). */
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

    private final Status status;
    private final Message displaced;
    private final Duration retryAfter;
    private final Throwable cause;

    private SendResult(Status status, Message displaced, Duration retryAfter, Throwable cause) {
        this.status = status;
        this.displaced = displaced;
        this.retryAfter = retryAfter;
        this.cause = cause;
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

    @Override
    public String toString() {
        switch (status) {
            case DISPLACED: return "DISPLACED(" + displaced + ")";
            case RATE_LIMITED: return "RATE_LIMITED(retryAfter=" + retryAfter + ")";
            case FAILED: return "FAILED(" + cause + ")";
            default: return status.name();
        }
    }
}
