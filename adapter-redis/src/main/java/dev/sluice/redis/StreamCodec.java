package dev.sluice.redis;

import dev.sluice.Message;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A message as the fields of a stream entry: {@code p} the payload, {@code k} the key,
 * {@code r} the priority, {@code h.<name>} each header. Binary-safe for the payload.
 *
 * <p>Decoding never throws. An entry a plain producer wrote keeps every field: the payload field
 * (by default {@code p}, else the stream's {@code payloadField}) is the payload, and every other
 * field surfaces as a header under its own name. An entry without the payload field, or with a
 * priority that is not a number from 0 to 255, is delivered as it is and reported malformed.
 */
final class StreamCodec {

    private static final byte[] PAYLOAD = bytes("p");
    private static final byte[] KEY = bytes("k");
    private static final byte[] PRIORITY = bytes("r");
    private static final String HEADER_PREFIX = "h.";

    private StreamCodec() {
    }

    static Map<byte[], byte[]> encode(Message m, String payloadField) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put(payloadField.equals("p") ? PAYLOAD : bytes(payloadField), m.payload());
        if (m.key() != null) {
            fields.put(KEY, bytes(m.key()));
        }
        if (m.priority() != 0) {
            fields.put(PRIORITY, bytes(Integer.toString(m.priority())));
        }
        m.headers().forEach((k, v) -> fields.put(bytes(HEADER_PREFIX + k), bytes(v)));
        return fields;
    }

    /** A decoded entry and, when it was not what Sluice writes, why. */
    record Decoded(Message message, String malformed, Map<byte[], byte[]> fields) {
    }

    /** @param payloadField the field that holds the payload: {@code p} for what Sluice writes */
    static Decoded decode(Map<byte[], byte[]> fields, String payloadField) {
        byte[] payload = null;
        String key = null;
        int priority = 0;
        String malformed = null;
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<byte[], byte[]> f : fields.entrySet()) {
            String name = new String(f.getKey(), StandardCharsets.UTF_8);
            if (name.equals(payloadField) && payload == null) {
                payload = f.getValue();
            } else if (name.equals("k")) {
                key = text(f.getValue());
            } else if (name.equals("r")) {
                String v = text(f.getValue());
                java.util.OptionalInt p = dev.sluice.spi.PriorityText.parse(v);
                if (p.isEmpty()) {
                    malformed = "field r '" + v + "' is not a priority from 0 to " + Message.MAX_PRIORITY;
                    headers.put(name, v);
                } else {
                    priority = p.getAsInt();
                }
            } else if (name.startsWith(HEADER_PREFIX)) {
                headers.put(name.substring(HEADER_PREFIX.length()), text(f.getValue()));
            } else {
                headers.put(name, text(f.getValue())); // a plain producer's field, under its own name
            }
        }
        if (payload == null) {
            malformed = "no payload field '" + payloadField + "'; its fields are headers";
            payload = new byte[0];
        }
        Message m = Message.of(payload).key(key).priority(priority);
        return new Decoded(headers.isEmpty() ? m : m.headers(headers), malformed, fields);
    }


    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
