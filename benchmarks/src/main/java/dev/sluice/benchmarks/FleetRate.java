package dev.sluice.benchmarks;

import dev.sluice.conformance.results.ResultsFile;
import dev.sluice.RateLimit;
import dev.sluice.flow.Ticker;
import dev.sluice.ratelimit.redis.RedisRateLimitStore;
import dev.sluice.ratelimit.redis.RedisRateLimiter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A fleet of N processes (child JVMs) sharing one rate limit through Redis
 * ({@link RedisRateLimitStore}): each takes permits as fast as its limiter admits them
 * ({@code acquire}, one computed sleep per refusal) and counts those admitted inside a common
 * window of the wall clock (the same clock for every process on one machine), after a warm-up that
 * spends the burst. The observed fleet rate is compared with the configured one, and the Redis
 * round trips (leases granted and refused) per permit are counted.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.FleetRate
 * [seconds=60] [rate=2000] [fleet sizes=1,4,16]}; Redis from {@code SLUICE_REDIS_URI}
 * (127.0.0.1:6379 by default). The limit's key is deleted afterwards.
 */
public final class FleetRate {

    private FleetRate() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("member")) {
            member(args);
            return;
        }
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 60;
        long rate = args.length > 1 ? Long.parseLong(args[1]) : 2_000;
        String sizes = args.length > 2 ? args[2] : "1,4,16";
        List<String> summary = new ArrayList<>();
        for (String s : sizes.split(",")) {
            summary.add(run(Integer.parseInt(s.trim()), rate, seconds));
        }
        System.out.println();
        summary.forEach(System.out::println);
    }

    private static String run(int n, long rate, long seconds) throws Exception {
        String uri = SharedRateLimiterBenchmark.redisUri();
        String name = "bench-fleet-" + UUID.randomUUID();
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> children = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                children.add(new ProcessBuilder(java, "-Xmx48m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                        "-cp", System.getProperty("java.class.path"), FleetRate.class.getName(),
                        "member", uri, name, Long.toString(rate))
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start());
            }
            List<BufferedReader> outs = new ArrayList<>();
            for (Process p : children) {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String ready = r.readLine();
                if (!"READY".equals(ready)) {
                    throw new IllegalStateException("a member did not start: " + ready);
                }
                outs.add(r);
            }
            long warmUpMillis = 3_000; // spends the burst (a second's worth) and lets the block sizes settle
            long start = System.currentTimeMillis() + warmUpMillis;
            long end = start + seconds * 1_000;
            for (Process p : children) {
                Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
                w.write("GO " + start + " " + end + "\n");
                w.flush();
            }
            long inWindow = 0;
            long callsInWindow = 0;
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int i = 0; i < n; i++) {
                String line = outs.get(i).readLine();
                if (line == null || !line.startsWith("RESULT ")) {
                    throw new IllegalStateException("member " + i + " answered " + line);
                }
                String[] f = line.split(" ");
                long mine = Long.parseLong(f[1]);
                inWindow += mine;
                callsInWindow += Long.parseLong(f[2]);
                min = Math.min(min, mine);
                max = Math.max(max, mine);
                children.get(i).waitFor(30, TimeUnit.SECONDS);
            }
            double observed = inWindow / (double) seconds;
            double ratio = observed / rate;
            double roundTripsPer1000 = callsInWindow * 1_000.0 / Math.max(1, inWindow);
            String caseName = n + (n == 1 ? " process" : " processes") + ", " + rate + "/s, " + seconds + " s";
            ResultsFile.record("FleetRate", caseName, "observed / configured fleet rate", ratio, "within ±1 %");
            ResultsFile.record("FleetRate", caseName, "Redis round trips per 1 000 permits", roundTripsPer1000, null);
            String out = String.format("%2d processes: %8.2f/s of %d/s configured, ratio %.4f (error %+.2f %%); "
                            + "per process %d..%d permits; %.1f Redis round trips per 1 000 permits",
                    n, observed, rate, ratio, (ratio - 1) * 100, min, max, roundTripsPer1000);
            System.out.println(out);
            return out;
        } finally {
            for (Process p : children) {
                p.destroy();
            }
            URI u = URI.create(uri);
            try (Jedis j = new Jedis(u.getHost(), u.getPort() > 0 ? u.getPort() : 6379)) {
                j.del("sluice:ratelimit:{" + name + "}");
            }
        }
    }

    /** One process of the fleet: {@code member redisUri name rate}. */
    private static void member(String[] args) throws Exception {
        String uri = args[1];
        String name = args[2];
        long rate = Long.parseLong(args[3]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (RedisRateLimitStore store = RedisRateLimitStore.builder(uri, name).build()) {
            RedisRateLimiter limiter = store.newLimiter(RateLimit.tokenBucket(rate), Ticker.system());
            System.out.println("READY");
            System.out.flush();
            String[] go = in.readLine().split(" ");
            long start = Long.parseLong(go[1]);
            long end = Long.parseLong(go[2]);
            long inWindow = 0;
            long callsAtStart = -1;
            long callsAtEnd;
            while (true) {
                boolean got = limiter.acquire(1, Duration.ofSeconds(1));
                long now = System.currentTimeMillis();
                if (now >= end) {
                    callsAtEnd = limiter.redisCalls();
                    break;
                }
                if (now >= start) {
                    if (callsAtStart < 0) {
                        callsAtStart = limiter.redisCalls();
                    }
                    if (got) {
                        inWindow++;
                    }
                }
            }
            System.out.println("RESULT " + inWindow + " " + (callsAtEnd - Math.max(0, callsAtStart)));
            System.out.flush();
        }
    }
}
