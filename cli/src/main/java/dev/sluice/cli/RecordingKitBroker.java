package dev.sluice.cli;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.conformance.ForwardingKitBroker;
import dev.sluice.conformance.KitBroker;

/** A kit broker that hands every channel the kit opens to the {@link Recorder}; all else is the broker's own. */
final class RecordingKitBroker extends ForwardingKitBroker {

    private final Recorder recorder;

    RecordingKitBroker(KitBroker broker, Recorder recorder) {
        super(broker);
        this.recorder = recorder;
    }

    @Override
    public BackpressureChannel open(ChannelSpec spec) {
        BackpressureChannel ch = inner.open(spec);
        recorder.watch(spec.destination().orElse(spec.redactedUri()), ch);
        return ch;
    }

    /** The broker is its caller's to close, not the recording's. */
    @Override
    public void close() {
    }
}
