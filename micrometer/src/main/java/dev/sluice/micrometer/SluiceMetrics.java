package dev.sluice.micrometer;

import dev.sluice.BackpressureChannel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One {@link MeterBinder} for many channels: each channel {@link #register registered} gets its
 * {@link ChannelMetrics}, bound to every registry this binder is bound to, before or after the
 * channel was registered. {@link #unregister} (or closing this binder) removes a channel's meters.
 *
 * <p>{@code Sluice.open} offers no hook to observe the channels it opens, so channels are
 * registered here by whoever opens them (the Spring Boot starter does it for every channel it
 * declares). Thread-safe.
 */
public final class SluiceMetrics implements MeterBinder, AutoCloseable {

    private final Tags extraTags;
    private final Map<String, ChannelMetrics> channels = new ConcurrentHashMap<>();
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

    /** A binder whose meters carry only the channel tags. */
    public SluiceMetrics() {
        this(Tags.empty());
    }

    /** @param extraTags added to every meter of every channel */
    public SluiceMetrics(Iterable<Tag> extraTags) {
        this.extraTags = Tags.of(Objects.requireNonNull(extraTags, "extraTags"));
    }

    /**
     * Adds a channel under {@code name} (the {@code channel} tag) and binds its meters to the
     * registries already bound.
     *
     * @return the channel's meters, e.g. for {@link ChannelMetrics#instrument()}
     * @throws IllegalStateException if a channel is registered under {@code name} already
     */
    public synchronized ChannelMetrics register(String name, BackpressureChannel channel) {
        ChannelMetrics metrics = ChannelMetrics.of(name, channel, extraTags);
        if (channels.putIfAbsent(name, metrics) != null) {
            throw new IllegalStateException("a channel is registered under name (" + name + ") already");
        }
        for (MeterRegistry r : registries) {
            metrics.bindTo(r);
        }
        return metrics;
    }

    /** Removes the channel's meters from every registry; nothing happens for an unknown name. */
    public synchronized void unregister(String name) {
        ChannelMetrics metrics = channels.remove(name);
        if (metrics != null) {
            metrics.close();
        }
    }

    /** @return the meters of the channel registered under {@code name}, or null */
    public ChannelMetrics get(String name) {
        return channels.get(name);
    }

    /** @return the registered channels' meters */
    public Collection<ChannelMetrics> channels() {
        return List.copyOf(channels.values());
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (registries.contains(registry)) {
            return;
        }
        registries.add(registry);
        for (ChannelMetrics m : channels.values()) {
            m.bindTo(registry);
        }
    }

    /** Removes every channel's meters from every registry. */
    @Override
    public synchronized void close() {
        for (ChannelMetrics m : channels.values()) {
            m.close();
        }
        channels.clear();
        registries.clear();
    }
}
