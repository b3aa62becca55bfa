package dev.sluice.flow;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;
import java.util.random.RandomGenerator;

/**
 * A bounded buffer with an explicit overflow strategy, a soft limit with hysteresis, exact
 * counters and a drop callback. It is the bounded blocking buffer, the dropping buffer (newest,
 * oldest, random), the priority buffer and the watermark buffer of the catalogue, chosen with
 * the factory methods or the {@link Builder}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Bounded:</b> {@link #size()} never exceeds {@link #capacity()}; with a
 *       {@linkplain Builder#maxWeight(long, ToLongFunction) weight bound}, {@link #weight()} never
 *       exceeds {@link #maxWeight()} either, and an offer that would pass either bound meets the
 *       overflow strategy (a dropping strategy drops as many elements as it takes to make room).
 *   <li><b>Order:</b> FIFO, or highest priority first and FIFO within a priority for a priority
 *       buffer.
 *   <li><b>Blocking</b> ({@link OverflowStrategy#BLOCK}): {@link #offer(Object, Duration)} and
 *       {@link #put(Object)} wait on a condition, never poll. Waiting producers are served in
 *       arrival order: when space frees, the element of the longest-waiting producer is moved into
 *       the buffer by the thread that freed it, before any later offer can take the space, so
 *       no waiting producer is overtaken or loses its element. A wait ends with its element
 *       accepted, its timeout ({@code TIMED_OUT}), an interrupt ({@link InterruptedException},
 *       element not buffered), or {@link #close()} ({@code CLOSED}).
 *   <li><b>Counters reconcile exactly</b>, under any number of threads:
 *       {@code offered == taken + dropped + rejected + size} (see {@link Counters}).
 *   <li><b>Drops</b> are handed to the {@link DropHandler} after the lock is released.
 *   <li><b>Close</b> refuses further offers ({@code CLOSED}), releases every waiting producer
 *       and consumer, and leaves the buffered elements to be drained.
 * </ul>
 * Every method is thread-safe. Operations are amortised O(1), O(log p) for a priority buffer
 * with p distinct priorities.
 *
 * @param <E> the element type; null elements are refused
 */
public final class BoundedBuffer<E> {

    private final int capacity;
    private final int softLimit;
    private final int lowWatermark;
    private final OverflowStrategy overflow;
    private final ToIntFunction<? super E> priority;
    private final DropHandler<? super E> dropHandler;
    private final LevelListener levelListener;
    private final Ticker ticker;
    private final RandomGenerator random;
    /** Null when only the count is bounded. */
    private final ToLongFunction<? super E> weigher;
    private final long maxWeight;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ElementStore<E> store;
    /** Producers waiting for space, longest-waiting first. */
    private final ArrayDeque<Waiter<E>> waiters = new ArrayDeque<>();

    private PressureLevel level = PressureLevel.NORMAL;
    private boolean closed;
    /** Consumers waiting in {@code take} or a timed {@code poll}: an offer signals only when there are some. */
    private int waitingTakers;
    private boolean handOutSuspended;
    private long offered;
    private long taken;
    private long dropped;
    private long rejected;
    private long weight;

    private BoundedBuffer(Builder<E> b) {
        this.capacity = b.capacity;
        this.softLimit = b.softLimit == 0 ? b.capacity : b.softLimit;
        this.lowWatermark = b.lowWatermark < 0 ? this.softLimit / 2 : b.lowWatermark;
        this.overflow = b.overflow;
        this.priority = b.priority;
        this.dropHandler = b.dropHandler;
        this.levelListener = b.levelListener;
        this.ticker = b.ticker;
        this.random = b.random;
        this.weigher = b.weigher;
        this.maxWeight = b.maxWeight;
        this.store = priority != null
                ? new PriorityStore<>(priority)
                : new RingStore<>(capacity, overflow == OverflowStrategy.DROP_RANDOM);
    }

    /** A FIFO buffer whose producers wait for space: {@code offer} with a timeout, or {@code put}. */
    public static <E> BoundedBuffer<E> blocking(int capacity) {
        return BoundedBuffer.<E>builder(capacity).build();
    }

