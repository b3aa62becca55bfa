package dev.sluice.channel;

import dev.sluice.PauseReason;
import java.util.EnumSet;
import java.util.Set;

/**
 * The reasons holding a consumer paused. Fetching runs only when none is held, so releasing one
 * reason never undoes another. Thread-safe.
 */
final class PauseOwners {

    /** What a change did to the paused state as a whole. */
    enum Transition { NONE, CHANGED, PAUSED, RESUMED }

    private final EnumSet<PauseReason> held = EnumSet.noneOf(PauseReason.class);

    synchronized Transition hold(PauseReason reason) {
        boolean wasEmpty = held.isEmpty();
        if (!held.add(reason)) {
            return Transition.NONE;
        }
        return wasEmpty ? Transition.PAUSED : Transition.CHANGED;
    }

    synchronized Transition release(PauseReason reason) {
        if (!held.remove(reason)) {
            return Transition.NONE;
        }
        return held.isEmpty() ? Transition.RESUMED : Transition.CHANGED;
    }

    synchronized boolean isHeld(PauseReason reason) {
        return held.contains(reason);
    }

    /** @return true when a reason other than {@code BACKPRESSURE} is held: deliveries must wait */
    synchronized boolean holdsDeliveries() {
        return !held.isEmpty() && !(held.size() == 1 && held.contains(PauseReason.BACKPRESSURE));
    }

    synchronized Set<PauseReason> snapshot() {
        return held.isEmpty() ? Set.of() : Set.copyOf(held);
    }
}
