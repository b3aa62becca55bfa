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

    /** The kit against one defect; each subclass names its defect, JUnit needs a class per kit. */
    abstract static class BrokenKit extends BrokerCompatibilityKit {
        private final KitBroker broker;

        BrokenKit(BrokenAdapter.Defect defect) {
            this.broker = new BrokenKitBroker(defect);
        }

        @Override
        protected KitBroker broker() {
            return broker;
        }
    }

    static class LosesMessages extends BrokenKit {
        LosesMessages() {
            super(BrokenAdapter.Defect.LOSES_MESSAGES);
        }
    }

    static class IgnoresInFlightCap extends BrokenKit {
        IgnoresInFlightCap() {
            super(BrokenAdapter.Defect.IGNORES_IN_FLIGHT_CAP);
        }
    }

    static class NeverResumes extends BrokenKit {
        NeverResumes() {
            super(BrokenAdapter.Defect.NEVER_RESUMES);
        }
    }

    static class ResumesOverManualPause extends BrokenKit {
        ResumesOverManualPause() {
            super(BrokenAdapter.Defect.RESUMES_OVER_MANUAL_PAUSE);
        }
    }

    static class DropsSilently extends BrokenKit {
        DropsSilently() {
            super(BrokenAdapter.Defect.DROPS_SILENTLY);
        }
    }

    static class OverfetchesOnRegrant extends BrokenKit {
        OverfetchesOnRegrant() {
            super(BrokenAdapter.Defect.OVERFETCHES_ON_REGRANT);
        }
    }

    static class ReleaseCountsAttempt extends BrokenKit {
        ReleaseCountsAttempt() {
            super(BrokenAdapter.Defect.RELEASE_COUNTS_ATTEMPT);
        }
    }

    static class GroupsCompete extends BrokenKit {
        GroupsCompete() {
            super(BrokenAdapter.Defect.GROUPS_COMPETE);
        }
    }

    /** A channel whose consumers' pause() returns before the pause takes effect (a broker-side pause waited for late). */
    static class PauseReturnsEarly extends BrokerCompatibilityKit {
        private final KitBroker broker = new InMemoryKitBroker() {
            @Override
            public BackpressureChannel open(ChannelSpec spec) {
                return new LatePausingChannel(super.open(spec));
            }

            @Override
            public Duration patience() {
                return Duration.ofSeconds(3);
            }
        };

        @Override
        protected KitBroker broker() {
            return broker;
        }
    }

    static class NeverUnreachable extends BrokenKit {
        NeverUnreachable() {
            super(BrokenAdapter.Defect.NEVER_UNREACHABLE);
        }
    }
}
