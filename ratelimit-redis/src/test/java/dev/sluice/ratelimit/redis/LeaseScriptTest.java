package dev.sluice.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.RateLimit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The Lua token bucket, run on the test Redis: its deterministic parts, checked on the key itself. */
class LeaseScriptTest {

    /** The longest reservation the tests allow: 100 ms. */
    private static final Duration RESERVE = Duration.ofMillis(100);

    private Jedis jedis;
    private final List<String> keys = new ArrayList<>();

    @BeforeEach
    void connect() {
        jedis = TestRedis.connect();
    }

    @AfterEach
    void cleanUp() {
        if (jedis != null) {
            keys.forEach(jedis::del);
            jedis.close();
        }
    }

    private String key(String what) {
        String k = "sluice:ratelimit:{" + TestRedis.uniqueName(what) + "}";
        keys.add(k);
        return k;
    }

    private long serverMicros() {
        List<String> t = jedis.time();
        return Long.parseLong(t.get(0)) * 1_000_000 + Long.parseLong(t.get(1));
    }

    @Test
    @DisplayName("a new bucket is full: it grants the burst; then a whole block is reserved (the caller waits), and beyond the longest reservation refused with the time until it fits")
    void newBucketGrantsTheBurst() {
        String key = key("burst");
        // 1 000/s, burst 100: a token is 1 000 µs; 1 unit per µs, 1 000 units per token.
        LeaseScript s = new LeaseScript(key, RateLimit.tokenBucket(1_000).burst(100), RESERVE);

        long before = serverMicros();
        LeaseScript.Reply first = s.lease(jedis, 60);
        LeaseScript.Reply second = s.lease(jedis, 60);
        long between = serverMicros() - before;

        assertThat(first.granted()).isEqualTo(60);
        // 40 left (plus what refilled between the calls): 60 more are reserved, 20 ms ahead (less that refill)
        assertThat(second.granted()).isEqualTo(60);
        assertThat(second.waitMicros()).isBetween(20_000 - between, 20_000L);
        // 20 ms of debt, as if reservations were outstanding: no whole token for 20 ms.
        long t0 = serverMicros();
        jedis.hset(key, "units", "-20000");
        jedis.hset(key, "at", Long.toString(t0));
        LeaseScript.Reply reserved = s.lease(jedis, 60);
        LeaseScript.Reply refused = s.lease(jedis, 60);
        long elapsed = serverMicros() - t0;

        // 60 more tokens: the bucket would hold them 80 ms from t0, less what refilled since
        assertThat(reserved.granted()).isEqualTo(60);
        assertThat(reserved.waitMicros()).isBetween(80_000 - elapsed, 80_000L);
        // 60 after those would be 140 ms away, beyond the 100 ms allowed: refused, 40 ms until it fits
        assertThat(refused.granted()).isZero();
        assertThat(refused.waitMicros()).isBetween(40_000 - elapsed, 40_000L);
        assertThat(refused.unitsLeft()).isBetween(-80_000L, -80_000 + elapsed);
        assertThat(jedis.hget(key, "config")).isEqualTo("1000/1000000us burst 100");
        assertThat(jedis.pttl(key)).isBetween(1L, 1_200L); // 100 ms to refill, 100 ms of reservations, a second
    }

