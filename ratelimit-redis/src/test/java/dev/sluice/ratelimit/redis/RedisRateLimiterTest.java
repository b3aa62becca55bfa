package dev.sluice.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.RateLimit;
import dev.sluice.flow.ManualTicker;
import dev.sluice.flow.RateLimiter;
import dev.sluice.flow.Ticker;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The limiter a channel gets from {@link RedisRateLimitStore}: leases, give-backs, the fleet rate, the fallback. */
class RedisRateLimiterTest {

    private Jedis jedis;
    private final List<RedisRateLimitStore> stores = new ArrayList<>();

    @BeforeEach
    void connect() {
        jedis = TestRedis.connect();
    }

    @AfterEach
    void cleanUp() {
        for (RedisRateLimitStore s : stores) {
            s.close();
            jedis.del(s.key());
        }
        jedis.close();
    }

    private RedisRateLimitStore store(String what, java.util.function.UnaryOperator<RedisRateLimitStore.Builder> settings) {
        RedisRateLimitStore s = settings.apply(RedisRateLimitStore.builder(TestRedis.uri(), TestRedis.uniqueName(what))).build();
        stores.add(s);
        return s;
    }

    @Nested
    @DisplayName("leasing")
    class Leasing {

        @Test
        @DisplayName("leases blocks sized to the local rate, not one round trip per permit")
        void leasesInBlocks() {
            RedisRateLimitStore store = store("blocks", b -> b.leaseWindow(Duration.ofMillis(20)));
            ManualTicker ticker = new ManualTicker();
            // 10 000/s: a 20 ms window of the fleet rate is 200 permits, the most one lease takes.
            RedisRateLimiter limiter = store.newLimiter(RateLimit.tokenBucket(10_000), ticker);
            long mostHeld = 0;
            for (int i = 0; i < 2_000; i++) {
                assertThat(limiter.tryAcquire()).isTrue();
                mostHeld = Math.max(mostHeld, limiter.held());
                ticker.advanceNanos(10_000); // 100 000 a second asked of a 10 000 bucket: it starts full
            }
            assertThat(limiter.admitted()).isEqualTo(2_000);
            // 2 000 permits in blocks of at most 200, after a short ramp: 10 leases and a few
            assertThat(limiter.leases()).isBetween(10L, 20L);
            assertThat(mostHeld).isEqualTo(199); // a 200-permit block, one taken at once
            assertThat(limiter.leased()).isEqualTo(limiter.admitted() + limiter.held());
        }

        @Test
        @DisplayName("a quiet limiter leases small blocks: it does not hoard the fleet's permits")
        void quietLimiterLeasesLittle() {
            RedisRateLimitStore store = store("quiet", b -> b);
            ManualTicker ticker = new ManualTicker();
            RedisRateLimiter limiter = store.newLimiter(RateLimit.tokenBucket(10_000), ticker);
            for (int i = 0; i < 20; i++) {
                assertThat(limiter.tryAcquire()).isTrue();
                ticker.advance(Duration.ofMillis(100)); // 10 a second: 0.2 per 20 ms window
            }
            assertThat(limiter.held()).isZero();
            assertThat(limiter.leases()).isEqualTo(20);
        }

        @Test
        @DisplayName("close gives the permits held back to Redis, exactly (checked on the key)")
        void closeGivesBack() {
            RedisRateLimitStore store = store("giveback", b -> b);
            ManualTicker ticker = new ManualTicker();
            // 1 000/s, burst 1 000: 1 000 units a token, 1 a microsecond.
            RedisRateLimiter limiter = store.newLimiter(RateLimit.tokenBucket(1_000), ticker);
            assertThat(limiter.tryAcquire()).isTrue(); // first lease: 1 permit (no rate known yet)
            ticker.advance(Duration.ofMillis(1));
            assertThat(limiter.tryAcquire()).isTrue(); // 1 permit in 1 ms: a 20-permit block, 19 held
            assertThat(limiter.held()).isEqualTo(19);
            long unitsBefore = Long.parseLong(jedis.hget(store.key(), "units"));
            long atBefore = Long.parseLong(jedis.hget(store.key(), "at"));

            limiter.close();

            long atAfter = Long.parseLong(jedis.hget(store.key(), "at"));
            long refilled = atAfter - atBefore; // 1 unit a microsecond of the server's clock
            assertThat(Long.parseLong(jedis.hget(store.key(), "units")))
                    .isEqualTo(Math.min(1_000_000, unitsBefore + refilled + 19 * 1_000));
            assertThat(limiter.held()).isZero();
            assertThatThrownBy(limiter::tryAcquire).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        }

