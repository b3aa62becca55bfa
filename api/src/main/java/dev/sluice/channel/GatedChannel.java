package dev.sluice.channel;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.ChannelSpec;
import dev.sluice.HealthStatus;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.MessageProducer;
import dev.sluice.PauseReason;
import dev.sluice.PressureListener;
import dev.sluice.PressureState;
import dev.sluice.StrategyMapping;
import dev.sluice.flow.DropReason;
import dev.sluice.flow.PressureLevel;
import dev.sluice.spi.BrokerAdapter;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerSession;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link BackpressureChannel} every adapter gets: the policies of the spec applied on top
 * of the adapter's {@link BrokerSession}. Adapters implement only the broker side (the SPI);
 * the gate, the credit, the pause owners, the counters and the signals live here, once.
 */
public final class GatedChannel implements BackpressureChannel {

    /** The retry-after hinted while the buffer is full or the broker is blocked. */
    private static final Duration PRESSURE_RETRY_AFTER = Duration.ofSeconds(1);
    /** A consumer's fetch failure keeps the health DEGRADED this long, unless a delivery comes first. */
    private static final Duration CONSUMER_ERROR_WINDOW = Duration.ofSeconds(10);

    private final ChannelSpec spec;
    private final String name;
    private final ListenerSet listeners;
    private final Events events;
    private final BrokerSession session;
    private final GatedProducer producer;
    private final CopyOnWriteArrayList<FlowConsumer> consumers = new CopyOnWriteArrayList<>();
    private final AtomicInteger consumerNumbers = new AtomicInteger();
    private final String instanceId = java.util.UUID.randomUUID().toString().substring(0, 8);
    private volatile boolean closed;

    private GatedChannel(ChannelSpec spec, ListenerSet listeners, Events events, BrokerSession session) {
        this.spec = spec;
        this.name = spec.destination().orElse(spec.scheme());
        this.listeners = listeners;
        this.events = events;
        this.session = session;
        this.producer = new GatedProducer(name, spec.producer(), session.sender(), listeners, spec.ticker());
        events.attach(producer);
    }

