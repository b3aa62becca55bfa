package dev.sluice.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.RateLimit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The adaptive producer rate on a manual clock. */
class AdaptiveRateTest {

    private final ManualTicker ticker = new ManualTicker();
    private final List<double[]> told = new CopyOnWriteArrayList<>();
    private final AdaptiveRate rate = RateLimit.adaptive(1_000).newAdaptiveRate(ticker, (from, to) -> {
        told.add(new double[] {from, to});
        return to;
    });

    @Test
    @DisplayName("starts at the ceiling and admits that rate: a tenth of a second's burst, then one permit a millisecond")
    void admitsTheCeiling() {
        assertThat(rate.rate()).isEqualTo(1_000);
        int admitted = 0;
        while (rate.tryAcquire()) {
            admitted++;
        }
        assertThat(admitted).isEqualTo(100);
        assertThat(rate.tryAcquireOrDelay(1)).isEqualTo(1_000_000);
        ticker.advance(Duration.ofMillis(1));
        assertThat(rate.tryAcquire()).isTrue();
        assertThat(rate.tryAcquire()).isFalse();
    }

    @Test
    @DisplayName("the broker's alarm halves the rate at once and every 100 ms while it lasts, down to the floor; it climbs a quarter of the ceiling a second after")
    void backsOffUnderTheAlarmAndClimbsAfter() {
        rate.brokerBlocked(true);
        assertThat(rate.rate()).isEqualTo(500);
        ticker.advance(Duration.ofMillis(99));
        assertThat(rate.rate()).as("not before the interval").isEqualTo(500);
        ticker.advance(Duration.ofMillis(1));
        assertThat(rate.rate()).isEqualTo(250);
        for (int i = 0; i < 20; i++) {
            ticker.advance(Duration.ofMillis(100));
            rate.rate();
        }
        assertThat(rate.rate()).as("the floor, a hundredth of the ceiling").isEqualTo(10);
        rate.brokerBlocked(false);
        ticker.advance(Duration.ofMillis(100));
        assertThat(rate.rate()).as("calm for an interval: climbing starts").isCloseTo(10, within(1e-6));
        ticker.advance(Duration.ofSeconds(2));
        assertThat(rate.rate()).isCloseTo(510, within(1e-6));
        ticker.advance(Duration.ofSeconds(10));
        assertThat(rate.rate()).as("bounded by the ceiling").isEqualTo(1_000);
        assertThat(told).anyMatch(c -> c[1] == 10).anyMatch(c -> c[1] == 1_000);
    }

    @Test
    @DisplayName("a burst of refusals or slow confirms is one backoff per 100 ms; a fast accepted confirm is no pressure")
    void refusalsAndSlowConfirms() {
        for (int i = 0; i < 50; i++) {
            rate.onConfirm(1_000_000, true);
        }
        assertThat(rate.rate()).isEqualTo(500);
        ticker.advance(Duration.ofMillis(100));
        rate.onConfirm(Duration.ofMillis(1_500).toNanos(), false); // above the 1 s target
        assertThat(rate.rate()).isEqualTo(250);
        ticker.advance(Duration.ofMillis(100));
        rate.onConfirm(Duration.ofMillis(5).toNanos(), false);
        assertThat(rate.rate()).as("a calm interval passed: no backoff, the climb begins").isEqualTo(250);
        ticker.advance(Duration.ofMillis(400));
        assertThat(rate.rate()).isCloseTo(350, within(1e-6));
    }

    @Test
    @DisplayName("bad adaptive configuration is refused naming the parameter and the value")
    void badConfiguration() {
        assertThatThrownBy(() -> RateLimit.adaptive(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ceilingPerSecond (0)");
        assertThatThrownBy(() -> RateLimit.adaptive(100).floor(101)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("floor (101) must not exceed the ceiling (100)");
        assertThatThrownBy(() -> RateLimit.adaptive(100).backoffRatio(1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backoffRatio (1.0) must be above 0 and below 1");
        assertThatThrownBy(() -> RateLimit.tokenBucket(100).floor(10)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> RateLimit.adaptive(100).burst(10)).isInstanceOf(IllegalStateException.class);
        assertThat(RateLimit.adaptive(100).newLimiter(ticker)).isInstanceOf(AdaptiveRate.class);
    }
}
