package dev.sluice.ratelimit.redis;

import dev.sluice.RateLimit;
import dev.sluice.flow.Ticker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One process of a test fleet, started by {@link FleetRateChildJvmTest} in its own JVM: builds a
 * shared limiter, prints {@code READY}, waits for {@code GO <startMillis> <endMillis>} (wall clock,
 * the same on every process of this machine), takes permits as fast as the limiter admits them
 * until the end, gives its lease back and prints
 * {@code RESULT <admitted in the window> <admitted> <leased> <held at the end> <leases> <calls to Redis>}.
 *
 * <p>Arguments: redisUri name perSecond burst.
 */
public final class FleetMember {

    private FleetMember() {
    }

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        String name = args[1];
        long rate = Long.parseLong(args[2]);
        long burst = Long.parseLong(args[3]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (RedisRateLimitStore store = RedisRateLimitStore.builder(uri, name).build()) {
            RedisRateLimiter limiter = store.newLimiter(RateLimit.tokenBucket(rate).burst(burst), Ticker.system());
            System.out.println("READY");
            System.out.flush();
            String[] go = in.readLine().split(" ");
            long start = Long.parseLong(go[1]);
            long end = Long.parseLong(go[2]);
            long inWindow = 0;
            while (true) {
                boolean got = limiter.acquire(1, Duration.ofSeconds(1));
                long now = System.currentTimeMillis();
                if (now >= end) {
                    break; // a permit taken at or after the end is outside the window
                }
                if (got && now >= start) {
                    inWindow++;
                }
            }
            long held = limiter.held();
            System.out.println("RESULT " + inWindow + " " + limiter.admitted() + " " + limiter.leased() + " " + held + " "
                    + limiter.leases() + " " + limiter.redisCalls());
            System.out.flush();
        }
    }
}
