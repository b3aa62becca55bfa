package dev.sluice.ratelimit.redis;

import dev.sluice.RateLimit;
import dev.sluice.flow.RateLimiter;
import dev.sluice.flow.Ticker;
import dev.sluice.flow.TokenBucket;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import redis.clients.jedis.exceptions.JedisException;

/**
 * One channel's view of a limit shared through a {@link RedisRateLimitStore}: it leases permits
 * from Redis in blocks and hands them out locally.
 *
 * <p>A request is served from the permits held; when they run short the limiter leases a block
 * (one script call, under this limiter's lock, so concurrent callers of one limiter wait for that
 * round trip rather than each making one). When the bucket is empty, Redis reserves the block:
 * the permits are this limiter's from the moment the bucket would have held them (the bucket goes
 * into debt, at most four lease windows deep), and until then the limiter refuses locally with the
 * time left, without asking again. So every call to Redis yields a block, however many processes
 * contend. When even a reservation would be too far ahead, Redis says how long until one would
 * be granted, and the limiter refuses locally until then. Refusals are values:
 * {@link #tryAcquireOrDelay} returns the delay. Nothing is reserved for a caller that waits in
 * {@link #acquire}, so an interrupted one has nothing to give back.
 *
 * <p>While Redis is unreachable the store's fallback applies ({@link FleetMode}); the permits
 * held are spent first in every mode. {@link #close()} gives the permits still held back to Redis.
 * Thread-safe.
 */
public final class RedisRateLimiter implements RateLimiter {

    private static final System.Logger LOG = System.getLogger(RedisRateLimiter.class.getName());
    private static final long NEVER = Long.MIN_VALUE;

    private final RedisRateLimitStore store;
    private final LeaseScript script;
    private final RateLimit limit;
    private final Ticker ticker;
    private final long burst;
    private final long maxBlock;
    private final long windowNanos;
    private final long probeNanos;

    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private long held;
    /** The held permits may be used from this reading of the ticker on (a reservation); NEVER: now. */
    private long heldFrom = NEVER;
    /** Redis said it has no block before this reading of the ticker; NEVER when it has not. */
    private long notBefore = NEVER;
    /** While Redis is unreachable: the reading of the ticker when to ask it again; NEVER when reachable. */
    private long nextProbe = NEVER;
    private long lastLeaseAt = NEVER;
    private long usedSinceLease;
    /** Permits per nanosecond this limiter handed out lately; sizes the blocks. */
    private double recentRate;
    private TokenBucket localShare;
    private boolean closed;
    // Counters, for tests and reports (guarded by lock).
    private long leases;
    private long redisCalls;
    private long leased;
    private long admitted;

    RedisRateLimiter(RedisRateLimitStore store, LeaseScript script, RateLimit limit, Ticker ticker) {
        this.store = store;
        this.script = script;
        this.limit = limit;
        this.ticker = ticker;
        this.burst = limit.burst();
        this.windowNanos = store.leaseWindow().toNanos();
        this.probeNanos = store.probeEvery().toNanos();
        double perNano = limit.perSecond() / 1e9;
        this.maxBlock = Math.max(1, Math.min(burst, (long) Math.floor(perNano * windowNanos)));
    }

