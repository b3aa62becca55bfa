package dev.sluice.benchmarks;

import com.google.common.util.concurrent.RateLimiter;
import dev.sluice.flow.Ticker;
import dev.sluice.flow.TokenBucket;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code tryAcquire} of the token bucket against Bucket4j, Resilience4j's AtomicRateLimiter and
 * Guava's RateLimiter, each refilled at {@code rate} per second with a burst of one second's worth.
 * At 1e9 per second nearly every call succeeds (the cost of the hot path); at 1 000 per second
 * nearly every call is refused (the cost of saying no).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RateLimiterBenchmark {

    @Param({"1000000000", "1000"})
    public long rate;

    private TokenBucket sluice;
    private Bucket bucket4j;
    private AtomicRateLimiter resilience4j;
    private RateLimiter guava;

    @Setup
    public void setUp() {
        sluice = TokenBucket.perSecond(rate, rate, Ticker.system());
        bucket4j = Bucket.builder().addLimit(Bandwidth.builder().capacity(rate).refillGreedy(rate, Duration.ofSeconds(1)).build()).build();
        // Resilience4j counts in cycles: the closest equal is `rate` permits per 1 s cycle.
        resilience4j = new AtomicRateLimiter("bench", RateLimiterConfig.custom()
                .limitForPeriod((int) Math.min(rate, Integer.MAX_VALUE)).limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO).build());
        guava = RateLimiter.create(rate);
    }

    @Benchmark
    public boolean sluiceTokenBucket() {
        return sluice.tryAcquire();
    }

    @Benchmark
    public boolean bucket4j() {
        return bucket4j.tryConsume(1);
    }

    @Benchmark
    public boolean resilience4j() {
        return resilience4j.acquirePermission();
    }

    @Benchmark
    public boolean guava() {
        return guava.tryAcquire();
    }

    @Benchmark
    @Threads(2)
    public boolean sluiceTokenBucket2Threads() {
        return sluice.tryAcquire();
    }

    @Benchmark
    @Threads(2)
    public boolean bucket4j2Threads() {
        return bucket4j.tryConsume(1);
    }

    @Benchmark
    @Threads(2)
    public boolean resilience4j2Threads() {
        return resilience4j.acquirePermission();
    }

    @Benchmark
    @Threads(2)
    public boolean guava2Threads() {
        return guava.tryAcquire();
    }
}
