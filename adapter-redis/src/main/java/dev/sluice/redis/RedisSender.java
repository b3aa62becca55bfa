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
import redis.clients.jedis.params.XAddParams;

/**
 * Sends with pipelined {@code XADD} on a connection of its own: the runs the channel hands over
 * (never more than the producer's in-flight cap) are written by the sender's one writer thread in
 * pipelines of up to {@value #PIPELINE} commands, so the replies outstanding stay bounded. A backlog limit turns each
 * add into one Lua script that checks {@code XLEN} and trims atomically and says how many entries
 * it trimmed, so that every broker-side drop is reported.
 *
 * <p>{@code OOM command not allowed} (maxmemory reached) is the broker-pressure signal: the channel
 * is told the broker is blocked until an add succeeds again.
 */
final class RedisSender extends SerialSender {

    static final int PIPELINE = 64;

    /**
     * KEYS[1] the stream; ARGV[1] 'reject' | 'trim' | 'none'; ARGV[2] max length; ARGV[3] '=' or
     * '~'; ARGV[4..] field, value, ... Returns {id, trimmed}; id is '' when refused.
     */
    private static final byte[] ADD_SCRIPT = StreamCodec.bytes(String.join("\n",
            "local before = redis.call('XLEN', KEYS[1])",
            "if ARGV[1] == 'reject' and before >= tonumber(ARGV[2]) then return {'', 0} end",
            "local args = {'XADD', KEYS[1]}",
            "if ARGV[1] == 'trim' then",
            "  args[#args + 1] = 'MAXLEN'; args[#args + 1] = ARGV[3]; args[#args + 1] = ARGV[2]",
            "end",
            "args[#args + 1] = '*'",
            "for i = 4, #ARGV do args[#args + 1] = ARGV[i] end",
            "local id = redis.call(unpack(args))",
            "return {id, before + 1 - redis.call('XLEN', KEYS[1])}"));


    private final RedisEndpoint endpoint;
    private final byte[] stream;
    private final BacklogLimit limit;
    private final BrokerEvents events;
    private final int maxPayloadBytes;
    private volatile boolean oom;
    private volatile Jedis connection;

    RedisSender(RedisEndpoint endpoint, BacklogLimit limit, BrokerEvents events, int maxPayloadBytes) {
        super("sluice-redis-send-" + endpoint.stream(), PIPELINE);
        this.endpoint = endpoint;
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
        try {
            if (connection == null) {
                connection = new Jedis(endpoint.hostAndPort(), endpoint.config());
            }
            Pipeline p = connection.pipelined();
            for (Message message : messages) {
                replies.add(limit == null || (limit.maxLength().isEmpty())
                        ? p.xadd(stream, XAddParams.xAddParams(), StreamCodec.encode(message, endpoint.payloadField()))
                        : p.eval(ADD_SCRIPT, List.of(stream), scriptArgs(message)));
            }
            p.sync();
        } catch (JedisConnectionException e) {
            dropConnection();
            return Collections.nCopies(messages.size(), SendResult.failed(e));
        }
        List<SendResult> results = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            results.add(outcome(messages.get(i), replies.get(i)));
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

    private SendResult outcome(Message message, Response<?> reply) {
        Object value;
        try {
            value = reply.get();
        } catch (JedisDataException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("OOM")) {
                if (!oom) {
                    oom = true;
                    events.brokerBlocked("Redis maxmemory reached: " + e.getMessage());
                }
            }
            return SendResult.failed(e);
        }
        if (oom) {
            oom = false;
            events.brokerUnblocked();
        }
        if (value instanceof List<?> scriptReply) {
            byte[] id = (byte[]) scriptReply.get(0);
            long trimmed = (Long) scriptReply.get(1);
            if (trimmed > 0) {
                events.dropped(trimmed, DropReason.BACKLOG_TRIMMED);
            }
            if (id.length == 0) {
                events.dropped(message, DropReason.BACKLOG_REJECTED);
                return SendResult.rejected(DropReason.BACKLOG_REJECTED);
            }
        }
        return SendResult.ACCEPTED;
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
