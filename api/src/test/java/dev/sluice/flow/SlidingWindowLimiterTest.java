package dev.sluice.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SlidingWindowLimiterTest {

    private final ManualTicker ticker = new ManualTicker(42);
    private static final long WINDOW = Duration.ofSeconds(1).toNanos();

    @Test
    @DisplayName("never admits more than its limit in any window, under bursty arrivals")
    void neverMoreThanLimitInAnyWindow() {
        SlidingWindowLimiter limiter = SlidingWindowLimiter.of(100, Duration.ofNanos(WINDOW), ticker);
        SplittableRandom random = new SplittableRandom(7);
        List<Long> admitted = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            // Bursts of many tries at one instant, then gaps of up to 40 ms.
            if (random.nextInt(10) == 0) {
                ticker.advanceNanos(random.nextLong(Duration.ofMillis(40).toNanos()));
            }
            if (limiter.tryAcquire()) {
                admitted.add(ticker.nanoTime());
            }
        }
        // Any window [t, t + W) is worst when it starts at an admission: check each one.
        int maxInWindow = 0;
        int j = 0;
        for (int i = 0; i < admitted.size(); i++) {
            while (j < admitted.size() && admitted.get(j) < admitted.get(i) + WINDOW) {
                j++;
            }
            maxInWindow = Math.max(maxInWindow, j - i);
        }
        // The limit is reached (the limiter is not stingy) and never passed.
        assertThat(maxInWindow).isEqualTo(100);
    }

    @Test
    @DisplayName("tells how long until the oldest admission leaves the window")
    void delayIsExact() {
        SlidingWindowLimiter limiter = SlidingWindowLimiter.of(3, Duration.ofNanos(WINDOW), ticker);
        limiter.tryAcquire();
        ticker.advance(Duration.ofMillis(100));
        limiter.tryAcquire();
        limiter.tryAcquire();
        ticker.advance(Duration.ofMillis(200));
        assertThat(limiter.tryAcquireOrDelay(1)).isEqualTo(Duration.ofMillis(700).toNanos());
        assertThat(limiter.retryAfterNanos(2)).isEqualTo(Duration.ofMillis(800).toNanos());
        ticker.advance(Duration.ofMillis(700));
        assertThat(limiter.tryAcquire()).isTrue();
        assertThat(limiter.tryAcquire()).isFalse();
    }

    @Test
    @DisplayName("acquire sleeps the computed time once and counts the permit at its admission time")
    void acquireWaits() throws InterruptedException {
        SlidingWindowLimiter limiter = SlidingWindowLimiter.of(2, Duration.ofNanos(WINDOW), ticker);
        long start = ticker.nanoTime();
        assertThat(limiter.acquire(2, Duration.ZERO)).isTrue();
        assertThat(limiter.acquire(1, Duration.ofMillis(999))).isFalse();
        assertThat(ticker.nanoTime()).isEqualTo(start);
        assertThat(limiter.acquire(1, Duration.ofSeconds(2))).isTrue();
        assertThat(ticker.nanoTime() - start).isEqualTo(WINDOW);
        assertThat(limiter.tryAcquire()).isTrue();
        assertThat(limiter.tryAcquire()).isFalse();
    }

    @Test
    @DisplayName("admits at exactly the configured rate over a long run")
    void rateOverLongRun() {
        SlidingWindowLimiter limiter = SlidingWindowLimiter.of(250, Duration.ofNanos(WINDOW), ticker);
        long admitted = 0;
        for (int i = 0; i < 1_000_000; i++) {
            if (limiter.tryAcquire()) {
                admitted++;
            }
            ticker.advanceNanos(100_003);
        }
        long elapsed = 1_000_000L * 100_003;
        // At most limit per window, and at least limit per full window elapsed.
        assertThat(admitted).isBetween(250 * (elapsed / WINDOW), 250 * (elapsed / WINDOW + 1));
    }

    @Test
    @DisplayName("bad settings name the parameter and the value")
    void badArguments() {
        assertThatThrownBy(() -> SlidingWindowLimiter.of(0, Duration.ofSeconds(1), ticker))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("limit (0) must be at least 1");
        assertThatThrownBy(() -> SlidingWindowLimiter.of(1, Duration.ofSeconds(-1), ticker))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("window (PT-1S) must be positive");
        assertThatThrownBy(() -> SlidingWindowLimiter.of(2, Duration.ofSeconds(1), ticker).tryAcquire(3))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("permits (3) must be between 1 and limit (2)");
    }
}
