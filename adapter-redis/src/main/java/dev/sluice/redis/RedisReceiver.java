package dev.sluice.redis;

import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.spi.BrokerDelivery;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.DeliverySink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntryBinary;

/**
 * One member of a consumer group, reading on a connection of its own with
 * {@code XREADGROUP GROUP g c COUNT n BLOCK ms STREAMS s >}, where {@code n} never exceeds the
 * credit the channel granted, so the member's pending entries never exceed the in-flight cap.
 *
 * <ul>
 *   <li>pause stops the reads; a read already blocked is cut short with {@code CLIENT UNBLOCK};
 *   <li>a nacked entry stays pending and comes back after the redelivery delay, claimed to this
 *       member again with its delivery count raised ({@code XCLAIM ... RETRYCOUNT n JUSTID});
 *   <li>entries left pending by a member that died are claimed ({@code XPENDING IDLE} + {@code XCLAIM}) once idle
 *       for {@code claimIdleMs}; this member keeps its own in-flight entries from looking idle
 *       by touching them ({@code XCLAIM ... JUSTID}) meanwhile;
 *   <li>an entry trimmed ({@code MAXLEN}) while pending is its holder's to settle: acked when its
 *       handler finishes (handled, never also dropped), dropped when it is due again (nack,
 *       give-back) and found gone; one whose member died is dropped by the one call that takes
 *       it off the pending list (the {@code XACK} of the claim or re-read that finds it gone). A member touches what it holds
 *       while it waits at the cap too, so that it is never taken for dead while it lives; one
 *       stalled beyond {@code claimIdleMs} is, as at-least-once allows;
 *   <li>after a reconnect, its own pending entries that it does not hold (a read's reply or an
 *       ack lost with the connection or a restart) are handed out again at once, before new
 *       entries, as the next attempt;
 *   <li>the delivery count ({@code XPENDING}) is the attempt number.
 * </ul>
 */
final class RedisReceiver implements BrokerReceiver {

    /** A delivered entry: its message, its attempt, and when (and as which attempt) it is due again. */
    private static final class Held {
        final StreamEntryID id;
        final Message message;
        final String malformed;
        /** the entry's fields as the server had them, for {@code Delivery.unwrap} */
        final Map<byte[], byte[]> fields;
        final int attempt;
        long dueAt = Long.MAX_VALUE;
        /** the attempt of its next delivery: one more after a nack, the same after a give-back */
        int nextAttempt;

        Held(StreamEntryID id, StreamCodec.Decoded decoded, int attempt) {
            this(id, decoded.message(), decoded.malformed(), decoded.fields(), attempt);
        }

        Held(StreamEntryID id, Message message, String malformed, Map<byte[], byte[]> fields, int attempt) {
            this.id = id;
            this.message = message;
            this.malformed = malformed;
            this.fields = fields;
            this.attempt = attempt;
        }
    }

    private final RedisSession session;
    private final StreamOwner pool;
    private final RedisEndpoint endpoint;
    private final String group;
    private final String consumer;
    private final ConsumerPolicy policy;
    private final byte[] stream;

    // guarded by this
    private long credit;
    private boolean paused;
    private boolean stopped;
    private final Map<StreamEntryID, Held> inFlight = new LinkedHashMap<>();
    private final Map<StreamEntryID, Held> retries = new LinkedHashMap<>();

    private volatile long clientId = -1;
    private volatile boolean reading;
    private Thread thread;
    private DeliverySink sink;
    private volatile Jedis connection;
    private long nextClaimAt;
    private long nextTouchAt;
    /** True from a (re)connect until this member re-read its own pending entries it does not hold (fetch thread only). */
    private boolean ownPendingOwed;

    RedisReceiver(RedisSession session, StreamOwner pool, RedisEndpoint endpoint, String group, String consumer,
                  ConsumerPolicy policy) {
        this.session = session;
        this.pool = pool;
        this.endpoint = endpoint;
        this.group = group;
        this.consumer = consumer;
        this.policy = policy;
        this.stream = StreamCodec.bytes(endpoint.stream());
    }

