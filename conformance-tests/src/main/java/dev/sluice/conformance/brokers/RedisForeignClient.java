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
import java.util.function.Supplier;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Jedis as a plain application uses it: {@code XADD} with the fields the application chose
 * (the payload in {@value #PAYLOAD_FIELD}), {@code XRANGE} to read.
 */
final class RedisForeignClient implements ForeignClient {

    static final String PAYLOAD_FIELD = "data";

    private final Supplier<Jedis> connections;

    RedisForeignClient(Supplier<Jedis> connections) {
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
        try (Jedis j = connections.get()) {
            j.xadd(destination.getBytes(StandardCharsets.UTF_8), XAddParams.xAddParams(), fields);
        }
    }

    /** An entry as Sluice writes it ({@code p}), with a priority field that is no number. */
    @Override
    public Optional<String> writeMalformed(String destination, byte[] body) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put("p".getBytes(StandardCharsets.UTF_8), body);
        fields.put("r".getBytes(StandardCharsets.UTF_8), "high".getBytes(StandardCharsets.UTF_8));
        try (Jedis j = connections.get()) {
            j.xadd(destination.getBytes(StandardCharsets.UTF_8), XAddParams.xAddParams(), fields);
        }
        return Optional.of("field r=high");
    }

    @Override
    public List<NativeMessage> read(String destination, int count, Duration within) {
        List<NativeMessage> out = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        try (Jedis j = connections.get()) {
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
