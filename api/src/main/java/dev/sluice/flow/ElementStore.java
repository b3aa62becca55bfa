package dev.sluice.flow;

import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * The storage behind a {@link BoundedBuffer}; the buffer holds the lock and enforces capacity.
 * Not thread-safe.
 */
interface ElementStore<E> {

    int size();

    void add(E e);

    /** @return the next element to hand out, or null when empty */
    E poll();

    /** @return the next element to hand out without removing it, or null when empty */
    E peek();

    /** Removes the oldest element; only called when not empty. */
    E removeOldest();

    /** Removes an element chosen uniformly; only called when not empty. */
    E removeRandom(RandomGenerator random);

    /**
     * Removes the element that loses to {@code incoming} under priority overflow, if one does.
     *
     * @return the removed element, or null when the incoming element is itself the lowest
     */
    E removeLowerThan(int incomingPriority);

    /** Hands every element, in hand-out order, to the action and empties the store. */
    void drainAll(Consumer<? super E> action);
}
