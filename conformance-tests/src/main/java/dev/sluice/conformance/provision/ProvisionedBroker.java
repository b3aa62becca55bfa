package dev.sluice.conformance.provision;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * A broker the kit got hold of: its base URI (scheme, host, port, credentials; the kit adds the
 * destination), how it was obtained, and how long that took. Closing it stops what the kit
 * started (a container, an in-process server, a child process); a broker named by the
 * environment is left alone.
 */
public final class ProvisionedBroker implements AutoCloseable {

    private final BrokerKind kind;
    private final URI uri;
    private final String source;
    private final Duration startTime;
    private final AutoCloseable stopper;
    private boolean closed;

    ProvisionedBroker(BrokerKind kind, URI uri, String source, Duration startTime, AutoCloseable stopper) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.uri = Objects.requireNonNull(uri, "uri");
        this.source = Objects.requireNonNull(source, "source");
        this.startTime = Objects.requireNonNull(startTime, "startTime");
        this.stopper = Objects.requireNonNull(stopper, "stopper");
    }

    public BrokerKind kind() {
        return kind;
    }

    /** @return the base URI, e.g. {@code kafka://127.0.0.1:39092} or {@code amqp://guest:guest@127.0.0.1:5672/%2F} */
    public URI uri() {
        return uri;
    }

    public String host() {
        return uri.getHost();
    }

    public int port() {
        return uri.getPort();
    }

    /** @return how the broker was obtained: {@code "SLUICE_REDIS_URI"}, {@code "in-process KRaft"}, ... */
    public String source() {
        return source;
    }

    /** @return how long getting it took (zero for a broker that was already running) */
    public Duration startTime() {
        return startTime;
    }

    /** Stops what the kit started. Idempotent. */
    @Override
    public synchronized void close() throws Exception {
        if (!closed) {
            closed = true;
            stopper.close();
        }
    }

    @Override
    public String toString() {
        return kind.id() + " at " + uri + " (" + source + ", ready in " + startTime.toMillis() + " ms)";
    }
}
