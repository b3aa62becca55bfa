package dev.sluice.benchmarks;

import dev.sluice.conformance.results.ResultsFile;
import dev.sluice.RateLimit;
import dev.sluice.flow.Ticker;
import dev.sluice.flow.TokenBucket;
import dev.sluice.ratelimit.redis.RedisRateLimitStore;
import dev.sluice.ratelimit.redis.RedisRateLimiter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.ListStatistics;
import redis.clients.jedis.Jedis;

/**
 * The per-permit cost of the rate limit shared through Redis against the local
 * {@link TokenBucket}, one thread, {@code tryAcquire} at a rate that never refuses (1e9/s):
 * <ul>
 *   <li>{@code localTokenBucket}: the local bucket (one CAS);
 *   <li>{@code sharedLeased}: the shared limiter as it runs: permits handed out from a leased block
 *       (a lock), a block leased from Redis when it runs out (sized to the local rate times the
 *       20 ms lease window, so the round trip is spread over the block);
 *   <li>{@code sharedRoundTripEachPermit}: a burst of 1, so every permit is a lease: the cost of one
 *       script call to the Redis at {@code SLUICE_REDIS_URI} (127.0.0.1:6379 by default).
 * </ul>
 * {@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.SharedRateLimiterBenchmark [rounds=2]}
 * runs the three interleaved, prints the ratios to the local bucket and records them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SharedRateLimiterBenchmark {

    private static final long RATE = 1_000_000_000L;

    private TokenBucket local;
    private RedisRateLimitStore leasedStore;
    private RedisRateLimitStore roundTripStore;
    private RedisRateLimiter leased;
    private RedisRateLimiter roundTrip;

    static String redisUri() {
        String env = System.getenv("SLUICE_REDIS_URI");
        return env == null || env.isBlank() ? "redis://127.0.0.1:6379" : env;
    }

    @Setup(Level.Trial)
    public void setUp() {
        local = TokenBucket.perSecond(RATE, RATE, Ticker.system());
        String suffix = UUID.randomUUID().toString();
        leasedStore = RedisRateLimitStore.builder(redisUri(), "bench-leased-" + suffix).build();
        roundTripStore = RedisRateLimitStore.builder(redisUri(), "bench-roundtrip-" + suffix).build();
        leased = leasedStore.newLimiter(RateLimit.tokenBucket(RATE), Ticker.system());
        roundTrip = roundTripStore.newLimiter(RateLimit.tokenBucket(RATE).burst(1), Ticker.system());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        leasedStore.close();
        roundTripStore.close();
        java.net.URI u = java.net.URI.create(redisUri());
        try (Jedis j = new Jedis(u.getHost(), u.getPort() > 0 ? u.getPort() : 6379)) {
            j.del(leasedStore.key(), roundTripStore.key());
        }
    }

    @Benchmark
    public boolean localTokenBucket() {
        return local.tryAcquire();
    }

    @Benchmark
    public boolean sharedLeased() {
        return leased.tryAcquire();
    }

    @Benchmark
    public void sharedRoundTripEachPermit(Blackhole bh) {
        bh.consume(roundTrip.tryAcquire());
    }

    public static void main(String[] args) throws RunnerException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        List<String> impls = List.of("localTokenBucket", "sharedLeased", "sharedRoundTripEachPermit");
        Map<String, ListStatistics> pooled = new LinkedHashMap<>();
        impls.forEach(i -> pooled.put(i, new ListStatistics()));
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < impls.size(); k++) {
                String impl = impls.get((k + round) % impls.size());
                Collection<RunResult> results = new Runner(new OptionsBuilder()
                        .include(SharedRateLimiterBenchmark.class.getName() + "\\." + impl + "$")
                        .forks(1).warmupIterations(3).measurementIterations(5)
                        .warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(1)).build()).run();
                for (RunResult rr : results) {
                    for (BenchmarkResult br : rr.getBenchmarkResults()) {
                        for (IterationResult ir : br.getIterationResults()) {
                            pooled.get(impl).addValue(ir.getPrimaryResult().getScore());
                        }
                    }
                }
            }
        }
        ListStatistics base = pooled.get("localTokenBucket");
        List<String> lines = new ArrayList<>();
        for (String impl : impls) {
            ListStatistics s = pooled.get(impl);
            double ratio = s.getMean() / base.getMean();
            lines.add(String.format("%-26s %12.1f ± %.1f ns/permit   %10.2f × the local bucket", impl, s.getMean(),
                    s.getMeanErrorAt(0.999), ratio));
            if (!impl.equals("localTokenBucket")) {
                ResultsFile.record("SharedRateLimiterBenchmark", impl + ", 1 thread, 1e9/s (never refused)",
                        "ns per permit / local TokenBucket", ratio, null);
            }
        }
        System.out.println();
        System.out.printf("%d rounds x (3 warm-up + 5 measured) x 1 s per implementation, interleaved%n", rounds);
        lines.forEach(System.out::println);
    }
}
