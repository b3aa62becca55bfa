package dev.sluice.redis;

import dev.sluice.Message;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A message as the fields of a stream entry: {@code p} the payload, {@code k} the key,
 * {@code r} the priority, {@code h.<name>} each header. Binary-safe.
 */
final class StreamCodec {

    private static final byte[] PAYLOAD = bytes("p");
    private static final byte[] KEY = bytes("k");
    private static final byte[] PRIORITY = bytes("r");
    private static final String HEADER_PREFIX = "h.";

    private StreamCodec() {
    }

    static Map<byte[], byte[]> encode(Message m) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put(PAYLOAD, m.payload());
        if (m.key() != null) {
            fields.put(KEY, bytes(m.key()));
        }
        if (m.priority() != 0) {
            fields.put(PRIORITY, bytes(Integer.toString(m.priority())));
        }
        m.headers().forEach((k, v) -> fields.put(bytes(HEADER_PREFIX + k), bytes(v)));
        return fields;
    }

    static Message decode(Map<byte[], byte[]> fields) {
        byte[] payload = new byte[0];
        String key = null;
        int priority = 0;
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<byte[], byte[]> f : fields.entrySet()) {
            String name = new String(f.getKey(), StandardCharsets.UTF_8);
            if (name.equals("p")) {
                payload = f.getValue();
            } else if (name.equals("k")) {
                key = text(f.getValue());
            } else if (name.equals("r")) {
                priority = Integer.parseInt(text(f.getValue()));
            } else if (name.startsWith(HEADER_PREFIX)) {
                headers.put(name.substring(HEADER_PREFIX.length()), text(f.getValue()));
            }
        }
        Message m = Message.of(payload).key(key).priority(priority);
        return headers.isEmpty() ? m : m.headers(headers);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
