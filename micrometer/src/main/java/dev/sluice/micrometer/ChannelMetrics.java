package dev.sluice.micrometer;

import static dev.sluice.micrometer.SluiceMeterNames.*;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.PauseReason;
import dev.sluice.PressureState;
import dev.sluice.SendResult;
import dev.sluice.flow.DropReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * The Micrometer meters of one {@link BackpressureChannel}: a {@link MeterBinder} that registers,
 * on each registry it is bound to, gauges and function counters read from the channel's
 * {@link PressureState} snapshot, counters and timers fed by a {@link dev.sluice.PressureListener}
 * (drops by reason, pause durations), and, for sends and handlers that go through
 * {@link #instrument()}, send outcomes, send-to-confirm latency and handler time. The names are in
 * {@link SluiceMeterNames}; every meter carries the tags {@code channel}, {@code broker} and
 * {@code destination}, plus {@code group} where a consumer group is meant.
 *
 * <pre>{@code
 * ChannelMetrics metrics = ChannelMetrics.of("orders", channel);
 * metrics.bindTo(registry);
 * BackpressureChannel metered = metrics.instrument();   // optional: send results, confirm latency, handler time
 * }</pre>
 *
 * <p>Costs nothing until it is bound: no listener is added to the channel and the instrumented
 * channel passes every call straight through. Once bound, the gauges read one snapshot per
 * scrape (a snapshot is reused for {@value #SNAPSHOT_REUSE_MILLIS} ms), and the listener
 * increments pre-registered counters. Thread-safe. {@link #close()} removes the listener and the
 * meters from every registry; the channel itself is left open.
 */
public final class ChannelMetrics implements MeterBinder, AutoCloseable {

    /** How long one pressure snapshot serves the gauges, so that one scrape takes one snapshot. */
    static final long SNAPSHOT_REUSE_MILLIS = 50;

    private final String name;
    private final BackpressureChannel channel;
    private final Tags tags;
    private final CopyOnWriteArrayList<Binding> bindings = new CopyOnWriteArrayList<>();
    private volatile Snapshot snapshot;
    private volatile boolean closed;

    private ChannelMetrics(String name, BackpressureChannel channel, Tags extraTags) {
        this.name = name;
        this.channel = channel;
        ChannelSpec spec = channel.spec();
        this.tags = Tags.of(TAG_CHANNEL, name, TAG_BROKER, spec.scheme(), TAG_DESTINATION, spec.destination().orElse(""))
                .and(extraTags);
    }

    /** Meters for {@code channel}, tagged {@code channel=<its destination>}. */
    public static ChannelMetrics of(BackpressureChannel channel) {
        Objects.requireNonNull(channel, "channel");
        return of(channel.spec().destination().orElse(channel.spec().scheme()), channel);
    }

    /** Meters for {@code channel}, tagged {@code channel=name}. */
    public static ChannelMetrics of(String name, BackpressureChannel channel) {
        return of(name, channel, Tags.empty());
    }

    /**
     * @param name      the value of the {@code channel} tag
     * @param extraTags added to every meter (e.g. {@code application})
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static ChannelMetrics of(String name, BackpressureChannel channel, Iterable<Tag> extraTags) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(extraTags, "extraTags");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name (\"" + name + "\") must not be blank");
        }
        return new ChannelMetrics(name, channel, Tags.of(extraTags));
    }

    /** @return the {@code channel} tag's value */
    public String name() {
        return name;
    }

    /** @return the channel measured */
    public BackpressureChannel channel() {
        return channel;
    }

    /** @return the tags every meter of this channel carries */
    public Tags tags() {
        return tags;
    }

    /**
     * Registers the meters on {@code registry} and starts listening to the channel. Binding the
     * same registry twice has no further effect.
     *
     * @throws IllegalStateException if closed
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (closed) {
            throw new IllegalStateException("ChannelMetrics of channel " + name + " is closed");
        }
        for (Binding b : bindings) {
            if (b.registry == registry) {
                return;
            }
        }
        Binding binding = new Binding(registry);
        try {
            binding.listenerHandle = channel.addListener(binding.listener);
        } catch (RuntimeException e) {
            binding.removeMeters();
            throw e;
        }
        bindings.add(binding);
    }

    /** @return whether at least one registry is bound */
    public boolean isBound() {
        return !bindings.isEmpty();
    }

    /**
     * @return a view of the channel whose producer counts what {@code send} returns and times
     *     {@code sendAsync} to the broker's confirm, and whose consumers time their handler; it
     *     passes straight through while no registry is bound. Closing the view closes the channel.
     */
    public BackpressureChannel instrument() {
        return new InstrumentedChannel(channel, this);
    }

    /** Removes the listener and every meter from every registry. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Binding b : bindings) {
            b.close();
        }
        bindings.clear();
    }

    // -- recording paths of the instrumented channel -----------------------------------------

    void recordSend(SendResult result) {
        for (Binding b : bindings) {
            b.sends.get(result.status()).increment();
        }
    }

    void recordConfirm(SendResult.Status status, long nanos) {
        for (Binding b : bindings) {
            b.confirm.get(status).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    /** The handler timer's {@code outcome} tag: returned. */
    static final String OUTCOME_SUCCESS = "success";
    /** Threw: a consumer error. */
    static final String OUTCOME_ERROR = "error";
    /** Threw {@link dev.sluice.RetryLater}: a downstream asked for time, not a consumer error. */
    static final String OUTCOME_RETRY_LATER = "retry_later";

    void recordHandler(String group, String outcome, long nanos) {
        for (Binding b : bindings) {
            b.handlerTimer(group, outcome).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    // -- the snapshot shared by the gauges ---------------------------------------------------

    private PressureState pressure() {
        Snapshot s = snapshot;
        long now = System.nanoTime();
        if (s == null || now - s.takenAt > SNAPSHOT_REUSE_MILLIS * 1_000_000L) {
            s = new Snapshot(channel.pressure(), now);
            snapshot = s;
        }
        return s.state;
    }

    private record Snapshot(PressureState state, long takenAt) {
    }

    /** The meters and the listener of one registry. */
    private final class Binding {
        final MeterRegistry registry;
        final List<Meter> meters = new ArrayList<>();
        final Map<DropReason, Counter> dropped = new EnumMap<>(DropReason.class);
        final Map<SendResult.Status, Counter> sends = new EnumMap<>(SendResult.Status.class);
        final Map<SendResult.Status, Timer> confirm = new EnumMap<>(SendResult.Status.class);
        final Map<String, Timer> handlerTimers = new ConcurrentHashMap<>();
        final Map<String, PauseClock> pauses = new ConcurrentHashMap<>();
        final MetricsListener listener;
        AutoCloseable listenerHandle;

        Binding(MeterRegistry registry) {
            this.registry = registry;
            gauge(PRODUCER_BUFFERED, "messages in the producer buffer", "messages", PressureState::buffered);
            gauge(PRODUCER_BUFFER_CAPACITY, "the producer buffer's capacity", "messages", PressureState::bufferCapacity);
            gauge(PRODUCER_LEVEL, "the producer buffer's level: 0 NORMAL, 1 SOFT, 2 HARD", null, p -> p.level().ordinal());
            gauge(PRODUCER_IN_FLIGHT, "messages sent to the broker and not yet confirmed", "messages", PressureState::producerInFlight);
            gauge(CONSUMER_IN_FLIGHT, "deliveries handed out and not yet settled", "messages", PressureState::consumerInFlight);
            gauge(CONSUMER_IN_FLIGHT_CAP, "the per-consumer in-flight cap", "messages", PressureState::consumerInFlightCap);
            gauge(CONSUMER_IN_FLIGHT_LIMIT, "the in-flight limit now (adaptive: its current value)", "messages",
                    PressureState::consumerInFlightLimit);
            gauge(PRODUCER_RATE_LIMIT, "the producer's rate limit now (adaptive: its current value); 0 without one", "messages",
                    PressureState::producerRate);
            gauge(BROKER_BACKLOG, "the broker's backlog (depth or lag) as last read", "messages",
                    p -> p.backlog() < 0 ? Double.NaN : p.backlog());
            gauge(BROKER_BLOCKED, "1 while the broker signals pressure", null, p -> p.brokerBlocked() ? 1 : 0);
            for (PauseReason reason : PauseReason.values()) {
                meters.add(Gauge.builder(CONSUMER_PAUSED, ChannelMetrics.this, m -> m.pressure().pausedReasons().contains(reason) ? 1 : 0)
                        .tags(tags).tag("reason", lower(reason))
                        .description("1 while a consumer of the channel holds the pause reason")
                        .strongReference(true).register(registry));
            }

            counter(PRODUCER_OFFERED, "messages offered to the producer", p -> p.producer().offered());
            counter(PRODUCER_CONFIRMED, "messages the broker confirmed", p -> p.producer().confirmed());
            counter(PRODUCER_FAILED, "messages refused or failed at the broker", p -> p.producer().failed());
            counter(PRODUCER_REFUSED, "messages refused before the buffer: rate limited, timed out, too large, fail",
                    p -> p.producer().rejected());
            counter(PRODUCER_DROPPED, "messages dropped by the producer policy", p -> p.producer().dropped());
            counter(BROKER_DROPPED, "messages the broker dropped for its backlog limit", PressureState::brokerDropped);
            counter(CONSUMER_RECEIVED, "deliveries taken from the broker", p -> p.consumer().received());
            counter(CONSUMER_ACKED, "deliveries acked", p -> p.consumer().acked());
            counter(CONSUMER_REDELIVERED, "deliveries nacked for redelivery", p -> p.consumer().nacked());
            counter(CONSUMER_RELEASED, "deliveries given back unhandled, no attempt counted", p -> p.consumer().released());
            counter(CONSUMER_DEAD_LETTERED, "deliveries sent to the dead letter destination", p -> p.consumer().deadLettered());

            for (DropReason reason : DropReason.values()) {
                Counter c = Counter.builder(DROPPED).tags(tags).tag("reason", lower(reason))
                        .description("messages dropped, by reason (producer policy and broker backlog limit)")
                        .baseUnit("messages").register(registry);
                meters.add(c);
                dropped.put(reason, c);
            }
            for (SendResult.Status status : SendResult.Status.values()) {
                Counter c = Counter.builder(PRODUCER_SENDS).tags(tags).tag("result", lower(status))
                        .description("what send returned").baseUnit("messages").register(registry);
                meters.add(c);
                sends.put(status, c);
                Timer t = Timer.builder(PRODUCER_CONFIRM).tags(tags).tag("result", lower(status))
                        .description("from sendAsync to the broker's confirm or the refusal").register(registry);
                meters.add(t);
                confirm.put(status, t);
            }
            listener = new MetricsListener(this);
        }

        private void gauge(String meterName, String description, String unit, ToDoubleFunction<PressureState> f) {
            meters.add(Gauge.builder(meterName, ChannelMetrics.this, m -> f.applyAsDouble(m.pressure()))
                    .tags(tags).description(description).baseUnit(unit).strongReference(true).register(registry));
        }

        private void counter(String meterName, String description, ToDoubleFunction<PressureState> f) {
            meters.add(FunctionCounter.builder(meterName, ChannelMetrics.this, m -> f.applyAsDouble(m.pressure()))
                    .tags(tags).description(description).baseUnit("messages").register(registry));
        }

        Timer handlerTimer(String group, String outcome) {
            String key = group + "\u0000" + outcome;
            Timer t = handlerTimers.get(key);
            if (t == null) {
                t = handlerTimers.computeIfAbsent(key, k -> {
                    Timer created = Timer.builder(CONSUMER_HANDLER).tags(tags).tag(TAG_GROUP, group)
                            .tag("outcome", outcome)
                            .description("time in the message handler; outcome=error counts the consumer errors,"
                                    + " outcome=retry_later the handlers that threw RetryLater")
                            .register(registry);
                    synchronized (meters) {
                        meters.add(created);
                    }
                    return created;
                });
            }
            return t;
        }

        void onDropped(DropReason reason, long count) {
            dropped.get(reason).increment(count);
        }

        void onPaused(String group, PauseReason reason) {
            pauses.computeIfAbsent(group + "\u0000" + reason.name(), k -> new PauseClock(group, reason)).paused();
        }

        void onResumed(String group, PauseReason reason) {
            PauseClock clock = pauses.get(group + "\u0000" + reason.name());
            if (clock != null) {
                clock.resumed();
            }
        }

        void removeMeters() {
            synchronized (meters) {
                for (Meter m : meters) {
                    registry.remove(m);
                }
                meters.clear();
            }
        }

        void close() {
            try {
                if (listenerHandle != null) {
                    listenerHandle.close();
                }
            } catch (Exception ignored) {
                // The channel's handle does not fail; removing the meters matters more.
            } finally {
                removeMeters();
            }
        }

        /**
         * Times the pauses of one reason in one group: from the first consumer taking it to the
         * last one releasing it. A release with no pause seen (bound while paused) records nothing.
         */
        private final class PauseClock {
            private final Timer timer;
            private int holders;
            private long since;

            PauseClock(String group, PauseReason reason) {
                Timer t = Timer.builder(CONSUMER_PAUSE).tags(tags).tag(TAG_GROUP, group).tag("reason", lower(reason))
                        .description("how long consumers of the group were paused for the reason").register(registry);
                synchronized (meters) {
                    meters.add(t);
                }
                this.timer = t;
            }

            synchronized void paused() {
                if (holders++ == 0) {
                    since = registry.config().clock().monotonicTime();
                }
            }

            synchronized void resumed() {
                if (holders == 0) {
                    return;
                }
                if (--holders == 0) {
                    timer.record(registry.config().clock().monotonicTime() - since, java.util.concurrent.TimeUnit.NANOSECONDS);
                }
            }
        }
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** Feeds a binding's counters from the channel's events; allocates nothing per event. */
    private static final class MetricsListener implements dev.sluice.PressureListener {
        private final Binding binding;

        MetricsListener(Binding binding) {
            this.binding = binding;
        }

        @Override
        public void onDropped(dev.sluice.Message message, DropReason reason) {
            binding.onDropped(reason, 1);
        }

        @Override
        public void onDroppedByBroker(long count, DropReason reason) {
            binding.onDropped(reason, count);
        }

        @Override
        public void onPaused(String group, PauseReason reason) {
            binding.onPaused(group, reason);
        }

        @Override
        public void onResumed(String group, PauseReason reason) {
            binding.onResumed(group, reason);
        }
    }
}
