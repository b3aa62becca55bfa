package dev.sluice.channel;

import dev.sluice.ConsumerPolicy;
import dev.sluice.Delivery;
import dev.sluice.MessageConsumer;
import dev.sluice.MessageHandler;
import dev.sluice.PauseReason;
import dev.sluice.PressureState;
import dev.sluice.flow.RateLimiter;
import dev.sluice.spi.BrokerDelivery;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.DeliverySink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The consumer side of a channel, on top of a credit-driven {@link BrokerReceiver}. It wires four
 * parts: the {@link CreditLedger} (the cap, the subscriber's demand, backpressure as credit
 * withheld), the {@link PauseOwners} (why it is paused), an outlet — {@link HandlerOutlet} or
 * {@link SubscriberOutlet} — and the {@link SettlingDelivery} each delivery is wrapped in.
 *
 * <p>Pausing for any reason but {@code BACKPRESSURE} pauses the receiver and holds the outlet:
 * when {@link #pause(PauseReason)} returns no handler starts and no {@code onNext} is signalled,
 * and what waited goes back to the broker with {@link Delivery#release()} (no attempt counted).
 * {@code BACKPRESSURE} only withholds credit: what is in flight is within the cap and is handled.
 */
final class FlowConsumer implements MessageConsumer, DeliverySink {

    private enum Mode { NEW, HANDLER, PUBLISHER }

    private final String group;
    private final ConsumerPolicy policy;
    private final BrokerReceiver receiver;
    private final ListenerSet listeners;
    private final Duration closeTimeout;
    private final RateLimiter rateLimiter;
    private final PauseOwners owners = new PauseOwners();
    private final CreditLedger ledger;
    private final SettlingDelivery.Settlement settlement = new Counting();
    private final HealthHold health;
    /** The adaptive in-flight limit, or null for a fixed cap. */
    private final dev.sluice.flow.AdaptiveLimit adaptive;
    /** Guards taking a sample and applying the limit it gives, so that limits are applied in the order they were found. */
    private final Object limitLock = new Object();
    private int appliedLimit; // guarded by limitLock

    /** Serialises receiver.pause()/resume() so that the last decision always wins. */
    private final AtomicInteger pauseWip = new AtomicInteger();
    private boolean receiverPaused; // only the applyPauseState loop

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong nacked = new AtomicLong();
    private final AtomicLong released = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    /** The last fetch failure and when, for health; cleared by the next delivery. */
    private volatile Throwable lastError;
    private volatile long lastErrorNanos;

    /** Guards mode and the lifecycle flags. */
    private final Object lock = new Object();
    /**
     * Handler runs between the ledger and the outlet (counted in flight, not yet on a handler
     * thread's queue): a hold waits for them, so that when {@code pause()} returns each of them is queued
     * (and so given back by the hold) or given back. Guarded by itself.
     */
    private final Object arrivals = new Object();
    private int arriving;
    /** The consumer whose run the current thread is handing over: a pause from inside it does not wait for itself. */
    private static final ThreadLocal<FlowConsumer> HANDING_OVER = new ThreadLocal<>();
    private Mode mode = Mode.NEW;
    private volatile boolean started;
    private volatile boolean closing;
    private volatile HandlerOutlet handlers;
    private volatile SubscriberOutlet subscription;

    FlowConsumer(String group, ConsumerPolicy policy, BrokerReceiver receiver, ListenerSet listeners,
                 Duration closeTimeout, RateLimiter rateLimiter) {
        this.group = group;
        this.policy = policy;
        this.receiver = receiver;
        this.listeners = listeners;
        this.closeTimeout = closeTimeout;
        this.rateLimiter = rateLimiter;
        this.health = new HealthHold(group, new HealthHold.Target() {
            @Override
            public void hold() {
                pause(PauseReason.HEALTH);
            }

            @Override
            public void release() {
                resume(PauseReason.HEALTH);
            }
        }, System::nanoTime);
        this.adaptive = policy.inFlightLimit().newLimit();
        int cap = adaptive == null ? policy.maxInFlight() : adaptive.limit();
        this.appliedLimit = cap;
        int run = Math.max(1, Math.min(policy.batchSize(), policy.inFlightLimit().floor()) / 2);
        this.ledger = new CreditLedger(cap, policy.pauseThreshold(cap), policy.resumeThreshold(cap), run,
                new CreditLedger.Backpressure() {
                    @Override
                    public void taken() {
                        if (owners.hold(PauseReason.BACKPRESSURE) != PauseOwners.Transition.NONE) {
                            listeners.fire(l -> l.onPaused(group, PauseReason.BACKPRESSURE));
                        }
                    }

                    @Override
                    public void released() {
                        if (owners.release(PauseReason.BACKPRESSURE) != PauseOwners.Transition.NONE) {
                            listeners.fire(l -> l.onResumed(group, PauseReason.BACKPRESSURE));
                        }
                    }
                });
    }

    @Override
    public void start(MessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
        synchronized (lock) {
            if (closing) {
                throw new IllegalStateException("consumer of group '" + group + "' is closed");
            }
            if (mode != Mode.NEW) {
                throw new IllegalStateException("consumer of group '" + group + "' is already started");
            }
            mode = Mode.HANDLER;
            ledger.unbounded();
            handlers = new HandlerOutlet(group, policy.concurrency(), handler, rateLimiter);
        }
        startReceiver();
    }

    @Override
    public Flow.Publisher<Delivery> publisher() {
        synchronized (lock) {
            if (mode == Mode.HANDLER) {
                throw new IllegalStateException("consumer of group '" + group + "' was started with a handler");
            }
        }
        return this::subscribe;
    }

    private void subscribe(Flow.Subscriber<? super Delivery> s) {
        Objects.requireNonNull(s, "subscriber");
        SubscriberOutlet outlet = null;
        synchronized (lock) {
            if (mode == Mode.NEW && !closing) {
                mode = Mode.PUBLISHER;
                outlet = new SubscriberOutlet(s, ledger, new SubscriberOutlet.Owner() {
                    @Override
                    public boolean holding() {
                        return owners.holdsDeliveries();
                    }

                    @Override
                    public boolean closing() {
                        return closing;
                    }

                    @Override
                    public void demanded(long n) {
                        grant();
                    }

                    @Override
                    public void cancelled() {
                        ledger.stop();
                        applyPauseState();
                    }
                });
                subscription = outlet;
            }
        }
        if (outlet == null) {
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            s.onError(new IllegalStateException("this consumer of group '" + group
                    + "' already has a subscriber or handler, or is closed; create another consumer"));
            return;
        }
        s.onSubscribe(outlet);
        startReceiver();
    }

    private void startReceiver() {
        synchronized (lock) {
            if (closing) {
                return; // closed before it started (a subscriber may close in onSubscribe): never fetch
            }
            receiver.start(this);
            started = true;
        }
        applyPauseState();
        grant();
    }

    /** Grants the receiver the credit the cap, the demand and the backpressure allow. */
    private void grant() {
        if (!started || closing) {
            return;
        }
        int n = ledger.take();
        if (n > 0) {
            receiver.request(n);
        }
    }

    /**
     * A run: the ledger and the handler threads are touched once for all of it. A delivery that
     * arrives while the consumer holds deliveries (in transit when the pause was taken) goes back:
     * a paused consumer holds nothing.
     */
    @Override
    public void onDeliveries(List<? extends BrokerDelivery> run) {
        if (subscription != null) {
            handOver(run); // a subscriber's onNext may run here for as long as it likes: a pause does not wait for it
            return;
        }
        synchronized (arrivals) {
            arriving++;
        }
        FlowConsumer outer = HANDING_OVER.get();
        HANDING_OVER.set(this);
        try {
            handOver(run);
        } finally {
            HANDING_OVER.set(outer);
            synchronized (arrivals) {
                if (--arriving == 0) {
                    arrivals.notifyAll();
                }
            }
        }
    }

    private void handOver(List<? extends BrokerDelivery> run) {
        received.addAndGet(run.size());
        lastError = null;
        SubscriberOutlet subscriber = subscription;
        List<SettlingDelivery> handOut = new ArrayList<>(run.size());
        for (BrokerDelivery delivery : run) {
            SettlingDelivery d = new SettlingDelivery(delivery, policy, settlement);
            if (!deadLetteredAsMalformed(delivery, d)) {
                handOut.add(d);
            }
        }
        if (handOut.isEmpty()) {
            return;
        }
        ledger.delivered(handOut.size(), subscriber != null);
        if (closing || owners.holdsDeliveries()) {
            handOut.forEach(SettlingDelivery::release);
        } else if (subscriber != null) {
            subscriber.accept(handOut);
        } else {
            handlers.accept(handOut);
        }
    }

    @Override
    public void onDelivery(BrokerDelivery delivery) {
        onDeliveries(List.of(delivery));
    }

    /**
     * Counts and reports a delivery the adapter could not decode; dead-letters it at once when the
     * policy says so (credit taken and given back).
     *
     * @return true when it was dead-lettered and goes no further
     */
    private boolean deadLetteredAsMalformed(BrokerDelivery delivery, SettlingDelivery d) {
        String problem = delivery.malformed();
        if (problem == null) {
            return false;
        }
        malformed.incrementAndGet();
        listeners.fire(l -> l.onMalformed(group, delivery.message(), problem));
        if (policy.onMalformed() != ConsumerPolicy.Malformed.DEAD_LETTER) {
            return false;
        }
        ledger.delivered(false);
        d.deadLetter("malformed: " + problem);
        return true;
    }

    @Override
    public void onError(Throwable error) {
        errors.incrementAndGet(); // the receiver keeps retrying by itself
        lastErrorNanos = System.nanoTime();
        lastError = error;
        listeners.fire(l -> l.onConsumerError(group, error));
    }

    /** @return the last fetch failure if it is recent and no delivery came since, else null */
    Throwable recentError(long withinNanos) {
        Throwable e = lastError;
        return e != null && System.nanoTime() - lastErrorNanos <= withinNanos ? e : null;
    }

    @Override
    public void pause(PauseReason reason) {
        Objects.requireNonNull(reason, "reason");
        if (owners.hold(reason) == PauseOwners.Transition.NONE) {
            return;
        }
        listeners.fire(l -> l.onPaused(group, reason));
        if (owners.holdsDeliveries()) {
            applyPauseState(); // the receiver first, so that what goes back is not fetched again
            holdOutlet();
        }
    }

    @Override
    public void resume(PauseReason reason) {
        Objects.requireNonNull(reason, "reason");
        if (owners.release(reason) == PauseOwners.Transition.NONE) {
            return;
        }
        listeners.fire(l -> l.onResumed(group, reason));
        if (!owners.holdsDeliveries()) {
            HandlerOutlet h = handlers;
            if (h != null) {
                h.open();
            }
            applyPauseState();
            SubscriberOutlet s = subscription;
            if (s != null) {
                s.drain();
            }
            grant();
        }
    }

    /** Nothing starts from now on; what waits for a handler or for demand goes back to the broker. */
    private void holdOutlet() {
        HandlerOutlet h = handlers;
        if (h != null) {
            h.hold();
        }
        SubscriberOutlet s = subscription;
        if (s != null) {
            s.drain();
        }
        awaitArrivals();
    }

    /** Waits, bounded by the close timeout, until no run is between the ledger and the outlet. */
    private void awaitArrivals() {
        int own = HANDING_OVER.get() == this ? 1 : 0;
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        synchronized (arrivals) {
            while (arriving > own) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    arrivals.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Brings the receiver to the state the owners, cancel and close ask for. Callers race; this
     * loop runs on one thread at a time and re-reads the wanted state until it stops changing,
     * so a pause decided just before a resume can never be applied after it.
     */
    private void applyPauseState() {
        if (pauseWip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            SubscriberOutlet s = subscription;
            boolean wantPaused = closing || (s != null && s.isCancelled()) || owners.holdsDeliveries();
            if (started && wantPaused != receiverPaused) {
                receiverPaused = wantPaused;
                if (wantPaused) {
                    receiver.pause();
                } else {
                    receiver.resume();
                }
            }
            missed = pauseWip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    @Override
    public AutoCloseable holdWhileUnhealthy(java.util.function.BooleanSupplier healthy, Duration every) {
        return health.bind(healthy, every);
    }

    @Override
    public Set<PauseReason> pausedReasons() {
        return owners.snapshot();
    }

    @Override
    public int inFlight() {
        return ledger.inFlight();
    }

    @Override
    public String group() {
        return group;
    }

    /** @return the in-flight cap now: the adaptive limit's current value, or the fixed cap */
    int inFlightLimit() {
        return ledger.cap();
    }

    /**
     * Feeds one settled delivery to the adaptive limit and, when the limit moved, resizes the
     * credit and tells the listeners. Before the ledger counts the settlement, so the sample's
     * in-flight figure includes the delivery itself.
     */
    private void sample(long handedOutNanos, boolean congested) {
        if (adaptive == null) {
            return;
        }
        long rtt = System.nanoTime() - handedOutNanos;
        synchronized (limitLock) {
            int to = adaptive.onSample(rtt, ledger.inFlight(), congested);
            int from = appliedLimit;
            if (to != from) {
                appliedLimit = to;
                ledger.resize(to, policy.pauseThreshold(to), policy.resumeThreshold(to));
                receiver.limitChanged(to);
                listeners.fire(l -> l.onInFlightLimitChanged(group, from, to));
            }
        }
    }

    PressureState.ConsumerCounters counters() {
        return new PressureState.ConsumerCounters(received.get(), acked.get(), nacked.get(), released.get(),
                deadLettered.get(), inFlight(), malformed.get(), errors.get());
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closing) {
                return;
            }
            closing = true;
        }
        health.close();
        ledger.stop();
        if (started) {
            applyPauseState();
        }
        holdOutlet(); // gives back what waited, completes a subscriber
        ledger.awaitIdle(System.nanoTime() + closeTimeout.toNanos());
        HandlerOutlet h = handlers;
        if (h != null) {
            h.shutdownNow(); // handlers still running past the close timeout are interrupted
        }
        receiver.close();
        if (rateLimiter != null) {
            rateLimiter.close(); // a shared limiter gives its unused lease back to the fleet
        }
    }

    /** Counts each settlement and gives its credit back. */
    private final class Counting implements SettlingDelivery.Settlement {
        @Override
        public void acked(long handedOutNanos) {
            sample(handedOutNanos, false);
            acked.incrementAndGet();
            settled(false);
        }

        @Override
        public void nacked(long handedOutNanos) {
            sample(handedOutNanos, true); // a failure counts as congestion
            nacked.incrementAndGet();
            settled(false);
        }

        @Override
        public void deadLettered() {
            deadLettered.incrementAndGet();
            settled(false);
        }

        @Override
        public void released(boolean signalled) {
            released.incrementAndGet();
            settled(!signalled && subscription != null);
        }

        @Override
        public void retryLater(dev.sluice.RetryLater signal) {
            sample(System.nanoTime(), true); // the downstream is congested; its latency says nothing
            health.retryLater(signal.after(), signal.healthy().orElse(null));
        }

        private void settled(boolean unsignalled) {
            ledger.settled(unsignalled);
            grant();
        }
    }
}
