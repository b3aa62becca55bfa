package dev.sluice.flow;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToIntFunction;

/**
 * The layered combination of the primitives, in the order a message meets them:
 * <ol>
 *   <li><b>rate limit</b> (optional): refused with {@code RATE_LIMITED} and a retry-after, unless
 *       the element's priority is at or above the bypass priority;
 *   <li><b>shedding under soft pressure</b> (optional): while the buffer is at {@code SOFT} or
 *       {@code HARD}, elements below the shedding priority are dropped ({@code SHED}) and reported
 *       with {@link DropReason#SHED_AT_SOFT_LIMIT};
 *   <li><b>the bounded buffer</b> with its own overflow strategy at the hard limit.
 * </ol>
 *
 * <p>Counters reconcile exactly once the callers are quiet:
 * {@code offered == taken + dropped + rejected + size + rateLimited + shed}, where the first four
 * are the buffer's. Thread-safe; the gate adds no lock of its own.
 *
 * @param <E> the element type
 */
public final class LayeredGate<E> {

    private final BoundedBuffer<E> buffer;
    private final RateLimiter rateLimiter;
    private final ToIntFunction<? super E> priority;
    private final int bypassAtOrAbove;
    private final int shedBelow;
    private final DropHandler<? super E> shedHandler;
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder shed = new LongAdder();

    private LayeredGate(Builder<E> b) {
        this.buffer = b.buffer;
        this.rateLimiter = b.rateLimiter;
        this.priority = b.priority;
        this.bypassAtOrAbove = b.bypassAtOrAbove;
        this.shedBelow = b.shedBelow;
        this.shedHandler = b.shedHandler;
    }

    /** @return a builder for a gate in front of {@code buffer} */
    public static <E> Builder<E> builder(BoundedBuffer<E> buffer) {
        return new Builder<>(buffer);
    }

    /** Offers without waiting for buffer space. */
    public Offer<E> offer(E e) {
        Offer<E> early = admit(e);
        return early != null ? early : buffer.offer(e);
    }

    /**
     * Offers, waiting up to {@code maxWait} for buffer space when its strategy is {@code BLOCK}.
     * The rate limiter never waits: it answers {@code RATE_LIMITED} with a retry-after.
     *
     * @throws InterruptedException if interrupted while waiting for space
     */
    public Offer<E> offer(E e, Duration maxWait) throws InterruptedException {
        Offer<E> early = admit(e);
        return early != null ? early : buffer.offer(e, maxWait);
    }

    /** @return null when the element passes the limiter and the shedding, else the outcome */
    private Offer<E> admit(E e) {
        Objects.requireNonNull(e, "element");
        int p = priority.applyAsInt(e);
        if (rateLimiter != null && p < bypassAtOrAbove) {
            long delay = rateLimiter.tryAcquireOrDelay(1);
            if (delay > 0) {
                rateLimited.increment();
                return Offer.rateLimited(delay);
            }
        }
        if (p < shedBelow && buffer.level() != PressureLevel.NORMAL) {
            shed.increment();
            try {
                shedHandler.onDrop(e, DropReason.SHED_AT_SOFT_LIMIT);
            } catch (RuntimeException ignored) {
                // counted; a failing handler must not fail the offer
            }
            return Offer.of(Offer.Status.SHED);
        }
        return null;
    }

    /** @return the buffer behind the gate, to take from */
    public BoundedBuffer<E> buffer() {
        return buffer;
    }

    /** @return the counters; exact when no offer is in progress */
    public Counters counters() {
        long rl = rateLimited.sum();
        long sh = shed.sum();
        BoundedBuffer.Counters c = buffer.counters();
        return new Counters(c.offered() + rl + sh, rl, sh, c.taken(), c.dropped(), c.rejected(), c.size());
    }

    /**
     * The gate's counters.
     *
     * @param offered     every element offered to the gate
     * @param rateLimited refused by the rate limiter
     * @param shed        dropped at the soft limit for their low priority
     * @param taken       handed out by the buffer
     * @param dropped     dropped by the buffer's overflow strategy
     * @param rejected    refused by the buffer without a drop (full, timed out, closed)
     * @param size        in the buffer now
     */
    public record Counters(long offered, long rateLimited, long shed, long taken, long dropped, long rejected, long size) {
        /** @return true when every offered element is accounted for exactly once */
        public boolean reconciles() {
            return offered == taken + dropped + rejected + size + rateLimited + shed;
        }
    }

    /**
     * Builds a {@link LayeredGate}.
     *
     * @param <E> the element type
     */
    public static final class Builder<E> {
        private final BoundedBuffer<E> buffer;
        private RateLimiter rateLimiter;
        private ToIntFunction<? super E> priority = e -> 0;
        private int bypassAtOrAbove = Integer.MAX_VALUE;
        private int shedBelow = Integer.MIN_VALUE;
        private DropHandler<? super E> shedHandler = DropHandler.ignore();

        private Builder(BoundedBuffer<E> buffer) {
            this.buffer = Objects.requireNonNull(buffer, "buffer");
        }

        public Builder<E> rateLimiter(RateLimiter limiter) {
            this.rateLimiter = Objects.requireNonNull(limiter, "limiter");
            return this;
        }

        /** How to read an element's priority; every element has priority 0 by default. */
        public Builder<E> priority(ToIntFunction<? super E> priority) {
            this.priority = Objects.requireNonNull(priority, "priority");
            return this;
        }

        /** Elements at or above this priority skip the rate limiter. */
        public Builder<E> bypassRateLimitAtOrAbove(int priority) {
            this.bypassAtOrAbove = priority;
            return this;
        }

        /** Elements below this priority are shed while the buffer is above its soft limit. */
        public Builder<E> shedBelowPriorityUnderPressure(int priority, DropHandler<? super E> onShed) {
            this.shedBelow = priority;
            this.shedHandler = Objects.requireNonNull(onShed, "onShed");
            return this;
        }

        public LayeredGate<E> build() {
            return new LayeredGate<>(this);
        }
    }
}
