package dev.sluice.flow;

/**
 * How full a bounded buffer is, with hysteresis on the way down.
 *
 * <ul>
 *   <li>{@code NORMAL}: below the soft limit (or back at or below the low watermark after being above it);
 *   <li>{@code SOFT}: at or above the soft limit: a signal to slow down, nothing is refused yet;
 *   <li>{@code HARD}: at capacity: the overflow policy applies to every further offer, until the
 *       buffer has drained back to the soft limit.
 * </ul>
 */
public enum PressureLevel {
    NORMAL,
    SOFT,
    HARD
}
