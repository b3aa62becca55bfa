package dev.sluice.redis;

import dev.sluice.BacklogLimit;
import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.flow.DropReason;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.SerialSender;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisRedirectionException;
import redis.clients.jedis.params.XAddParams;

/**
 * Sends with pipelined {@code XADD} on a connection of its own: the runs the channel hands over
 * (never more than the producer's in-flight cap) are written by the sender's one writer thread in
 * pipelines of up to {@value #PIPELINE} commands, so the replies outstanding stay bounded. A backlog limit turns each
 * add into one Lua script that checks {@code XLEN} and trims atomically and says how many of the
 * entries it trimmed no consumer had been handed, so that every broker-side drop is reported once.
 *
 * <p><b>Accounting.</b> A trimmed entry is dropped for a group only if the group had not been
 * handed it (its ID is above the group's last-delivered-id); one the group had been handed is
 * settled by the member that holds it (handled, dead-lettered, or dropped when it is found
 * trimmed on redelivery or by a claim after its member died, see {@link RedisReceiver}). So for
 * one group {@code accepted = handled + dropped + dead-lettered} exactly. Each group is its own
 * account: with several groups on the stream the drops reported are the sum of each group's, and
 * {@code accepted × groups = handled + dropped + dead-lettered} over all of them (when every group
 * is consumed through this channel). With no group yet, every trimmed entry is a drop.
 *
 * <p>{@code OOM command not allowed} (maxmemory reached) is the broker-pressure signal: the channel
 * is told the broker is blocked until an add succeeds again. With {@code waitReplicas=n} each
 * pipeline ends with {@code WAIT n timeout}: when fewer replicas acknowledged it, its adds fail
 * (they stay on the master; a retry may add them again) and the broker is reported blocked until a
 * pipeline is acknowledged by enough replicas.
 */
final class RedisSender extends SerialSender {

    static final int PIPELINE = 64;

    /**
     * KEYS[1] the stream; ARGV[1] 'reject' | 'trim' | 'none'; ARGV[2] max length; ARGV[3] '=' or
     * '~'; ARGV[4..] field, value, ... Returns {id, trimmed, dropped}; id is '' when refused.
     *
     * <p>{@code dropped} counts only what no consumer had been handed: a trim removes the oldest
     * entries, so before an add that may trim (the stream holds the limit already) the script
     * counts, per group, how many of the oldest {@code before + 1 - max} entries are at or below
     * the group's last-delivered-id ({@code XRANGE - last COUNT n}). Of the {@code t} entries the
     * add then trims, {@code min(t, seen)} had been delivered to that group (they are settled by
     * its ack, its dead letter, or as dropped when found trimmed by a claim) and the rest had not:
     * those are the group's drops. This is exact for {@code MAXLEN =} and {@code MAXLEN ~} alike,
     * since either trims a prefix of the stream, and costs nothing while the stream is below its
     * limit. With several groups each group's drops are added up; with none, every trimmed entry
     * is a drop.
     */
    private static final byte[] ADD_SCRIPT = StreamCodec.bytes(String.join("\n",
            "local before = redis.call('XLEN', KEYS[1])",
            "local max = tonumber(ARGV[2])",
            "if ARGV[1] == 'reject' and before >= max then return {'', 0, 0} end",
            "local args = {'XADD', KEYS[1]}",
            "local seen = {}",
            "if ARGV[1] == 'trim' then",
            "  args[#args + 1] = 'MAXLEN'; args[#args + 1] = ARGV[3]; args[#args + 1] = ARGV[2]",
            "  local most = before + 1 - max",
            "  if most > 0 and before > 0 then",
            "    for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do",
            "      for i = 1, #g, 2 do",
            "        if g[i] == 'last-delivered-id' then",
            "          seen[#seen + 1] = #redis.call('XRANGE', KEYS[1], '-', g[i + 1], 'COUNT', most)",
            "        end",
            "      end",
            "    end",
            "  end",
            "end",
            "args[#args + 1] = '*'",
            "for i = 4, #ARGV do args[#args + 1] = ARGV[i] end",
            "local id = redis.call(unpack(args))",
            "local trimmed = before + 1 - redis.call('XLEN', KEYS[1])",
            "local dropped = trimmed",
            "if trimmed > 0 and #seen > 0 then",
            "  dropped = 0",
            "  for _, n in ipairs(seen) do dropped = dropped + trimmed - math.min(trimmed, n) end",
            "end",
            "return {id, trimmed, dropped}"));


    private final RedisEndpoint endpoint;
    private final StreamOwner owner;
    private final byte[] stream;
    private final BacklogLimit limit;
    private final BrokerEvents events;
    private final int maxPayloadBytes;
    private boolean oom;
    private String replicasShort; // null: the last WAIT was answered by enough replicas
    private boolean reportedBlocked;
    private volatile Jedis connection;

    RedisSender(RedisEndpoint endpoint, StreamOwner owner, BacklogLimit limit, BrokerEvents events, int maxPayloadBytes) {
        super("sluice-redis-send-" + endpoint.stream(), PIPELINE);
        this.endpoint = endpoint;
        this.owner = owner;
        this.stream = StreamCodec.bytes(endpoint.stream());
        this.limit = limit;
        this.events = events;
        this.maxPayloadBytes = maxPayloadBytes;
        start();
    }

