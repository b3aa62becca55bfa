package dev.sluice.conformance.provision;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

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
    private final ProxyRoute proxyRoute;
    private final String node;
    private boolean closed;

    /** The stopper of a broker the kit found running: closing it stops nothing. */
    private static final AutoCloseable NOT_OURS = () -> { };

    /** A broker that was running before the kit came (a service, an explicit URI): never stopped or restarted by it. */
    static ProvisionedBroker existing(BrokerKind kind, URI uri, String source) {
        return new ProvisionedBroker(kind, uri, source, Duration.ZERO, NOT_OURS);
    }

    ProvisionedBroker(BrokerKind kind, URI uri, String source, Duration startTime, AutoCloseable stopper) {
        this(kind, uri, source, startTime, stopper, null, null);
    }

    ProvisionedBroker(BrokerKind kind, URI uri, String source, Duration startTime, AutoCloseable stopper,
                      ProxyRoute proxyRoute) {
        this(kind, uri, source, startTime, stopper, proxyRoute, null);
    }

    ProvisionedBroker(BrokerKind kind, URI uri, String source, Duration startTime, AutoCloseable stopper,
                      ProxyRoute proxyRoute, String node) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.uri = Objects.requireNonNull(uri, "uri");
        this.source = Objects.requireNonNull(source, "source");
        this.startTime = Objects.requireNonNull(startTime, "startTime");
        this.stopper = Objects.requireNonNull(stopper, "stopper");
        this.proxyRoute = proxyRoute;
        this.node = node;
    }

    /**
     * @return the node name the broker's own command-line tools need to reach this broker
     *     ({@code rabbitmqctl -n sluice5673@localhost} for a RabbitMQ the kit started), or empty
     *     for the machine's default node
     */
    public Optional<String> node() {
        return Optional.ofNullable(node);
    }

    /**
     * @return where a fault proxy must listen and forward so that every connection of this
     *     broker's clients passes through it; empty when the base URI's host and port are enough
     *     (the broker does not redirect its clients) or when the kit does not control what the
     *     broker advertises (a broker it did not start)
     */
    public Optional<ProxyRoute> proxyRoute() {
        return Optional.ofNullable(proxyRoute);
    }

    /** @return true when the kit started this broker (a container, an in-process server, a child process) */
    public boolean startedByKit() {
        return stopper != NOT_OURS;
    }

    /** @return true when the kit started this server itself and {@link #restart(Duration)} works */
    public boolean restartable() {
        return stopper instanceof RestartableServer;
    }

    /**
     * Stops the server and starts it again with the same ports and data; returns once it answers.
     *
     * @throws UnsupportedOperationException when {@link #restartable()} is false
     */
    public void restart(Duration timeout) throws Exception {
        if (!(stopper instanceof RestartableServer server)) {
            throw new UnsupportedOperationException(this + " was not started by the kit: it is not restarted");
        }
        server.restart(timeout);
    }

    /**
     * Stops the server the kit started, keeping its ports and data, until {@link #start(Duration)}:
     * its clients meanwhile find nothing answering. Idempotent.
     *
     * @throws UnsupportedOperationException when {@link #restartable()} is false
     */
    public void stop() throws Exception {
        restartableServer().stop();
    }

    /**
     * Starts the server again after {@link #stop()}, on the same ports and data; returns once it
     * answers. Does nothing when it runs.
     *
     * @throws UnsupportedOperationException when {@link #restartable()} is false
     */
    public void start(Duration timeout) throws Exception {
        restartableServer().startAgain(timeout);
    }

    /** @return false between {@link #stop()} and {@link #start(Duration)}; true for a broker the kit did not start */
    public boolean running() {
        return !(stopper instanceof RestartableServer server) || server.running();
    }

    /**
     * @return the largest payload the server accepts when the kit started it with a limit a test
     *     can reach (a PATH server's {@code proto-max-bulk-len} or {@code max_message_size}); empty otherwise
     */
    public java.util.OptionalInt maxPayloadBytes() {
        return stopper instanceof LocalServer local ? java.util.OptionalInt.of(local.maxPayloadBytes()) : java.util.OptionalInt.empty();
    }

    private RestartableServer restartableServer() {
        if (!(stopper instanceof RestartableServer server)) {
            throw new UnsupportedOperationException(this + " was not started by the kit: it is not stopped or started by it");
        }
        return server;
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
