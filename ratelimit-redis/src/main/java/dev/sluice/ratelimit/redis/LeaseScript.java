package dev.sluice.ratelimit.redis;

import dev.sluice.RateLimit;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The token bucket kept in Redis, one hash per limit ({@code units}, {@code at}, {@code config}),
 * changed only by one Lua script, so that a read, the refill and the take happen atomically.
 *
 * <p>Exact, like {@link dev.sluice.flow.TokenBucket}: tokens and time are integers in units where
 * both a token and a microsecond of the server's clock are whole ({@code unitsPerToken},
 * {@code unitsPerMicro}), so no rounding drifts however long the fleet runs. Lua numbers are
 * doubles: every value the script computes stays below 2<sup>53</sup> (checked here when the limit
 * is built: the capacity below 2<sup>51</sup> units, and a refill is capped by the time that fills
 * the bucket, so it never multiplies a long elapsed time).
 *
 * <p>Time is the server's ({@code TIME}), so the clocks of the clients do not matter. Should the
 * server's clock step back, nothing refills until it passes the last write again. The hash expires
 * once it would be full again anyway (idle for the time that refills an empty bucket, plus a
 * second), which is the same as a full bucket: nothing is left behind for an unused limit.
 */
final class LeaseScript {

    /** The largest capacity, in units, for which the script's arithmetic is exact in doubles. */
    static final long MAX_CAPACITY_UNITS = 1L << 51;

    static final String SOURCE = String.join("\n",
            "-- KEYS[1] the limit's hash; ARGV: op (lease | give), permits (wanted | given back),",
            "-- unitsPerToken, unitsPerMicro, capacityUnits, configuration, ttl ms, longest reservation in µs",
            "local n = tonumber(ARGV[2])",
            "local upt = tonumber(ARGV[3])",
            "local upm = tonumber(ARGV[4])",
            "local cap = tonumber(ARGV[5])",
            "local maxWait = tonumber(ARGV[8])",
            "local t = redis.call('TIME')",
            "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])",
            "local s = redis.call('HMGET', KEYS[1], 'units', 'at', 'config')",
            "local units = cap",
            "if s[1] then",
            "  if s[3] ~= ARGV[6] then return {-1, 0, s[3]} end",
            "  units = tonumber(s[1])",
            "  local at = tonumber(s[2])",
            "  if now < at then now = at end",
            "  local missing = cap - units",
            "  if missing > 0 then",
            "    local elapsed = now - at",
            "    if elapsed >= math.ceil(missing / upm) then units = cap else units = units + elapsed * upm end",
            "  end",
            "end",
            "local granted = 0",
            "local wait = 0",
            "if ARGV[1] == 'lease' then",
            "  local after = units - n * upt",
            "  if after >= 0 then",
            "    units = after",
            "    granted = n",
            "  else",
            "    wait = math.ceil(-after / upm)",
            "    if wait <= maxWait then",
            "      units = after",
            "      granted = n",
            "    else",
            "      wait = math.ceil((-after - maxWait * upm) / upm)",
            "    end",
            "  end",
            "else",
            "  units = units + n * upt",
            "  if units > cap then units = cap end",
            "end",
            "redis.call('HSET', KEYS[1], 'units', string.format('%.0f', units), 'at', string.format('%.0f', now), 'config', ARGV[6])",
            "redis.call('PEXPIRE', KEYS[1], ARGV[7])",
            "return {granted, wait, string.format('%.0f', units)}");

    static final String SHA = sha1(SOURCE);

    /** The key holds a limit of another configuration: misuse, not an outage. */
    static final class ConfigurationConflict extends IllegalStateException {
        ConfigurationConflict(String message) {
            super(message);
        }
    }

    /**
     * What one call of the script answered.
     *
     * @param granted    permits granted, all that were asked: taken from the bucket now, or reserved
     *                   (then {@code waitMicros} is positive)
     * @param waitMicros for a grant, how long until the permits may be used (0: now; positive: a
     *                   reservation, the time until the bucket would have held them); for a refusal
     *                   ({@code granted == 0}), how long until a reservation would be granted
     * @param unitsLeft  the bucket after the call, in units (negative while reservations are outstanding)
     */
    record Reply(long granted, long waitMicros, long unitsLeft) {
    }

