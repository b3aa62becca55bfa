package dev.sluice.channel;

import dev.sluice.ConsumerPolicy;
import dev.sluice.Delivery;
import dev.sluice.Message;
import dev.sluice.spi.BrokerDelivery;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A delivery as the handler or subscriber sees it: settles its broker delivery exactly once and
 * tells the consumer how, so that the counters and the credit follow. A failure on the last
 * attempt goes to the dead letter; a give-back ({@link #release()}) never counts an attempt.
 */
final class SettlingDelivery implements Delivery {

    /** What the consumer does when a delivery settles; called once per delivery. */
    interface Settlement {
        /** @param handedOutNanos when the delivery reached the consumer ({@link System#nanoTime()}) */
        void acked(long handedOutNanos);

        /** @param handedOutNanos when the delivery reached the consumer ({@link System#nanoTime()}) */
        void nacked(long handedOutNanos);

        void deadLettered();

        /** @param signalled whether a subscriber had seen it before it went back */
        void released(boolean signalled);

        /** A downstream asked to retry later: told before the delivery goes back (and {@link #released} is told). */
        void retryLater(dev.sluice.RetryLater signal);
    }

    private static final int OPEN = 0;
    private static final int SIGNALLED = 1;
    private static final int SETTLED = 2;

    private final BrokerDelivery delivery;
    private final ConsumerPolicy policy;
    private final Settlement settlement;
    private final AtomicInteger state = new AtomicInteger(OPEN);
    /** When it reached the consumer: an adaptive limit measures from here to the settlement. */
    private final long handedOut = System.nanoTime();

    SettlingDelivery(BrokerDelivery delivery, ConsumerPolicy policy, Settlement settlement) {
        this.delivery = delivery;
        this.policy = policy;
        this.settlement = settlement;
    }

    /** A subscriber is about to see it. */
    void signalled() {
        state.compareAndSet(OPEN, SIGNALLED);
    }

    /** @return the state it had, or {@code SETTLED} when it was settled already */
    private int settle() {
        while (true) {
            int s = state.get();
            if (s == SETTLED || state.compareAndSet(s, SETTLED)) {
                return s;
            }
        }
    }

    @Override
    public Message message() {
        return delivery.message();
    }

    @Override
    public <T> Optional<T> unwrap(Class<T> type) {
        Object raw = delivery.nativeDelivery();
        return type.isInstance(raw) ? Optional.of(type.cast(raw)) : Optional.empty();
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
        if (settle() != SETTLED) {
            try {
                delivery.ack();
            } finally {
                settlement.acked(handedOut);
            }
        }
    }

    @Override
    public void nack() {
        if (settle() == SETTLED) {
            return;
        }
        int attempt = delivery.attempt();
        if (attempt >= policy.maxAttempts()) {
            try {
                delivery.deadLetter("failed " + attempt + " of " + policy.maxAttempts() + " attempts");
            } finally {
                settlement.deadLettered();
            }
        } else {
            try {
                delivery.nack(policy.redeliveryDelay());
            } finally {
                settlement.nacked(handedOut);
            }
        }
    }

    /**
     * A handler ran and was cut short (a close past its timeout): the broker delivers it again
     * with the attempt counted, but never dead-letters it for this.
     */
    void abandon() {
        if (settle() != SETTLED) {
            try {
                delivery.nack(java.time.Duration.ZERO);
            } finally {
                settlement.nacked(handedOut);
            }
        }
    }

    @Override
    public void deadLetter(String reason) {
        java.util.Objects.requireNonNull(reason, "reason");
        if (settle() != SETTLED) {
            try {
                delivery.deadLetter(reason);
            } finally {
                settlement.deadLettered();
            }
        }
    }

    @Override
    public void release() {
        int before = settle();
        if (before != SETTLED) {
            try {
                delivery.release();
            } finally {
                settlement.released(before == SIGNALLED);
            }
        }
    }

    /** Holds the consumer's {@code HEALTH} pause first, so that what goes back is not fetched again meanwhile, then releases. */
    @Override
    public void retryLater(dev.sluice.RetryLater signal) {
        java.util.Objects.requireNonNull(signal, "signal");
        if (isSettled()) {
            return;
        }
        settlement.retryLater(signal);
        release();
    }

    @Override
    public boolean isSettled() {
        return state.get() == SETTLED;
    }

    @Override
    public String toString() {
        return "Delivery[" + delivery.id() + ", attempt " + delivery.attempt() + ", " + delivery.message() + "]";
    }
}
