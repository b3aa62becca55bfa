package dev.sluice.conformance.broken;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.channel.GatedChannel;
import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.InMemoryKitBroker;
import dev.sluice.conformance.KitBroker;
import java.time.Duration;

/**
 * The kit run against each broken variant. Not named *Test: Surefire must not run them on their
 * own (they fail by design); {@code KitCatchesDefectsTest} runs them and checks how they fail.
 */
final class BrokenKits {

    private BrokenKits() {
    }

    /** An in-memory broker whose channels go through a broken adapter; patient only briefly. */
    static final class BrokenKitBroker extends InMemoryKitBroker {
        private final BrokenAdapter adapter;

        BrokenKitBroker(BrokenAdapter.Defect defect) {
            this.adapter = new BrokenAdapter(defect);
        }

        @Override
        public BackpressureChannel open(ChannelSpec spec) {
            return GatedChannel.open(adapter, spec);
        }

        @Override
        public Duration patience() {
            return Duration.ofSeconds(3);
        }
    }

    static class LosesMessages extends BrokerCompatibilityKit {
        private static final KitBroker BROKER = new BrokenKitBroker(BrokenAdapter.Defect.LOSES_MESSAGES);

        @Override
        protected KitBroker broker() {
            return BROKER;
        }
    }

    static class IgnoresInFlightCap extends BrokerCompatibilityKit {
        private static final KitBroker BROKER = new BrokenKitBroker(BrokenAdapter.Defect.IGNORES_IN_FLIGHT_CAP);

        @Override
        protected KitBroker broker() {
            return BROKER;
        }
    }

    static class NeverResumes extends BrokerCompatibilityKit {
        private static final KitBroker BROKER = new BrokenKitBroker(BrokenAdapter.Defect.NEVER_RESUMES);

        @Override
        protected KitBroker broker() {
            return BROKER;
        }
    }

    static class ResumesOverManualPause extends BrokerCompatibilityKit {
        private static final KitBroker BROKER = new BrokenKitBroker(BrokenAdapter.Defect.RESUMES_OVER_MANUAL_PAUSE);

        @Override
        protected KitBroker broker() {
            return BROKER;
        }
    }

    static class DropsSilently extends BrokerCompatibilityKit {
        private static final KitBroker BROKER = new BrokenKitBroker(BrokenAdapter.Defect.DROPS_SILENTLY);

        @Override
        protected KitBroker broker() {
            return BROKER;
        }
    }
}
