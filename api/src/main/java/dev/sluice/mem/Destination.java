package dev.sluice.mem;

import dev.sluice.BacklogLimit;
import dev.sluice.Message;
import dev.sluice.flow.DropReason;
import dev.sluice.flow.Ticker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;

/**
 * One in-memory destination: every consumer group gets every message (like a Kafka topic or a
 * Redis stream); within a group, members share them. Messages sent before any group exists wait
 * for the first group. Each group keeps its ready queue, its retry queue (nacked, visible again
 * after the redelivery delay) and its pending entries (delivered, not yet settled).
 *
 * <p>All state is guarded by one lock; receivers wait on its condition. The backlog limit is
 * applied to each group's ready messages, as RabbitMQ's {@code x-max-length} counts ready ones.
 */
final class Destination {

    /** One stored message. */
    static final class Entry {
        final long id;
        final Message message;
        final long storedAt;
        int deliveries;
        long visibleAt;
        String owner;

        Entry(long id, Message message, long storedAt) {
            this.id = id;
            this.message = message;
            this.storedAt = storedAt;
        }
    }

    /** A consumer group's view of the destination. */
    static final class Group {
        final ArrayDeque<Entry> ready = new ArrayDeque<>();
        final ArrayDeque<Entry> retry = new ArrayDeque<>();
        final Map<Long, Entry> pending = new LinkedHashMap<>();

        int readyCount() {
            return ready.size() + retry.size();
        }
    }

    final String name;
    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    private final Ticker ticker;
    private final ArrayDeque<Entry> beforeAnyGroup = new ArrayDeque<>();
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private BacklogLimit limit;
    private boolean declared;
    private long nextId;

    Destination(String name, Ticker ticker) {
        this.name = name;
        this.ticker = ticker;
    }

    /**
     * Applies a backlog limit. Like a broker's queue arguments, a destination keeps the limit it
     * was first declared with; declaring it again with another limit is refused, while declaring
     * it with none just uses it.
     *
     * @return the limit in force when it differs from the one asked for
     */
    Optional<BacklogLimit> declare(BacklogLimit asked) {
        lock.lock();
        try {
            if (!declared) {
                declared = true;
                limit = asked;
                return Optional.empty();
            }
            if (asked == null || asked.equals(limit)) {
                return Optional.empty();
            }
            return Optional.of(limit == null ? NO_LIMIT : limit);
        } finally {
            lock.unlock();
        }
    }

    /** Stands for "declared without a limit" in a mismatch report. */
    static final BacklogLimit NO_LIMIT = BacklogLimit.maxLength(Long.MAX_VALUE);

