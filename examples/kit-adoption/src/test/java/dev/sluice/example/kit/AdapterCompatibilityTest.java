package dev.sluice.example.kit;

import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.InMemoryKitBroker;
import dev.sluice.conformance.KitBroker;
import org.junit.jupiter.api.DisplayName;

/**
 * A third-party adapter's whole kit test: a {@link KitBroker} for its broker — here the kit's
 * own {@code mem://} one, where an adapter returns its own (URIs, a probe of the broker's
 * queue depth, the faults it can cause) — and nothing else. This module has only sluice-api and
 * sluice-conformance on its class path, so the run also proves that the kit needs none of the
 * built-in brokers' clients.
 */
@DisplayName("a third-party adapter's kit run (mem://)")
class AdapterCompatibilityTest extends BrokerCompatibilityKit {

    private static final KitBroker BROKER = new InMemoryKitBroker();

    @Override
    protected KitBroker broker() {
        return BROKER;
    }
}
