package dev.sluice.channel;

import dev.sluice.PressureListener;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** The channel's listeners; an exception thrown by one never reaches the channel or the others. */
final class ListenerSet {

    private final CopyOnWriteArrayList<PressureListener> listeners = new CopyOnWriteArrayList<>();

    AutoCloseable add(PressureListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    void fire(Consumer<PressureListener> event) {
        for (PressureListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException ignored) {
                // A listener's failure is its own; the channel goes on.
            }
        }
    }
}
