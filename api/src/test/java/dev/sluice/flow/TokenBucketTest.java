package dev.sluice.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenBucketTest {

    private final ManualTicker ticker = new ManualTicker(123_456_789L);

    @Test
    @DisplayName("starts full: the burst passes at once, the next permit waits one refill interval")
    void startsFull() {
        TokenBucket bucket = TokenBucket.perSecond(10, 5, ticker);
        for (int i = 0; i < 5; i++) {
            assertThat(bucket.tryAcquire()).isTrue();
        }
        assertThat(bucket.tryAcquireOrDelay(1)).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(bucket.retryAfterNanos(2)).isEqualTo(Duration.ofMillis(200).toNanos());
        ticker.advance(Duration.ofMillis(99));
        assertThat(bucket.tryAcquire()).isFalse();
        ticker.advance(Duration.ofMillis(1));
        assertThat(bucket.tryAcquire()).isTrue();
    }

    @Test
    @DisplayName("never holds more than its capacity after a long quiet spell")
    void burstNeverAboveCapacity() {
        TokenBucket bucket = TokenBucket.perSecond(1_000, 50, ticker);
        ticker.advance(Duration.ofDays(3));
        assertThat(bucket.availableTokens()).isEqualTo(50);
        int passed = 0;
        while (bucket.tryAcquire()) {
            passed++;
        }
        assertThat(passed).isEqualTo(50);
    }

    @ParameterizedTest(name = "{0} tokens per {1} ns, capacity {2}, step {3} ns")
    @CsvSource({
        "1000, 1000000000, 10, 137000",
        "7, 3000000000, 2, 1000003",
        "3, 1000000000, 2, 999",
        "5000, 1000000000, 500, 1"
    })
    @DisplayName("over a long saturated run admits exactly capacity plus elapsed times rate")
    // Exact when the bucket never sits full between two tries (capacity >= 2 and a step shorter
    // than one refill interval): otherwise a full bucket rightly wastes the refill it cannot hold.
    void observedRateEqualsConfiguredRate(long tokens, long periodNanos, long capacity, long stepNanos) {
        TokenBucket bucket = TokenBucket.of(capacity, tokens, Duration.ofNanos(periodNanos), ticker);
        long elapsed = 0;
        long admitted = 0;
        long steps = Math.min(2_000_000, Duration.ofSeconds(600).toNanos() / stepNanos);
        for (long i = 0; i < steps; i++) {
            while (bucket.tryAcquire()) {
                admitted++;
            }
            ticker.advanceNanos(stepNanos);
            elapsed += stepNanos;
        }
        while (bucket.tryAcquire()) {
            admitted++;
        }
        long expected = capacity + Math.floorDiv(Math.multiplyExact(elapsed, tokens), periodNanos);
        assertThat(admitted).isEqualTo(expected);
    }

    @Test
    @DisplayName("acquire waits exactly the computed time, once, instead of spinning")
    void acquireWaitsComputedTime() throws InterruptedException {
        TokenBucket bucket = TokenBucket.perSecond(4, 1, ticker);
        long start = ticker.nanoTime();
        assertThat(bucket.acquire(1, Duration.ZERO)).isTrue();
        assertThat(bucket.acquire(1, Duration.ofSeconds(1))).isTrue();
        assertThat(ticker.nanoTime() - start).isEqualTo(Duration.ofMillis(250).toNanos());
        // Queued behind the reservation: the next one waits one more interval.
        assertThat(bucket.acquire(1, Duration.ofSeconds(1))).isTrue();
        assertThat(ticker.nanoTime() - start).isEqualTo(Duration.ofMillis(500).toNanos());
    }

    @Test
    @DisplayName("acquire gives up at once when the permits cannot come within the timeout")
    void acquireGivesUpWithoutWaiting() throws InterruptedException {
        TokenBucket bucket = TokenBucket.perSecond(1, 1, ticker);
        bucket.tryAcquire();
        long before = ticker.nanoTime();
        assertThat(bucket.acquire(1, Duration.ofMillis(999))).isFalse();
        assertThat(ticker.nanoTime()).isEqualTo(before);
        assertThat(bucket.retryAfterNanos(1)).isEqualTo(Duration.ofSeconds(1).toNanos());
    }

    @Test
    @DisplayName("an interrupted acquire gives its reserved permits back")
    void interruptedAcquireRefunds() throws Exception {
        TokenBucket bucket = TokenBucket.perSecond(1, 1, Ticker.system());
        assertThat(bucket.tryAcquire()).isTrue();
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread waiter = new Thread(() -> {
            try {
                bucket.acquire(1, Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        waiter.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> bucket.retryAfterNanos(1) > TimeUnit.MILLISECONDS.toNanos(1_500));
        waiter.interrupt();
        waiter.join(5_000);
        assertThat(interrupted).isTrue();
        assertThat(bucket.retryAfterNanos(1)).isLessThanOrEqualTo(Duration.ofSeconds(1).toNanos());
    }

    @Test
    @DisplayName("bad settings and requests name the parameter and the value")
    void badArguments() {
        assertThatThrownBy(() -> TokenBucket.perSecond(0, 1, ticker))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("refillTokens (0) must be at least 1");
        assertThatThrownBy(() -> TokenBucket.perSecond(1, 0, ticker))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("capacity (0) must be at least 1");
        assertThatThrownBy(() -> TokenBucket.of(1, 1, Duration.ZERO, ticker))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("refillPeriod (PT0S) must be positive");
        TokenBucket bucket = TokenBucket.perSecond(1, 3, ticker);
        assertThatThrownBy(() -> bucket.tryAcquire(4))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("permits (4) must be between 1 and capacity (3)");
        assertThatThrownBy(() -> bucket.tryAcquire(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("permits (0) must be between 1 and capacity (3)");
    }
}