    /**
     * A FIFO buffer that never blocks: when full it drops by {@code strategy} (one of
     * {@code DROP_NEWEST}, {@code DROP_OLDEST}, {@code DROP_RANDOM}) and reports the drop.
     */
    public static <E> BoundedBuffer<E> dropping(int capacity, OverflowStrategy strategy, DropHandler<? super E> onDrop) {
        if (strategy == OverflowStrategy.BLOCK || strategy == OverflowStrategy.FAIL
                || strategy == OverflowStrategy.DROP_LOWEST_PRIORITY) {
            throw new IllegalArgumentException("strategy (" + strategy
                    + ") is not a FIFO dropping strategy; use DROP_NEWEST, DROP_OLDEST or DROP_RANDOM");
        }
        return BoundedBuffer.<E>builder(capacity).overflow(strategy).onDrop(onDrop).build();
    }

    /**
     * A buffer that hands out the highest priority first, FIFO within a priority, and when full
     * drops the lowest priority (see {@link OverflowStrategy#DROP_LOWEST_PRIORITY}).
     */
    public static <E> BoundedBuffer<E> priority(int capacity, ToIntFunction<? super E> priority,
                                                DropHandler<? super E> onDrop) {
        return BoundedBuffer.<E>builder(capacity).prioritizedBy(priority)
                .overflow(OverflowStrategy.DROP_LOWEST_PRIORITY).onDrop(onDrop).build();
    }

    /** @return a builder for a buffer of the given capacity (at least 1) */
    public static <E> Builder<E> builder(int capacity) {
        return new Builder<>(capacity);
    }

    /**
     * Offers without waiting. Full: the overflow strategy decides; for {@code BLOCK} the answer
     * is {@code REJECTED} at once.
     */
    public Offer<E> offer(E e) {
        Objects.requireNonNull(e, "element");
        try {
            return offer(e, 0L, false);
        } catch (InterruptedException impossible) {
            throw new AssertionError("an offer without a timeout never waits", impossible);
        }
    }

    /**
     * Offers, waiting up to {@code timeout} for space when the strategy is {@code BLOCK}; other
     * strategies never wait.
     *
     * @throws InterruptedException if interrupted while waiting; the element was not buffered
     */
    public Offer<E> offer(E e, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(e, "element");
        Objects.requireNonNull(timeout, "timeout");
        return offerInterruptibly(e, saturatedNanos(timeout), false);
    }

    /**
     * Offers, waiting as long as needed for space when the strategy is {@code BLOCK}.
     *
     * @return {@code ACCEPTED}, or {@code CLOSED} when the buffer was closed while waiting (for
     *     other strategies, whatever the strategy decides)
     * @throws InterruptedException if interrupted while waiting; the element was not buffered
     */
    public Offer<E> put(E e) throws InterruptedException {
        Objects.requireNonNull(e, "element");
        return offerInterruptibly(e, Long.MAX_VALUE, true);
    }