        @Test
        @DisplayName("when the bucket is empty it reserves a block and refuses locally until then, without asking again")
        void refusesLocallyUntilTheBlockComes() {
            RedisRateLimitStore store = store("refuse", b -> b);
            ManualTicker ticker = new ManualTicker();
            RedisRateLimiter limiter = store.newLimiter(RateLimit.tokenBucket(100).burst(5), ticker);
            int admitted = 0;
            while (limiter.tryAcquire()) {
                admitted++;
                assertThat(admitted).isLessThanOrEqualTo(10); // the burst and what refilled while asking
            }
            long delay = limiter.tryAcquireOrDelay(1);
            long leasesAfterRefusal = limiter.leases();
            // a reservation or a refusal: at most the longest reservation (4 lease windows of 20 ms)
            assertThat(delay).isPositive().isLessThanOrEqualTo(Duration.ofMillis(80).toNanos());
            for (int i = 0; i < 100; i++) {
                assertThat(limiter.tryAcquireOrDelay(1)).isEqualTo(delay); // the manual clock stands still
            }
            assertThat(limiter.leases()).isEqualTo(leasesAfterRefusal);
            assertThat(limiter.retryAfterNanos(1)).isEqualTo(delay);
        }
    }

    @Nested
    @DisplayName("reserving")
    class Reserving {

        @Test
        @DisplayName("an empty bucket reserves the block: one call, then the limiter waits locally and takes it when due")
        void emptyBucketReserves() {
            RedisRateLimitStore store = store("reserve", b -> b); // lease window 20 ms: reservations up to 80 ms
            ManualTicker ticker = new ManualTicker();
            RedisRateLimiter limiter = store.newLimiter(RateLimit.tokenBucket(1_000).burst(10), ticker);
            // Another limiter's lease opens the pool's connection first, so the one below is quick.
            assertThat(store.newLimiter(RateLimit.tokenBucket(1_000).burst(10), ticker).tryAcquire()).isTrue();
            // 75 ms of debt (1 000 units a token, 1 a microsecond), as if other processes had reserved.
            List<String> time = jedis.time();
            long now = Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
            jedis.hset(store.key(), java.util.Map.of("units", "-75000", "at", Long.toString(now), "config", "1000/1000000us burst 10"));

            long delay = limiter.tryAcquireOrDelay(1);

            assertThat(delay).isPositive().isLessThanOrEqualTo(Duration.ofMillis(76).toNanos());
            assertThat(limiter.leases()).isEqualTo(1);
            assertThat(limiter.held()).isEqualTo(1);
            assertThat(limiter.retryAfterNanos(1)).isEqualTo(delay);
            assertThat(limiter.tryAcquireOrDelay(1)).isEqualTo(delay); // no second call: the manual clock stands still
            ticker.advanceNanos(delay);
            assertThat(limiter.tryAcquire()).isTrue();
            assertThat(limiter.redisCalls()).isEqualTo(1);
            assertThat(limiter.held()).isZero();
        }
    }

    @Nested
    @DisplayName("the fleet")
    class Fleet {

