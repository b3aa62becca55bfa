package dev.sluice;

import java.time.Duration;
import java.util.Objects;

/**
 * A channel's health for a readiness probe: {@code UP}, {@code DEGRADED} at the producer's soft
 * limit, {@code DOWN} at the hard limit or while the broker is blocked; with the queue depths a
 * dashboard wants and the {@code retryAfter} a web layer can send with HTTP 429.
 *
 * @param state      the state
 * @param detail     a sentence saying why
 * @param buffered   messages in the producer buffer
 * @param capacity   the producer buffer's capacity
 * @param backlog    the broker's backlog as last read, or -1 when unknown
 * @param retryAfter when a caller refused now should try again; zero when UP
 */
public record HealthStatus(State state, String detail, int buffered, int capacity, long backlog, Duration retryAfter) {

    /** The three states. */
    public enum State { UP, DEGRADED, DOWN }

    public HealthStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(retryAfter, "retryAfter");
    }
}
