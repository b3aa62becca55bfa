package dev.sluice.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Three processes share one limit: each is a child JVM ({@link FleetMember}) with its own store
 * and limiter, and together they admit the configured rate. Short, for CI; the 60 s runs with 1, 4
 * and 16 processes are {@code dev.sluice.benchmarks.FleetRate}.
 */
class FleetRateChildJvmTest {

    @Test
    @DisplayName("three processes together admit the shared rate over a window, and every permit granted is accounted for")
    void childProcessesShareTheRate() throws Exception {
        String name = TestRedis.uniqueName("children");
        long rate = 1_000;
        // A second's worth (the default): a process the busy machine schedules late finds the
        // permits it missed still in the bucket instead of lost to a full one.
        long burst = 1_000;
        long windowMillis = 4_000;
        int n = 3;
        List<Process> children = new ArrayList<>();
        try (Jedis jedis = TestRedis.connect()) {
            try {
                String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
                for (int i = 0; i < n; i++) {
                    children.add(new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1",
                            "-cp", System.getProperty("java.class.path"), FleetMember.class.getName(),
                            TestRedis.uri(), name, Long.toString(rate), Long.toString(burst))
                            .redirectError(ProcessBuilder.Redirect.INHERIT).start());
                }
                List<BufferedReader> outs = new ArrayList<>();
                for (Process p : children) {
                    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    assertThat(r.readLine()).isEqualTo("READY"); // a child that dies closes the stream: null, and the test fails
                    outs.add(r);
                }
                // A warm-up spends the burst (in a few leases), so the window measures the sustained rate.
                long start = System.currentTimeMillis() + 1_500;
                long end = start + windowMillis;
                for (Process p : children) {
                    Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
                    w.write("GO " + start + " " + end + "\n");
                    w.flush();
                }
                long inWindow = 0;
                long admitted = 0;
                long leased = 0;
                long held = 0;
                long calls = 0;
                for (int i = 0; i < n; i++) {
                    String line = outs.get(i).readLine();
                    assertThat(line).startsWith("RESULT ");
                    String[] f = line.split(" ");
                    long mine = Long.parseLong(f[1]);
                    assertThat(mine).as("process %d admitted in the window", i).isPositive();
                    inWindow += mine;
                    admitted += Long.parseLong(f[2]);
                    leased += Long.parseLong(f[3]);
                    held += Long.parseLong(f[4]);
                    calls += Long.parseLong(f[6]);
                    assertThat(children.get(i).waitFor(20, TimeUnit.SECONDS)).isTrue();
                    assertThat(children.get(i).exitValue()).isZero();
                }
                double expected = rate * windowMillis / 1_000.0;
                System.out.printf("fleet of %d: %d admitted in %d ms (expected %.0f, ratio %.4f); %d leased, %d admitted, %d given back,"
                        + " %d calls to Redis%n", n, inWindow, windowMillis, expected, inWindow / expected, leased, admitted, held, calls);
                assertThat(leased).isEqualTo(admitted + held); // granted = handed out + given back at the end
                // Whole run (≤ 1 s warm-up + window + lease edges): never more than the burst plus the rate.
                assertThat(admitted).isLessThanOrEqualTo(burst + rate * (windowMillis + 2_000) / 1_000);
                assertThat((double) inWindow).isBetween(expected * 0.97, expected * 1.02);
                // No round trip per permit: at ~333/s a process leases blocks of ~7 (20 ms), reserved when the bucket is empty.
                assertThat(calls).isLessThan(admitted / 5);
            } finally {
                for (Process p : children) {
                    p.destroy();
                }
                jedis.del("sluice:ratelimit:{" + name + "}");
            }
        }
    }
}
