package dev.sluice.redis;

import dev.sluice.BacklogLimit;
import dev.sluice.Capability;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.StrategyMapping;
import dev.sluice.StrategyMapping.Strategy;
import dev.sluice.flow.DropReason;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.BrokerSender;
import dev.sluice.spi.BrokerSession;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XTrimParams;

/**
 * A channel's connections to one Redis stream: the sender's connection, one per receiver, and a
 * small pool for acks, dead letters and the background reader of the backlog (the entries above
 * each group's last-delivered-id, counted by a script, refreshed every {@value #REFRESH_MILLIS}
 * ms, never per send), which also applies a
 * maximum age with {@code XTRIM MINID} and reports what it removed.
 *
 * <p>An acked entry is deleted ({@code XDEL}) while the stream has a single group (unless
 * {@code deleteAcked=false}), so that the stream holds only what is still to be done: {@code XACK}
 * alone never frees memory, and the length then counts the backlog. The group count is read by
 * the script that acks, on the server, at the moment of the ack: a count read earlier could miss
 * a group created meanwhile (another application's, or this channel's own a moment before) and
 * delete entries that group has still to read.
 */
final class RedisSession implements BrokerSession {

    static final long REFRESH_MILLIS = 250;
    /** Redis refuses bulk strings over 512 MB by default ({@code proto-max-bulk-len}). */
    static final int MAX_PAYLOAD_BYTES = 512 * 1024 * 1024 - 64 * 1024;

    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(
            Capability.PER_KEY_ORDER, Capability.REDELIVERY, Capability.DEAD_LETTER, Capability.CONSUMER_GROUPS,
            Capability.INDEPENDENT_GROUPS,
            Capability.BROKER_PRESSURE_SIGNAL, Capability.BACKLOG_SIGNAL, Capability.BACKLOG_DROP_OLDEST,
            Capability.BACKLOG_REJECT_NEWEST, Capability.BACKLOG_MAX_AGE));

    private final ChannelSpec spec;
    private final RedisEndpoint endpoint;
    private final BrokerEvents events;
    private final StreamOwner pool;
    private final RedisSender sender;
    private final String deadLetter;
    /** The server of the dead letter stream: the channel's own unless a named dead letter hashes elsewhere on a cluster. */
    private final StreamOwner deadLetterOwner;
    private final List<RedisReceiver> receivers = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService refresher;
    /** Sends the handlers' acks, so that no handler waits for an ack's round trip. */
    private final java.util.concurrent.ExecutorService acker;
    private volatile long backlog = -1;
    private volatile boolean closed;

    /** @param maxPayloadBytes the server's limit, {@link #maxPayloadBytes(Jedis)} as read at open */
    RedisSession(ChannelSpec spec, RedisEndpoint endpoint, StreamOwner pool, BrokerEvents events, int maxPayloadBytes) {
        this.spec = spec;
        this.endpoint = endpoint;
        this.events = events;
        this.pool = pool;
        this.deadLetter = spec.consumer().deadLetter().orElse(endpoint.defaultDeadLetter());
        this.deadLetterOwner = endpoint.cluster() && redis.clients.jedis.util.JedisClusterCRC16.getSlot(deadLetter) != pool.slot()
                ? new StreamOwner(endpoint, deadLetter) : pool;
        this.sender = new RedisSender(endpoint, pool, spec.backlog().orElse(null), events, maxPayloadBytes);
        this.acker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-redis-ack-" + endpoint.stream());
            t.setDaemon(true);
            return t;
        });
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-redis-backlog-" + endpoint.stream());
            t.setDaemon(true);
            return t;
        });
        this.refresher.scheduleWithFixedDelay(this::refresh, 0, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * The server's {@code proto-max-bulk-len}: a payload is one bulk string of the {@code XADD},
     * and one over it is refused as a protocol error that closes the connection, so the gate
     * refuses it first (TOO_LARGE). {@link #MAX_PAYLOAD_BYTES} when the server does not say
     * ({@code CONFIG} renamed or not allowed to this user).
     */
    static int maxPayloadBytes(Jedis j) {
        try {
            String value = j.configGet("proto-max-bulk-len").get("proto-max-bulk-len");
            return value == null ? MAX_PAYLOAD_BYTES : (int) Math.min(MAX_PAYLOAD_BYTES, Long.parseLong(value.trim()));
        } catch (JedisDataException | NumberFormatException notSaid) {
            return MAX_PAYLOAD_BYTES;
        }
    }

    @Override
    public BrokerSender sender() {
        return sender;
    }

    @Override
    public BrokerReceiver receiver(String group, String consumerName) {
        RedisReceiver r = new RedisReceiver(this, pool, endpoint, group, consumerName, spec.consumer());
        receivers.add(r);
        return r;
    }

    /** Creates the group (reading from the start of the stream) unless it exists. */
    void ensureGroup(String group) {
        try (Jedis j = pool.pooled()) {
            try {
                j.xgroupCreate(endpoint.stream(), group, new StreamEntryID(0, 0), true);
            } catch (JedisDataException e) {
                if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                    throw e;
                }
            }
        }
    }

    /**
     * An entry the member handled: its ack waits in {@link #acks}, or, lost with a connection, in
     * {@link #lostAcks}; {@code sent} runs once the server has it. Equal by group and id.
     */
    private record Ack(String group, StreamEntryID id, Runnable sent) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Ack a && a.group.equals(group) && a.id.equals(id);
        }

        @Override
        public int hashCode() {
            return group.hashCode() * 31 + id.hashCode();
        }
    }

    /** The most acks one round trip carries. */
    private static final int MAX_ACKS_PER_TRIP = 512;

    /** Acks not sent yet, in the order the handlers gave them. */
    private final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
    /** True while a flush of {@link #acks} is queued or running on the acker thread. */
    private final AtomicBoolean ackFlushScheduled = new AtomicBoolean();
    /** Acks the server did not take (the connection was lost): sent again once it answers. */
    private final Set<Ack> lostAcks = ConcurrentHashMap.newKeySet();

    /**
     * Acks an entry (and deletes it, with {@code deleteAcked} and one group) without making the
     * handler wait for the round trip: the session's acker thread sends every ack queued as one
     * {@code XACK} with all their ids per group ({@code XDEL} likewise) in one pipeline, and goes
     * on while more arrive. Until it is sent the entry stays pending on the server and is not
     * handed out again by this member ({@link #ackPending}); a process that dies in between gets
     * it redelivered, as at-least-once allows. Close sends what is queued.
     *
     * @param sent runs once the server has the ack (the receiver then counts the entry out of
     *     its pending list, which so stays within the in-flight cap as the server counts it)
     */
    void ack(String group, StreamEntryID id, Runnable sent) {
        acks.add(new Ack(group, id, sent));
        if (ackFlushScheduled.compareAndSet(false, true)) {
            try {
                acker.execute(this::flushAcks);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                ackFlushScheduled.set(false);
                flushAcks(); // the session is closing: send it from here
            }
        }
    }

    private void flushAcks() {
        while (true) {
            List<Ack> trip = new ArrayList<>();
            Ack next;
            while (trip.size() < MAX_ACKS_PER_TRIP && (next = acks.poll()) != null) {
                trip.add(next);
            }
            sendAcks(trip);
            if (acks.isEmpty()) {
                ackFlushScheduled.set(false);
                // an ack queued between the look and the reset finds the flag set and leaves it here
                if (acks.isEmpty() || !ackFlushScheduled.compareAndSet(false, true)) {
                    return;
                }
            }
        }
    }

    private void sendAcks(List<Ack> trip) {
        if (trip.isEmpty()) {
            return;
        }
        for (int attempt = 0; attempt < 2; attempt++) { // once more on a fresh connection after a cut
            try (Jedis j = pool.pooled()) {
                xack(j, trip);
                trip.forEach(a -> a.sent().run());
                return;
            } catch (RuntimeException e) {
                lostOwner(e); // tried again below, or by the refresher once the server answers
            }
        }
        // Not lost: the handlers finished, so a redelivery would only be a late duplicate.
        lostAcks.addAll(trip);
    }

    /**
     * KEYS[1] the stream; ARGV[1] the group; ARGV[2..] the ids. Acks them and, when the stream
     * has no other group at this moment, deletes them. Returns how many were acked.
     */
    private static final byte[] ACK_DELETE_SCRIPT = StreamCodec.bytes(String.join("\n",
            "local ids = {}",
            "for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end",
            "local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))",
            "if #redis.call('XINFO', 'GROUPS', KEYS[1]) <= 1 then redis.call('XDEL', KEYS[1], unpack(ids)) end",
            "return acked"));

    /**
     * One pipeline: per group an {@code XACK} of all its ids, or with {@code deleteAcked} the
     * script that acks them and deletes them while the stream has this one group.
     */
    private void xack(Jedis j, List<Ack> trip) {
        Map<String, List<StreamEntryID>> byGroup = new LinkedHashMap<>();
        for (Ack a : trip) {
            byGroup.computeIfAbsent(a.group(), g -> new ArrayList<>()).add(a.id());
        }
        Pipeline p = j.pipelined();
        byGroup.forEach((group, ids) -> {
            if (endpoint.deleteAcked()) {
                List<byte[]> args = new ArrayList<>(ids.size() + 1);
                args.add(StreamCodec.bytes(group));
                ids.forEach(id -> args.add(StreamCodec.bytes(id.toString())));
                p.eval(ACK_DELETE_SCRIPT, List.of(StreamCodec.bytes(endpoint.stream())), args);
            } else {
                p.xack(endpoint.stream(), group, ids.toArray(StreamEntryID[]::new));
            }
        });
        p.sync();
    }

    /** @return true while an ack of this entry waits to be sent (again): the member handled it */
    boolean ackPending(String group, StreamEntryID id) {
        Ack a = new Ack(group, id, null);
        return lostAcks.contains(a) || acks.contains(a);
    }

    private void resendLostAcks(Jedis j) {
        if (lostAcks.isEmpty()) {
            return;
        }
        List<Ack> again = new ArrayList<>(lostAcks);
        xack(j, again);
        again.forEach(lostAcks::remove);
        again.forEach(a -> a.sent().run());
    }

    void deadLetter(String group, StreamEntryID id, Message message, String reason, int attempts, Runnable sent) {
        Message dead = message.header("x-dead-letter-reason", reason)
                .header("x-original-destination", endpoint.stream())
                .header("x-attempts", Integer.toString(attempts));
        try (Jedis j = deadLetterOwner.pooled()) {
            j.xadd(StreamCodec.bytes(deadLetter), XAddParams.xAddParams(), StreamCodec.encode(dead, endpoint.payloadField()));
        } catch (RuntimeException e) {
            if (e instanceof redis.clients.jedis.exceptions.JedisConnectionException
                    || e instanceof redis.clients.jedis.exceptions.JedisRedirectionException) {
                deadLetterOwner.lost();
            }
            throw e;
        }
        ack(group, id, sent);
    }

    /**
     * A cut connection, or a {@code MOVED} reply (a failover gave the slot to another master):
     * the next call asks the cluster for the slot's owner again.
     */
    void lostOwner(RuntimeException e) {
        if (e instanceof redis.clients.jedis.exceptions.JedisConnectionException
                || e instanceof redis.clients.jedis.exceptions.JedisRedirectionException) {
            pool.lost();
        }
    }

    /** Also tells the channel whether the server answers: its health is DOWN while it does not. */
    private void refresh() {
        try (Jedis j = pool.pooled()) {
            resendLostAcks(j);
            trimByAge(j);
            backlog = readBacklog(j);
            events.reachable();
        } catch (redis.clients.jedis.exceptions.JedisConnectionException e) {
            pool.lost();
            events.unreachable("Redis at " + endpoint.hostAndPort() + ": " + e.getMessage()); // keep the last figure
        } catch (RuntimeException e) {
            lostOwner(e);
            events.reachable(); // it answered, with an error: keep the last figure, try again at the next refresh
        }
    }

    private void trimByAge(Jedis j) {
        spec.backlog().flatMap(BacklogLimit::maxAge).ifPresent(age -> {
            long minId = System.currentTimeMillis() - age.toMillis();
            long removed = j.xtrim(endpoint.stream(), XTrimParams.xTrimParams().minId(minId + "-0"));
            if (removed > 0) {
                events.dropped(removed, DropReason.BACKLOG_EXPIRED);
            }
        });
    }

    /** The most entries the backlog script reads on either side of a group's last-delivered-id. */
    static final int BACKLOG_EXACT_WITHIN = 1_000;

    /**
     * KEYS[1] the stream; ARGV[1] {@link #BACKLOG_EXACT_WITHIN}. Returns {undelivered, groups}:
     * the fullest group's entries above its last-delivered-id, bounded by {@code XLEN} (the
     * length when there is no group). {@code XINFO GROUPS} lag is not used as it stands: Redis
     * 7.0 does not lower it when a trim removes entries the group had not read, so after trims it
     * can exceed the length many times over. The script counts instead, atomically: the entries
     * at or below the group's last-delivered-id ({@code XRANGE - last}), which with one group and
     * acked entries deleted are only the pending ones, so {@code XLEN} minus them is exact; else
     * the entries above it ({@code XRANGE (last +}), exact when fewer than ARGV[1]; else (both
     * sides hold more) the lag, or length minus pending, kept within what the counts allow.
     */
    private static final byte[] BACKLOG_SCRIPT = StreamCodec.bytes(String.join("\n",
            "if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end",
            "local len = redis.call('XLEN', KEYS[1])",
            "local groups = redis.call('XINFO', 'GROUPS', KEYS[1])",
            "if #groups == 0 then return {len, 0} end",
            "local k = tonumber(ARGV[1])",
            "local fullest = 0",
            "for _, g in ipairs(groups) do",
            "  local f = {}",
            "  for i = 1, #g, 2 do f[g[i]] = g[i + 1] end",
            "  local undelivered",
            "  local seen = #redis.call('XRANGE', KEYS[1], '-', f['last-delivered-id'], 'COUNT', k)",
            "  if seen < k then",
            "    undelivered = len - seen",
            "  else",
            "    local ahead = #redis.call('XRANGE', KEYS[1], '(' .. f['last-delivered-id'], '+', 'COUNT', k)",
            "    if ahead < k then",
            "      undelivered = ahead",
            "    else",
            "      local guess = f['lag'] or (len - f['pending'])",
            "      undelivered = math.max(k, math.min(len - k, guess))",
            "    end",
            "  end",
            "  fullest = math.max(fullest, undelivered)",
            "end",
            "return {fullest, #groups}"));

    /** The fullest group's undelivered entries ({@link #BACKLOG_SCRIPT}); with no group, the stream's length. */
    private long readBacklog(Jedis j) {
        Object reply = j.eval(BACKLOG_SCRIPT, List.of(StreamCodec.bytes(endpoint.stream())),
                List.of(StreamCodec.bytes(Integer.toString(BACKLOG_EXACT_WITHIN))));
        return (Long) ((List<?>) reply).get(0);
    }

    /**
     * An entry the group had been handed was trimmed while pending and then found gone by a
     * member (on redelivery, or claimed after its member died); the member took it off the
     * pending list (its {@code XACK} removed it), so it is counted
     * here once, as dropped.
     */
    void trimmedWhilePending(long count) {
        if (count > 0) {
            events.dropped(count, DropReason.BACKLOG_TRIMMED);
        }
    }

    @Override
    public long backlog() {
        return backlog;
    }

    @Override
    public List<StrategyMapping> mapping() {
        ConsumerPolicy c = spec.consumer();
        List<StrategyMapping> m = new ArrayList<>();
        m.add(StrategyMapping.nativeKnob(Strategy.PULL_BATCH, "XREADGROUP COUNT " + c.batchSize()));
        m.add(StrategyMapping.nativeKnob(Strategy.WAIT_FOR_DATA, "XREADGROUP BLOCK " + c.pollTimeout().toMillis()));
        m.add(StrategyMapping.nativeKnob(Strategy.IN_FLIGHT_CAP, "COUNT <= cap - in flight, pending entries per consumer <= " + c.inFlightCapText()));
        m.add(StrategyMapping.nativeKnob(Strategy.PAUSE_RESUME, "stop / restart XREADGROUP, CLIENT UNBLOCK a blocked read"));
        m.add(StrategyMapping.nativeKnob(Strategy.GIVE_BACK, "entry left pending at the member and handed out again"
                + " on resume, XCLAIM RETRYCOUNT keeping its delivery count"));
        m.add(StrategyMapping.nativeKnob(Strategy.PRODUCER_BLOCK, "pipelined XADD, at most " + spec.producer().maxInFlight() + " replies outstanding"));
        m.add(StrategyMapping.nativeKnob(Strategy.BROKER_PRESSURE, "OOM command not allowed (maxmemory)"
                + (endpoint.waitReplicas() > 0 ? "; WAIT " + endpoint.waitReplicas() + " " + endpoint.waitTimeoutMs()
                        + " answered by fewer replicas (the pipeline's adds fail and are sent again)" : "")));
        m.add(StrategyMapping.nativeKnob(Strategy.REDELIVERY, "entry left pending, XCLAIM back after " + c.redeliveryDelay().toMillis()
                + " ms; XPENDING IDLE + XCLAIM after " + endpoint.claimIdleMs() + " ms idle"));
        m.add(StrategyMapping.nativeKnob(Strategy.DEAD_LETTER, "delivery count (XPENDING) >= " + c.maxAttempts() + ": XADD to '" + deadLetter + "' + XACK"));
        m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_SIGNAL, "entries above XINFO GROUPS last-delivered-id (XLEN, XRANGE), not the lag Redis 7.0 leaves stale after trims"));
        m.add(StrategyMapping.nativeKnob(Strategy.CONSUMER_GROUPS, "XGROUP CREATE per group: each group reads every entry, members (XREADGROUP consumers) share them"));
        spec.producer().rateLimit().ifPresent(r -> m.add(StrategyMapping.emulated(Strategy.RATE_LIMIT, r + " in the gate: Redis has no rate limit")));
        spec.backlog().ifPresent(limit -> {
            limit.maxLength().ifPresent(n -> m.add(limit.whenFull() == BacklogLimit.WhenFull.DROP_OLDEST
                    ? StrategyMapping.nativeKnob(Strategy.BACKLOG_DROP_OLDEST, "XADD MAXLEN " + (limit.isExact() ? "= " : "~ ") + n)
                    : StrategyMapping.nativeKnob(Strategy.BACKLOG_REJECT_NEWEST, "Lua: XLEN < " + n + " then XADD")));
            limit.maxAge().ifPresent(a -> m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_MAX_AGE, "XTRIM MINID now-" + a.toMillis() + " ms")));
        });
        m.add(StrategyMapping.emulated(Strategy.PRIORITY, "Redis streams are FIFO: priority orders the producer's buffer only"));
        return List.copyOf(m);
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        receivers.forEach(RedisReceiver::close);
        sender.close();
        acker.shutdown(); // what is queued is sent: the handlers are done with those entries
        try {
            acker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flushAcks(); // an ack that came as the acker stopped
        refresher.shutdownNow();
        try {
            refresher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (deadLetterOwner != pool) {
            deadLetterOwner.close();
        }
        pool.close();
    }
}