    @Override
    public long tryAcquireOrDelay(int permits) {
        check(permits);
        lock.lock();
        try {
            ensureOpen();
            long now = ticker.nanoTime();
            if (held >= permits) {
                return heldFrom == NEVER || now - heldFrom >= 0 ? take(permits) : heldFrom - now;
            }
            boolean askRedis = nextProbe == NEVER
                    ? notBefore == NEVER || now - notBefore >= 0
                    : now - nextProbe >= 0 || store.mode() == FleetMode.SHARED;
            if (askRedis) {
                long delay = lease(permits, now);
                if (delay >= 0) {
                    return delay;
                }
            } else if (nextProbe == NEVER) {
                return notBefore - now; // Redis had no block before then
            }
            // Unreachable: the fallback.
            if (store.fleetSize() == 0 || permits > localShare().capacity()) {
                return Math.max(1, nextProbe - now); // closed, or more at once than the local share holds
            }
            long delay = localShare().tryAcquireOrDelay(permits);
            if (delay == 0) {
                admitted += permits;
            }
            return delay;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Leases a block from Redis and takes the permits from it if it covers them.
     *
     * @return 0 when taken, a positive delay when Redis has too few, -1 when Redis is unreachable
     */
    private long lease(int permits, long now) {
        long want = Math.min(burst, Math.max(permits - held, blockSize(now)));
        LeaseScript.Reply reply;
        try {
            reply = store.withRedis(j -> script.lease(j, want));
        } catch (JedisException e) {
            nextProbe = now + probeNanos;
            store.unreachable(e);
            return -1;
        }
        nextProbe = NEVER;
        store.reachable();
        redisCalls++;
        if (reply.granted() == 0) {
            // The rate sample runs from grant to grant: a refusal in between is part of the interval.
            notBefore = now + Math.max(1, reply.waitMicros() * 1_000);
            return notBefore - now;
        }
        lastLeaseAt = now;
        usedSinceLease = 0;
        notBefore = NEVER;
        leases++;
        leased += reply.granted();
        held += reply.granted();
        if (reply.waitMicros() > 0) {
            heldFrom = now + reply.waitMicros() * 1_000; // a reservation: what is held waits for it
            return heldFrom - now;
        }
        heldFrom = NEVER;
        return take(permits); // a grant is the whole block asked for, at least the permits missing
    }

    /**
     * The block to lease: this limiter's recent rate (the permits it handed out since the last
     * grant over the time since, averaged with the estimate before) times the lease window, within
     * [1, maxBlock].
     */
    private long blockSize(long now) {
        if (lastLeaseAt != NEVER) {
            long elapsed = now - lastLeaseAt;
            if (elapsed > 0) {
                double sample = usedSinceLease / (double) elapsed;
                recentRate = recentRate == 0 ? sample : (recentRate + sample) / 2;
            }
        }
        long block = (long) Math.ceil(recentRate * windowNanos);
        return Math.max(1, Math.min(maxBlock, block));
    }

    private long take(int permits) {
        held -= permits;
        usedSinceLease += permits;
        admitted += permits;
        return 0;
    }

    /**
     * Takes the permits, waiting (one computed sleep on the ticker at a time) while they come
     * within {@code timeout}; gives up at once when the delay the limiter names exceeds what is
     * left of the timeout.
     */
    @Override
    public boolean acquire(int permits, Duration timeout) throws InterruptedException {
        return RateLimiter.acquireBySleeping(this, ticker, permits, timeout);
    }

    @Override
    public long retryAfterNanos(int permits) {
        check(permits);
        lock.lock();
        try {
            long now = ticker.nanoTime();
            if (held >= permits) {
                return heldFrom == NEVER ? 0 : Math.max(0, heldFrom - now);
            }
            if (nextProbe != NEVER) {
                return store.fleetSize() == 0 ? Math.max(0, nextProbe - now) : localShare().retryAfterNanos(permits);
            }
            return notBefore == NEVER ? 0 : Math.max(0, notBefore - now);
        } finally {
            lock.unlock();
        }
    }

    /** @return where this limiter's permits come from now */
    public FleetMode mode() {
        lock.lock();
        try {
            return nextProbe == NEVER ? FleetMode.SHARED : store.fleetSize() == 0 ? FleetMode.CLOSED : FleetMode.LOCAL_SHARE;
        } finally {
            lock.unlock();
        }
    }

    /** @return permits leased from Redis and not handed out yet (some may be reserved for later) */
    public long held() {
        lock.lock();
        try {
            return held;
        } finally {
            lock.unlock();
        }
    }

    /** @return how many leases Redis granted to this limiter so far */
    public long leases() {
        lock.lock();
        try {
            return leases;
        } finally {
            lock.unlock();
        }
    }

    /** @return how many times this limiter called Redis so far, leases granted and refused (not give-backs) */
    public long redisCalls() {
        lock.lock();
        try {
            return redisCalls;
        } finally {
            lock.unlock();
        }
    }

    /** @return the permits Redis granted to this limiter so far (handed out, held, or given back) */
    public long leased() {
        lock.lock();
        try {
            return leased;
        } finally {
            lock.unlock();
        }
    }

    /** @return the permits this limiter handed out so far, from leases and from the local share */
    public long admitted() {
        lock.lock();
        try {
            return admitted;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives the permits held back to Redis (when it answers; otherwise they are lost to the fleet
     * until the bucket refills) and stops the limiter: later calls throw {@link IllegalStateException}.
     * Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (held > 0) {
                long back = held;
                try {
                    store.withRedis(j -> script.giveBack(j, back));
                    held = 0;
                } catch (JedisException | LeaseScript.ConfigurationConflict e) {
                    LOG.log(System.Logger.Level.DEBUG, "could not give back " + back + " permits of '" + store.name() + "'", e);
                }
            }
        } finally {
            lock.unlock();
            store.forget(this);
        }
    }

    private TokenBucket localShare() {
        if (localShare == null) {
            int n = store.fleetSize();
            localShare = TokenBucket.of(Math.max(1, burst / n), limit.permits(), limit.period().multipliedBy(n), ticker);
        }
        return localShare;
    }

    private void check(int permits) {
        if (permits < 1 || permits > burst) {
            throw new IllegalArgumentException("permits (" + permits + ") must be between 1 and capacity (" + burst + ")");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the shared limiter of " + store + " is closed");
        }
    }

    @Override
    public String toString() {
        return "RedisRateLimiter[" + store + ", " + limit + "]";
    }
}