    /**
     * Connects through {@code adapter} and wraps the session in a channel.
     *
     * @throws dev.sluice.BrokerUnavailableException as the adapter throws it
     */
    public static GatedChannel open(BrokerAdapter adapter, ChannelSpec spec) {
        Objects.requireNonNull(adapter, "adapter");
        Objects.requireNonNull(spec, "spec");
        ListenerSet listeners = new ListenerSet();
        Events events = new Events(listeners);
        BrokerSession session = adapter.connect(spec, events);
        try {
            return new GatedChannel(spec, listeners, events, session);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    @Override
    public MessageProducer producer() {
        return producer;
    }

    @Override
    public MessageConsumer consumer(String group) {
        Objects.requireNonNull(group, "group");
        if (group.isBlank()) {
            throw new IllegalArgumentException("group (\"" + group + "\") must not be blank");
        }
        if (closed) {
            throw new IllegalStateException("the channel is closed");
        }
        if (!session.has(Capability.INDEPENDENT_GROUPS)) {
            for (FlowConsumer other : consumers) {
                if (!other.group().equals(group)) {
                    throw new IllegalStateException("group '" + group + "' cannot be added next to group '" + other.group()
                            + "': " + spec.scheme() + ":// keeps one queue per destination, so a second group would compete"
                            + " for the first one's messages instead of receiving every message (no INDEPENDENT_GROUPS capability)");
                }
            }
        }
        // Unique across processes: two applications must never share a member name on the broker.
        String member = group + "-" + instanceId + "-" + consumerNumbers.incrementAndGet();
        FlowConsumer consumer = new FlowConsumer(group, spec.consumer(), session.receiver(group, member), listeners,
                spec.closeTimeout(), spec.consumer().rateLimit().map(r -> r.newLimiter(spec.ticker())).orElse(null));
        consumers.add(consumer);
        return consumer;
    }

    @Override
    public PressureState pressure() {
        int inFlight = 0;
        long received = 0;
        long acked = 0;
        long nacked = 0;
        long released = 0;
        long dead = 0;
        long malformed = 0;
        long errors = 0;
        Set<PauseReason> paused = EnumSet.noneOf(PauseReason.class);
        int limit = consumers.isEmpty() ? spec.consumer().inFlightLimit().initial() : spec.consumer().maxInFlight();
        for (FlowConsumer c : consumers) {
            limit = Math.min(limit, c.inFlightLimit());
            PressureState.ConsumerCounters cc = c.counters();
            inFlight += (int) cc.inFlight();
            received += cc.received();
            acked += cc.acked();
            nacked += cc.nacked();
            released += cc.released();
            malformed += cc.malformed();
            errors += cc.errors();
            dead += cc.deadLettered();
            paused.addAll(c.pausedReasons());
        }
        return new PressureState(producer.level(), producer.buffered(), producer.capacity(), (int) producer.inFlight(),
                inFlight, spec.consumer().maxInFlight(), events.isBlocked(), session.backlog(), events.brokerDropped(), paused,
                producer.counters(), new PressureState.ConsumerCounters(received, acked, nacked, released, dead, inFlight,
                malformed, errors), limit, producer.currentRate());
    }

    @Override
    public HealthStatus health() {
        PressureLevel level = producer.level();
        int buffered = producer.buffered();
        long backlog = session.backlog();
        Optional<Duration> retry = retryAfter();
        String unreachable = events.unreachableCause();
        if (unreachable != null) {
            return new HealthStatus(HealthStatus.State.DOWN, "the broker cannot be reached: " + unreachable,
                    buffered, producer.capacity(), backlog, retry.orElse(PRESSURE_RETRY_AFTER));
        }
        if (events.isBlocked()) {
            return new HealthStatus(HealthStatus.State.DOWN, "the broker is blocked: " + events.blockedReason(),
                    buffered, producer.capacity(), backlog, retry.orElse(PRESSURE_RETRY_AFTER));
        }
        if (level != PressureLevel.HARD) {
            for (FlowConsumer c : consumers) {
                Throwable failing = c.recentError(CONSUMER_ERROR_WINDOW.toNanos());
                if (failing != null) {
                    return new HealthStatus(HealthStatus.State.DEGRADED, "a consumer of group '" + c.group()
                            + "' cannot fetch and keeps trying: " + failing, buffered, producer.capacity(), backlog,
                            retry.orElse(Duration.ZERO));
                }
            }
        }
        switch (level) {
            case HARD:
                return new HealthStatus(HealthStatus.State.DOWN, "the producer buffer is at its hard limit ("
                        + buffered + " of " + producer.capacity() + ")", buffered, producer.capacity(), backlog,
                        retry.orElse(PRESSURE_RETRY_AFTER));
            case SOFT:
                return new HealthStatus(HealthStatus.State.DEGRADED, "the producer buffer is above its soft limit ("
                        + buffered + ", soft limit " + spec.producer().softLimit() + ")", buffered, producer.capacity(),
                        backlog, retry.orElse(Duration.ZERO));
            default:
                return new HealthStatus(HealthStatus.State.UP, "accepting", buffered, producer.capacity(), backlog,
                        retry.orElse(Duration.ZERO));
        }
    }

    @Override
    public Optional<Duration> retryAfter() {
        long limiter = producer.rateLimitRetryAfterNanos();
        if (events.isBlocked() || events.unreachableCause() != null || producer.level() == PressureLevel.HARD) {
            return Optional.of(limiter > PRESSURE_RETRY_AFTER.toNanos() ? Duration.ofNanos(limiter) : PRESSURE_RETRY_AFTER);
        }
        return limiter > 0 ? Optional.of(Duration.ofNanos(limiter)) : Optional.empty();
    }

    @Override
    public List<StrategyMapping> mapping() {
        return session.mapping();
    }

    @Override
    public Set<Capability> capabilities() {
        return session.capabilities();
    }

    @Override
    public ChannelSpec spec() {
        return spec;
    }

    @Override
    public AutoCloseable addListener(PressureListener listener) {
        return listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            producer.close(spec.closeTimeout());
        } finally {
            try {
                for (FlowConsumer c : consumers) {
                    c.close();
                }
            } finally {
                session.close();
            }
        }
    }

    @Override
    public String toString() {
        return "BackpressureChannel[" + spec.redactedUri() + "]";
    }

    /** What the session reports, turned into producer behaviour and listener events. */
    private static final class Events implements BrokerEvents {
        private final ListenerSet listeners;
        private volatile GatedProducer producer;
        private volatile String blockedReason;
        /** Why the broker cannot be reached, or null while it answers. */
        private final java.util.concurrent.atomic.AtomicReference<String> unreachable = new java.util.concurrent.atomic.AtomicReference<>();
        private final java.util.concurrent.atomic.AtomicLong brokerDropped = new java.util.concurrent.atomic.AtomicLong();

        long brokerDropped() {
            return brokerDropped.get();
        }

        Events(ListenerSet listeners) {
            this.listeners = listeners;
        }

        void attach(GatedProducer producer) {
            this.producer = producer;
            if (blockedReason != null) {
                producer.brokerBlocked(true);
            }
        }

        boolean isBlocked() {
            return blockedReason != null;
        }

        String blockedReason() {
            String r = blockedReason;
            return r == null ? "" : r;
        }

        @Override
        public void brokerBlocked(String reason) {
            blockedReason = reason == null ? "no reason given" : reason;
            GatedProducer p = producer;
            if (p != null) {
                p.brokerBlocked(true);
            }
            listeners.fire(l -> l.onBrokerBlocked(blockedReason()));
        }

        @Override
        public void brokerUnblocked() {
            blockedReason = null;
            GatedProducer p = producer;
            if (p != null) {
                p.brokerBlocked(false);
            }
            listeners.fire(PressureListener::onBrokerUnblocked);
        }

        @Override
        public void unreachable(String cause) {
            String why = cause == null ? "no answer" : cause;
            if (unreachable.getAndSet(why) == null) {
                listeners.fire(l -> l.onBrokerUnreachable(why));
            }
        }

        @Override
        public void reachable() {
            if (unreachable.getAndSet(null) != null) {
                listeners.fire(PressureListener::onBrokerReachable);
            }
        }

        String unreachableCause() {
            return unreachable.get();
        }

        @Override
        public void dropped(Message message, DropReason reason) {
            brokerDropped.incrementAndGet();
            listeners.fire(l -> l.onDropped(message, reason));
        }

        @Override
        public void dropped(long count, DropReason reason) {
            brokerDropped.addAndGet(count);
            listeners.fire(l -> l.onDroppedByBroker(count, reason));
        }
    }
}
