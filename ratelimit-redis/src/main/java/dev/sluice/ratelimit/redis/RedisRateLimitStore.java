package dev.sluice.ratelimit.redis;

import dev.sluice.RateLimit;
import dev.sluice.RateLimitStore;
import dev.sluice.flow.Ticker;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

/**
 * A rate limit shared by a fleet, its permits kept in Redis: every limiter this store makes, in
 * this process or in any other that builds a store with the same server and limit name, draws
 * from one token bucket, so together they admit the configured rate.
 *
 * <pre>{@code
 * RedisRateLimitStore orders = RedisRateLimitStore.builder("redis://127.0.0.1:6379", "orders")
 *         .fallBackToLocalShare(20)      // while Redis is down: each of ~20 limiters admits 1/20 of the rate
 *         .build();
 * ProducerPolicy.buffer(10_000).rateLimit(RateLimit.tokenBucket(5_000).burst(500).shared(orders));
 * }</pre>
 *
 * <p><b>The local fast path.</b> A limiter does not ask Redis for every permit: it leases a block
 * of permits (one atomic script call, see {@link RedisRateLimiter}) and hands them out locally.
 * The block is sized to the limiter's own recent rate times the {@linkplain Builder#leaseWindow
 * lease window} (20 ms by default), at least 1 and at most one window's worth of the fleet rate,
 * so a busy process takes big blocks and a quiet one small ones, and no process holds more than a
 * window of the fleet's permits. When the bucket is empty a lease reserves the block for the
 * moment the bucket would have held it (at most four lease windows ahead), so contending
 * processes each make one call per block instead of polling an empty bucket. Permits leased and
 * not handed out are given back when a limiter (or this store) is closed.
 *
 * <p><b>When Redis is unreachable</b> (a refused connection, a timeout, an error reply), the
 * store moves to {@link FleetMode#CLOSED} (the default, {@link Builder#failClosed()}) or
 * {@link FleetMode#LOCAL_SHARE} ({@link Builder#fallBackToLocalShare(int)}); a limiter first
 * spends the permits it already holds. Each limiter asks Redis again at most once per
 * {@linkplain Builder#probeEvery probe interval}, and the store returns to {@link FleetMode#SHARED}
 * when one gets an answer. Each transition is logged once (WARNING on the way down, INFO on the
 * way back) and told to the {@linkplain Builder#listener listener}; {@link #mode()} says where it
 * is now.
 *
 * <p>Every process sharing a limit name must configure the same rate, period and burst: a limiter
 * that finds the key holding another configuration refuses with an {@link IllegalStateException}
 * naming both (use a new name to change the rate; an idle key expires once the bucket would be
 * full again).
 *
 * <p>Thread-safe. Building a store and making limiters do no I/O. {@link #close()} gives back the
 * leases of every limiter it made and closes the connections.
 */
