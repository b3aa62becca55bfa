package dev.sluice.channel;

import dev.sluice.Delivery;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where deliveries meet a {@link Flow.Subscriber}: one serial drain loop signals them, so
 * {@code onNext} calls never overlap, and never more than the subscriber asked for (Reactive
 * Streams rule 1.1) — a delivery waits here until there is demand. While the consumer holds
 * deliveries (paused for a reason other than backpressure), closes, or the subscriber has
 * cancelled, what waits goes back to the broker instead.
 */
final class SubscriberOutlet implements Flow.Subscription {

    /** The consumer's side of the subscription. */
    interface Owner {
        /** @return true while deliveries must not reach the subscriber (paused, not for backpressure alone) */
        boolean holding();

        /** @return true once the consumer is closing: the stream completes */
        boolean closing();

        /** The subscriber asked for more: grant the receiver what the demand now allows. */
        void demanded(long n);

        /** The subscriber cancelled: stop fetching for it. */
        void cancelled();
    }

    private final CreditLedger ledger;
    private final Owner owner;
    private final ConcurrentLinkedQueue<SettlingDelivery> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    /** Dropped on cancel and completion (rule 3.13); only the drain loop reads it. */
    private volatile Flow.Subscriber<? super Delivery> subscriber;
    private volatile boolean cancelled;
    private boolean completed; // only the drain loop

    SubscriberOutlet(Flow.Subscriber<? super Delivery> subscriber, CreditLedger ledger, Owner owner) {
        this.subscriber = subscriber;
        this.ledger = ledger;
        this.owner = owner;
    }

    boolean isCancelled() {
        return cancelled;
    }

    void accept(java.util.List<SettlingDelivery> run) {
        waiting.addAll(run);
        drain();
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            Flow.Subscriber<? super Delivery> s = subscriber;
            cancel();
            if (s != null) {
                s.onError(new IllegalArgumentException("request (" + n + ") must be positive (Reactive Streams rule 3.9)"));
            }
            return;
        }
        ledger.demand(n);
        owner.demanded(n);
        drain();
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        owner.cancelled();
        drain(); // gives back what waited; the loop then drops the subscriber
    }

    /** The one place deliveries leave: serial, so onNext never overlaps. */
    void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            boolean closing = owner.closing();
            if (closing || cancelled) {
                releaseWaiting();
                Flow.Subscriber<? super Delivery> s = subscriber;
                if (closing && s != null && !completed && !cancelled) {
                    completed = true;
                    s.onComplete();
                }
                if (cancelled || completed) {
                    subscriber = null;
                }
            } else if (owner.holding()) {
                releaseWaiting();
            } else {
                SettlingDelivery d;
                while (!cancelled && !owner.holding() && (d = waiting.peek()) != null && ledger.emit()) {
                    waiting.poll();
                    emit(d);
                }
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void releaseWaiting() {
        SettlingDelivery d;
        while ((d = waiting.poll()) != null) {
            d.release();
        }
    }

    private void emit(SettlingDelivery d) {
        Flow.Subscriber<? super Delivery> s = subscriber;
        d.signalled();
        if (s == null) {
            d.release();
            return;
        }
        try {
            s.onNext(d);
        } catch (Throwable t) {
            // Rule 2.13 broken by the subscriber: stop, and let the broker redeliver.
            d.nack();
            cancel();
        }
    }
}