    private Offer<E> offerInterruptibly(E e, long nanos, boolean forever) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return offer(e, nanos, forever);
    }

    private Offer<E> offer(E e, long nanos, boolean forever) throws InterruptedException {
        long w = weigher == null ? 0 : weigh(e);
        E victim = null;
        DropReason reason = null;
        List<E> moreVictims = null;
        Offer<E> result;
        lock.lock();
        try {
            offered++;
            if (closed) {
                rejected++;
                return Offer.of(Offer.Status.CLOSED);
            }
            if (store.size() < capacity && weight + w <= maxWeight && waiters.isEmpty()) {
                store.add(e);
                weight += w;
                afterAdd();
                return Offer.accepted();
            }
            if (w > maxWeight) {
                rejected++; // it could never fit, whatever is dropped
                return Offer.of(Offer.Status.REJECTED);
            }
            switch (overflow) {
                case BLOCK:
                    if (nanos <= 0 && !forever) {
                        rejected++;
                        return Offer.of(Offer.Status.REJECTED);
                    }
                    return awaitSpace(e, w, nanos, forever);
                case FAIL:
                    rejected++;
                    return Offer.of(Offer.Status.REJECTED);
                case DROP_NEWEST:
                    victim = e;
                    reason = DropReason.OVERFLOW_NEWEST;
                    break;
                case DROP_OLDEST:
                    victim = store.removeOldest();
                    reason = DropReason.OVERFLOW_OLDEST;
                    break;
                case DROP_RANDOM:
                    victim = random.nextInt(store.size() + 1) == store.size() ? e : store.removeRandom(random);
                    reason = DropReason.OVERFLOW_RANDOM;
                    break;
                case DROP_LOWEST_PRIORITY:
                    E lower = store.removeLowerThan(priority.applyAsInt(e));
                    victim = lower == null ? e : lower;
                    reason = DropReason.OVERFLOW_PRIORITY;
                    break;
                default:
                    throw new AssertionError(overflow);
            }
            dropped++;
            if (victim != e) {
                weight -= weightOf(victim);
                // By weight one victim may not make room: drop more the same way, or the offered one.
                while (weight + w > maxWeight) {
                    E more = overflow == OverflowStrategy.DROP_OLDEST ? store.removeOldest()
                            : overflow == OverflowStrategy.DROP_RANDOM ? store.removeRandom(random)
                            : overflow == OverflowStrategy.DROP_LOWEST_PRIORITY ? store.removeLowerThan(priority.applyAsInt(e))
                            : null;
                    if (more == null) {
                        more = e;
                    } else {
                        weight -= weightOf(more);
                    }
                    dropped++;
                    if (moreVictims == null) {
                        moreVictims = new ArrayList<>();
                    }
                    moreVictims.add(more);
                    if (more == e) {
                        break;
                    }
                }
            }
            if (victim == e || (moreVictims != null && moreVictims.get(moreVictims.size() - 1) == e)) {
                result = Offer.of(Offer.Status.DROPPED);
            } else {
                store.add(e);
                weight += w;
                result = Offer.displaced(victim);
            }
            updateLevel();
        } finally {
            lock.unlock();
        }
        reportDrop(victim, reason);
        if (moreVictims != null) {
            for (E more : moreVictims) {
                reportDrop(more, reason);
            }
        }
        return result;
    }

    private long weigh(E e) {
        long w = weigher.applyAsLong(e);
        if (w < 0) {
            throw new IllegalArgumentException("weight (" + w + ") of " + e + " must not be negative");
        }
        return w;
    }

    /** Lock held. The weight an element was counted with when it came in. */
    private long weightOf(E e) {
        return weigher == null ? 0 : weigher.applyAsLong(e);
    }

    /** Called with the lock held, when full (or others wait) and the strategy is BLOCK. */
    private Offer<E> awaitSpace(E e, long weight, long nanos, boolean forever) throws InterruptedException {
        Waiter<E> w = new Waiter<>(e, weight, lock.newCondition());
        waiters.addLast(w);
        updateLevel();
        long left = nanos;
        try {
            while (!w.done && !closed) {
                if (forever) {
                    w.space.await();
                } else {
                    if (left <= 0) {
                        leave(w);
                        rejected++;
                        return Offer.of(Offer.Status.TIMED_OUT);
                    }
                    left = ticker.awaitNanos(w.space, left);
                }
            }
        } catch (InterruptedException ie) {
            if (w.done) {
                // The element made it in just before the interrupt: keep the interrupt, report success.
                Thread.currentThread().interrupt();
                return Offer.of(Offer.Status.ACCEPTED);
            }
            leave(w);
            rejected++;
            throw ie;
        }
        if (w.done) {
            return Offer.of(Offer.Status.ACCEPTED);
        }
        waiters.remove(w);
        rejected++;
        return Offer.of(Offer.Status.CLOSED);
    }

    /** @return the next element, or null when empty or hand-out is suspended; never waits */
    public E poll() {
        lock.lock();
        try {
            return handOutSuspended ? null : takeOne();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the next element, waiting up to {@code timeout} for one.
     *
     * @return the element, or null when none came in time or the buffer is closed and empty
     * @throws InterruptedException if interrupted while waiting
     */
    public E poll(Duration timeout) throws InterruptedException {
        long left = saturatedNanos(timeout);
        lock.lockInterruptibly();
        try {
            E e;
            while (handOutSuspended || (e = takeOne()) == null) {
                if (closed || left <= 0) {
                    return null;
                }
                waitingTakers++;
                try {
                    left = ticker.awaitNanos(notEmpty, left);
                } finally {
                    waitingTakers--;
                }
            }
            return e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the next element, waiting as long as needed.
     *
     * @return the element, or null once the buffer is closed and empty (or closed while hand-out
     *     is suspended)
     * @throws InterruptedException if interrupted while waiting
     */
    public E take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            E e;
            while (handOutSuspended || (e = takeOne()) == null) {
                if (closed) {
                    return null;
                }
                waitingTakers++;
                try {
                    notEmpty.await();
                } finally {
                    waitingTakers--;
                }
            }
            return e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the next element like {@link #take()}, except that while hand-out is suspended it
     * hands out one element anyway once it has waited {@code probeAfterNanos} and
     * {@code mayProbe} agrees: a probe, for a taker whose downstream says its pressure is over
     * only by accepting something again (a broker that throttles or is out of memory).
     *
     * @return the element, or null once the buffer is closed and empty (or closed while hand-out
     *     is suspended)
     * @throws InterruptedException if interrupted while waiting
     */
    public E takeOrProbe(long probeAfterNanos, BooleanSupplier mayProbe) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long left = probeAfterNanos;
            while (true) {
                if (!handOutSuspended || (left <= 0 && mayProbe.getAsBoolean())) {
                    E e = takeOne();
                    if (e != null) {
                        return e;
                    }
                }
                if (closed) {
                    return null;
                }
                if (left <= 0) {
                    left = probeAfterNanos; // nothing to probe with, or not now: wait another round
                }
                waitingTakers++;
                try {
                    if (handOutSuspended) {
                        left = ticker.awaitNanos(notEmpty, left);
                    } else {
                        notEmpty.await();
                        left = probeAfterNanos;
                    }
                } finally {
                    waitingTakers--;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves up to {@code max} elements, in hand-out order, into {@code target} without waiting.
     *
     * @return how many were moved
     */
    public int drainTo(Collection<? super E> target, int max) {
        Objects.requireNonNull(target, "target");
        lock.lock();
        try {
            int n = 0;
            E e;
            while (n < max && !handOutSuspended && (e = takeOne()) != null) {
                target.add(e);
                n++;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** @return the next element without removing it, or null */
    public E peek() {
        lock.lock();
        try {
            return store.peek();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops handing elements out: {@code poll} answers null and {@code take} waits, while offers
     * go on filling the buffer and its overflow strategy applies. For a consumer that must not
     * take now (its downstream signalled pressure) without losing its place. Idempotent.
     */
    public void suspendHandOut() {
        lock.lock();
        try {
            handOutSuspended = true;
        } finally {
            lock.unlock();
        }
    }

    /** Hands elements out again and wakes waiting takers. Idempotent. */
    public void resumeHandOut() {
        lock.lock();
        try {
            handOutSuspended = false;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Lock held. */
    private E takeOne() {
        E e = store.poll();
        if (e == null) {
            return null;
        }
        taken++;
        if (weigher != null) {
            weight -= weigher.applyAsLong(e);
        }
        admitWaiters();
        updateLevel();
        return e;
    }

    /** Lock held. Hands the free room straight to the longest-waiting producers, in order. */
    private void admitWaiters() {
        Waiter<E> w;
        while ((w = waiters.peekFirst()) != null && store.size() < capacity && weight + w.weight <= maxWeight) {
            waiters.pollFirst();
            store.add(w.element);
            weight += w.weight;
            w.done = true;
            w.space.signal();
            if (waitingTakers > 0) {
                notEmpty.signal();
            }
        }
    }

    /** Lock held. A waiter gave up: by weight, the ones behind it may fit where it did not. */
    private void leave(Waiter<E> w) {
        waiters.remove(w);
        if (weigher != null) {
            admitWaiters();
            updateLevel();
        }
    }

    /** Lock held. */
    private void afterAdd() {
        if (waitingTakers > 0) {
            notEmpty.signal();
        }
        updateLevel();
    }

    /**
     * Lock held. Moves the level with hysteresis and tells the listener: up to {@code HARD} at
     * capacity, down from {@code HARD} only at the soft limit, down to {@code NORMAL} only at the
     * low watermark.
     */
    private void updateLevel() {
        int size = fill();
        PressureLevel next;
        if (size >= capacity || (level == PressureLevel.HARD && size > softLimit)) {
            next = PressureLevel.HARD;
        } else if (size >= softLimit || (level != PressureLevel.NORMAL && size > lowWatermark)) {
            next = PressureLevel.SOFT;
        } else {
            next = PressureLevel.NORMAL;
        }
        if (next != level) {
            PressureLevel from = level;
            level = next;
            levelListener.onLevelChanged(from, next);
        }
    }

    /**
     * Lock held. The size the level reads: the count, or with a weight bound the fuller of the
     * count and the weight scaled to the capacity (half full in bytes reads as half the capacity).
     */
    private int fill() {
        int size = store.size();
        if (weigher == null || weight == 0) {
            return size;
        }
        int byWeight = (int) Math.ceil((double) weight / maxWeight * capacity);
        return Math.max(size, Math.min(capacity, byWeight));
    }

    private void reportDrop(E victim, DropReason reason) {
        try {
            dropHandler.onDrop(victim, reason);
        } catch (RuntimeException ignored) {
            // A failing drop handler must not turn a drop into a failed offer; the drop is counted.
        }
    }

    /**
     * Closes the buffer: later offers return {@code CLOSED}, waiting producers return
     * {@code CLOSED} with their element not buffered, waiting consumers return null once the
     * buffer is empty. Buffered elements stay and can still be taken. Idempotent.
     */
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Waiter<E> w : waiters) {
                w.space.signal();
            }
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the buffer and removes everything still in it, for a caller that must report or
     * re-route what was never taken.
     *
     * @return the elements that were buffered, in hand-out order
     */
    public List<E> closeAndDrain() {
        close();
        List<E> rest = new ArrayList<>();
        lock.lock();
        try {
            store.drainAll(e -> {
                taken++;
                rest.add(e);
            });
            weight = 0;
            updateLevel();
        } finally {
            lock.unlock();
        }
        return rest;
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** @return the number of buffered elements, never above {@link #capacity()} */
    public int size() {
        lock.lock();
        try {
            return store.size();
        } finally {
            lock.unlock();
        }
    }

    public int capacity() {
        return capacity;
    }

    /** @return the summed weight of the buffered elements; 0 without a weight bound */
    public long weight() {
        lock.lock();
        try {
            return weight;
        } finally {
            lock.unlock();
        }
    }

    /** @return the weight bound; {@link Long#MAX_VALUE} when only the count is bounded */
    public long maxWeight() {
        return maxWeight;
    }

    public int softLimit() {
        return softLimit;
    }

    public int lowWatermark() {
        return lowWatermark;
    }

    public OverflowStrategy overflowStrategy() {
        return overflow;
    }

    /** @return the current level */
    public PressureLevel level() {
        lock.lock();
        try {
            return level;
        } finally {
            lock.unlock();
        }
    }

    /** @return the number of producers waiting for space */
    public int waitingProducers() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    /** @return a consistent snapshot of the counters, taken under the lock */
    public Counters counters() {
        lock.lock();
        try {
            return new Counters(offered, taken, dropped, rejected, store.size());
        } finally {
            lock.unlock();
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /**
     * A consistent snapshot of a buffer's counters.
     *
     * @param offered  every call to an offer method, whatever its outcome
     * @param taken    elements handed out (including by {@link #closeAndDrain()})
     * @param dropped  elements dropped by the overflow strategy, offered or displaced
     * @param rejected offers refused without a drop: {@code REJECTED}, {@code TIMED_OUT},
     *                 {@code CLOSED}, interrupted
     * @param size     elements buffered at the moment of the snapshot
     */
    public record Counters(long offered, long taken, long dropped, long rejected, long size) {
        /** @return true when {@code offered == taken + dropped + rejected + size} */
        public boolean reconciles() {
            return offered == taken + dropped + rejected + size;
        }
    }

    private static final class Waiter<E> {
        final E element;
        final long weight;
        final Condition space;
        boolean done;

        Waiter(E element, long weight, Condition space) {
            this.element = element;
            this.weight = weight;
            this.space = space;
        }
    }

    /**
     * Builds a {@link BoundedBuffer}; every setter validates its argument and names it in the
     * error.
     *
     * @param <E> the element type
     */
    public static final class Builder<E> {
        private final int capacity;
        private int softLimit;
        private int lowWatermark = -1;
        private OverflowStrategy overflow = OverflowStrategy.BLOCK;
        private ToIntFunction<? super E> priority;
        private DropHandler<? super E> dropHandler = DropHandler.ignore();
        private LevelListener levelListener = (from, to) -> { };
        private Ticker ticker = Ticker.system();
        private RandomGenerator random = new SplittableRandom();
        private ToLongFunction<? super E> weigher;
        private long maxWeight = Long.MAX_VALUE;

        private Builder(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity (" + capacity + ") must be at least 1");
            }
            this.capacity = capacity;
        }

        /** What to do when full; {@code BLOCK} by default. */
        public Builder<E> overflow(OverflowStrategy strategy) {
            this.overflow = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /**
         * The size at which the level becomes {@code SOFT}; by default the capacity (no soft level).
         */
        public Builder<E> softLimit(int softLimit) {
            if (softLimit < 1 || softLimit > capacity) {
                throw new IllegalArgumentException("softLimit (" + softLimit
                        + ") must be between 1 and capacity (" + capacity + ")");
            }
            this.softLimit = softLimit;
            return this;
        }

        /**
         * The size the buffer must drain to before the level returns to {@code NORMAL}; by default
         * half the soft limit. Must be below the soft limit.
         */
        public Builder<E> lowWatermark(int lowWatermark) {
            if (lowWatermark < 0) {
                throw new IllegalArgumentException("lowWatermark (" + lowWatermark + ") must not be negative");
            }
            this.lowWatermark = lowWatermark;
            return this;
        }

        /** Makes this a priority buffer: highest first, FIFO within a priority. */
        public Builder<E> prioritizedBy(ToIntFunction<? super E> priority) {
            this.priority = Objects.requireNonNull(priority, "priority");
            return this;
        }

        public Builder<E> onDrop(DropHandler<? super E> handler) {
            this.dropHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        public Builder<E> onLevelChange(LevelListener listener) {
            this.levelListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public Builder<E> ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** The source of randomness for {@code DROP_RANDOM}; seed it for reproducible tests. */
        public Builder<E> random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Bounds the buffer by weight as well as by count (for example bytes): an offer that would
         * take the summed weight above {@code maxWeight} meets the overflow strategy just as one
         * that would pass the capacity. An element heavier than {@code maxWeight} on its own is
         * {@code REJECTED}. The weigher is called once when an element is offered and once when it
         * leaves, under the lock: it must be cheap and give the same answer both times.
         *
         * @param maxWeight at least 1
         */
        public Builder<E> maxWeight(long maxWeight, ToLongFunction<? super E> weigher) {
            if (maxWeight < 1) {
                throw new IllegalArgumentException("maxWeight (" + maxWeight + ") must be at least 1");
            }
            this.weigher = Objects.requireNonNull(weigher, "weigher");
            this.maxWeight = maxWeight;
            return this;
        }

        /** @throws IllegalArgumentException when the settings contradict each other */
        public BoundedBuffer<E> build() {
            int soft = softLimit == 0 ? capacity : softLimit;
            if (lowWatermark >= soft) {
                throw new IllegalArgumentException("lowWatermark (" + lowWatermark
                        + ") must be below softLimit (" + soft + ")");
            }
            if (overflow == OverflowStrategy.DROP_LOWEST_PRIORITY && priority == null) {
                throw new IllegalArgumentException("overflow (DROP_LOWEST_PRIORITY) needs prioritizedBy(...)");
            }
            if (priority != null && (overflow == OverflowStrategy.DROP_OLDEST || overflow == OverflowStrategy.DROP_RANDOM)) {
                throw new IllegalArgumentException("overflow (" + overflow
                        + ") is not available for a priority buffer; use DROP_LOWEST_PRIORITY, DROP_NEWEST, BLOCK or FAIL");
            }
            return new BoundedBuffer<>(this);
        }
    }
}
