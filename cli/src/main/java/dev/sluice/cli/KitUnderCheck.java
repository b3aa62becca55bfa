package dev.sluice.cli;

import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.KitBroker;

/**
 * The kit as {@code sluice check} runs it: every family against the broker set in
 * {@link #current} before the run. One broker at a time.
 */
public class KitUnderCheck extends BrokerCompatibilityKit {

    static volatile KitBroker current;

    @Override
    protected KitBroker broker() {
        return current;
    }
}
