package dev.sluice.benchmarks;

import dev.sluice.conformance.results.ResultsFile;
import dev.sluice.flow.RateLimiter;
import dev.sluice.flow.SlidingWindowLimiter;
import dev.sluice.flow.Ticker;
import dev.sluice.flow.TokenBucket;
import java.time.Duration;

/**
 * Observed against configured rate, on the real clock: one thread takes permits as fast as the
 * limiter lets it ({@code acquire}, which sleeps the computed time once per refusal) for
 * {@code seconds}, after the initial burst has been spent, and the admissions per second are
 * compared with the configuration. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.RateAccuracy [seconds]}.
 */
public final class RateAccuracy {

    private RateAccuracy() {
    }

    public static void main(String[] args) throws InterruptedException {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 10;
        for (long rate : new long[] {100, 1_000, 10_000}) {
            report("token bucket", rate, TokenBucket.perSecond(rate, Math.max(1, rate / 10), Ticker.system()), seconds);
            report("sliding window", rate, SlidingWindowLimiter.of((int) rate, Duration.ofSeconds(1), Ticker.system()), seconds);
        }
    }

    private static void report(String name, long rate, RateLimiter limiter, long seconds) throws InterruptedException {
        // Spend the burst (or the first window) so that only the sustained rate is measured.
        while (limiter.tryAcquire()) {
            Thread.onSpinWait();
        }
        limiter.acquire(1, Duration.ofSeconds(5));
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(seconds).toNanos();
        long admitted = 0;
        while (System.nanoTime() < end) {
            if (limiter.acquire(1, Duration.ofSeconds(5))) {
                admitted++;
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double observed = admitted / elapsed;
        double errorPercent = (observed - rate) * 100.0 / rate;
        System.out.printf("%-15s configured %6d/s  observed %10.2f/s  error %+6.3f %%%n",
                name, rate, observed, errorPercent);
        ResultsFile.record("RateAccuracy", name + ", " + rate + "/s, " + seconds + " s", "error (%)", errorPercent, "within ±1 %");
    }
}
