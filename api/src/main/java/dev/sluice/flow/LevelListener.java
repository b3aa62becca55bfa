package dev.sluice.flow;

/**
 * Told when a buffer moves between {@link PressureLevel}s.
 *
 * <p>Called while the buffer's lock is held, so transitions arrive in the order they happened;
 * it must return quickly and must not call back into the buffer's blocking methods.
 */
@FunctionalInterface
public interface LevelListener {
    void onLevelChanged(PressureLevel from, PressureLevel to);
}
