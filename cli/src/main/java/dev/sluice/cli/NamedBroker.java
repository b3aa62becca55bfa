package dev.sluice.cli;

import dev.sluice.conformance.InMemoryKitBroker;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.brokers.KitBrokers;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/**
 * A broker named with {@code --broker}, reached and attached to the kit, for {@code check} and
 * {@code demo} alike.
 *
 * @param kit the kit's view of it
 * @param source how it was obtained, for reports
 * @param uri its URI with the credentials hidden
 * @param stop closes what attaching opened (the kit broker's proxy and clients); never the broker itself
 */
record NamedBroker(KitBroker kit, String source, String uri, AutoCloseable stop) {

    /** How long a named broker gets to answer on its port. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** @throws UnreachableBrokerException when nothing answers within {@link #CONNECT_TIMEOUT} or the kit cannot attach */
    static NamedBroker reach(URI uri) throws UnreachableBrokerException {
        if (uri.getScheme().equals("mem")) {
            return new NamedBroker(new InMemoryKitBroker(), "in memory", "mem://", () -> { });
        }
        ProvisionedBroker broker;
        try {
            broker = BrokerProvisioner.given(uri, "--broker", CONNECT_TIMEOUT);
        } catch (IOException e) {
            throw new UnreachableBrokerException(redact(uri) + " is unreachable: " + e.getMessage()
                    + " (waited " + CONNECT_TIMEOUT.toSeconds() + " s)", e);
        }
        try {
            KitBroker kit = KitBrokers.of(broker);
            return new NamedBroker(kit, broker.source(), redact(uri), (AutoCloseable) kit);
        } catch (Exception e) {
            throw new UnreachableBrokerException("cannot attach to " + redact(uri) + ": " + e.getMessage(), e);
        }
    }

    static String redact(URI uri) {
        String info = uri.getRawUserInfo();
        return info == null ? uri.toString() : uri.toString().replace(info + "@", "***@");
    }
}
