package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every invalid policy value fails when it is set, with a message that names it and shows it. */
class PolicyValidationTest {

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                bad("capacity (0) must be at least 1", () -> ProducerPolicy.buffer(0)),
                bad("softLimit (12000) must not exceed capacity (10000)", () -> ProducerPolicy.buffer(10_000).softLimit(12_000)),
                bad("softLimit (0) must be at least 1", () -> ProducerPolicy.buffer(10).softLimit(0)),
                bad("lowWatermark (8) must be below softLimit (8)", () -> ProducerPolicy.buffer(10).softLimit(8).lowWatermark(8)),
                bad("lowWatermark (-1) must not be negative", () -> ProducerPolicy.buffer(10).lowWatermark(-1)),
                bad("softLimit (4) must exceed lowWatermark (5)", () -> ProducerPolicy.buffer(10).lowWatermark(5).softLimit(4)),
                bad("maxInFlight (0) must be at least 1", () -> ProducerPolicy.buffer(10).maxInFlight(0)),
                bad("maxBytes (0) must be at least 1", () -> ProducerPolicy.buffer(10).maxBytes(0)),
                bad("maxBytes (-1) must be at least 1", () -> ProducerPolicy.buffer(10).maxBytes(-1)),
                bad("bypassRateLimitAtOrAbove (256) must be between 0 and 255", () -> ProducerPolicy.buffer(10).bypassRateLimitAtOrAbove(256)),
                bad("shedBelowPriority (-1) must be between 0 and 255", () -> ProducerPolicy.buffer(10).shedBelowPriority(-1)),
                bad("maxWait (PT0S) must be positive", () -> Overflow.block(Duration.ZERO)),
                bad("maxWait (PT-1S) must be positive", () -> Overflow.block(Duration.ofSeconds(-1))),
                bad("perSecond (0) must be at least 1", () -> RateLimit.tokenBucket(0)),
                bad("burst (0) must be at least 1", () -> RateLimit.tokenBucket(10).burst(0)),
                bad("period (PT0S) must be positive", () -> RateLimit.tokenBucket(10, Duration.ZERO)),
                bad("limit (0) must be at least 1", () -> RateLimit.slidingWindow(0, Duration.ofSeconds(1))),
                bad("window (PT-0.001S) must be positive", () -> RateLimit.slidingWindow(5, Duration.ofMillis(-1))),
                bad("batchSize (0) must be at least 1", () -> ConsumerPolicy.pull(0)),
                bad("maxInFlight (10) must not be below batchSize (50)", () -> ChannelSpec.of("mem://x/q").consumer(ConsumerPolicy.pull(50).maxInFlight(10))),
                bad("maxInFlight (0) must be at least 1", () -> ConsumerPolicy.pull(1).maxInFlight(0)),
                bad("pauseAt (1.5) must be above 0 and at most 1", () -> ConsumerPolicy.pull(1).pauseAt(1.5)),
                bad("pauseAt (0.3) must exceed resumeAt (0.5)", () -> ChannelSpec.of("mem://x/q").consumer(ConsumerPolicy.pull(1).pauseAt(0.3))),
                bad("pauseAt (0.8) must exceed resumeAt (0.9)", () -> ChannelSpec.of("mem://x/q").consumer(ConsumerPolicy.pull(1).pauseAt(0.8).resumeAt(0.9))),
                bad("resumeAt (-0.1) must be at least 0 and below 1", () -> ConsumerPolicy.pull(1).resumeAt(-0.1)),
                bad("concurrency (0) must be at least 1", () -> ConsumerPolicy.pull(1).concurrency(0)),
                bad("maxAttempts (0) must be at least 1", () -> ConsumerPolicy.pull(1).maxAttempts(0)),
                bad("redeliveryDelay (PT-1S) must not be negative", () -> ConsumerPolicy.pull(1).redeliveryDelay(Duration.ofSeconds(-1))),
                bad("pollTimeout (PT0S) must be positive", () -> ConsumerPolicy.pull(1).pollTimeout(Duration.ZERO)),
                bad("deadLetter (\" \") must not be blank", () -> ConsumerPolicy.pull(1).deadLetter(" ")),
                bad("maxLength (0) must be at least 1", () -> BacklogLimit.maxLength(0)),
                bad("maxAge (PT0S) must be positive", () -> BacklogLimit.maxAge(Duration.ZERO)),
                bad("uri (not a uri) is not a valid URI: Illegal character in path", () -> ChannelSpec.of("not a uri")),
                bad("uri (/orders) has no scheme; expected e.g. kafka://host:9092/topic", () -> ChannelSpec.of("/orders")),
                bad("connectTimeout (PT0S) must be positive", () -> ChannelSpec.of("mem://x/q").connectTimeout(Duration.ZERO)),
                bad("closeTimeout (PT-1S) must not be negative", () -> ChannelSpec.of("mem://x/q").closeTimeout(Duration.ofSeconds(-1))),
                bad("nativeSetting name (\"\") must not be blank", () -> ChannelSpec.of("mem://x/q").nativeSetting("", "v")),
                bad("priority (256) must be between 0 and 255", () -> Message.of("x").priority(256)),
                bad("priority (-1) must be between 0 and 255", () -> Message.of("x").priority(-1)));
    }

    private static Arguments bad(String message, ThrowingCallable call) {
        return Arguments.of(message, call);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidValues")
    @DisplayName("an invalid value is an IllegalArgumentException naming the parameter and the value")
    void invalidValueIsRefusedWithItsName(String message, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }

    @Test
    @DisplayName("steps that conflict with earlier state are IllegalStateExceptions")
    void conflictsAreIllegalState() {
        assertThatThrownBy(() -> RateLimit.slidingWindow(5, Duration.ofSeconds(1)).burst(3))
                .isInstanceOf(IllegalStateException.class).hasMessage("burst applies to a token bucket, not to a SLIDING_WINDOW");
        assertThatThrownBy(() -> BacklogLimit.maxAge(Duration.ofMinutes(1)).rejectNewest())
                .isInstanceOf(IllegalStateException.class).hasMessage("rejectNewest() needs a maxLength; this limit has only a maxAge");
    }

    @Test
    @DisplayName("null arguments are refused with the parameter's name")
    void nullsNameTheParameter() {
        assertThatThrownBy(() -> ChannelSpec.of("mem://x/q").producer(null)).isInstanceOf(NullPointerException.class).hasMessage("producer");
        assertThatThrownBy(() -> Message.of((byte[]) null)).isInstanceOf(NullPointerException.class).hasMessage("payload");
        assertThatThrownBy(() -> ProducerPolicy.buffer(1).onOverflow(null)).isInstanceOf(NullPointerException.class).hasMessage("overflow");
    }

    @Test
    @DisplayName("policies are immutable: each step returns a new value and leaves the old one as it was")
    void policiesAreImmutable() {
        ProducerPolicy base = ProducerPolicy.buffer(100);
        ProducerPolicy soft = base.softLimit(80).lowWatermark(20).onOverflow(Overflow.dropOldest())
                .rateLimit(RateLimit.tokenBucket(5_000).burst(500)).maxInFlight(7);
        assertThat(base.softLimit()).isEqualTo(100);
        assertThat(base.lowWatermark()).isEqualTo(50);
        assertThat(base.overflow()).isEqualTo(Overflow.block(Duration.ofSeconds(30)));
        assertThat(base.rateLimit()).isEmpty();
        assertThat(soft.softLimit()).isEqualTo(80);
        assertThat(soft.lowWatermark()).isEqualTo(20);
        assertThat(soft.overflow()).isEqualTo(Overflow.dropOldest());
        assertThat(soft.rateLimit()).contains(RateLimit.tokenBucket(5_000).burst(500));
        assertThat(soft.maxInFlight()).isEqualTo(7);

        ConsumerPolicy c = ConsumerPolicy.pull(50).maxInFlight(200).pauseAt(0.8).resumeAt(0.4).maxAttempts(5);
        assertThat(c.pauseThreshold()).isEqualTo(160);
        assertThat(c.resumeThreshold()).isEqualTo(80);
        assertThat(ConsumerPolicy.pull(1).pauseThreshold()).isEqualTo(1);
        assertThat(ConsumerPolicy.pull(1).resumeThreshold()).isZero();

        // Rules between settings hold whatever order the steps came in.
        ConsumerPolicy lowWatermarksFirst = ConsumerPolicy.pull(10).pauseAt(0.5).resumeAt(0.2);
        assertThat(ChannelSpec.of("mem://x/q").consumer(lowWatermarksFirst).consumer().pauseThreshold()).isEqualTo(5);

        ChannelSpec spec = ChannelSpec.of("redis://user:secret@127.0.0.1:6379/orders?group=billing&x=1");
        assertThat(spec.scheme()).isEqualTo("redis");
        assertThat(spec.destination()).contains("orders");
        assertThat(spec.queryParameter("group")).contains("billing");
        assertThat(spec.queryParameter("missing")).isEmpty();
        assertThat(spec.redactedUri()).isEqualTo("redis://user:***@127.0.0.1:6379/orders?group=billing&x=1");
        // Redis reads user information without a colon as a password: it is hidden whole.
        assertThat(ChannelSpec.of("redis://s3cret@127.0.0.1:6379/orders").redactedUri()).isEqualTo("redis://***@127.0.0.1:6379/orders");
        assertThat(ChannelSpec.of("redis-cluster://s3cret@127.0.0.1:7000,127.0.0.1:7001/orders").redactedUri())
                .isEqualTo("redis-cluster://***@127.0.0.1:7000,127.0.0.1:7001/orders");
        assertThat(spec.nativeSetting("linger.ms", "5").nativeSettings()).containsEntry("linger.ms", "5");
        assertThat(spec.nativeSettings()).isEmpty();
    }

    @Test
    @DisplayName("a message's fluent steps keep the payload and add key, headers and priority")
    void messageSteps() {
        Message m = Message.of("hello").key("k").header("type", "created").priority(7);
        assertThat(m.payloadAsString()).isEqualTo("hello");
        assertThat(m.key()).isEqualTo("k");
        assertThat(m.headers()).containsExactly(java.util.Map.entry("type", "created"));
        assertThat(m.priority()).isEqualTo(7);
        assertThatThrownBy(() -> m.headers().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }
}
