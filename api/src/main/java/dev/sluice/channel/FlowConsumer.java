package dev.sluice.channel;

import dev.sluice.ConsumerPolicy;
import dev.sluice.Delivery;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.MessageHandler;
import dev.sluice.PauseReason;
import dev.sluice.PressureState;
import dev.sluice.flow.RateLimiter;
import dev.sluice.spi.BrokerDelivery;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.DeliverySink;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The consumer side of a channel, on top of a credit-driven {@link BrokerReceiver}.
 *
 * <p>Credit: the receiver is granted {@code maxInFlight − inFlight − outstanding} deliveries
 * (bounded by the subscriber's demand in the publisher view) and one more per settled delivery,
 * so the broker is never asked for more than the cap. Pausing has owners ({@link PauseOwners});
 * {@code BACKPRESSURE} is taken at the pause threshold and released at the resume threshold;
 * while any other reason is held, a delivery the broker had already sent is given back to it
 * (released, not counted as a failed attempt) rather than kept. Deliveries leave
 * through one serial drain loop, so a subscriber's {@code onNext} calls never overlap.
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
    private final ConcurrentLinkedQueue<Handle> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    /** Serialises receiver.pause()/resume() so that the last decision always wins. */
    private final AtomicInteger pauseWip = new AtomicInteger();
    private boolean receiverPaused; // only touched by the applyPauseState loop
    private final AtomicInteger roundRobin = new AtomicInteger();

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong nacked = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();

    /** Guards mode, credit and the in-flight count; waited on by close. */
    private final Object lock = new Object();
    private Mode mode = Mode.NEW;
    private boolean started;
    private boolean closing;
    private int inFlight;
    private long outstanding;
    private long demand;

    private ExecutorService[] workers;
    private MessageHandler handler;
    /** Dropped on cancel (Reactive Streams rule 3.13); only the drain loop and onRequest read it. */
    private volatile Flow.Subscriber<? super Delivery> subscriber;
    private volatile boolean cancelled;
    private boolean completed; // only touched by the drain loop

    FlowConsumer(String group, ConsumerPolicy policy, BrokerReceiver receiver, ListenerSet listeners,
                 Duration closeTimeout, RateLimiter rateLimiter) {
        this.group = group;
        this.policy = policy;
        this.receiver = receiver;
        this.listeners = listeners;
        this.closeTimeout = closeTimeout;
        this.rateLimiter = rateLimiter;
    }

    @Override
    public void start(MessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
        synchronized (lock) {
            requireNew();
            mode = Mode.HANDLER;
            demand = Long.MAX_VALUE;
            this.handler = handler;
            workers = new ExecutorService[policy.concurrency()];
            for (int i = 0; i < workers.length; i++) {
                String name = "sluice-handle-" + group + "-" + i;
                workers[i] = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, name);
                    t.setDaemon(true);
                    return t;
                });
            }
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
        boolean accepted;
        synchronized (lock) {
            accepted = mode == Mode.NEW && !closing;
            if (accepted) {
                mode = Mode.PUBLISHER;
                subscriber = s;
            }
        }
        if (!accepted) {
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
        s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                onRequest(n);
            }

            @Override
            public void cancel() {
                onCancel();
            }
        });
        startReceiver();
    }

    private void requireNew() {
        if (closing) {
            throw new IllegalStateException("consumer of group '" + group + "' is closed");
        }
        if (mode != Mode.NEW) {
            throw new IllegalStateException("consumer of group '" + group + "' is already started");
        }
    }

    private void startReceiver() {
        receiver.start(this);
        synchronized (lock) {
            started = true;
        }
        applyPauseState();
        grant();
    }

    private void onRequest(long n) {
        if (n <= 0) {
            Flow.Subscriber<? super Delivery> s = subscriber;
            onCancel();
            if (s != null) {
                s.onError(new IllegalArgumentException("request (" + n + ") must be positive (Reactive Streams rule 3.9)"));
            }
            return;
        }
        synchronized (lock) {
            demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        }
        grant();
    }

    private void onCancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        applyPauseState();
        drain(); // gives back what was waiting; the loop then drops the subscriber
    }

    /** Grants the receiver the credit the cap and the demand allow. */
    private void grant() {
        long n;
        synchronized (lock) {
            if (!started || closing || cancelled) {
                return;
            }
            long room = policy.maxInFlight() - inFlight - outstanding;
            if (mode == Mode.PUBLISHER) {
                room = Math.min(room, demand - outstanding);
            }
            if (room <= 0) {
                return;
            }
            outstanding += room;
            n = room;
        }
        receiver.request((int) n);
    }

    @Override
    public void onDelivery(BrokerDelivery delivery) {
        received.incrementAndGet();
        synchronized (lock) {
            outstanding = Math.max(0, outstanding - 1);
            inFlight++;
            if (mode == Mode.PUBLISHER && demand != Long.MAX_VALUE) {
                demand--;
            }
            if (inFlight >= policy.pauseThreshold() && owners.hold(PauseReason.BACKPRESSURE) != PauseOwners.Transition.NONE) {
                // Decided and told under the lock, with the in-flight count that caused it.
                listeners.fire(l -> l.onPaused(group, PauseReason.BACKPRESSURE));
            }
        }
        applyPauseState();
        ready.add(new Handle(delivery));
        drain();
    }

    @Override
    public void onError(Throwable error) {
        // The receiver keeps retrying by itself; nothing to settle here.
    }

    /** The one place deliveries leave: serial, so onNext never overlaps. */
    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            boolean stopping;
            synchronized (lock) {
                stopping = closing || cancelled;
            }
            if (stopping) {
                Handle h;
                while ((h = ready.poll()) != null) {
                    h.release();
                }
                Flow.Subscriber<? super Delivery> s = subscriber;
                if (closing && s != null && !completed && !cancelled) {
                    completed = true;
                    s.onComplete();
                }
                if (cancelled || completed) {
                    subscriber = null;
                }
            } else {
                Handle h;
                while ((h = ready.poll()) != null) {
                    if (owners.holdsDeliveries()) {
                        // In transit when the pause was taken: a paused consumer holds nothing,
                        // so it goes back to the broker for later (or for another member).
                        h.release();
                    } else {
                        emit(h);
                    }
                }
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void emit(Handle h) {
        if (mode == Mode.HANDLER) {
            String key = h.message().key();
            int index = key == null
                    ? Math.floorMod(roundRobin.getAndIncrement(), workers.length)
                    : Math.floorMod(key.hashCode(), workers.length);
            workers[index].execute(new HandlerTask(h));
        } else {
            Flow.Subscriber<? super Delivery> s = subscriber;
            if (s == null) {
                h.release();
                return;
            }
            try {
                s.onNext(h);
            } catch (Throwable t) {
                // Rule 2.13 broken by the subscriber: stop, and let the broker redeliver.
                h.nack();
                onCancel();
            }
        }
    }

    /** One handler call; a task that never ran is given back to the broker at close. */
    private final class HandlerTask implements Runnable {
        private final Handle handle;

        HandlerTask(Handle handle) {
            this.handle = handle;
        }

        @Override
        public void run() {
            try {
                if (rateLimiter != null) {
                    rateLimiter.acquire(1, Duration.ofDays(365));
                }
                handler.handle(handle);
                handle.ack();
            } catch (InterruptedException e) {
                // close() gave up on this handler: give the message back, do not count a failure.
                handle.release();
            } catch (Throwable t) {
                handle.nack();
            }
        }
    }

    private void settled() {
        boolean released = false;
        synchronized (lock) {
            inFlight--;
            lock.notifyAll();
            if (inFlight <= policy.resumeThreshold() && owners.release(PauseReason.BACKPRESSURE) != PauseOwners.Transition.NONE) {
                released = true;
                listeners.fire(l -> l.onResumed(group, PauseReason.BACKPRESSURE));
            }
        }
        if (released) {
            applyPauseState();
            drain();
        }
        grant();
    }

    @Override
    public void pause(PauseReason reason) {
        Objects.requireNonNull(reason, "reason");
        if (owners.hold(reason) == PauseOwners.Transition.NONE) {
            return;
        }
        applyPauseState();
        listeners.fire(l -> l.onPaused(group, reason));
    }

    @Override
    public void resume(PauseReason reason) {
        Objects.requireNonNull(reason, "reason");
        if (owners.release(reason) == PauseOwners.Transition.NONE) {
            return;
        }
        listeners.fire(l -> l.onResumed(group, reason));
        applyPauseState();
        drain();
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
            boolean started;
            boolean wantPaused;
            synchronized (lock) {
                started = this.started;
                wantPaused = closing || cancelled || !owners.snapshot().isEmpty();
            }
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
    public Set<PauseReason> pausedReasons() {
        return owners.snapshot();
    }

    @Override
    public int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    @Override
    public String group() {
        return group;
    }

    PressureState.ConsumerCounters counters() {
        return new PressureState.ConsumerCounters(received.get(), acked.get(), nacked.get(), deadLettered.get(), inFlight());
    }

    @Override
    public void close() {
        boolean wasStarted;
        synchronized (lock) {
            if (closing) {
                return;
            }
            closing = true;
            wasStarted = started;
        }
        if (wasStarted) {
            applyPauseState();
        }
        drain(); // gives back what was held, completes a subscriber
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        synchronized (lock) {
            while (inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (workers != null) {
            for (ExecutorService w : workers) {
                // Handlers still running past the close timeout are interrupted; tasks that never
                // started go back to the broker.
                for (Runnable neverRan : w.shutdownNow()) {
                    ((HandlerTask) neverRan).handle.release();
                }
            }
        }
        receiver.close();
    }

    /** A delivery as the handler or subscriber sees it; settles exactly once. */
    private final class Handle implements Delivery {
        private final BrokerDelivery delivery;
        private final AtomicBoolean settled = new AtomicBoolean();

        Handle(BrokerDelivery delivery) {
            this.delivery = delivery;
        }

        @Override
        public Message message() {
            return delivery.message();
        }

        @Override
        public int attempt() {
            return delivery.attempt();
        }

        @Override
        public String id() {
            return delivery.id();
        }

        @Override
        public void ack() {
            if (settled.compareAndSet(false, true)) {
                try {
                    delivery.ack();
                } finally {
                    acked.incrementAndGet();
                    settled();
                }
            }
        }

        @Override
        public void nack() {
            if (settled.compareAndSet(false, true)) {
                try {
                    if (delivery.attempt() >= policy.maxAttempts()) {
                        delivery.deadLetter("failed " + delivery.attempt() + " of " + policy.maxAttempts() + " attempts");
                        deadLettered.incrementAndGet();
                    } else {
                        delivery.nack(policy.redeliveryDelay());
                        nacked.incrementAndGet();
                    }
                } finally {
                    settled();
                }
            }
        }

        /** Gives a delivery that never reached the handler back to the broker; never dead-letters it. */
        void release() {
            if (settled.compareAndSet(false, true)) {
                try {
                    delivery.nack(Duration.ZERO);
                } finally {
                    nacked.incrementAndGet();
                    settled();
                }
            }
        }

        @Override
        public boolean isSettled() {
            return settled.get();
        }

        @Override
        public String toString() {
            return "Delivery[" + delivery.id() + ", attempt " + delivery.attempt() + ", " + delivery.message() + "]";
        }
    }
}