    BacklogLimit limit() {
        lock.lock();
        try {
            return limit;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stores a message in every group (or for the first group).
     *
     * @param onDrop told of every message the backlog limit removes
     * @return false when the limit refused it (reject-newest)
     */
    boolean append(Message message, BiConsumer<Message, DropReason> onDrop) {
        Map<Long, Message> trimmed = new LinkedHashMap<>(); // one report per message, however many groups trimmed it
        List<Message> expired = new ArrayList<>();
        boolean accepted = true;
        lock.lock();
        try {
            long now = ticker.nanoTime();
            expire(now, expired);
            if (limit != null && limit.maxLength().isPresent()
                    && limit.whenFull() == BacklogLimit.WhenFull.REJECT_NEWEST && maxReady() >= limit.maxLength().getAsLong()) {
                accepted = false;
            } else {
                Entry entry = new Entry(nextId++, message, now);
                if (groups.isEmpty()) {
                    beforeAnyGroup.addLast(entry);
                    trim(beforeAnyGroup, trimmed);
                } else {
                    for (Group g : groups.values()) {
                        g.ready.addLast(copyOf(entry));
                        trim(g.ready, trimmed);
                    }
                }
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        expired.forEach(m -> onDrop.accept(m, DropReason.BACKLOG_EXPIRED));
        trimmed.values().forEach(m -> onDrop.accept(m, DropReason.BACKLOG_TRIMMED));
        return accepted;
    }

    private static Entry copyOf(Entry e) {
        return new Entry(e.id, e.message, e.storedAt);
    }

    /** Lock held. Drop-oldest trimming of one ready queue. */
    private void trim(ArrayDeque<Entry> queue, Map<Long, Message> trimmed) {
        if (limit == null || limit.maxLength().isEmpty() || limit.whenFull() != BacklogLimit.WhenFull.DROP_OLDEST) {
            return;
        }
        long max = limit.maxLength().getAsLong();
        while (queue.size() > max) {
            Entry e = queue.pollFirst();
            trimmed.put(e.id, e.message);
        }
    }

    /** Lock held. Removes ready messages older than the maximum age. */
    void expire(long now, List<Message> expired) {
        if (limit == null || limit.maxAge().isEmpty()) {
            return;
        }
        long maxAge = limit.maxAge().get().toNanos();
        expireFrom(beforeAnyGroup, now, maxAge, expired);
        for (Group g : groups.values()) {
            expireFrom(g.ready, now, maxAge, expired);
            expireFrom(g.retry, now, maxAge, expired);
        }
    }

    private static void expireFrom(ArrayDeque<Entry> queue, long now, long maxAge, List<Message> expired) {
        for (Iterator<Entry> it = queue.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (now - e.storedAt >= maxAge) {
                it.remove();
                expired.add(e.message);
            }
        }
    }

    /** Lock held. The group, created on first use; the first group adopts what was sent before it. */
    Group group(String name) {
        Group g = groups.get(name);
        if (g == null) {
            g = new Group();
            if (groups.isEmpty()) {
                g.ready.addAll(beforeAnyGroup);
                beforeAnyGroup.clear();
            }
            groups.put(name, g);
        }
        return g;
    }

    /** Lock held. The next entry a member of the group may take now, or null; marks it pending. */
    Entry take(Group g, String consumer, long now) {
        Entry e = g.retry.peekFirst();
        if (e != null && e.visibleAt <= now) {
            g.retry.pollFirst();
        } else {
            e = g.ready.pollFirst();
        }
        if (e == null) {
            return null;
        }
        e.deliveries++;
        e.owner = consumer;
        g.pending.put(e.id, e);
        return e;
    }

    /** Lock held. Nanoseconds until the group's first retry becomes visible, or -1 when none waits. */
    long nextVisibleIn(Group g, long now) {
        Entry e = g.retry.peekFirst();
        return e == null ? -1 : Math.max(0, e.visibleAt - now);
    }

    /** Lock held. Settles a pending entry; {@code requeueAt} >= 0 puts it back for redelivery. */
    boolean settle(Group g, Entry e, long requeueAt) {
        if (g.pending.remove(e.id) == null) {
            return false;
        }
        if (requeueAt >= 0) {
            e.visibleAt = requeueAt;
            g.retry.addLast(e);
            changed.signalAll();
        }
        return true;
    }

    /**
     * Lock held. Gives a pending entry back as if it had never been delivered: its delivery is
     * not counted, and it is first in line again.
     */
    void release(Group g, Entry e, long now) {
        if (g.pending.remove(e.id) == null) {
            return;
        }
        e.deliveries--;
        e.visibleAt = now;
        g.retry.addFirst(e);
        changed.signalAll();
    }

    /**
     * Lock held. Gives every entry pending at {@code consumer} back to its group, as a broker does
     * when a consumer's connection goes away.
     *
     * @return how many were given back
     */
    int releaseAll(Group g, String consumer, long now) {
        List<Entry> released = new ArrayList<>();
        for (Iterator<Entry> it = g.pending.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (consumer.equals(e.owner)) {
                it.remove();
                e.visibleAt = now;
                released.add(e);
            }
        }
        for (int i = released.size() - 1; i >= 0; i--) {
            g.retry.addFirst(released.get(i)); // first in line again, in their original order
        }
        if (!released.isEmpty()) {
            changed.signalAll();
        }
        return released.size();
    }

    /** Lock held. Ready messages of the fullest group: the backlog. */
    long maxReady() {
        long max = beforeAnyGroup.size();
        for (Group g : groups.values()) {
            max = Math.max(max, g.readyCount());
        }
        return max;
    }

    /** Lock held. Entries delivered to the group and not settled. */
    int pending(String group) {
        Group g = groups.get(group);
        return g == null ? 0 : g.pending.size();
    }

    /** Lock held. Ready messages of one group (or those waiting for a first group). */
    int ready(String group) {
        Group g = groups.get(group);
        return g == null ? (groups.isEmpty() ? beforeAnyGroup.size() : 0) : g.readyCount();
    }

    Ticker ticker() {
        return ticker;
    }
}
