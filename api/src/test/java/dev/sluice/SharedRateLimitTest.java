package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.flow.ManualTicker;
import dev.sluice.flow.RateLimiter;
import dev.sluice.flow.Ticker;
import dev.sluice.flow.TokenBucket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The hook through which a rate limit is shared by a fleet: {@link RateLimit#shared(RateLimitStore)}. */
class SharedRateLimitTest {

    /** A store that records what it was asked for and hands out a refusing limiter, counting closes. */
    private static final class RecordingStore implements RateLimitStore {
        final List<RateLimit> limits = new CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public RateLimiter newLimiter(RateLimit limit, Ticker ticker) {
            limits.add(limit);
            RateLimiter bucket = TokenBucket.of(1, 1, Duration.ofDays(1), ticker); // one permit, then refuses for a day
            return new RateLimiter() {
                @Override
                public long tryAcquireOrDelay(int permits) {
                    return bucket.tryAcquireOrDelay(permits);
                }

                @Override
                public boolean acquire(int permits, Duration timeout) throws InterruptedException {
                    return bucket.acquire(permits, timeout);
                }

                @Override
                public long retryAfterNanos(int permits) {
                    return bucket.retryAfterNanos(permits);
                }

                @Override
                public void close() {
                    closed.incrementAndGet();
                }
            };
        }
    }

    @Test
    @DisplayName("a shared limit asks its store for the limiter, with the whole configuration")
    void sharedLimitAsksTheStore() {
        RecordingStore store = new RecordingStore();
        RateLimit limit = RateLimit.tokenBucket(5_000).shared(store).burst(500);

        limit.newLimiter(new ManualTicker());

        assertThat(store.limits).containsExactly(limit);
        assertThat(limit.store()).containsSame(store);
        assertThat(limit.burst()).isEqualTo(500);
        assertThat(limit.perSecond()).isEqualTo(5_000.0);
        assertThat(limit).isNotEqualTo(RateLimit.tokenBucket(5_000).burst(500));
        assertThat(RateLimit.tokenBucket(5_000).store()).isEmpty();
        assertThat(limit.toString()).contains("shared by");
    }

    @Test
    @DisplayName("a channel's producer takes its permits from the shared limiter")
    void producerUsesTheSharedLimiter() {
        RecordingStore store = new RecordingStore();
        ChannelSpec spec = ChannelSpec.of("mem://shared-rate/orders")
                .producer(ProducerPolicy.buffer(10).rateLimit(RateLimit.tokenBucket(5_000).shared(store)));
        try (BackpressureChannel ch = Sluice.open(spec)) {
            assertThat(ch.producer().send(Message.of("one")).status()).isEqualTo(SendResult.Status.ACCEPTED);
            // the store's limiter holds one permit a day: a local bucket of 5 000/s would accept this one
            assertThat(ch.producer().send(Message.of("two")).status()).isEqualTo(SendResult.Status.RATE_LIMITED);
        }
        assertThat(store.limits).hasSize(1);
    }

    @Test
    @DisplayName("a sliding window cannot be shared, and the store is required")
    void badInput() {
        assertThatThrownBy(() -> RateLimit.slidingWindow(5, Duration.ofSeconds(1)).shared(new RecordingStore()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("shared applies to a token bucket, not to a SLIDING_WINDOW");
        assertThatThrownBy(() -> RateLimit.tokenBucket(5).shared(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("store");
    }

    @Test
    @DisplayName("closing the channel closes its shared limiters, so a fleet gets the unused lease back")
    void closeGivesTheLimitersBack() {
        RecordingStore store = new RecordingStore();
        RateLimit shared = RateLimit.tokenBucket(5_000).shared(store);
        BackpressureChannel ch = Sluice.open(ChannelSpec.of("mem://shared-rate/close")
                .producer(ProducerPolicy.buffer(10).rateLimit(shared))
                .consumer(ConsumerPolicy.pull(1).rateLimit(shared)));
        ch.consumer("g").start(d -> { });
        assertThat(store.limits).hasSize(2);
        assertThat(store.closed).hasValue(0);
        ch.close();
        assertThat(store.closed).as("the producer's limiter and the consumer's").hasValue(2);
    }
}
