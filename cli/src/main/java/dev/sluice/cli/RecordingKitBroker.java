package dev.sluice.cli;

import dev.sluice.BacklogLimit;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.conformance.BrokerProbe;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.KitBroker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** A kit broker that hands every channel the kit opens to the {@link Recorder}; all else is the broker's own. */
final class RecordingKitBroker implements KitBroker {

    private final KitBroker broker;
    private final Recorder recorder;

    RecordingKitBroker(KitBroker broker, Recorder recorder) {
        this.broker = broker;
        this.recorder = recorder;
    }

    @Override
    public BackpressureChannel open(ChannelSpec spec) {
        BackpressureChannel ch = broker.open(spec);
        recorder.watch(spec.destination().orElse(spec.redactedUri()), ch);
        return ch;
    }

    @Override
    public String name() {
        return broker.name();
    }

    @Override
    public String uri(String destination) {
        return broker.uri(destination);
    }

    @Override
    public String uri(String destination, int members) {
        return broker.uri(destination, members);
    }

    @Override
    public BrokerProbe probe() {
        return broker.probe();
    }

    @Override
    public Set<Fault> faults() {
        return broker.faults();
    }

    @Override
    public String whyNot(Fault fault) {
        return broker.whyNot(fault);
    }

    @Override
    public void inject(Fault fault) throws Exception {
        broker.inject(fault);
    }

    @Override
    public void heal(Fault fault) throws Exception {
        broker.heal(fault);
    }

    @Override
    public Optional<String> unreachableUri() {
        return broker.unreachableUri();
    }

    @Override
    public Duration shortestMaxAge() {
        return broker.shortestMaxAge();
    }

    @Override
    public Optional<String> whyNoMaxAgeExpiry() {
        return broker.whyNoMaxAgeExpiry();
    }

    @Override
    public OptionalInt maxPayloadBytes() {
        return broker.maxPayloadBytes();
    }

    @Override
    public boolean storesDestinationSettings() {
        return broker.storesDestinationSettings();
    }

    @Override
    public List<BacklogLimit> conflictingLimits() {
        return broker.conflictingLimits();
    }

    @Override
    public Duration patience() {
        return broker.patience();
    }

    @Override
    public void settle() throws Exception {
        broker.settle();
    }

    @Override
    public void deleteDestination(String destination) throws Exception {
        broker.deleteDestination(destination);
    }

    @Override
    public void deleteGroup(String group) throws Exception {
        broker.deleteGroup(group);
    }
}
