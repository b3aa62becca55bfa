package dev.sluice;

import dev.sluice.flow.DropReason;
import dev.sluice.flow.PressureLevel;

/**
 * Typed pressure events of a channel. Every method has an empty default, so a listener
 * implements only what it needs. Called on the thread that caused the event; must be
 * thread-safe and quick. An exception a listener throws is caught and does not reach the channel.
 *
 * <p>Level changes and {@code BACKPRESSURE} pauses are told while the state that caused them is
 * locked, so they arrive in order and a listener that reads the consumer or the pressure sees the
 * figures that caused them; such a listener must not block.
 */
public interface PressureListener {

    /** The producer buffer moved between levels. */
    default void onLevelChanged(PressureLevel from, PressureLevel to) {
    }

    /** The broker signalled pressure; {@code reason} is the broker's own words where it gives them. */
    default void onBrokerBlocked(String reason) {
    }

    default void onBrokerUnblocked() {
    }

    /** The broker cannot be reached (connection lost, restarting, not answering); the health is DOWN meanwhile. */
    default void onBrokerUnreachable(String cause) {
    }

    /** The broker answers again. */
    default void onBrokerReachable() {
    }

    /** A consumer of the group took the reason. */
    default void onPaused(String group, PauseReason reason) {
    }

    /** A consumer of the group released the reason. */
    default void onResumed(String group, PauseReason reason) {
    }

    /** A message was dropped, by the producer policy or by the broker's backlog limit. */
    default void onDropped(Message message, DropReason reason) {
    }

    /**
     * A consumer of the group received a message it could not decode as Sluice writes it; it
     * was delivered raw or dead-lettered, as {@code ConsumerPolicy.onMalformed} says.
     */
    default void onMalformed(String group, Message message, String reason) {
    }

    /**
     * A consumer of the group failed to fetch (a lost connection, a broker error); it keeps
     * trying with a backoff, and the channel's health is DEGRADED meanwhile.
     */
    default void onConsumerError(String group, Throwable error) {
    }

    /** The broker dropped {@code count} messages it could not show one by one (backlog trimming). */
    default void onDroppedByBroker(long count, DropReason reason) {
    }

    /**
     * A consumer of the group moved its adaptive in-flight limit ({@code Limit.gradient}, {@code Limit.aimd}).
     * Told on the thread that settled the delivery which moved it; must be quick.
     */
    default void onInFlightLimitChanged(String group, int from, int to) {
    }

    /**
     * The producer's adaptive rate ({@code RateLimit.adaptive}) moved by at least 5 % since it was
     * last told, or reached its floor or ceiling; in messages a second. Told on the thread whose
     * send, confirm or broker signal moved it; must be quick.
     */
    default void onProducerRateChanged(double from, double to) {
    }
}