    @Override
    public void start(DeliverySink sink) {
        this.sink = sink;
        session.ensureGroup(group);
        thread = new Thread(this::fetchLoop, "sluice-redis-" + endpoint.stream() + "-" + consumer);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized void request(int n) {
        credit += n;
        notifyAll();
    }

    @Override
    public void pause() {
        synchronized (this) {
            paused = true;
        }
        unblockRead();
    }

    @Override
    public synchronized void resume() {
        paused = false;
        notifyAll();
    }

    /**
     * Cuts a read short so that a pause takes effect now. A read whose command has not reached
     * the server yet cannot be unblocked, so this tries again briefly until the read has either
     * been unblocked or ended.
     */
    private void unblockRead() {
        for (int tries = 0; tries < 100 && reading; tries++) {
            long id = clientId;
            if (id < 0) {
                return;
            }
            try (Jedis j = pool.pooled()) {
                if (j.clientUnblock(id) == 1) {
                    return;
                }
            } catch (RuntimeException e) {
                return; // the read ends by its own timeout instead
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    private void fetchLoop() {
        long pollMillis = Math.max(1, policy.pollTimeout().toMillis());
        while (true) {
            int n;
            List<Held> due = new ArrayList<>();
            synchronized (this) {
                // The cap as the server counts it: entries acked but not yet XACKed are still pending.
                boolean blocked;
                while ((blocked = !stopped && (paused || credit == 0 || inFlight.size() >= policy.maxInFlight()))) {
                    // A member that waits still holds entries: it touches them in time, or another
                    // member (or its own claim) would take them for abandoned while handlers run;
                    // after a lost connection it connects again to do so (every 200 ms while the
                    // server does not answer), not only once handlers make room.
                    long untilTouch = nextTouchAt - System.currentTimeMillis();
                    if (untilTouch <= 0 && !(inFlight.isEmpty() && retries.isEmpty())) {
                        break;
                    }
                    waitQuietly(untilTouch > 0 ? Math.min(pollMillis, untilTouch) : pollMillis);
                }
                if (stopped) {
                    return;
                }
                n = blocked ? 0 : (int) Math.min(Math.min(credit, policy.batchSize()), policy.maxInFlight() - inFlight.size());
                long now = System.currentTimeMillis();
                for (Iterator<Held> it = retries.values().iterator(); it.hasNext() && due.size() < n; ) {
                    Held h = it.next();
                    if (h.dueAt <= now) {
                        it.remove();
                        due.add(h);
                    }
                }
            }
            try {
                if (connection == null) {
                    connection = new Jedis(pool.address(), endpoint.blockingConfig());
                    clientId = connection.clientId();
                    ownPendingOwed = true; // a read or an ack may have been lost with the old connection
                }
                touchInFlight(); // before any claim: what this member holds is never idle to a claim
                List<Held> fetched = new ArrayList<>(redeliver(due));
                if (ownPendingOwed && fetched.size() < n) {
                    int room = n - fetched.size();
                    List<Held> orphans = ownOrphans(room);
                    fetched.addAll(orphans);
                    // Owed until a re-read had room to spare: a member at its cap when it
                    // reconnected re-reads once handlers make room, before any new entry.
                    ownPendingOwed = orphans.size() >= room;
                }
                if (fetched.size() < n) {
                    fetched.addAll(claimAbandoned(n - fetched.size()));
                }
                if (fetched.size() < n) {
                    fetched.addAll(read(n - fetched.size(), fetched.isEmpty() && nothingDueSoon() ? pollMillis : 0));
                }
                hand(fetched);
            } catch (JedisConnectionException e) {
                sink.onError(e);
                pool.lost();
                dropConnection();
                synchronized (this) {
                    retries.putAll(toMap(due)); // try them again once connected
                    waitQuietly(200);
                }
            } catch (JedisDataException e) {
                if (e instanceof JedisRedirectionException) {
                    // MOVED: the slot has another master now (a failover); find it and read there
                    sink.onError(e);
                    pool.lost();
                    dropConnection();
                    synchronized (this) {
                        retries.putAll(toMap(due));
                    }
                } else if (e.getMessage() != null && e.getMessage().startsWith("NOGROUP")) {
                    session.ensureGroup(group); // the stream or the group went away (deleted, restarted)
                } else {
                    sink.onError(e);
                }
                synchronized (this) {
                    waitQuietly(200);
                }
            } catch (RuntimeException e) {
                // Nothing may end this thread but a close: report it and try again; what was due
                // stays pending at this member and is claimed back.
                sink.onError(e);
                dropConnection();
                synchronized (this) {
                    retries.putAll(toMap(due));
                    waitQuietly(500);
                }
            }
        }
    }

    private static Map<StreamEntryID, Held> toMap(List<Held> list) {
        Map<StreamEntryID, Held> m = new LinkedHashMap<>();
        list.forEach(h -> m.put(h.id, h));
        return m;
    }

    private synchronized boolean nothingDueSoon() {
        return retries.isEmpty();
    }

    /**
     * KEYS[1] the stream; ARGV[1] the entry; ARGV[2] the group; ARGV[3] this member; ARGV[4] the
     * delivery count to set. Returns 1 when claimed back, -1 when the entry was trimmed meanwhile
     * (it is taken off the pending list, if a claim of Redis 7 has not done so already, and is
     * dropped: this member holds it, so this member counts it), 0 when it is no longer pending
     * (settled already). Atomic, so that a trim cannot come between the look and the claim.
     */
    private static final String CLAIM_OR_SETTLE = String.join("\n",
            "if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) == 0 then",
            "  redis.call('XACK', KEYS[1], ARGV[2], ARGV[1])",
            "  return -1",
            "end",
            "return #redis.call('XCLAIM', KEYS[1], ARGV[2], ARGV[3], 0, ARGV[1], 'RETRYCOUNT', ARGV[4], 'JUSTID')");

    /**
     * Nacked entries whose delay has passed, and given-back ones: claimed back to this member with
     * the delivery count set to the attempt they are handed out as ({@code RETRYCOUNT}), so a
     * give-back leaves the count where it was. They never left this member's pending list. One
     * trimmed meanwhile reached no handler this time: it is counted as dropped, once.
     */
    private List<Held> redeliver(List<Held> due) {
        List<Held> out = new ArrayList<>();
        long trimmed = 0;
        for (Held h : due) {
            int attempt = h.nextAttempt;
            Object r = connection.eval(CLAIM_OR_SETTLE, List.of(endpoint.stream()),
                    List.of(h.id.toString(), group, consumer, Integer.toString(attempt)));
            long outcome = (Long) r;
            if (outcome > 0) {
                out.add(new Held(h.id, h.message, h.malformed, h.fields, attempt));
            } else if (outcome < 0) {
                trimmed++;
            }
        }
        session.trimmedWhilePending(trimmed);
        return out;
    }

    /**
     * This member's own pending entries that it does not hold: delivered by a read whose reply
     * the lost connection never brought, or handled and acked by an {@code XACK} the server lost
     * (a restart that did not keep it). Re-read at once after a reconnect, before new entries,
     * instead of waiting for {@code claimIdleMs} (which no other member would reach while this
     * one lives, and this one never claims from itself): the {@code XREADGROUP ... 0} of its own
     * history, done as {@code XPENDING ... consumer} + {@code XRANGE} + {@code XCLAIM} so that
     * what the member holds (in flight, due again, ack queued) is left out and a trimmed entry is
     * settled as dropped. Each is handed out as one more attempt than its delivery count, which is
     * set to it ({@code RETRYCOUNT}), as a re-read raises it.
     */
    private List<Held> ownOrphans(int max) {
        List<Held> out = new ArrayList<>();
        var pending = connection.xpending(endpoint.stream(), group, redis.clients.jedis.params.XPendingParams.xPendingParams(
                StreamEntryID.MINIMUM_ID, StreamEntryID.MAXIMUM_ID, Math.max(max, 1) + policy.maxInFlight()).consumer(consumer));
        for (var p : pending) {
            if (out.size() >= max) {
                break;
            }
            StreamEntryID id = p.getID();
            synchronized (this) {
                if (inFlight.containsKey(id) || retries.containsKey(id)) {
                    continue;
                }
            }
            if (session.ackPending(group, id)) {
                continue;
            }
            StreamCodec.Decoded m = readEntry(id);
            if (m != null) {
                int attempt = (int) Math.max(1, p.getDeliveredTimes() + 1);
                connection.xclaimJustId(endpoint.stream(), group, consumer, 0, XClaimParams.xClaimParams().retryCount(attempt), id);
                out.add(new Held(id, m, attempt));
            }
        }
        return out;
    }

    /**
     * KEYS[1] the stream; ARGV[1] the group; ARGV[2] this member; ARGV[3] the claim idle time;
     * ARGV[4] how many. Returns {claimed ids, dropped}: the entries idle at other members for at
     * least the idle time, claimed to this one; of those, the ones trimmed while pending there
     * are taken off the pending list and counted. Not {@code XAUTOCLAIM}: Redis 7 takes a trimmed
     * entry off the pending list there before it looks at the idle time, so it would take one a
     * live member's handler still holds, which that handler then acks (handled and dropped).
     */
    private static final String CLAIM_IDLE = String.join("\n",
            "local claimed, dropped = {}, 0",
            "for _, p in ipairs(redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[3], '-', '+', ARGV[4])) do",
            "  if p[2] ~= ARGV[2] then",
            "    if #redis.call('XRANGE', KEYS[1], p[1], p[1]) == 0 then",
            "      dropped = dropped + redis.call('XACK', KEYS[1], ARGV[1], p[1])",
            "    else",
            "      for _, id in ipairs(redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], p[1], 'JUSTID')) do",
            "        claimed[#claimed + 1] = id",
            "      end",
            "    end",
            "  end",
            "end",
            "return {claimed, dropped}");

    /**
     * Entries idle at other members for longer than the claim idle time: a member died. Those
     * trimmed while they were pending there reached no handler: the claim takes them off the
     * pending list and counts them as dropped, once (no other call can take them off again).
     */
    private List<Held> claimAbandoned(int max) {
        long now = System.currentTimeMillis();
        if (now < nextClaimAt) {
            return List.of();
        }
        nextClaimAt = now + Math.max(100, endpoint.claimIdleMs() / 2);
        List<?> reply = (List<?>) connection.eval(CLAIM_IDLE, List.of(endpoint.stream()),
                List.of(group, consumer, Long.toString(endpoint.claimIdleMs()), Integer.toString(max)));
        session.trimmedWhilePending((Long) reply.get(1));
        List<Held> out = new ArrayList<>();
        for (Object raw : (List<?>) reply.get(0)) {
            StreamEntryID id = new StreamEntryID(raw instanceof byte[] b ? StreamCodec.text(b) : raw.toString());
            StreamCodec.Decoded m = readEntry(id);
            if (m == null) {
                continue; // trimmed after the claim: readEntry took it off the pending list and counted it
            }
            int attempt = deliveryCount(id) + 1;
            connection.xclaimJustId(endpoint.stream(), group, consumer, 0, XClaimParams.xClaimParams().retryCount(attempt), id);
            out.add(new Held(id, m, attempt));
        }
        return out;
    }

    private StreamCodec.Decoded readEntry(StreamEntryID id) {
        byte[] raw = StreamCodec.bytes(id.toString());
        List<Object> entries = connection.xrange(stream, raw, raw, 1);
        if (entries.isEmpty()) {
            // Trimmed while pending, before any handler had it: nothing left to deliver. Dropped,
            // counted by whichever call takes it off the pending list.
            session.trimmedWhilePending(connection.xack(stream, StreamCodec.bytes(group), raw));
            return null;
        }
        @SuppressWarnings("unchecked")
        List<Object> entry = (List<Object>) entries.get(0);
        @SuppressWarnings("unchecked")
        List<byte[]> kv = (List<byte[]>) entry.get(1);
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.size(); i += 2) {
            fields.put(kv.get(i), kv.get(i + 1));
        }
        return StreamCodec.decode(fields, endpoint.payloadField());
    }

    private int deliveryCount(StreamEntryID id) {
        var pending = connection.xpending(endpoint.stream(), group,
                redis.clients.jedis.params.XPendingParams.xPendingParams(id, id, 1));
        return pending.isEmpty() ? 0 : (int) pending.get(0).getDeliveredTimes();
    }

    /** New entries, never delivered to the group. */
    private List<Held> read(int count, long blockMillis) {
        XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(count);
        if (blockMillis > 0) {
            params.block((int) Math.min(Integer.MAX_VALUE, blockMillis));
        }
        List<Map.Entry<byte[], List<StreamEntryBinary>>> reply;
        reading = true;
        try {
            synchronized (this) {
                if (paused || stopped) {
                    return List.of();
                }
            }
            reply = connection.xreadGroupBinary(StreamCodec.bytes(group), StreamCodec.bytes(consumer), params,
                    Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
        } finally {
            reading = false;
        }
        List<Held> out = new ArrayList<>();
        if (reply != null) {
            for (Map.Entry<byte[], List<StreamEntryBinary>> s : reply) {
                for (StreamEntryBinary e : s.getValue()) {
                    out.add(new Held(e.getID(), StreamCodec.decode(e.getFields(), endpoint.payloadField()), 1));
                }
            }
        }
        return out;
    }

    /** Keeps this member's own pending entries from looking abandoned to the others. */
    private void touchInFlight() {
        long now = System.currentTimeMillis();
        if (now < nextTouchAt) {
            return;
        }
        nextTouchAt = now + Math.max(100, endpoint.claimIdleMs() / 3);
        StreamEntryID[] ids;
        synchronized (this) {
            List<StreamEntryID> mine = new ArrayList<>(inFlight.keySet());
            mine.addAll(retries.keySet());
            ids = mine.toArray(StreamEntryID[]::new);
        }
        if (ids.length > 0) {
            connection.xclaimJustId(endpoint.stream(), group, consumer, 0, XClaimParams.xClaimParams(), ids);
        }
    }

    private void hand(List<Held> fetched) {
        synchronized (this) {
            credit -= fetched.size();
            for (Held h : fetched) {
                inFlight.put(h.id, h);
            }
        }
        List<Delivery> run = new ArrayList<>(fetched.size());
        for (Held h : fetched) {
            run.add(new Delivery(h));
        }
        if (!run.isEmpty()) {
            sink.onDeliveries(run);
        }
    }

    private void waitQuietly(long millis) {
        try {
            wait(millis);
        } catch (InterruptedException e) {
            stopped = true;
        }
    }

    private void dropConnection() {
        Jedis c = connection;
        connection = null;
        clientId = -1;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            notifyAll();
        }
        unblockRead();
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(500);
                if (thread.isAlive()) {
                    // The broker does not answer: closing the socket ends the blocked read.
                    Jedis c = connection;
                    if (c != null) {
                        c.close();
                    }
                    thread.join(5_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dropConnection();
    }

    /** A delivered entry, settled through the session's pooled connections. */
    private final class Delivery implements BrokerDelivery {
        private final Held held;

        Delivery(Held held) {
            this.held = held;
        }

        @Override
        public Message message() {
            return held.message;
        }

        @Override
        public Object nativeDelivery() {
            return new redis.clients.jedis.resps.StreamEntryBinary(held.id, held.fields);
        }

        @Override
        public int attempt() {
            return held.attempt;
        }

        @Override
        public String malformed() {
            return held.malformed;
        }

        @Override
        public String id() {
            return endpoint.stream() + "/" + held.id;
        }

        @Override
        public void ack() {
            session.ack(group, held.id, this::forget); // pending (and in flight) until the server has it
        }

        @Override
        public void nack(Duration delay) {
            again(delay.toMillis(), held.attempt + 1);
        }

        @Override
        public void release() {
            again(0, held.attempt);
        }

        private void again(long delayMillis, int nextAttempt) {
            synchronized (RedisReceiver.this) {
                inFlight.remove(held.id);
                if (!stopped) {
                    held.dueAt = System.currentTimeMillis() + delayMillis;
                    held.nextAttempt = nextAttempt;
                    retries.put(held.id, held);
                    RedisReceiver.this.notifyAll();
                }
            }
        }

        @Override
        public void deadLetter(String reason) {
            session.deadLetter(group, held.id, held.message, reason, held.attempt, this::forget);
        }

        private void forget() {
            synchronized (RedisReceiver.this) {
                inFlight.remove(held.id);
                RedisReceiver.this.notifyAll(); // room under the cap again
            }
        }
    }

    @Override
    public String toString() {
        return "RedisReceiver[" + endpoint + " " + group + "/" + consumer + "]";
    }
}