    @Override
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /** Writes the messages as one pipeline and reads every reply; a lost connection fails them all. */
    @Override
    protected List<SendResult> write(List<Message> messages) {
        List<Response<?>> replies = new ArrayList<>(messages.size());
        Response<Long> waited;
        try {
            if (connection == null) {
                connection = new Jedis(owner.address(), endpoint.sendConfig());
            }
            Pipeline p = connection.pipelined();
            for (Message message : messages) {
                replies.add(limit == null || (limit.maxLength().isEmpty())
                        ? p.xadd(stream, XAddParams.xAddParams(), StreamCodec.encode(message, endpoint.payloadField()))
                        : p.eval(ADD_SCRIPT, List.of(stream), scriptArgs(message)));
            }
            waited = endpoint.waitReplicas() > 0 ? p.waitReplicas(endpoint.waitReplicas(), endpoint.waitTimeoutMs()) : null;
            p.sync();
        } catch (JedisConnectionException e) {
            owner.lost();
            dropConnection();
            return Collections.nCopies(messages.size(), SendResult.failed(e));
        }
        List<SendResult> results = new ArrayList<>(messages.size());
        boolean moved = false;
        for (int i = 0; i < messages.size(); i++) {
            SendResult r = outcome(messages.get(i), replies.get(i));
            moved |= r.cause() instanceof JedisRedirectionException;
            results.add(r);
        }
        if (waited != null && !moved) {
            String shortOf = replicasShortOf(waited);
            replicasShort(shortOf);
            if (shortOf != null) {
                JedisDataException unreplicated = new JedisDataException(shortOf);
                results.replaceAll(r -> r.status() == SendResult.Status.ACCEPTED ? SendResult.failed(unreplicated) : r);
            }
        }
        if (moved) { // a failover gave the slot to another master: the next write goes there
            owner.lost();
            dropConnection();
        }
        return results;
    }

    private List<byte[]> scriptArgs(Message m) {
        List<byte[]> args = new ArrayList<>();
        args.add(StreamCodec.bytes(limit.whenFull() == BacklogLimit.WhenFull.REJECT_NEWEST ? "reject" : "trim"));
        args.add(StreamCodec.bytes(Long.toString(limit.maxLength().getAsLong())));
        args.add(StreamCodec.bytes(limit.isExact() ? "=" : "~"));
        for (Map.Entry<byte[], byte[]> f : StreamCodec.encode(m, endpoint.payloadField()).entrySet()) {
            args.add(f.getKey());
            args.add(f.getValue());
        }
        return args;
    }

    /** @return why the pipeline does not count as confirmed (fewer replicas than asked), or null */
    private String replicasShortOf(Response<Long> waited) {
        long acknowledged;
        try {
            acknowledged = waited.get();
        } catch (JedisDataException e) {
            return "Redis refused WAIT " + endpoint.waitReplicas() + ": " + e.getMessage();
        }
        return acknowledged >= endpoint.waitReplicas() ? null : "only " + acknowledged + " of the " + endpoint.waitReplicas()
                + " replicas asked for (waitReplicas) acknowledged the adds within " + endpoint.waitTimeoutMs() + " ms";
    }

    private SendResult outcome(Message message, Response<?> reply) {
        Object value;
        try {
            value = reply.get();
        } catch (JedisDataException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("OOM")) {
                oom(e.getMessage());
            }
            return SendResult.failed(e);
        }
        oom(null);
        if (value instanceof List<?> scriptReply) {
            byte[] id = (byte[]) scriptReply.get(0);
            long dropped = (Long) scriptReply.get(2); // trimmed before any consumer had them
            if (dropped > 0) {
                events.dropped(dropped, DropReason.BACKLOG_TRIMMED);
            }
            if (id.length == 0) {
                events.dropped(message, DropReason.BACKLOG_REJECTED);
                return SendResult.rejected(DropReason.BACKLOG_REJECTED);
            }
        }
        return SendResult.ACCEPTED;
    }

    /** maxmemory reached ({@code reply}), or with null an add went through. */
    private void oom(String reply) {
        boolean now = reply != null;
        if (oom != now) {
            oom = now;
            report("Redis maxmemory reached: " + reply);
        }
    }

    private void replicasShort(String why) {
        boolean was = replicasShort != null;
        replicasShort = why;
        if (was != (why != null)) {
            report(why);
        }
    }

    /** Tells the channel when the broker became blocked (for either reason) or is blocked no more. */
    private void report(String why) {
        boolean blocked = oom || replicasShort != null;
        if (blocked && !reportedBlocked) {
            reportedBlocked = true;
            events.brokerBlocked(why);
        } else if (!blocked && reportedBlocked) {
            reportedBlocked = false;
            events.brokerUnblocked();
        }
    }

    private void dropConnection() {
        Jedis c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
    }

    @Override
    protected void abortWrite() {
        dropConnection(); // a broker that stopped answering: closing the socket ends the wait
    }
}