    private final String key;
    private final long unitsPerToken;
    private final long unitsPerMicro;
    private final long capacityUnits;
    private final String config;
    private final String ttlMillis;
    private final String maxWaitMicros;

    /**
     * @throws IllegalArgumentException when the limit cannot be kept exactly: a period that is not a
     *     whole number of microseconds, or a burst too large for the rate
     */
    LeaseScript(String key, RateLimit limit, java.time.Duration longestReservation) {
        this.key = key;
        long periodNanos = limit.period().toNanos();
        if (periodNanos % 1_000 != 0) {
            throw new IllegalArgumentException("period (" + limit.period()
                    + ") must be a whole number of microseconds for a shared limit (Redis keeps time in microseconds)");
        }
        long periodMicros = periodNanos / 1_000;
        long g = BigInteger.valueOf(limit.permits()).gcd(BigInteger.valueOf(periodMicros)).longValueExact();
        this.unitsPerToken = periodMicros / g;
        this.unitsPerMicro = limit.permits() / g;
        long cap;
        try {
            cap = Math.multiplyExact(limit.burst(), unitsPerToken);
        } catch (ArithmeticException e) {
            cap = Long.MAX_VALUE;
        }
        long maxWait = Math.max(1, longestReservation.toNanos() / 1_000);
        long debtUnits;
        try {
            debtUnits = Math.multiplyExact(maxWait, unitsPerMicro);
        } catch (ArithmeticException e) {
            debtUnits = Long.MAX_VALUE;
        }
        if (cap > MAX_CAPACITY_UNITS || debtUnits > MAX_CAPACITY_UNITS || unitsPerMicro > MAX_CAPACITY_UNITS) {
            throw new IllegalArgumentException("burst (" + limit.burst() + ") is too large to share exactly at "
                    + limit.permits() + " per " + limit.period() + " (at most " + (MAX_CAPACITY_UNITS / unitsPerToken) + ")");
        }
        this.capacityUnits = cap;
        this.config = limit.permits() + "/" + periodMicros + "us burst " + limit.burst();
        // Idle this long, the bucket is full again: the hash may go.
        long fillMillis = (cap / unitsPerMicro + 999) / 1_000;
        // Idle, reservations are repaid and the bucket refilled after the longest reservation plus a fill.
        this.ttlMillis = Long.toString(fillMillis + maxWait / 1_000 + 1_000);
        this.maxWaitMicros = Long.toString(maxWait);
    }

    /**
     * Takes {@code want} permits: now when the bucket holds them, or else reserved, when the bucket
     * would hold them within the longest reservation (the bucket goes into debt and the caller
     * uses them after {@code waitMicros}). A reservation makes every call to Redis yield a whole
     * block, however many processes contend; no partial grants, which would cost a second call.
     *
     * @return the permits granted ({@code want}), or 0 and how long until a reservation would be granted
     * @throws ConfigurationConflict when the key holds a limit of another configuration
     */
    Reply lease(Jedis jedis, long want) {
        return call(jedis, "lease", want);
    }

    /** Gives back {@code permits} taken and not used, never beyond a full bucket. */
    Reply giveBack(Jedis jedis, long permits) {
        return call(jedis, "give", permits);
    }

    private Reply call(Jedis jedis, String op, long permits) {
        List<String> args = List.of(op, Long.toString(permits), Long.toString(unitsPerToken), Long.toString(unitsPerMicro),
                Long.toString(capacityUnits), config, ttlMillis, maxWaitMicros);
        Object reply;
        try {
            reply = jedis.evalsha(SHA, List.of(key), args);
        } catch (JedisNoScriptException e) {
            reply = jedis.eval(SOURCE, List.of(key), args); // loads it for the next evalsha
        }
        List<?> r = (List<?>) reply;
        long granted = (Long) r.get(0);
        if (granted < 0) {
            throw new ConfigurationConflict("key " + key + " holds a shared limit of " + r.get(2) + ", not " + config
                    + ": every process sharing a limit name must configure the same rate and burst (use a new name to change them)");
        }
        return new Reply(granted, (Long) r.get(1), Long.parseLong(String.valueOf(r.get(2))));
    }

    long unitsPerToken() {
        return unitsPerToken;
    }

    long capacityUnits() {
        return capacityUnits;
    }

    String config() {
        return config;
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
    }
}
