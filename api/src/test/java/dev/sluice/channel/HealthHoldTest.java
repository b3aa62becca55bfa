package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HealthHoldTest {

    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final HealthHold hold = new HealthHold("g", new HealthHold.Target() {
        @Override
        public void hold() {
            calls.add("hold");
        }

        @Override
        public void release() {
            calls.add("release");
        }
    }, System::nanoTime);

    @AfterEach
    void close() {
        hold.close();
    }

    @Test
    @DisplayName("a retry holds at once and releases once its time is up, not before")
    void retryHoldsForItsDuration() {
        long start = System.nanoTime();
        hold.retryLater(Duration.ofMillis(300), null);
        assertThat(calls).containsExactly("hold");
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(calls).containsExactly("hold", "release");
    }

    @Test
    @DisplayName("a retry with a health check ends as soon as the check passes")
    void retryEndsWhenHealthy() {
        AtomicBoolean healthy = new AtomicBoolean();
        hold.retryLater(Duration.ofMinutes(10), healthy::get);
        assertThat(calls).containsExactly("hold");
        healthy.set(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 2);
        assertThat(calls).containsExactly("hold", "release");
    }

    @Test
    @DisplayName("a bound check holds while it answers false, a throwing check counts as unhealthy, and a retry is not released by it")
    void boundCheckHoldsWhileUnhealthy() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        AutoCloseable binding = hold.bind(healthy::get, Duration.ofMillis(10));
        assertThat(calls).isEmpty();
        healthy.set(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.equals(List.of("hold")));
        healthy.set(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.equals(List.of("hold", "release")));
        healthy.set(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 3);
        hold.retryLater(Duration.ofMinutes(10), null);
        healthy.set(true);
        // the check passing does not end the retry's hold: nothing is released
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 3);
        binding.close();
        assertThat(calls).containsExactly("hold", "release", "hold");

        AutoCloseable throwing = hold.bind(() -> {
            throw new IllegalStateException("breaker unreachable");
        }, Duration.ofMillis(10));
        throwing.close();
        assertThat(calls).containsExactly("hold", "release", "hold");
    }

    @Test
    @DisplayName("a check period that is not positive is refused, naming it")
    void refusesBadPeriod() {
        assertThatThrownBy(() -> hold.bind(() -> true, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("every (PT0S) must be positive");
    }
}
