package dev.sluice.flow;

/**
 * Receives every element a primitive drops, with the reason.
 *
 * <p>Called on the thread whose operation caused the drop, after the primitive's lock has been
 * released, so it may do slow work (log, write elsewhere) without stalling other threads; it
 * must be thread-safe. An exception it throws is not propagated to the offering thread.
 *
 * @param <E> the element type
 */
@FunctionalInterface
public interface DropHandler<E> {

    /** @param element the dropped element, never null */
    void onDrop(E element, DropReason reason);

    /** @return a handler that ignores drops (they are still counted) */
    static <E> DropHandler<E> ignore() {
        return (e, r) -> { };
    }
}
