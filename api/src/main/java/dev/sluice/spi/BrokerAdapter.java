package dev.sluice.spi;

import dev.sluice.ChannelSpec;
import java.util.Set;

/**
 * The service an adapter jar provides, found by {@link java.util.ServiceLoader}: list the
 * implementation in {@code META-INF/services/dev.sluice.spi.BrokerAdapter}.
 *
 * <p>The constructor must be public, take no arguments and do no I/O: every adapter on the
 * classpath is instantiated when any channel is opened. Implementations are thread-safe.
 */
public interface BrokerAdapter {

    /** @return a short name for messages and reports ({@code "kafka"}) */
    String name();

    /** @return the URI schemes this adapter opens, lower case ({@code "amqp", "amqps"}) */
    Set<String> schemes();

    /**
     * Connects to the broker named by {@code spec.uri()} and prepares its destination (declares
     * the queue with the backlog limit's arguments, creates the stream group, ...).
     *
     * @param events where the session reports broker pressure and broker-side drops
     * @return an open session; the caller closes it
     * @throws dev.sluice.BrokerUnavailableException when the broker cannot be reached within
     *     {@code spec.connectTimeout()}
     * @throws IllegalArgumentException when the URI or a native setting is invalid for this broker
     */
    BrokerSession connect(ChannelSpec spec, BrokerEvents events);
}
