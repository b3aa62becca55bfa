package dev.sluice.conformance.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Every message of a soak by its id (0 to {@code capacity - 1}): whether the producer got it
 * ACCEPTED, whether the channel reported it dropped, and how often a handler finished with it.
 * Thread-safe; memory is fixed at construction (about 21 bytes per id).
 */
public final class Ledger {

    private static final int SENT = 1;
    private static final int ACCEPTED = 2;
    private static final int REFUSED = 3;

    /** A second (or later) handling of an id: when it was first handled and when again, in nanoseconds of {@link System#nanoTime()}. */
    public record Duplicate(long id, long firstNanos, long againNanos) {
    }

    private final int capacity;
    private final AtomicIntegerArray outcome;
    private final AtomicIntegerArray handled;
    private final AtomicIntegerArray reportedDropped;
    private final AtomicLongArray firstHandled;
    private final AtomicLongArray sentAt;
    private volatile long lastSent = -1;
    private final Queue<Duplicate> duplicates = new ConcurrentLinkedQueue<>();
    private final AtomicLong handledEvents = new AtomicLong();
    private final AtomicLong unknownIds = new AtomicLong();
    private final AtomicLong droppedReports = new AtomicLong();

    /** @param capacity the most ids the soak may send; at least 1 */
    public Ledger(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity (" + capacity + ") must be at least 1");
        }
        this.capacity = capacity;
        this.outcome = new AtomicIntegerArray(capacity);
        this.handled = new AtomicIntegerArray(capacity);
        this.reportedDropped = new AtomicIntegerArray(capacity);
        this.firstHandled = new AtomicLongArray(capacity);
        this.sentAt = new AtomicLongArray(capacity);
    }

    /** @return the most ids this ledger holds */
    public int capacity() {
        return capacity;
    }

    /** The producer is about to send {@code id}; ids are sent in increasing order, by one thread. */
    public void sent(long id) {
        sentAt.set((int) id, System.nanoTime());
        outcome.set((int) id, SENT);
        lastSent = id;
    }

    /**
     * How long the consumers kept the messages sent in a window waiting: the longest time between
     * the send and the first handling of any message sent from {@code fromNanos} to
     * {@code toNanos} (of {@link System#nanoTime()}) that was handled.
     *
     * @return that time in nanoseconds, or -1 when no message sent in the window was handled
     */
    public long longestWait(long fromNanos, long toNanos) {
        long last = lastSent;
        int lo = 0;
        int hi = (int) last + 1; // first id sent at or after fromNanos: sendings are in id order
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sentAt.get(mid) < fromNanos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        long longest = -1;
        for (int i = lo; i <= last && sentAt.get(i) <= toNanos; i++) {
            long first = firstHandled.get(i);
            if (first != 0) {
                longest = Math.max(longest, first - sentAt.get(i));
            }
        }
        return longest;
    }

    /** The producer's send of {@code id} answered ACCEPTED ({@code true}) or anything else. */
    public void answered(long id, boolean accepted) {
        outcome.set((int) id, accepted ? ACCEPTED : REFUSED);
    }

    /** The channel reported {@code id} dropped (a {@code PressureListener.onDropped}). */
    public void dropped(long id) {
        droppedReports.incrementAndGet();
        if (valid(id)) {
            reportedDropped.incrementAndGet((int) id);
        }
    }

    /** A handler finished with {@code id} (it returned, so the delivery is acked). */
    public void handled(long id) {
        long now = System.nanoTime();
        handledEvents.incrementAndGet();
        if (!valid(id)) {
            unknownIds.incrementAndGet();
            return;
        }
        int i = (int) id;
        if (handled.getAndIncrement(i) == 0) {
            firstHandled.set(i, now);
        } else {
            long first;
            while ((first = firstHandled.get(i)) == 0) {
                Thread.onSpinWait(); // the first handling is setting it now
            }
            duplicates.add(new Duplicate(id, first, now));
        }
    }

    /** A delivery whose id could not be read. */
    public void unreadable() {
        handledEvents.incrementAndGet();
        unknownIds.incrementAndGet();
    }

    private boolean valid(long id) {
        return id >= 0 && id < capacity;
    }

    /** @return handler completions so far, duplicates included */
    public long handledEvents() {
        return handledEvents.get();
    }

    /** @return duplicates so far */
    public long duplicateCount() {
        return duplicates.size();
    }

    /** @return every duplicate so far */
    public List<Duplicate> duplicates() {
        return new ArrayList<>(duplicates);
    }

    /** @return how many accepted ids no handler has finished and no drop report covers */
    public long unsettled() {
        return count().missing();
    }

    /**
     * The ledger's totals.
     *
     * @param sent             ids sent (whatever the answer)
     * @param accepted         ids answered ACCEPTED
     * @param refused          ids answered anything else (TIMED_OUT under block)
     * @param handledDistinct  accepted ids handled at least once
     * @param droppedReported  accepted ids the channel reported dropped and no handler finished
     * @param droppedReports   drop reports received, for any id
     * @param missing          accepted ids neither handled nor reported dropped: lost
     * @param handledRefused   ids handled although their send was refused (a refusal that was sent after all)
     * @param unknown          deliveries whose id was unreadable or out of range
     * @param firstMissing     up to ten of the missing ids
     */
    public record Count(long sent, long accepted, long refused, long handledDistinct, long droppedReported, long droppedReports,
                        long missing, long handledRefused, long unknown, List<Long> firstMissing) {
    }

    /** @return the totals now (read id by id, not in one instant) */
    public Count count() {
        long sent = 0;
        long accepted = 0;
        long refused = 0;
        long handledDistinct = 0;
        long dropped = 0;
        long missing = 0;
        long handledRefused = 0;
        List<Long> firstMissing = new ArrayList<>();
        for (int i = 0; i < capacity; i++) {
            int o = outcome.get(i);
            if (o == 0) {
                continue;
            }
            sent++;
            boolean h = handled.get(i) > 0;
            if (o == ACCEPTED) {
                accepted++;
                if (h) {
                    handledDistinct++;
                } else if (reportedDropped.get(i) > 0) {
                    dropped++;
                } else {
                    missing++;
                    if (firstMissing.size() < 10) {
                        firstMissing.add((long) i);
                    }
                }
            } else if (o == REFUSED) {
                refused++;
                if (h) {
                    handledRefused++;
                }
            }
        }
        return new Count(sent, accepted, refused, handledDistinct, dropped, droppedReports.get(), missing, handledRefused,
                unknownIds.get(), List.copyOf(firstMissing));
    }
}
