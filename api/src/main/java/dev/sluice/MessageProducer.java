package dev.sluice;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Sends messages through the channel's producer gate (rate limit, bounded buffer, in-flight cap)
 * to the broker. Thread-safe; one producer per channel.
 */
public interface MessageProducer {

    /**
     * Applies the producer policy and returns what happened to the message. Blocks only under
     * {@link Overflow#block(Duration)}, at most its {@code maxWait}; every other policy answers at
     * once. {@code ACCEPTED} means the gate took the message; the broker send follows.
     *
     * @return {@code ACCEPTED}, {@code DISPLACED}, {@code REJECTED}, {@code RATE_LIMITED},
     *     {@code TIMED_OUT} or {@code TOO_LARGE}; never null, never thrown
     * @throws IllegalStateException if the channel is closed
     */
    SendResult send(Message message);

    /**
     * Like {@link #send(Message)}, but the stage completes when the broker has confirmed the
     * message ({@code ACCEPTED}), refused it ({@code REJECTED}, {@code TOO_LARGE}), failed
     * ({@code FAILED}), or when the gate refused it; a message accepted and later dropped
     * completes with {@code DROPPED}. The calling thread may still block under the block policy.
     */
    CompletionStage<SendResult> sendAsync(Message message);

    /**
     * Waits until everything buffered so far has been confirmed or has failed.
     *
     * @return true when nothing is buffered or in flight any more, false when the timeout passed
     * @throws InterruptedException if interrupted while waiting
     */
    boolean flush(Duration timeout) throws InterruptedException;
}
