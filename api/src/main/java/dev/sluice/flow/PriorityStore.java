package dev.sluice.flow;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import java.util.random.RandomGenerator;

/**
 * Highest priority first, FIFO within a priority: a sorted map of FIFO queues, one per priority
 * in use. Every operation is O(log p) for p distinct priorities present, never a sort.
 */
final class PriorityStore<E> implements ElementStore<E> {

    private final TreeMap<Integer, ArrayDeque<E>> byPriority = new TreeMap<>();
    private final ToIntFunction<? super E> priority;
    private int size;

    PriorityStore(ToIntFunction<? super E> priority) {
        this.priority = priority;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void add(E e) {
        byPriority.computeIfAbsent(priority.applyAsInt(e), p -> new ArrayDeque<>()).addLast(e);
        size++;
    }

    @Override
    public E poll() {
        Map.Entry<Integer, ArrayDeque<E>> highest = byPriority.lastEntry();
        return highest == null ? null : removeFrom(highest, true);
    }

    @Override
    public E peek() {
        Map.Entry<Integer, ArrayDeque<E>> highest = byPriority.lastEntry();
        return highest == null ? null : highest.getValue().peekFirst();
    }

    @Override
    public E removeOldest() {
        throw new UnsupportedOperationException("a priority store drops by priority, not by age");
    }

    @Override
    public E removeRandom(RandomGenerator random) {
        throw new UnsupportedOperationException("a priority store drops by priority, not at random");
    }

    @Override
    public E removeLowerThan(int incomingPriority) {
        Map.Entry<Integer, ArrayDeque<E>> lowest = byPriority.firstEntry();
        if (lowest == null || lowest.getKey() >= incomingPriority) {
            return null;
        }
        return removeFrom(lowest, false);
    }

    @Override
    public void drainAll(Consumer<? super E> action) {
        E e;
        while ((e = poll()) != null) {
            action.accept(e);
        }
    }

    private E removeFrom(Map.Entry<Integer, ArrayDeque<E>> entry, boolean first) {
        ArrayDeque<E> queue = entry.getValue();
        E e = first ? queue.pollFirst() : queue.pollLast();
        if (queue.isEmpty()) {
            byPriority.remove(entry.getKey());
        }
        size--;
        return e;
    }
}
