package dev.sluice.channel;

import dev.sluice.PauseReason;
import java.util.EnumSet;
import java.util.Set;

/**
 * The reasons holding a consumer paused. Fetching runs only when none is held, so releasing one
 * reason never undoes another. Thread-safe: changes take the monitor; whether deliveries must
 * wait is read on every delivery, so it is also published in a volatile field and read without it.
 */
final class PauseOwners {

    /** What a change did to the paused state as a whole. */
    enum Transition { NONE, CHANGED, PAUSED, RESUMED }

    private final EnumSet<PauseReason> held = EnumSet.noneOf(PauseReason.class);
    private volatile boolean holdsDeliveries;

    synchronized Transition hold(PauseReason reason) {
        boolean wasEmpty = held.isEmpty();
        if (!held.add(reason)) {
            return Transition.NONE;
        }
        publish();
        return wasEmpty ? Transition.PAUSED : Transition.CHANGED;
    }

    synchronized Transition release(PauseReason reason) {
        if (!held.remove(reason)) {
            return Transition.NONE;
        }
        publish();
        return held.isEmpty() ? Transition.RESUMED : Transition.CHANGED;
    }

    private void publish() {
        holdsDeliveries = !held.isEmpty() && !(held.size() == 1 && held.contains(PauseReason.BACKPRESSURE));
    }

    synchronized boolean isHeld(PauseReason reason) {
        return held.contains(reason);
    }

    /** @return true when a reason other than {@code BACKPRESSURE} is held: deliveries must wait */
    boolean holdsDeliveries() {
        return holdsDeliveries;
    }

    synchronized Set<PauseReason> snapshot() {
        return held.isEmpty() ? Set.of() : Set.copyOf(held);
    }
}
