package dev.sluice;

/**
 * Who paused a consumer. A consumer is paused while at least one reason holds it, and resumes
 * only when the last one is released: releasing {@code BACKPRESSURE} never undoes a
 * {@code MANUAL} pause.
 */
public enum PauseReason {
    /** The in-flight count reached the high watermark; released at the low watermark. */
    BACKPRESSURE,
    /** The application called {@code pause()}; released only by {@code resume()}. */
    MANUAL,
    /** The broker signalled pressure (an alarm, a blocked connection). */
    BROKER,
    /** A health check of the application failed (a downstream it depends on is down). */
    HEALTH
}
