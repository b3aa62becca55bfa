package dev.sluice.conformance;

import dev.sluice.conformance.provision.ProvisionedBroker;
import dev.sluice.conformance.provision.ProxyRoute;
import dev.sluice.conformance.proxy.FaultProxy;
import dev.sluice.conformance.proxy.HttpFaultProxy;
import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The base of a real broker's {@link KitBroker}: channels reach the broker through a
 * {@link FaultProxy}, so {@link Fault#STALL} and {@link Fault#CUT_CONNECTIONS} work on every
 * broker the same way. A subclass adds the URI's path and query, the probe, and the faults only
 * its broker has (an alarm, a restart).
 *
 * <p>A broker that tells clients its own address (Kafka's advertised listeners) must advertise
 * the proxy's, or clients will go around it: when the provisioned broker names a
 * {@link ProvisionedBroker#proxyRoute() route}, the proxy listens where the broker sends its
 * clients. A broker the kit started itself can also be restarted ({@link Fault#RESTART}): the
 * server stops at {@link #inject(Fault)} and starts again, with its ports and data, at
 * {@link #heal(Fault)}, so that a test can look at the channels while nothing answers. A
 * broker spoken to over HTTP can have an {@link HttpFaultProxy} behind the proxy, for faults that
 * are answers rather than broken connections (SQS throttling).
 */
public abstract class ProxiedKitBroker implements KitBroker, AutoCloseable {

    /** The longest a stopped server may take to answer again. */
    private static final java.time.Duration RESTART_TIMEOUT = java.time.Duration.ofSeconds(90);

    /** The broker behind the proxy. */
    protected final ProvisionedBroker broker;
    /** The proxy every channel of the kit goes through. */
    protected final FaultProxy proxy;
    /** The HTTP front between the proxy and the broker, or null when the proxy relays to the broker itself. */
    private final HttpFaultProxy front;

    protected ProxiedKitBroker(ProvisionedBroker broker) throws IOException {
        this.broker = broker;
        this.front = null;
        this.proxy = FaultProxy.start(broker.host(), broker.proxyRoute().map(ProxyRoute::targetPort).orElse(broker.port()),
                broker.proxyRoute().map(ProxyRoute::listenPort).orElse(0));
    }

    /**
     * A proxy that relays to an HTTP front standing before the broker (SQS's answers of its own,
     * such as throttling) rather than to the broker itself: the proxy's faults still act on the
     * channels' own connections, and the front sees whole requests. This object owns the front:
     * it is closed with this, or at once if the proxy cannot start.
     *
     * @throws IOException if the proxy cannot bind its port
     */
    protected ProxiedKitBroker(ProvisionedBroker broker, HttpFaultProxy front) throws IOException {
        this.broker = broker;
        this.front = front;
        try {
            this.proxy = FaultProxy.start(front.host(), front.port(), broker.proxyRoute().map(ProxyRoute::listenPort).orElse(0));
        } catch (IOException | RuntimeException e) {
            front.close();
            throw e;
        }
    }

    /** @return the broker's base URI with the proxy's host and port in place of the broker's */
    protected URI proxiedBaseUri() {
        URI base = broker.uri();
        // Raw parts, so that an encoded path such as RabbitMQ's %2F vhost survives.
        String s = base.getScheme() + "://" + (base.getRawUserInfo() == null ? "" : base.getRawUserInfo() + "@")
                + proxy.host() + ":" + proxy.port() + (base.getRawPath() == null ? "" : base.getRawPath())
                + (base.getRawQuery() == null ? "" : "?" + base.getRawQuery());
        return URI.create(s);
    }

    @Override
    public Set<Fault> faults() {
        return broker.restartable() ? EnumSet.of(Fault.STALL, Fault.CUT_CONNECTIONS, Fault.RESTART)
                : EnumSet.of(Fault.STALL, Fault.CUT_CONNECTIONS);
    }

    /** A broker the kit did not start (a service, an explicit URI) is never restarted by it. */
    @Override
    public String whyNot(Fault fault) {
        if (fault != Fault.RESTART) {
            return KitBroker.super.whyNot(fault);
        }
        return broker.startedByKit()
                ? "the kit started this " + name() + " (" + broker.source() + ") but restarts only servers that keep"
                        + " their port and data across a restart (the in-process Kafka, redis-server and rabbitmq-server from the PATH)"
                : "the " + name() + " under test (" + broker.source() + ") is a shared server: the kit restarts only servers it started"
                        + " (BrokerProvisioner.pathServer gives one)";
    }

    /** @return the limit the kit gave a server it started from the PATH; empty for any other server */
    @Override
    public OptionalInt maxPayloadBytes() {
        return broker.maxPayloadBytes();
    }

    @Override
    public String whyNoPayloadLimit() {
        return "the " + name() + " under test (" + broker.source() + ") has no payload limit a test can reach (its default,"
                + " 128 MiB or more, is beyond what a test sends); the kit sets one only on servers it starts from the PATH (BrokerProvisioner.pathServer)";
    }

    @Override
    public void inject(Fault fault) throws Exception {
        switch (fault) {
            case STALL -> proxy.stall();
            case CUT_CONNECTIONS -> proxy.cutConnections();
            case RESTART -> {
                if (!broker.restartable()) {
                    throw new UnsupportedOperationException(whyNot(fault));
                }
                broker.stop(); // until heal: nothing answers meanwhile
            }
            default -> throw new UnsupportedOperationException(whyNot(fault));
        }
    }

    @Override
    public void heal(Fault fault) throws Exception {
        if (fault == Fault.STALL) {
            proxy.resume();
        } else if (fault == Fault.RESTART && broker.restartable() && !broker.running()) {
            broker.start(RESTART_TIMEOUT);
        }
    }

    /**
     * Cuts whatever connection the test's closed channels left in the proxy, dropping bytes a
     * stall still held: after this nothing of the test can reach the broker through the proxy.
     */
    @Override
    public void settle() {
        proxy.cutConnections();
    }

    /** Stops the proxy and the front behind it, if any; the broker is the provisioner's to stop. */
    @Override
    public void close() {
        proxy.close();
        if (front != null) {
            front.close();
        }
    }
}