public final class RedisRateLimitStore implements RateLimitStore, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RedisRateLimitStore.class.getName());

    private final String name;
    private final String key;
    private final String address;
    private final JedisPool pool;
    private final Duration leaseWindow;
    private final Duration probeEvery;
    private final int fleetSize; // 0: fail closed
    private final FleetModeListener listener;
    private final Set<RedisRateLimiter> limiters = ConcurrentHashMap.newKeySet();
    private final Object modeLock = new Object();
    private volatile FleetMode mode = FleetMode.SHARED;
    private volatile boolean closed;

    private RedisRateLimitStore(Builder b) {
        this.name = b.name;
        this.key = "sluice:ratelimit:{" + b.name + "}";
        this.address = b.hostAndPort.toString();
        this.leaseWindow = b.leaseWindow;
        this.probeEvery = b.probeEvery;
        this.fleetSize = b.fleetSize;
        this.listener = b.listener;
        int timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, b.timeout.toMillis()));
        DefaultJedisClientConfig.Builder c = DefaultJedisClientConfig.builder()
                .autoNegotiateProtocol(false)
                .connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis)
                .database(b.database)
                .ssl(b.ssl)
                .clientName("sluice-ratelimit");
        if (b.user != null) {
            c.user(b.user);
        }
        if (b.password != null) {
            c.password(b.password);
        }
        GenericObjectPoolConfig<Jedis> poolConfig = new GenericObjectPoolConfig<>();
        poolConfig.setMaxTotal(8);
        poolConfig.setMaxWait(b.timeout);
        poolConfig.setJmxEnabled(false);
        this.pool = new JedisPool(poolConfig, b.hostAndPort, c.build()); // connects lazily
    }

    /**
     * @param redisUri {@code redis://[user:password@]host[:port][/db]} or {@code rediss://} for TLS
     * @param name     the limit's name: every store with this name on this server shares one budget
     *                 (the key is {@code sluice:ratelimit:{name}})
     */
    public static Builder builder(String redisUri, String name) {
        Objects.requireNonNull(redisUri, "redisUri");
        URI uri;
        try {
            uri = URI.create(redisUri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("redisUri (" + redisUri + ") is not a URI: " + e.getMessage(), e);
        }
        return new Builder(uri, name);
    }

    /**
     * Makes a limiter drawing from this store's budget; no I/O.
     *
     * @throws IllegalArgumentException when {@code limit} is not a token bucket, or cannot be kept
     *     exactly in Redis (a period that is not whole microseconds, a burst too large for its rate)
     * @throws IllegalStateException when this store is closed
     */
    @Override
    public RedisRateLimiter newLimiter(RateLimit limit, Ticker ticker) {
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(ticker, "ticker");
        if (limit.kind() != RateLimit.Kind.TOKEN_BUCKET) {
            throw new IllegalArgumentException("limit (" + limit + ") must be a token bucket to be shared");
        }
        if (closed) {
            throw new IllegalStateException("store " + this + " is closed");
        }
        RedisRateLimiter limiter = new RedisRateLimiter(this, new LeaseScript(key, limit, leaseWindow.multipliedBy(4)), limit, ticker);
        limiters.add(limiter);
        return limiter;
    }

    /** @return where permits come from now (for the whole store: any of its limiters may have moved it) */
    public FleetMode mode() {
        return mode;
    }

    /** @return the limit's name */
    public String name() {
        return name;
    }

    /** @return the Redis key that holds the limit's bucket */
    public String key() {
        return key;
    }

    /** Gives back what every limiter of this store holds, then closes the connections. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (RedisRateLimiter l : limiters) {
            l.close();
        }
        pool.close();
    }

    @Override
    public String toString() {
        return "redis://" + address + " limit '" + name + "'";
    }

    // --- for the limiters ---------------------------------------------------------------------

    /** Runs {@code call} on a pooled connection; exceptions propagate to the limiter. */
    <T> T withRedis(Function<Jedis, T> call) {
        try (Jedis jedis = pool.getResource()) {
            return call.apply(jedis);
        }
    }

    Duration leaseWindow() {
        return leaseWindow;
    }

    Duration probeEvery() {
        return probeEvery;
    }

    /** @return the expected number of limiters for a local share, 0 to fail closed */
    int fleetSize() {
        return fleetSize;
    }

    void forget(RedisRateLimiter limiter) {
        limiters.remove(limiter);
    }

    /** A limiter's call to Redis failed: move to the fallback if not there yet. */
    void unreachable(RuntimeException cause) {
        FleetMode fallback = fleetSize > 0 ? FleetMode.LOCAL_SHARE : FleetMode.CLOSED;
        String reason = "Redis at " + address + " unreachable: " + cause;
        if (transition(fallback, reason)) {
            LOG.log(System.Logger.Level.WARNING, "shared rate limit ''{0}'': {1}; {2}", name, reason,
                    fallback == FleetMode.LOCAL_SHARE ? "each limiter admits 1/" + fleetSize + " of the rate locally"
                            : "failing closed: nothing admitted beyond the permits already leased");
        }
    }

    /** A limiter's call to Redis answered. */
    void reachable() {
        if (mode != FleetMode.SHARED && transition(FleetMode.SHARED, "Redis at " + address + " answers again")) {
            LOG.log(System.Logger.Level.INFO, "shared rate limit ''{0}'': Redis at {1} answers again; permits shared by the fleet",
                    name, address);
        }
    }

    private boolean transition(FleetMode to, String reason) {
        FleetMode from;
        synchronized (modeLock) {
            from = mode;
            if (from == to) {
                return false;
            }
            mode = to;
        }
        if (listener != null) {
            try {
                listener.modeChanged(name, from, to, reason);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the fleet mode listener of ''" + name + "'' threw", e);
            }
        }
        return true;
    }

    /** Settings of a {@link RedisRateLimitStore}; each setter checks its value. */
    public static final class Builder {
        private final String name;
        private final HostAndPort hostAndPort;
        private final boolean ssl;
        private final int database;
        private final String user;
        private final String password;
        private Duration leaseWindow = Duration.ofMillis(20);
        private Duration timeout = Duration.ofMillis(500);
        private Duration probeEvery = Duration.ofSeconds(1);
        private int fleetSize; // 0: fail closed
        private FleetModeListener listener;

        private Builder(URI uri, String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name (\"" + name + "\") must not be blank");
            }
            this.name = name;
            String scheme = uri.getScheme();
            if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
                throw new IllegalArgumentException("redisUri (" + redacted(uri) + ") must start with redis:// or rediss://");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("redisUri (" + redacted(uri) + ") names no host; expected redis://host:6379");
            }
            this.ssl = "rediss".equals(scheme);
            this.hostAndPort = new HostAndPort(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379);
            String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
            if (path.isEmpty()) {
                this.database = 0;
            } else {
                try {
                    this.database = Integer.parseInt(path);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("redisUri (" + redacted(uri) + ") has path /" + path
                            + ": it may name only a database number, e.g. redis://host:6379/0", e);
                }
                if (database < 0) {
                    throw new IllegalArgumentException("database (" + database + ") must be at least 0");
                }
            }
            String info = uri.getRawUserInfo();
            if (info != null && !info.isEmpty()) {
                int colon = info.indexOf(':');
                String u = colon < 0 ? null : URLDecoder.decode(info.substring(0, colon), StandardCharsets.UTF_8);
                this.user = u == null || u.isEmpty() ? null : u;
                this.password = URLDecoder.decode(colon < 0 ? info : info.substring(colon + 1), StandardCharsets.UTF_8);
            } else {
                this.user = null;
                this.password = null;
            }
        }

        /**
         * How much of its own recent rate a limiter leases at once; default 20 ms. Longer means
         * fewer calls to Redis and a coarser share between processes.
         */
        public Builder leaseWindow(Duration window) {
            Objects.requireNonNull(window, "leaseWindow");
            if (window.isNegative() || window.isZero() || window.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("leaseWindow (" + window + ") must be above 0 and at most 1 s");
            }
            this.leaseWindow = window;
            return this;
        }

        /**
         * How long to wait for a connection and for a reply before Redis counts as unreachable;
         * default 500 ms. A producer thread that asks for a lease waits at most this long.
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout (" + timeout + ") must be positive");
            }
            this.timeout = timeout;
            return this;
        }

        /** How often a limiter asks Redis again while it is unreachable; default 1 s. */
        public Builder probeEvery(Duration interval) {
            Objects.requireNonNull(interval, "probeEvery");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("probeEvery (" + interval + ") must be positive");
            }
            this.probeEvery = interval;
            return this;
        }

        /** While Redis is unreachable, admit nothing beyond the permits already leased (the default). */
        public Builder failClosed() {
            this.fleetSize = 0;
            return this;
        }

        /**
         * While Redis is unreachable, each limiter admits {@code 1 / expectedFleetSize} of the rate
         * (and of the burst, at least 1) from a local token bucket.
         *
         * @param expectedFleetSize how many limiters (one per channel) share the limit across the
         *                          fleet; at least 1
         */
        public Builder fallBackToLocalShare(int expectedFleetSize) {
            if (expectedFleetSize < 1) {
                throw new IllegalArgumentException("expectedFleetSize (" + expectedFleetSize + ") must be at least 1");
            }
            this.fleetSize = expectedFleetSize;
            return this;
        }

        /** Told of every change of {@link FleetMode}. */
        public Builder listener(FleetModeListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** @return the store; connects lazily, on the first lease */
        public RedisRateLimitStore build() {
            return new RedisRateLimitStore(this);
        }

        private static String redacted(URI uri) {
            return uri.getUserInfo() == null ? uri.toString() : uri.toString().replace(uri.getRawUserInfo() + "@", "***@");
        }
    }
}
