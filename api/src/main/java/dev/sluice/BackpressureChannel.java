package dev.sluice;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One destination on one broker (a Kafka topic, a RabbitMQ queue, an SQS queue, a Redis
 * stream) with the producer and consumer policies of its {@link ChannelSpec} applied. Opened
 * with {@link Sluice#open(ChannelSpec)}. Thread-safe.
 */
public interface BackpressureChannel extends AutoCloseable {

    /** @return the channel's producer; the same instance on every call */
    MessageProducer producer();

    /**
     * Creates a new member of consumer group {@code group}. Each call makes one more member; the
     * broker shares the group's messages among them.
     *
     * @throws IllegalArgumentException if {@code group} is blank
     */
    MessageConsumer consumer(String group);

    /** @return a snapshot of the pressure now; never blocks on the broker (the backlog is cached) */
    PressureState pressure();

    /** @return UP, DEGRADED or DOWN with the figures behind it */
    HealthStatus health();

    /**
     * @return when a caller refused now (rate limited, buffer full, broker blocked) should try
     *     again, for an HTTP 429 {@code Retry-After}; empty when there is no pressure
     */
    Optional<Duration> retryAfter();

    /** @return for each configured strategy, the broker's knob or why it is emulated */
    List<StrategyMapping> mapping();

    /** @return what the adapter can do on this broker */
    Set<Capability> capabilities();

    /** @return the spec the channel was opened with */
    ChannelSpec spec();

    /**
     * Adds a listener.
     *
     * @return a handle whose {@code close()} removes it
     */
    AutoCloseable addListener(PressureListener listener);

    /**
     * Graceful close: stops accepting sends, sends what is buffered (up to the close timeout)
     * and reports the rest as dropped, closes the consumers (running handlers finish and ack),
     * then closes the broker connections. Idempotent.
     */
    @Override
    void close();
}
