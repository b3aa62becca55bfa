package dev.sluice;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a consumer pulls: at the broker's own granularity, never more in flight than it can
 * handle. Immutable; every step returns a new policy and validates its argument at once, and
 * {@link #validate()} checks the rules between settings when the policy is given to a spec, so
 * the order of the steps does not matter.
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

    /** What a consumer does with a message it cannot decode as Sluice wrote it (foreign or corrupt metadata). */
    public enum Malformed {
        /** Hand it to the handler with its raw payload and fields, counted and reported. The default. */
        DELIVER_RAW,
        /** Move it to the dead letter with the reason, counted and reported; no handler sees it. */
        DEAD_LETTER
    }

    private int batchSize;
    private int maxInFlight;
    private double pauseAt;
    private double resumeAt;
    private int concurrency;
    private int maxAttempts;
    private Duration redeliveryDelay;
    private Duration pollTimeout;
    private String deadLetter;
    private RateLimit rateLimit;
    private Malformed malformed;
    private Limit limit;

    private ConsumerPolicy(int batchSize) {
        this.batchSize = batchSize;
        this.maxInFlight = batchSize;
        this.pauseAt = 1.0;
        this.resumeAt = 0.5;
        this.concurrency = 1;
        this.maxAttempts = 5;
        this.redeliveryDelay = Duration.ZERO;
        this.pollTimeout = Duration.ofMillis(500);
        this.malformed = Malformed.DELIVER_RAW;
    }

    /** A copy to change one setting on; the policy itself never changes. */
    private ConsumerPolicy copy() {
        ConsumerPolicy c = new ConsumerPolicy(batchSize);
        c.maxInFlight = maxInFlight;
        c.pauseAt = pauseAt;
        c.resumeAt = resumeAt;
        c.concurrency = concurrency;
        c.maxAttempts = maxAttempts;
        c.redeliveryDelay = redeliveryDelay;
        c.pollTimeout = pollTimeout;
        c.deadLetter = deadLetter;
        c.rateLimit = rateLimit;
        c.malformed = malformed;
        c.limit = limit;
        return c;
    }

    /** Pulls {@code batchSize} messages per fetch, with as many in flight. */
    public static ConsumerPolicy pull(int batchSize) {
        Validation.atLeast("batchSize", batchSize, 1);
        return new ConsumerPolicy(batchSize);
    }

    public static ConsumerPolicy defaults() {
        return pull(50);
    }

    /** @param maxInFlight messages delivered and not yet acked; at least 1, and not below the batch size (checked by {@link #validate()}) */
    public ConsumerPolicy maxInFlight(int maxInFlight) {
        Validation.atLeast("maxInFlight", maxInFlight, 1);
        ConsumerPolicy c = copy();
        c.maxInFlight = maxInFlight;
        c.limit = null;
        return c;
    }

    /**
     * An in-flight cap that is fixed ({@link Limit#fixed(int)}, the same as {@link #maxInFlight(int)})
     * or adaptive ({@link Limit#gradient(int, int)}, {@link Limit#aimd(int, int)}): the cap moves
     * between the floor and the ceiling, the consumer's credit follows it, and the broker is never
     * asked for more than the ceiling. {@link #maxInFlight()} is then the ceiling; pauseAt and
     * resumeAt apply to the cap as it is at each moment.
     */
    public ConsumerPolicy maxInFlight(Limit limit) {
        Objects.requireNonNull(limit, "maxInFlight");
        ConsumerPolicy c = copy();
        c.maxInFlight = limit.ceiling();
        c.limit = limit.isAdaptive() ? limit : null;
        return c;
    }

    /** @param fraction of maxInFlight at which fetching pauses (above 0, at most 1); must exceed resumeAt (checked by {@link #validate()}) */
    public ConsumerPolicy pauseAt(double fraction) {
        Validation.fraction("pauseAt", fraction);
        ConsumerPolicy c = copy();
        c.pauseAt = fraction;
        return c;
    }

    /** @param fraction of maxInFlight at which fetching resumes (0 to below 1); must be below pauseAt (checked by {@link #validate()}) */
    public ConsumerPolicy resumeAt(double fraction) {
        if (!(fraction >= 0.0 && fraction < 1.0)) {
            throw new IllegalArgumentException("resumeAt (" + fraction + ") must be at least 0 and below 1");
        }
        ConsumerPolicy c = copy();
        c.resumeAt = fraction;
        return c;
    }

    /** @param concurrency handler threads; at least 1 */
    public ConsumerPolicy concurrency(int concurrency) {
        Validation.atLeast("concurrency", concurrency, 1);
        ConsumerPolicy c = copy();
        c.concurrency = concurrency;
        return c;
    }

    /** @param maxAttempts deliveries of a message before it is dead-lettered; at least 1 */
    public ConsumerPolicy maxAttempts(int maxAttempts) {
        Validation.atLeast("maxAttempts", maxAttempts, 1);
        ConsumerPolicy c = copy();
        c.maxAttempts = maxAttempts;
        return c;
    }

    /** @param delay how long a nacked message waits before it is delivered again, where the broker allows */
    public ConsumerPolicy redeliveryDelay(Duration delay) {
        Validation.notNegative("redeliveryDelay", delay);
        ConsumerPolicy c = copy();
        c.redeliveryDelay = delay;
        return c;
    }

    /** @param timeout how long one fetch waits for data (Kafka poll, SQS long polling, Redis BLOCK) */
    public ConsumerPolicy pollTimeout(Duration timeout) {
        Validation.positive("pollTimeout", timeout);
        ConsumerPolicy c = copy();
        c.pollTimeout = timeout;
        return c;
    }

    /** @param destination where messages go after maxAttempts (queue, topic or stream name) */
    public ConsumerPolicy deadLetter(String destination) {
        Objects.requireNonNull(destination, "deadLetter");
        if (destination.isBlank()) {
            throw new IllegalArgumentException("deadLetter (\"" + destination + "\") must not be blank");
        }
        ConsumerPolicy c = copy();
        c.deadLetter = destination;
        return c;
    }

    public ConsumerPolicy rateLimit(RateLimit rateLimit) {
        Objects.requireNonNull(rateLimit, "rateLimit");
        ConsumerPolicy c = copy();
        c.rateLimit = rateLimit;
        return c;
    }

    /** @param malformed what to do with a message that cannot be decoded as Sluice wrote it; {@code DELIVER_RAW} by default */
    public ConsumerPolicy onMalformed(Malformed malformed) {
        Objects.requireNonNull(malformed, "onMalformed");
        ConsumerPolicy c = copy();
        c.malformed = malformed;
        return c;
    }

    /**
     * Checks the rules between settings, whatever order they were set in; called when the policy
     * is given to a {@link ChannelSpec}.
     *
     * @return this policy
     * @throws IllegalArgumentException naming both settings and their values
     */
    public ConsumerPolicy validate() {
        if (maxInFlight < batchSize) {
            throw new IllegalArgumentException((limit != null ? "maxInFlight's ceiling (" : "maxInFlight (") + maxInFlight
                    + ") must not be below batchSize (" + batchSize + ")");
        }
        if (pauseAt <= resumeAt) {
            throw new IllegalArgumentException("pauseAt (" + pauseAt + ") must exceed resumeAt (" + resumeAt + ")");
        }
        return this;
    }

    public int batchSize() {
        return batchSize;
    }

    /** @return the in-flight cap; for an adaptive limit its ceiling */
    public int maxInFlight() {
        return maxInFlight;
    }

    /**
     * @return the in-flight cap as a strategy mapping or a log line shows it: {@code 16}, or for an
     *     adaptive limit {@code adaptive gradient(4..256, ...)} (its value of the moment is in
     *     {@code PressureState})
     */
    public String inFlightCapText() {
        return limit != null ? "adaptive " + limit : Integer.toString(maxInFlight);
    }

    /** @return the in-flight limit: the adaptive one given, or {@code Limit.fixed(maxInFlight)} */
    public Limit inFlightLimit() {
        return limit != null ? limit : Limit.fixed(maxInFlight);
    }

    public double pauseAt() {
        return pauseAt;
    }

    public double resumeAt() {
        return resumeAt;
    }

    /** @return the in-flight count at which fetching pauses: {@code ceil(pauseAt × maxInFlight)}, at least 1 */
    public int pauseThreshold() {
        return pauseThreshold(maxInFlight);
    }

    /** @return the pause threshold for an in-flight cap of {@code cap} (an adaptive cap as it is now) */
    public int pauseThreshold(int cap) {
        return Math.max(1, (int) Math.ceil(pauseAt * cap));
    }

    /** @return the resume threshold for an in-flight cap of {@code cap}, below its pause threshold */
    public int resumeThreshold(int cap) {
        return Math.min(pauseThreshold(cap) - 1, (int) Math.floor(resumeAt * cap));
    }

    /** @return the in-flight count at which fetching resumes: {@code floor(resumeAt × maxInFlight)}, below the pause threshold */
    public int resumeThreshold() {
        return resumeThreshold(maxInFlight);
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

    public Malformed onMalformed() {
        return malformed;
    }

    @Override
    public String toString() {
        return "ConsumerPolicy[batchSize=" + batchSize + ", maxInFlight=" + (limit != null ? limit : maxInFlight) + ", pauseAt=" + pauseAt
                + ", resumeAt=" + resumeAt + ", concurrency=" + concurrency + ", maxAttempts=" + maxAttempts + "]";
    }
}
