package dev.sluice.mem;

import dev.sluice.BacklogLimit;
import dev.sluice.ChannelSpec;
import dev.sluice.DestinationConflictException;
import dev.sluice.spi.BrokerAdapter;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerSession;
import java.util.Set;

/**
 * The adapter for {@code mem://broker/destination} URIs: channels on an {@link InMemoryBroker}
 * in the same JVM. For unit tests of code written against the Sluice API, and the reference the
 * conformance kit is proven on. Registered through {@link java.util.ServiceLoader}.
 */
public final class InMemoryAdapter implements BrokerAdapter {

    @Override
    public String name() {
        return "mem";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("mem");
    }

    @Override
    public BrokerSession connect(ChannelSpec spec, BrokerEvents events) {
        spec.requireKnownParameters(java.util.Set.of());
        if (!spec.nativeSettings().isEmpty()) {
            throw new IllegalArgumentException("native settings " + spec.nativeSettings().keySet() + " are not known to mem://:"
                    + " it takes none");
        }
        String brokerName = spec.uri().getAuthority();
        if (brokerName == null || brokerName.isBlank()) {
            throw new IllegalArgumentException("uri (" + spec.uri() + ") names no broker; expected mem://<broker>/<destination>");
        }
        String destinationName = spec.destination().orElseThrow(() -> new IllegalArgumentException(
                "uri (" + spec.uri() + ") names no destination; expected mem://<broker>/<destination>"));
        InMemoryBroker broker = InMemoryBroker.named(brokerName);
        Destination destination = broker.destination(destinationName);
        BacklogLimit asked = spec.backlog().orElse(null);
        destination.declare(asked).ifPresent(existing -> {
            throw new DestinationConflictException(destinationName,
                    existing == Destination.NO_LIMIT ? "no backlog limit" : existing.toString(), asked.toString());
        });
        return broker.attach(new MemSession(broker, destination, spec, events));
    }
}
