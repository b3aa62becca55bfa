package dev.sluice.cli;

import dev.sluice.conformance.InMemoryKitBroker;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.brokers.KitBrokers;
import dev.sluice.conformance.brokers.RedisClusterKitBroker;
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
        if (isRedisCluster(uri)) {
            return reachRedisCluster(uri);
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

    /** @return true for {@code redis-cluster://} and {@code rediss-cluster://} */
    static boolean isRedisCluster(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        return scheme.equals("redis-cluster") || scheme.equals("rediss-cluster");
    }

    /**
     * A Redis Cluster a user runs: every seed must answer within {@link #CONNECT_TIMEOUT} (the
     * error names each that does not), then the kit attaches to the cluster as it is.
     */
    private static NamedBroker reachRedisCluster(URI uri) throws UnreachableBrokerException {
        RedisClusterKitBroker kit;
        try {
            kit = RedisClusterKitBroker.existing(uri, CONNECT_TIMEOUT);
        } catch (IOException e) {
            throw new UnreachableBrokerException(redact(uri) + " is unreachable: " + e.getMessage()
                    + " (waited " + CONNECT_TIMEOUT.toSeconds() + " s)", e);
        } catch (RuntimeException e) {
            throw new UnreachableBrokerException("cannot attach to " + redact(uri) + ": " + e.getMessage(), e);
        }
        return new NamedBroker(kit, "--broker", redact(uri), kit);
    }

    /** @return the URI with its credentials as {@code ***}, also before a host list ({@code redis-cluster://user:pw@h1:1,h2:2}) */
    static String redact(URI uri) {
        String info = uri.getRawUserInfo();
        String authority = uri.getRawAuthority();
        if (info == null && authority != null && authority.contains("@")) {
            info = authority.substring(0, authority.lastIndexOf('@')); // a seed list is no server authority: URI gives no user info
        }
        return info == null ? uri.toString() : uri.toString().replace(info + "@", "***@");
    }
}
