package dev.sluice.conformance.provision;

import java.time.Duration;

/** A server the kit started itself and can stop and start again on the same ports and data. */
interface RestartableServer extends AutoCloseable {

    /** Stops the server, starts it again with the same data, and returns once it answers. */
    void restart(Duration timeout) throws Exception;
}
