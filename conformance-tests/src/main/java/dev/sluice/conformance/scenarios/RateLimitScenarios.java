package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.Message;
import dev.sluice.ProducerPolicy;
import dev.sluice.RateLimit;
import dev.sluice.SendResult;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 5: sustained rate within 5 % of the configured rate over a window, burst never above capacity. */
public abstract class RateLimitScenarios extends ScenarioFamily {

    protected RateLimitScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    /** Result of pacing a producer by the retry-after it is given. */
    /**
     * @param stalledNanos time the pacing thread was late beyond what the limiter keeps for it (a GC
     *                     pause, a starved core): the limiter cannot admit what nobody asked for then
     */
    private record Run(int burst, long admitted, long elapsedNanos, long refused, long stalledNanos) {

        /** @return the run's length less the stalls */
        double activeSeconds() {
            return (elapsedNanos - stalledNanos) / 1e9;
        }
    }

    /**
     * Sends as fast as the limiter allows for {@code window}: first a burst with no pause, then
     * waiting exactly the retry-after each refusal carries (a pacing producer, as an HTTP client
     * honouring Retry-After would be). Counts as stalled the part of any lateness of the thread
     * beyond {@code kept}: what the limiter saves up for a caller who comes late (a token bucket's
     * burst; for a sliding window, which saves nothing, a timer's slack).
     */
    private Run pace(BackpressureChannel ch, int burstProbe, Duration window, Duration kept) {
        int burst = 0;
        for (int i = 0; i < burstProbe; i++) {
            if (ch.producer().send(Message.of("b" + i)).status() == SendResult.Status.ACCEPTED) {
                burst++;
            }
        }
        long start = System.nanoTime();
        long end = start + window.toNanos();
        long admitted = 0;
        long refused = 0;
        long stalled = 0;
        long due = start; // when this thread meant to try next
        long now;
        while ((now = System.nanoTime()) < end) {
            stalled += Math.max(0, now - due - kept.toNanos());
            SendResult r = ch.producer().send(Message.of("r" + admitted));
            if (r.status() == SendResult.Status.ACCEPTED) {
                admitted++;
                due = now;
            } else {
                assertThat(r.status()).isEqualTo(SendResult.Status.RATE_LIMITED);
                assertThat(r.retryAfter()).isPositive();
                refused++;
                long wait = Math.min(r.retryAfter().toNanos(), end - now);
                LockSupport.parkNanos(wait);
                due = now + wait;
            }
        }
        return new Run(burst, admitted, System.nanoTime() - start, refused, stalled);
    }

    @Test
    @DisplayName("a token bucket lets its burst through at once, never more, and then holds the configured rate within 5 %")
    void tokenBucketRate() throws Exception {
        long rate = 200;
        int burst = 20;
        BackpressureChannel ch = open(spec(fresh("rate"))
                .producer(ProducerPolicy.buffer(100_000).rateLimit(RateLimit.tokenBucket(rate).burst(burst))));
        ch.consumer(group).start(new Received());
        Run run = pace(ch, burst * 3, measuringWindow(), Duration.ofNanos(burst * 1_000_000_000L / rate));

        assertThat(run.burst()).as("burst").isEqualTo(burst);
        double expected = rate * run.elapsedNanos() / 1e9;
        // The bucket was empty after the burst: nothing more than the refill may pass.
        assertThat((double) run.admitted()).isLessThanOrEqualTo(expected + 1);
        assertThat((double) run.admitted()).as("admitted in %s (%d ms of it the pacing thread stalled)", run, run.stalledNanos() / 1_000_000)
                .isGreaterThanOrEqualTo(rate * run.activeSeconds() * 0.95);
        assertThat(run.refused()).isPositive();
        assertThat(ch.pressure().producer().rejected()).isEqualTo(run.refused() + 2L * burst);
    }

    @Test
    @DisplayName("a sliding window admits its limit per window and holds that rate within 5 %")
    void slidingWindowRate() throws Exception {
        int limit = 50;
        Duration window = Duration.ofMillis(250);
        BackpressureChannel ch = open(spec(fresh("window"))
                .producer(ProducerPolicy.buffer(100_000).rateLimit(RateLimit.slidingWindow(limit, window))));
        ch.consumer(group).start(new Received());
        Run run = pace(ch, limit * 2, measuringWindow(), Duration.ofMillis(10));

        assertThat(run.burst()).isEqualTo(limit);
        // The burst filled the first window; from then on one window's worth per window.
        double windows = run.elapsedNanos() / (double) window.toNanos();
        long total = run.burst() + run.admitted();
        assertThat((double) total).isLessThanOrEqualTo(limit * (Math.floor(windows) + 1));
        double activeWindows = run.activeSeconds() * 1e9 / window.toNanos();
        assertThat((double) total).as("admitted in %s (%d ms of it the pacing thread stalled)", run, run.stalledNanos() / 1_000_000)
                .isGreaterThanOrEqualTo(limit * activeWindows * 0.95);
    }

    /** @return the measuring window: two seconds at scale 1 */
    private static Duration measuringWindow() {
        return Duration.ofMillis(Math.max(1_000, scaled(2_000)));
    }
}
