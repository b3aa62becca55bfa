package dev.sluice.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Limit;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The algorithms, fed samples directly: deterministic, no clock involved. */
class AdaptiveLimitTest {

    private static final long MS = 1_000_000L;

    @Test
    @DisplayName("AIMD adds one per sample while half the limit is in use, and not when it is idle")
    void aimdAddsOne() {
        AdaptiveLimit l = Limit.aimd(10, 20).newLimit();
        assertThat(l.limit()).isEqualTo(10);
        assertThat(l.onSample(5 * MS, 5, false)).isEqualTo(11);
        assertThat(l.onSample(5 * MS, 1, false)).as("idle: no evidence to grow on").isEqualTo(11);
        for (int i = 0; i < 50; i++) {
            l.onSample(5 * MS, 20, false);
        }
        assertThat(l.limit()).as("bounded by the ceiling").isEqualTo(20);
    }

    @Test
    @DisplayName("AIMD multiplies by the backoff ratio on congestion and above the latency target, never below the floor")
    void aimdBacksOff() {
        AdaptiveLimit l = Limit.aimd(5, 100).initial(100).latencyTarget(Duration.ofMillis(50)).newLimit();
        assertThat(l.onSample(5 * MS, 100, true)).isEqualTo(90);
        assertThat(l.onSample(51 * MS, 90, false)).isEqualTo(81);
        assertThat(l.onSample(50 * MS, 81, false)).as("at the target is not above it").isEqualTo(82);
        AdaptiveLimit halving = Limit.aimd(5, 100).initial(100).backoffRatio(0.5).newLimit();
        for (int i = 0; i < 20; i++) {
            halving.onSample(5 * MS, 100, true);
        }
        assertThat(halving.limit()).isEqualTo(5);
    }

    @Test
    @DisplayName("gradient: steady latency grows the limit to the ceiling, a latency step brings it down to its low point, recovery brings it back")
    void gradientFollowsLatencySteps() {
        AdaptiveLimit l = Limit.gradient(4, 100).newLimit();
        for (int i = 0; i < 500; i++) {
            l.onSample(5 * MS, l.limit(), false);
        }
        assertThat(l.limit()).as("fast and fully used").isEqualTo(100);
        int samplesToFloor = 0;
        // At the steepest gradient the estimate e goes to 0.8e + 0.2(0.5e + queue 4): its low point is 8.
        while (l.limit() > 8 && samplesToFloor < 1_000) {
            l.onSample(100 * MS, l.limit(), false);
            samplesToFloor++;
        }
        assertThat(l.limit()).isEqualTo(8);
        assertThat(samplesToFloor).as("samples to reach the floor after a 20x latency step").isLessThan(100);
        int samplesBack = 0;
        while (l.limit() < 100 && samplesBack < 10_000) {
            l.onSample(5 * MS, l.limit(), false);
            samplesBack++;
        }
        assertThat(l.limit()).isEqualTo(100);
        assertThat(samplesBack).as("samples back to the ceiling").isLessThan(1_000);
    }

    @Test
    @DisplayName("gradient: within the tolerance the limit does not fall; a congested sample counts as the steepest gradient")
    void gradientToleranceAndCongestion() {
        AdaptiveLimit l = Limit.gradient(4, 100).initial(50).newLimit();
        for (int i = 0; i < 20; i++) {
            l.onSample(10 * MS, 50, false);
        }
        int before = l.limit();
        l.onSample(14 * MS, 50, false); // 1.4x the long-run latency, within tolerance 1.5
        assertThat(l.limit()).isGreaterThanOrEqualTo(before);
        int beforeCongestion = l.limit();
        l.onSample(10 * MS, 50, true);
        // estimate * 0.8 + (estimate * 0.5 + 4) * 0.2 = estimate * 0.9 + 0.8
        assertThat(l.limit()).isLessThan(beforeCongestion).isLessThanOrEqualTo((int) ((beforeCongestion + 1) * 0.9 + 0.8));
    }

    @Test
    @DisplayName("bad configuration is refused naming the parameter and the value")
    void badConfiguration() {
        assertThatThrownBy(() -> Limit.gradient(10, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ceiling (5) must not be below floor (10)");
        assertThatThrownBy(() -> Limit.aimd(0, 5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floor (0)");
        assertThatThrownBy(() -> Limit.aimd(2, 5).initial(6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("initial (6) must be between floor (2) and ceiling (5)");
        assertThatThrownBy(() -> Limit.aimd(2, 5).backoffRatio(1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backoffRatio (1.0) must be at least 0.5 and below 1");
        assertThatThrownBy(() -> Limit.gradient(2, 5).tolerance(0.9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tolerance (0.9)");
        assertThatThrownBy(() -> Limit.gradient(2, 5).smoothing(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("smoothing (0.0)");
        assertThatThrownBy(() -> Limit.gradient(2, 5).backoffRatio(0.8)).isInstanceOf(IllegalStateException.class)
                .hasMessage("backoffRatio applies to a AIMD limit, not to a GRADIENT one");
        assertThatThrownBy(() -> Limit.fixed(5).initial(5)).isInstanceOf(IllegalStateException.class);
        assertThat(Limit.fixed(7).newLimit()).isNull();
        assertThatThrownBy(() -> dev.sluice.ConsumerPolicy.pull(100).maxInFlight(Limit.gradient(2, 50)).validate())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxInFlight's ceiling (50) must not be below batchSize (100)");
        dev.sluice.ConsumerPolicy adaptive = dev.sluice.ConsumerPolicy.pull(8).maxInFlight(Limit.gradient(2, 50)).validate();
        assertThat(adaptive.maxInFlight()).isEqualTo(50);
        assertThat(adaptive.inFlightLimit()).isEqualTo(Limit.gradient(2, 50));
        assertThat(adaptive.maxInFlight(20).inFlightLimit()).as("a fixed cap set after replaces the adaptive one").isEqualTo(Limit.fixed(20));
    }
}
