package dev.sluice.conformance.provision;

import java.time.Duration;

/**
 * A server the kit started itself and can stop and start again on the same ports and data. A
 * stop lasts until the next start, so that a test can look at its clients while the server is
 * down.
 */
interface RestartableServer extends AutoCloseable {

    /** Stops the server, keeping its data; returns once it is gone. Idempotent. */
    void stop() throws Exception;

    /** Starts the stopped server again with the same ports and data; returns once it answers. Idempotent. */
    void startAgain(Duration timeout) throws Exception;

    /** @return true unless {@link #stop()} was called since the server last started */
    boolean running();

    /** Stops the server, starts it again with the same data, and returns once it answers. */
    default void restart(Duration timeout) throws Exception {
        stop();
        startAgain(timeout);
    }
}
