package dev.sluice;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a consumer pulls: at the broker's own granularity, never more in flight than it can
 * handle. Immutable; every step returns a new policy and validates its argument at once.
 *
 * <ul>
 *   <li>{@link #pull(int) batchSize}: how many messages one fetch asks for (Kafka
 *       {@code max.poll.records}, SQS {@code MaxNumberOfMessages}, Redis {@code COUNT});
 *   <li>{@link #maxInFlight(int) maxInFlight}: delivered to the handler and not yet acked; the
 *       broker is never asked for more (RabbitMQ prefetch, Redis pending entries);
 *   <li>{@link #pauseAt(double) pauseAt} / {@link #resumeAt(double) resumeAt}: fractions of
 *       maxInFlight at which fetching pauses and resumes (hysteresis, so it does not flap);
 *   <li>{@link #concurrency(int) concurrency}: handler threads; messages with the same key stay
 *       on one thread, in order;
 *   <li>{@link #maxAttempts(int) maxAttempts}: deliveries of one message before it goes to the
 *       {@link #deadLetter(String) dead letter} destination;
 *   <li>{@link #pollTimeout(Duration) pollTimeout}: how long one fetch waits for data;
 *   <li>{@link #rateLimit(RateLimit) rateLimit}: optional, on handler invocations.
 * </ul>
 *
 * <p>Defaults: batch 50, in flight 50, pause at 1.0, resume at 0.5, concurrency 1, 5 attempts,
 * redelivery at once, poll timeout 500 ms, dead letter named by the adapter.
 */
public final class ConsumerPolicy {

    private final int batchSize;
    private final int maxInFlight;
    private final double pauseAt;
    private final double resumeAt;
    private final int concurrency;
    private final int maxAttempts;
    private final Duration redeliveryDelay;
    private final Duration pollTimeout;
    private final String deadLetter;
    private final RateLimit rateLimit;

    private ConsumerPolicy(int batchSize, int maxInFlight, double pauseAt, double resumeAt, int concurrency,
                           int maxAttempts, Duration redeliveryDelay, Duration pollTimeout, String deadLetter,
                           RateLimit rateLimit) {
        this.batchSize = batchSize;
        this.maxInFlight = maxInFlight;
        this.pauseAt = pauseAt;
        this.resumeAt = resumeAt;
        this.concurrency = concurrency;
        this.maxAttempts = maxAttempts;
        this.redeliveryDelay = redeliveryDelay;
        this.pollTimeout = pollTimeout;
        this.deadLetter = deadLetter;
        this.rateLimit = rateLimit;
    }

    /** Pulls {@code batchSize} messages per fetch, with as many in flight. */
    public static ConsumerPolicy pull(int batchSize) {
        Validation.atLeast("batchSize", batchSize, 1);
        return new ConsumerPolicy(batchSize, batchSize, 1.0, 0.5, 1, 5, Duration.ZERO, Duration.ofMillis(500), null, null);
    }

    public static ConsumerPolicy defaults() {
        return pull(50);
    }

    /** @param maxInFlight messages delivered and not yet acked; at least the batch size */
    public ConsumerPolicy maxInFlight(int maxInFlight) {
        Validation.atLeast("maxInFlight", maxInFlight, 1);
        if (maxInFlight < batchSize) {
            throw new IllegalArgumentException("maxInFlight (" + maxInFlight + ") must not be below batchSize (" + batchSize + ")");
        }
        return new ConsumerPolicy(batchSize, maxInFlight, pauseAt, resumeAt, concurrency, maxAttempts, redeliveryDelay,
                pollTimeout, deadLetter, rateLimit);
    }

    /** @param fraction of maxInFlight at which fetching pauses (above 0, at most 1); must exceed resumeAt */
    public ConsumerPolicy pauseAt(double fraction) {
        Validation.fraction("pauseAt", fraction);
        if (fraction <= resumeAt) {
            throw new IllegalArgumentException("pauseAt (" + fraction + ") must exceed resumeAt (" + resumeAt + ")");
        }
        return new ConsumerPolicy(batchSize, maxInFlight, fraction, resumeAt, concurrency, maxAttempts, redeliveryDelay,
                pollTimeout, deadLetter, rateLimit);
    }

    /** @param fraction of maxInFlight at which fetching resumes (0 to below pauseAt) */
    public ConsumerPolicy resumeAt(double fraction) {
        if (!(fraction >= 0.0 && fraction < 1.0)) {
            throw new IllegalArgumentException("resumeAt (" + fraction + ") must be at least 0 and below 1");
        }
        if (fraction >= pauseAt) {
            throw new IllegalArgumentException("resumeAt (" + fraction + ") must be below pauseAt (" + pauseAt + ")");
        }
        return new ConsumerPolicy(batchSize, maxInFlight, pauseAt, fraction, concurrency, maxAttempts, redeliveryDelay,
                pollTimeout, deadLetter, rateLimit);
    }

    /** @param concurrency handler threads; at least 1 */
    public ConsumerPolicy concurrency(int concurrency) {
        Validation.atLeast("concurrency", concurrency, 1);
        return new ConsumerPolicy(batchSize, maxInFlight, pauseAt, resumeAt, concurrency, maxAttempts, redeliveryDelay,
                pollTimeout, deadLetter, rateLimit);
    }

    /** @param maxAttempts deliveries of a message before it is dead-lettered; at least 1 */
    public ConsumerPolicy maxAttempts(int maxAttempts) {
        Validation.atLeast("maxAttempts", maxAttempts, 1);
        return new ConsumerPolicy(batchSize, maxInFlight, pauseAt, resumeAt, concurrency, maxAttempts, redeliveryDelay,
                pollTimeout, deadLetter, rateLimit);
    }

    /** @param delay how long a nacked message waits before it is delivered again, where the broker allows */
    public ConsumerPolicy redeliveryDelay(Duration delay) {
        Validation.notNegative("redeliveryDelay", delay);
        return new ConsumerPolicy(batchSize, maxInFlight, pauseAt, resumeAt, concurrency, maxAttempts, delay,
                pollTimeout, deadLetter, rateLimit);
    }

    /** @param timeout how long one fetch waits for data (Kafka poll, SQS long polling, Redis BLOCK) */
    public ConsumerPolicy pollTimeout(Duration timeout) {
        Validation.positive("pollTimeout", timeout);
        return new ConsumerPolicy(batchSize, maxInFlight, pauseAt, resumeAt, concurrency, maxAttempts, redeliveryDelay,
                timeout, deadLetter, rateLimit);
    }

    /** @param destination where messages go after maxAttempts (queue, topic or stream name) */
    public ConsumerPolicy deadLetter(String destination) {
        Objects.requireNonNull(destination, "deadLetter");
        if (destination.isBlank()) {
            throw new IllegalArgumentException("deadLetter (\"" + destination + "\") must not be blank");
        }
        return new ConsumerPolicy(batchSize, maxInFlight, pauseAt, resumeAt, concurrency, maxAttempts, redeliveryDelay,
                pollTimeout, destination, rateLimit);
    }

    public ConsumerPolicy rateLimit(RateLimit rateLimit) {
        Objects.requireNonNull(rateLimit, "rateLimit");
        return new ConsumerPolicy(batchSize, maxInFlight, pauseAt, resumeAt, concurrency, maxAttempts, redeliveryDelay,
                pollTimeout, deadLetter, rateLimit);
    }

    public int batchSize() {
        return batchSize;
    }

    public int maxInFlight() {
        return maxInFlight;
    }

    public double pauseAt() {
        return pauseAt;
    }

    public double resumeAt() {
        return resumeAt;
    }

    /** @return the in-flight count at which fetching pauses: {@code ceil(pauseAt × maxInFlight)}, at least 1 */
    public int pauseThreshold() {
        return Math.max(1, (int) Math.ceil(pauseAt * maxInFlight));
    }

    /** @return the in-flight count at which fetching resumes: {@code floor(resumeAt × maxInFlight)}, below the pause threshold */
    public int resumeThreshold() {
        return Math.min(pauseThreshold() - 1, (int) Math.floor(resumeAt * maxInFlight));
    }

    public int concurrency() {
        return concurrency;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration redeliveryDelay() {
        return redeliveryDelay;
    }

    public Duration pollTimeout() {
        return pollTimeout;
    }

    /** @return the dead letter destination, or empty for the adapter's default name */
    public Optional<String> deadLetter() {
        return Optional.ofNullable(deadLetter);
    }

    public Optional<RateLimit> rateLimit() {
        return Optional.ofNullable(rateLimit);
    }

    @Override
    public String toString() {
        return "ConsumerPolicy[batchSize=" + batchSize + ", maxInFlight=" + maxInFlight + ", pauseAt=" + pauseAt
                + ", resumeAt=" + resumeAt + ", concurrency=" + concurrency + ", maxAttempts=" + maxAttempts + "]";
    }
}