        @Test
        @DisplayName("four limiters in one process admit the shared rate together, not four times it")
        void limitersInOneProcessShareTheRate() throws Exception {
            String name = TestRedis.uniqueName("fleet");
            long rate = 1_000;
            // A second's worth: a thread the busy machine wakes late finds what it missed still in the bucket.
            long burst = 1_000;
            List<RedisRateLimiter> limiters = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                RedisRateLimitStore s = RedisRateLimitStore.builder(TestRedis.uri(), name).build(); // one store per "process"
                stores.add(s);
                limiters.add(s.newLimiter(RateLimit.tokenBucket(rate).burst(burst), Ticker.system()));
            }
            long warmUp = System.nanoTime() + Duration.ofMillis(500).toNanos();
            long start = warmUp;
            long end = start + Duration.ofSeconds(3).toNanos();
            AtomicLong inWindow = new AtomicLong();
            CountDownLatch done = new CountDownLatch(limiters.size());
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            for (RedisRateLimiter l : limiters) {
                Thread t = new Thread(() -> {
                    try {
                        while (System.nanoTime() < end) {
                            if (l.acquire(1, Duration.ofSeconds(1))) {
                                long now = System.nanoTime();
                                if (now >= start && now < end) {
                                    inWindow.incrementAndGet();
                                }
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    } finally {
                        done.countDown();
                    }
                });
                t.setDaemon(true);
                t.start();
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(failures).isEmpty();
            long total = limiters.stream().mapToLong(RedisRateLimiter::admitted).sum();
            long leased = limiters.stream().mapToLong(RedisRateLimiter::leased).sum();
            long held = limiters.stream().mapToLong(RedisRateLimiter::held).sum();
            assertThat(leased).isEqualTo(total + held); // every permit granted is handed out or held
            // The whole run, 3.5 s: never more than the burst plus the rate (a small margin for the span measured).
            assertThat(total).isLessThanOrEqualTo(burst + rate * 3_600 / 1_000);
            // The 3 s window, after the burst was spent: the rate, within what the lease edges and a busy machine allow.
            assertThat(inWindow.get()).isBetween(rate * 3 * 97 / 100, rate * 3 * 102 / 100);
            assertThat(limiters).allSatisfy(l -> assertThat(l.admitted()).isPositive());
        }
    }

    @Nested
    @DisplayName("when Redis is unreachable")
    class Unreachable {

        private int closedPort() throws IOException {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort(); // closed again: connections to it are refused at once
            }
        }

        @Test
        @DisplayName("failing closed refuses with the probe delay, reports CLOSED once, and probes again on time")
        void failsClosed() throws IOException {
            List<String> changes = new CopyOnWriteArrayList<>();
            RedisRateLimitStore store = RedisRateLimitStore.builder("redis://127.0.0.1:" + closedPort(), TestRedis.uniqueName("closed"))
                    .timeout(Duration.ofMillis(200)).probeEvery(Duration.ofSeconds(2)).failClosed()
                    .listener((limit, from, to, reason) -> changes.add(from + "->" + to))
                    .build();
            stores.add(store);
            ManualTicker ticker = new ManualTicker();
            RedisRateLimiter limiter = store.newLimiter(RateLimit.tokenBucket(1_000), ticker);

            assertThat(limiter.tryAcquireOrDelay(1)).isEqualTo(Duration.ofSeconds(2).toNanos());
            for (int i = 0; i < 50; i++) {
                ticker.advance(Duration.ofMillis(100)); // 5 s, two more probes
                assertThat(limiter.tryAcquire()).isFalse();
            }
            assertThat(limiter.mode()).isEqualTo(FleetMode.CLOSED);
            assertThat(store.mode()).isEqualTo(FleetMode.CLOSED);
            assertThat(changes).containsExactly("SHARED->CLOSED");
            assertThat(limiter.admitted()).isZero();
        }

        @Test
        @DisplayName("falling back to a local share admits rate / fleet size, exactly, from a local bucket")
        void fallsBackToALocalShare() throws IOException {
            RedisRateLimitStore store = RedisRateLimitStore.builder("redis://127.0.0.1:" + closedPort(), TestRedis.uniqueName("share"))
                    .timeout(Duration.ofMillis(200)).probeEvery(Duration.ofHours(1)).fallBackToLocalShare(4)
                    .build();
            stores.add(store);
            ManualTicker ticker = new ManualTicker();
            // 1 000/s, burst 100, over 4 limiters: a local bucket of 25 refilled at 250/s.
            RedisRateLimiter limiter = store.newLimiter(RateLimit.tokenBucket(1_000).burst(100), ticker);
            int first = 0;
            while (limiter.tryAcquire()) {
                first++;
            }
            assertThat(first).isEqualTo(25);
            ticker.advance(Duration.ofSeconds(10));
            int second = 0;
            while (limiter.tryAcquire()) {
                second++;
            }
            assertThat(second).isEqualTo(25); // full again, not 2 500
            ticker.advance(Duration.ofMillis(40)); // 10 permits at 250/s
            int third = 0;
            while (limiter.tryAcquire()) {
                third++;
            }
            assertThat(third).isEqualTo(10);
            assertThat(limiter.mode()).isEqualTo(FleetMode.LOCAL_SHARE);
        }

        @Test
        @DisplayName("returns to the shared budget when Redis answers again, and says so")
        void recovers() throws Exception {
            boolean onPath = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                    .anyMatch(d -> Files.isExecutable(Path.of(d, "redis-server")));
            assumeTrue(onPath, "no redis-server on the PATH: this test starts its own Redis on the port the store points at");
            int port = closedPort();
            List<String> changes = new CopyOnWriteArrayList<>();
            RedisRateLimitStore store = RedisRateLimitStore.builder("redis://127.0.0.1:" + port, TestRedis.uniqueName("recover"))
                    .timeout(Duration.ofMillis(200)).probeEvery(Duration.ofSeconds(1)).fallBackToLocalShare(1000)
                    .listener((limit, from, to, reason) -> changes.add(from + "->" + to))
                    .build();
            stores.add(store);
            ManualTicker ticker = new ManualTicker();
            RedisRateLimiter limiter = store.newLimiter(RateLimit.tokenBucket(1_000), ticker);
            assertThat(limiter.tryAcquire()).isTrue(); // from the local share (1 of 1 000/s)
            assertThat(limiter.mode()).isEqualTo(FleetMode.LOCAL_SHARE);

            Path dir = Files.createTempDirectory("sluice-redis-recover");
            Process redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    try (Jedis j = new Jedis("127.0.0.1", port)) {
                        return "PONG".equals(j.ping());
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
                assertThat(limiter.tryAcquire()).isFalse(); // the local share is spent and the probe is not due
                ticker.advance(Duration.ofSeconds(1));
                assertThat(limiter.tryAcquire()).isTrue(); // the probe leases from Redis
                assertThat(limiter.mode()).isEqualTo(FleetMode.SHARED);
                assertThat(store.mode()).isEqualTo(FleetMode.SHARED);
                assertThat(changes).containsExactly("SHARED->LOCAL_SHARE", "LOCAL_SHARE->SHARED");
                assertThat(limiter.leases()).isEqualTo(1);
                store.close(); // before the server goes, so the lease is given back
            } finally {
                redis.destroy();
                redis.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Nested
    @DisplayName("bad input")
    class BadInput {

        @Test
        @DisplayName("each bad setting is refused, naming the parameter and the value")
        void refused() {
            assertThatThrownBy(() -> RedisRateLimitStore.builder("redis://127.0.0.1:6379", " "))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("name (\" \") must not be blank");
            assertThatThrownBy(() -> RedisRateLimitStore.builder("http://127.0.0.1:6379", "n"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("redisUri (http://127.0.0.1:6379) must start with redis:// or rediss://");
            assertThatThrownBy(() -> RedisRateLimitStore.builder("redis://127.0.0.1:6379/orders", "n"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("redisUri (redis://127.0.0.1:6379/orders) has path /orders: it may name only a database number");
            assertThatThrownBy(() -> RedisRateLimitStore.builder("redis://u:secret@127.0.0.1:6379/x", "n"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("secret");
            RedisRateLimitStore.Builder b = RedisRateLimitStore.builder("redis://127.0.0.1:6379", "n");
            assertThatThrownBy(() -> b.fallBackToLocalShare(0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("expectedFleetSize (0) must be at least 1");
            assertThatThrownBy(() -> b.leaseWindow(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("leaseWindow (PT0S) must be above 0 and at most 1 s");
            assertThatThrownBy(() -> b.leaseWindow(Duration.ofSeconds(2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("leaseWindow (PT2S) must be above 0 and at most 1 s");
            assertThatThrownBy(() -> b.timeout(Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout (PT-0.001S) must be positive");
            assertThatThrownBy(() -> b.probeEvery(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("probeEvery (PT0S) must be positive");

            RedisRateLimitStore store = store("bad", s -> s);
            assertThatThrownBy(() -> store.newLimiter(RateLimit.slidingWindow(5, Duration.ofSeconds(1)), Ticker.system()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("limit (slidingWindow(5 per PT1S)) must be a token bucket to be shared");
            RateLimiter limiter = RateLimit.tokenBucket(100).burst(10).shared(store).newLimiter(Ticker.system());
            assertThatThrownBy(() -> limiter.tryAcquire(0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("permits (0) must be between 1 and capacity (10)");
            assertThatThrownBy(() -> limiter.tryAcquire(11))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("permits (11) must be between 1 and capacity (10)");
        }

        @Test
        @DisplayName("a process configured with another rate under the same name is refused, naming both")
        void conflictingConfiguration() {
            RedisRateLimitStore store = store("conflict", s -> s);
            assertThat(store.newLimiter(RateLimit.tokenBucket(100), Ticker.system()).tryAcquire()).isTrue();
            RedisRateLimiter other = store.newLimiter(RateLimit.tokenBucket(200), Ticker.system());
            assertThatThrownBy(other::tryAcquire)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("holds a shared limit of 100/1000000us burst 100, not 200/1000000us burst 200");
            assertThat(store.mode()).isEqualTo(FleetMode.SHARED); // misuse, not an outage
        }
    }
}
