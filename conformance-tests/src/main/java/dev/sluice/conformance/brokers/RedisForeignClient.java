package dev.sluice.conformance.brokers;

import dev.sluice.conformance.ForeignClient;
import dev.sluice.conformance.KitBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamConsumerInfo;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamInfo;

/**
 * Jedis as a plain application uses it: {@code XADD} with the fields the application chose
 * (the payload in {@value #PAYLOAD_FIELD}), {@code XRANGE} to read, and a consumer group of its
 * own that reads with {@code XREADGROUP} and acks with {@code XACK}.
 */
final class RedisForeignClient implements ForeignClient {

    static final String PAYLOAD_FIELD = "data";
    /** The application's own member of its group. */
    static final String APP_CONSUMER = "app-worker";
    /** The {@code XINFO STREAM} fields that say what the stream holds and whether anything was deleted from it. */
    private static final List<String> STREAM_FIELDS = List.of("length", "last-generated-id", "max-deleted-entry-id",
            "entries-added", "recorded-first-entry-id");

    /** A connection to the server that holds a destination (on a cluster, its slot's master). */
    private final Function<String, Jedis> connections;

    RedisForeignClient(Function<String, Jedis> connections) {
        this.connections = connections;
    }

    /** The channel reads the payload from the field the plain producer uses. */
    @Override
    public String uri(KitBroker broker, String destination) {
        String uri = broker.uri(destination);
        return uri + (uri.contains("?") ? "&" : "?") + "payloadField=" + PAYLOAD_FIELD;
    }

    @Override
    public void write(String destination, NativeMessage m) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put(PAYLOAD_FIELD.getBytes(StandardCharsets.UTF_8), m.body());
        m.headers().forEach((k, v) -> fields.put(k.getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8)));
        try (Jedis j = connections.apply(destination)) {
            j.xadd(destination.getBytes(StandardCharsets.UTF_8), XAddParams.xAddParams(), fields);
        }
    }

    /** An entry as Sluice writes it ({@code p}), with a priority field that is no number. */
    @Override
    public Optional<String> writeMalformed(String destination, byte[] body) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put("p".getBytes(StandardCharsets.UTF_8), body);
        fields.put("r".getBytes(StandardCharsets.UTF_8), "high".getBytes(StandardCharsets.UTF_8));
        try (Jedis j = connections.apply(destination)) {
            j.xadd(destination.getBytes(StandardCharsets.UTF_8), XAddParams.xAddParams(), fields);
        }
        return Optional.of("field r=high");
    }

    /**
     * A stream written with {@code XADD}, and the application's group {@code appGroup} created at
     * its start, which reads two entries with {@code XREADGROUP} and acks the first: its
     * last-delivered-id is the second entry's, one entry stays pending with its consumer. A
     * stream has no settings of its own.
     */
    @Override
    public boolean createExisting(String destination, String appGroup, List<NativeMessage> messages) {
        if (messages.size() < 3) {
            throw new IllegalArgumentException("messages (" + messages.size() + ") must be at least 3: the application's group"
                    + " reads two of them and leaves the rest");
        }
        for (NativeMessage m : messages) {
            write(destination, m);
        }
        try (Jedis j = connections.apply(destination)) {
            j.xgroupCreate(destination, appGroup, new StreamEntryID(0, 0), false);
            List<StreamEntry> read = j.xreadGroup(appGroup, APP_CONSUMER, XReadGroupParams.xReadGroupParams().count(2),
                    Map.of(destination, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY)).get(0).getValue();
            if (read.size() != 2) {
                throw new IllegalStateException("the application's group read " + read.size() + " entries of " + destination
                        + ", not 2");
            }
            j.xack(destination, appGroup, read.get(0).getID());
        }
        return true;
    }

    /**
     * What {@code XINFO STREAM} says the stream holds (its length, last id, the id of the last
     * entry deleted, how many were added, its first entry), its first and last entries' ids, and
     * the application's group's last-delivered-id, entries-read, pending entries and consumers
     * with their pending counts.
     */
    @Override
    public Optional<Map<String, String>> settings(String destination, String appGroup) {
        Map<String, String> settings = new TreeMap<>();
        try (Jedis j = connections.apply(destination)) {
            if (!j.exists(destination)) {
                return Optional.of(Map.of("stream", "absent"));
            }
            StreamInfo stream = j.xinfoStream(destination);
            for (String field : STREAM_FIELDS) {
                Object value = stream.getStreamInfo().get(field);
                if (value != null) {
                    settings.put("stream." + field, String.valueOf(value));
                }
            }
            settings.put("stream.first-entry", stream.getFirstEntry() == null ? "none" : stream.getFirstEntry().getID().toString());
            settings.put("stream.last-entry", stream.getLastEntry() == null ? "none" : stream.getLastEntry().getID().toString());
            settings.put("group", "absent");
            for (StreamGroupInfo g : j.xinfoGroups(destination)) {
                if (g.getName().equals(appGroup)) {
                    settings.put("group", "present");
                    settings.put("group.last-delivered-id", String.valueOf(g.getLastDeliveredId()));
                    settings.put("group.entries-read", String.valueOf(g.getGroupInfo().get("entries-read")));
                    settings.put("group.pending", Long.toString(g.getPending()));
                    StringBuilder consumers = new StringBuilder();
                    for (StreamConsumerInfo c : j.xinfoConsumers2(destination, appGroup)) {
                        consumers.append(c.getName()).append(':').append(c.getPending()).append(' ');
                    }
                    settings.put("group.consumers", consumers.toString().trim());
                }
            }
        }
        return Optional.of(settings);
    }

    @Override
    public List<NativeMessage> read(String destination, int count, Duration within) {
        List<NativeMessage> out = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        try (Jedis j = connections.apply(destination)) {
            while (out.size() < count && System.nanoTime() < deadline) {
                out.clear();
                for (StreamEntry e : j.xrange(destination, (StreamEntryID) null, (StreamEntryID) null, count)) {
                    Map<String, String> headers = new LinkedHashMap<>(e.getFields());
                    String body = headers.remove(PAYLOAD_FIELD);
                    out.add(new NativeMessage(body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8), null, headers));
                }
                if (out.size() < count) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000_000); // polling a stream still filling
                }
            }
        }
        return out;
    }
}
