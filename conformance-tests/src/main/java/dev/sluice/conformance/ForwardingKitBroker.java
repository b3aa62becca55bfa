package dev.sluice.conformance;

import dev.sluice.BacklogLimit;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A {@link KitBroker} that forwards every method to another, for a variant of a kit broker that
 * changes a few things — other URI parameters, another probe — and must not silently fall back
 * to a default for the rest (a decorator that implements {@code KitBroker} itself would). Closes
 * the broker it wraps when that is {@link AutoCloseable}.
 */
public abstract class ForwardingKitBroker implements KitBroker, AutoCloseable {

    /** The kit broker this one forwards to. */
    protected final KitBroker inner;

    protected ForwardingKitBroker(KitBroker inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    /**
     * @return {@code uri} with {@code parameters} ({@code a=1&b=2}) added to its query, whether it
     *     has one already or not
     */
    public static String withQuery(String uri, String parameters) {
        return uri + (uri.contains("?") ? "&" : "?") + parameters;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String uri(String destination) {
        return inner.uri(destination);
    }

    @Override
    public String uri(String destination, int members) {
        return inner.uri(destination, members);
    }

    @Override
    public String uri(String destination, int members, List<String> groups) {
        return inner.uri(destination, members, groups);
    }

    @Override
    public BrokerProbe probe() {
        return inner.probe();
    }

    @Override
    public Optional<ForeignClient> foreign() {
        return inner.foreign();
    }

    @Override
    public Set<Fault> faults() {
        return inner.faults();
    }

    @Override
    public String whyNot(Fault fault) {
        return inner.whyNot(fault);
    }

    @Override
    public void inject(Fault fault) throws Exception {
        inner.inject(fault);
    }

    @Override
    public void heal(Fault fault) throws Exception {
        inner.heal(fault);
    }

    @Override
    public Optional<String> unreachableUri() {
        return inner.unreachableUri();
    }

    @Override
    public Duration shortestMaxAge() {
        return inner.shortestMaxAge();
    }

    @Override
    public Optional<String> whyNoMaxAgeExpiry() {
        return inner.whyNoMaxAgeExpiry();
    }

    @Override
    public OptionalInt maxPayloadBytes() {
        return inner.maxPayloadBytes();
    }

    @Override
    public String whyNoPayloadLimit() {
        return inner.whyNoPayloadLimit();
    }

    @Override
    public boolean refusesSendsUnderPressure() {
        return inner.refusesSendsUnderPressure();
    }

    @Override
    public boolean servesOtherProcesses() {
        return inner.servesOtherProcesses();
    }

    @Override
    public boolean storesDestinationSettings() {
        return inner.storesDestinationSettings();
    }

    @Override
    public List<BacklogLimit> conflictingLimits() {
        return inner.conflictingLimits();
    }

    @Override
    public Duration patience() {
        return inner.patience();
    }

    @Override
    public Map<String, String> memberSettings() {
        return inner.memberSettings();
    }

    @Override
    public BackpressureChannel open(ChannelSpec spec) {
        return inner.open(spec);
    }

    @Override
    public void settle() throws Exception {
        inner.settle();
    }

    @Override
    public void deleteDestination(String destination) throws Exception {
        inner.deleteDestination(destination);
    }

    @Override
    public void deleteGroup(String group) throws Exception {
        inner.deleteGroup(group);
    }

    @Override
    public void close() throws Exception {
        if (inner instanceof AutoCloseable c) {
            c.close();
        }
    }
}
