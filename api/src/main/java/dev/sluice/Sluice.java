package dev.sluice;

import dev.sluice.channel.GatedChannel;
import dev.sluice.spi.BrokerAdapter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/**
 * The entry point: opens channels on whichever broker the URI names, with the adapter found on
 * the classpath.
 *
 * <pre>{@code
 * try (BackpressureChannel ch = Sluice.open(ChannelSpec.of("redis://127.0.0.1:6379/orders")
 *         .producer(ProducerPolicy.buffer(10_000).softLimit(8_000).onOverflow(Overflow.block(Duration.ofSeconds(2))))
 *         .consumer(ConsumerPolicy.pull(50).maxInFlight(200)))) {
 *     ch.producer().send(Message.of("hello"));
 *     ch.consumer("billing").start(d -> System.out.println(d.message().payloadAsString()));
 * }
 * }</pre>
 *
 * <p>Adapters are {@link BrokerAdapter} services registered in
 * {@code META-INF/services/dev.sluice.spi.BrokerAdapter}. A provider that fails to load is
 * skipped and named in the error if its scheme is then missing; it does not hide the others.
 * Thread-safe.
 */
public final class Sluice {

    private Sluice() {
    }

    /** Opens a channel with default policies. */
    public static BackpressureChannel open(String uri) {
        return open(ChannelSpec.of(uri));
    }

    /**
     * Opens a channel: finds the adapter for the URI's scheme, connects within the spec's
     * connect timeout, and applies the policies.
     *
     * @throws UnsupportedSchemeException when no installed adapter handles the scheme
     * @throws BrokerUnavailableException when the broker cannot be reached in time
     */
    public static BackpressureChannel open(ChannelSpec spec) {
        Objects.requireNonNull(spec, "spec");
        Discovery found = discover(Thread.currentThread().getContextClassLoader());
        BrokerAdapter adapter = found.byScheme.get(spec.scheme());
        if (adapter == null) {
            throw new UnsupportedSchemeException(spec.scheme(), found.byScheme.keySet(),
                    found.failures.isEmpty() ? "" : "providers that failed to load: " + String.join("; ", found.failures));
        }
        return GatedChannel.open(adapter, spec);
    }

    /** @return the URI schemes of the adapters on the classpath, sorted */
    public static Set<String> installedSchemes() {
        return new TreeSet<>(discover(Thread.currentThread().getContextClassLoader()).byScheme.keySet());
    }

    private static Discovery discover(ClassLoader loader) {
        Map<String, BrokerAdapter> byScheme = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        Iterator<BrokerAdapter> it = ServiceLoader.load(BrokerAdapter.class,
                loader != null ? loader : Sluice.class.getClassLoader()).iterator();
        while (true) {
            BrokerAdapter adapter;
            try {
                if (!it.hasNext()) {
                    break;
                }
                adapter = it.next();
            } catch (ServiceConfigurationError e) {
                failures.add(e.getMessage());
                continue;
            }
            for (String scheme : adapter.schemes()) {
                byScheme.putIfAbsent(scheme.toLowerCase(java.util.Locale.ROOT), adapter);
            }
        }
        return new Discovery(new java.util.TreeMap<>(byScheme), failures);
    }

    private record Discovery(Map<String, BrokerAdapter> byScheme, List<String> failures) {
    }
}
