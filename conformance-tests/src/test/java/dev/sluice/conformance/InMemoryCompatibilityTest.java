package dev.sluice.conformance;

import org.junit.jupiter.api.DisplayName;

/** The whole kit against the in-memory adapter: the proof that the kit passes on a correct adapter. */
@DisplayName("mem:// conformance")
class InMemoryCompatibilityTest extends BrokerCompatibilityKit {

    private static final InMemoryKitBroker BROKER = new InMemoryKitBroker();

    @Override
    protected KitBroker broker() {
        return BROKER;
    }
}
