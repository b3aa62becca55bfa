package dev.sluice.spring.boot.health;

import dev.sluice.BackpressureChannel;
import dev.sluice.HealthStatus;
import dev.sluice.PressureState;
import java.util.Objects;
import java.util.TreeSet;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The Actuator health of one channel, from {@link BackpressureChannel#health()}: {@code UP},
 * {@value #DEGRADED_CODE} (the producer is above its soft limit, or the broker backlog has reached
 * the configured {@code backlog-degraded-at}) or {@code DOWN} (the producer buffer is full, or
 * the broker is blocked), with the figures behind it: buffer, level, in flight on both sides,
 * backlog, pause reasons, broker blocked and the retry-after a caller refused now should wait.
 *
 * <p>The starter puts {@code DEGRADED} between {@code DOWN} and {@code UP} in
 * {@code management.endpoint.health.status.order} unless the application sets that order; a
 * DEGRADED application answers HTTP 200, a DOWN one 503. Never blocks on the broker.
 */
public class ChannelHealthIndicator implements HealthIndicator {

    /** The status code of a degraded channel. */
    public static final String DEGRADED_CODE = "DEGRADED";

    /** A channel that still works, under pressure. */
    public static final Status DEGRADED = new Status(DEGRADED_CODE, "under pressure; still accepting");

    private final BackpressureChannel channel;
    private final long backlogDegradedAt;

    /**
     * @param backlogDegradedAt broker backlog at or above which an otherwise UP channel is
     *     DEGRADED; {@code Long.MAX_VALUE} for none
     */
    public ChannelHealthIndicator(BackpressureChannel channel, long backlogDegradedAt) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.backlogDegradedAt = backlogDegradedAt;
    }

    @Override
    public Health health() {
        HealthStatus health = channel.health();
        PressureState pressure = channel.pressure();
        Status status;
        String detail = health.detail();
        switch (health.state()) {
            case DOWN -> status = Status.DOWN;
            case DEGRADED -> status = DEGRADED;
            default -> {
                if (pressure.backlog() >= backlogDegradedAt) {
                    status = DEGRADED;
                    detail = "the broker backlog (" + pressure.backlog() + ") is at or above backlog-degraded-at ("
                            + backlogDegradedAt + ")";
                } else {
                    status = Status.UP;
                }
            }
        }
        return Health.status(status)
                .withDetail("detail", detail)
                .withDetail("uri", channel.spec().redactedUri())
                .withDetail("level", pressure.level().name())
                .withDetail("buffered", pressure.buffered())
                .withDetail("capacity", pressure.bufferCapacity())
                .withDetail("producerInFlight", pressure.producerInFlight())
                .withDetail("consumerInFlight", pressure.consumerInFlight())
                .withDetail("consumerInFlightCap", pressure.consumerInFlightCap())
                .withDetail("backlog", pressure.backlog())
                .withDetail("pausedReasons", new TreeSet<>(pressure.pausedReasons().stream().map(Enum::name).toList()))
                .withDetail("brokerBlocked", pressure.brokerBlocked())
                .withDetail("retryAfterMillis", health.retryAfter().toMillis())
                .build();
    }
}
