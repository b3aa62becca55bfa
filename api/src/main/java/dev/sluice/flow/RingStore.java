package dev.sluice.flow;

import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * FIFO ring. Random removal leaves a tombstone (null) that {@link #poll()} skips; the ring has
 * twice the capacity when random removal is enabled, so that compaction, which is O(n), happens
 * at most once per {@code capacity} additions: every operation is amortised O(1).
 */
final class RingStore<E> implements ElementStore<E> {

    /** Only a ring with random removal has tombstones to skip. */
    private final boolean tombstones;
    private Object[] slots;
    private int head;      // index of the first occupied slot
    private int occupied;  // slots from head, live elements and tombstones
    private int live;

    RingStore(int capacity, boolean randomRemoval) {
        this.slots = new Object[randomRemoval ? Math.multiplyExact(capacity, 2) : capacity];
        this.tombstones = randomRemoval;
    }

    @Override
    public int size() {
        return live;
    }

    @Override
    public void add(E e) {
        if (occupied == slots.length) {
            compact();
        }
        slots[index(occupied)] = e;
        occupied++;
        live++;
    }

    @Override
    public E poll() {
        skipTombstones();
        if (live == 0) {
            return null;
        }
        @SuppressWarnings("unchecked")
        E e = (E) slots[head];
        slots[head] = null;
        head = index(1);
        occupied--;
        live--;
        return e;
    }

    @Override
    @SuppressWarnings("unchecked")
    public E peek() {
        skipTombstones();
        return live == 0 ? null : (E) slots[head];
    }

    @Override
    public E removeOldest() {
        return poll();
    }

    @Override
    public E removeRandom(RandomGenerator random) {
        // Rejection sampling: at least half of the occupied slots are live, so on average
        // fewer than two draws are needed.
        while (true) {
            int i = index(random.nextInt(occupied));
            @SuppressWarnings("unchecked")
            E e = (E) slots[i];
            if (e != null) {
                slots[i] = null;
                live--;
                return e;
            }
        }
    }

    @Override
    public E removeLowerThan(int incomingPriority) {
        throw new UnsupportedOperationException("a FIFO store has no priorities");
    }

    @Override
    public void drainAll(Consumer<? super E> action) {
        E e;
        while ((e = poll()) != null) {
            action.accept(e);
        }
        head = 0;
        occupied = 0;
    }

    private void skipTombstones() {
        while (tombstones && occupied > 0 && slots[head] == null) {
            head = index(1);
            occupied--;
        }
    }

    private void compact() {
        Object[] fresh = new Object[slots.length];
        int n = 0;
        for (int k = 0; k < occupied; k++) {
            Object e = slots[index(k)];
            if (e != null) {
                fresh[n++] = e;
            }
        }
        slots = fresh;
        head = 0;
        occupied = n;
    }

    private int index(int offset) {
        int i = head + offset;
        return i >= slots.length ? i - slots.length : i;
    }
}
