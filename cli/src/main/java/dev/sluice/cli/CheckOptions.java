package dev.sluice.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The arguments of {@code sluice check}.
 *
 * @param brokers the brokers named with {@code --broker}; empty: every broker the kit can get
 * @param reportDir where the report goes
 * @param scale the kit's message-count factor ({@code sluice.kit.scale})
 */
record CheckOptions(List<URI> brokers, Path reportDir, double scale) {

    static final Set<String> SCHEMES = Set.of("kafka", "amqp", "amqps", "sqs", "redis", "rediss", "redis-cluster", "rediss-cluster", "mem");

    static CheckOptions parse(List<String> args) throws UsageException {
        List<URI> brokers = new ArrayList<>();
        Path report = Path.of("sluice-report");
        double scale = 1.0;
        Arguments a = new Arguments(args);
        while (a.hasNext()) {
            String name = a.next();
            switch (name) {
                case "--broker" -> brokers.add(brokerUri(a.value(name)));
                case "--report" -> report = Path.of(a.value(name));
                case "--scale" -> scale = a.positiveNumber(name);
                default -> throw new UsageException("unknown argument '" + name + "' for check");
            }
        }
        return new CheckOptions(List.copyOf(brokers), report, scale);
    }

    static URI brokerUri(String value) throws UsageException {
        if (value.equals("mem") || value.startsWith("mem:")) {
            return URI.create("mem://local"); // the in-memory broker has no address
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new UsageException("--broker '" + value + "' is not a URI: " + e.getReason());
        }
        if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme().toLowerCase(java.util.Locale.ROOT))) {
            throw new UsageException("--broker '" + value + "' has scheme '" + uri.getScheme()
                    + "'; expected one of kafka, amqp, amqps, sqs, redis, rediss, redis-cluster, rediss-cluster, mem");
        }
        if (NamedBroker.isRedisCluster(uri)) {
            // A seed list (h1:7000,h2:7001) is no server authority: java.net.URI gives it no host.
            String authority = uri.getRawAuthority();
            String seeds = authority == null ? "" : authority.substring(authority.lastIndexOf('@') + 1);
            if (seeds.isEmpty() || seeds.startsWith(",") || seeds.startsWith(":")) {
                throw new UsageException("--broker '" + value + "' names no seed; expected " + uri.getScheme()
                        + "://host1:7000,host2:7001");
            }
            return uri;
        }
        if (!uri.getScheme().equals("mem") && uri.getHost() == null) {
            throw new UsageException("--broker '" + value + "' names no host");
        }
        return uri;
    }
}