    @Test
    @DisplayName("refills from the server's clock: one second after empty holds a second's worth, capped at the burst")
    void refillsFromServerTime() {
        String key = key("refill");
        LeaseScript s = new LeaseScript(key, RateLimit.tokenBucket(200).burst(1_000), RESERVE);
        s.lease(jedis, 1); // creates the key with this configuration
        long now = serverMicros();
        jedis.hset(key, "units", "0");
        jedis.hset(key, "at", Long.toString(now - 1_000_000)); // empty, one second ago

        LeaseScript.Reply r = s.lease(jedis, 200);
        long after = serverMicros();

        // 200 tokens in that second (1 000 000 units, 1 a microsecond), plus what refilled while the calls ran
        assertThat(r.granted()).isEqualTo(200);
        assertThat(r.waitMicros()).isZero();
        assertThat(r.unitsLeft()).isBetween(0L, after - now);
        // A bucket empty for ten seconds is full (1 000), not 2 000.
        jedis.hset(key, "units", "0");
        jedis.hset(key, "at", Long.toString(serverMicros() - 10_000_000));
        LeaseScript.Reply full = s.lease(jedis, 1_000);
        assertThat(full.granted()).isEqualTo(1_000);
        // ... and nothing beyond it is left (a token is 5 000 units; a few may refill during the call)
        assertThat(full.unitsLeft()).isLessThan(5 * 5_000);
    }

    @Test
    @DisplayName("a give-back adds the permits, never beyond a full bucket, exactly as the stored time says")
    void giveBackIsCapped() {
        String key = key("give");
        LeaseScript s = new LeaseScript(key, RateLimit.tokenBucket(1_000).burst(100), RESERVE);
        s.lease(jedis, 100);
        long unitsBefore = Long.parseLong(jedis.hget(key, "units"));
        long atBefore = Long.parseLong(jedis.hget(key, "at"));

        LeaseScript.Reply back = s.giveBack(jedis, 30);

        long atAfter = Long.parseLong(jedis.hget(key, "at"));
        long expected = Math.min(100_000, unitsBefore + (atAfter - atBefore) + 30 * 1_000);
        assertThat(back.unitsLeft()).isEqualTo(expected);
        assertThat(Long.parseLong(jedis.hget(key, "units"))).isEqualTo(expected);
        assertThat(s.giveBack(jedis, 500).unitsLeft()).isEqualTo(100_000);
    }

    @Test
    @DisplayName("concurrent leases never grant more than the bucket holds (the read, refill and take are one step)")
    void concurrentLeasesAreAtomic() throws Exception {
        String key = key("atomic");
        // One token an hour: nothing refills during the test, so exactly the burst is granted.
        LeaseScript s = new LeaseScript(key, RateLimit.tokenBucket(1, Duration.ofHours(1)).burst(300), RESERVE);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<Long>> tasks = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                tasks.add(() -> {
                    long got = 0;
                    try (Jedis j = TestRedis.connect()) {
                        for (int i = 0; i < 100; i++) {
                            got += s.lease(j, 1).granted();
                        }
                    }
                    return got;
                });
            }
            long total = 0;
            for (Future<Long> f : pool.invokeAll(tasks)) {
                total += f.get();
            }
            assertThat(total).isEqualTo(300);
            // what is left is the fraction of a token refilled meanwhile (a token is 3.6e9 units)
            assertThat(Long.parseLong(jedis.hget(key, "units"))).isLessThan(3_600_000_000L);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("a key holding another configuration is refused, naming both")
    void configurationConflict() {
        String key = key("conflict");
        new LeaseScript(key, RateLimit.tokenBucket(1_000).burst(100), RESERVE).lease(jedis, 1);
        LeaseScript other = new LeaseScript(key, RateLimit.tokenBucket(2_000).burst(100), RESERVE);

        assertThatThrownBy(() -> other.lease(jedis, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds a shared limit of 1000/1000000us burst 100, not 2000/1000000us burst 100");
    }

    @Test
    @DisplayName("limits that cannot be kept exactly are refused, naming the parameter and the value")
    void inexactLimitsRefused() {
        assertThatThrownBy(() -> new LeaseScript("k", RateLimit.tokenBucket(10, Duration.ofNanos(1_500)), RESERVE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("period (PT0.0000015S) must be a whole number of microseconds");
        assertThatThrownBy(() -> new LeaseScript("k", RateLimit.tokenBucket(7, Duration.ofDays(3650)).burst(1_000_000_000), RESERVE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("burst (1000000000) is too large to share exactly");
    }
}
