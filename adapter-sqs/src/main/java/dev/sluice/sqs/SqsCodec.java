package dev.sluice.sqs;

import dev.sluice.Message;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * A message as an SQS message, readable by a plain SQS consumer: a payload that is text SQS
 * accepts (UTF-8 of the characters SQS allows in a body) is the body as it is; any other payload
 * is Base64 in the body with the attribute {@code sluice.encoding=base64}, and an empty one a
 * single space with {@code sluice.encoding=empty} (SQS refuses empty bodies). The key, the
 * priority and each header are string attributes ({@code sluice.key}, {@code sluice.priority},
 * {@code h.<name>}); SQS allows ten attributes per message.
 *
 * <p>Decoding never throws: a body marked Base64 that is not, or a priority that is not a
 * number, is delivered as the broker had it and reported as malformed; a plain producer's own
 * attributes surface as headers under their own names.
 */
final class SqsCodec {

    static final String KEY = "sluice.key";
    static final String PRIORITY = "sluice.priority";
    static final String ENCODING = "sluice.encoding";
    static final String HEADER_PREFIX = "h.";

    /** A decoded message and, when it was not what Sluice writes, why. */
    record Decoded(Message message, String malformed) {
    }

    private SqsCodec() {
    }

    /** A message as SQS takes it: the body and the attributes. */
    record Encoded(String body, Map<String, MessageAttributeValue> attributes) {
    }

    /** Encodes a message; its payload is checked for SQS text once. */
    static Encoded encode(Message m) {
        byte[] p = m.payload();
        Map<String, MessageAttributeValue> a = new LinkedHashMap<>();
        String body;
        if (p.length == 0) {
            body = " ";
            a.put(ENCODING, text("empty"));
        } else {
            String text = sqsText(p);
            if (text != null) {
                body = text;
            } else {
                body = Base64.getEncoder().encodeToString(p);
                a.put(ENCODING, text("base64"));
            }
        }
        if (m.key() != null) {
            a.put(KEY, text(m.key()));
        }
        if (m.priority() != 0) {
            a.put(PRIORITY, text(Integer.toString(m.priority())));
        }
        m.headers().forEach((k, v) -> a.put(HEADER_PREFIX + k, text(v)));
        return new Encoded(body, a);
    }

    private static MessageAttributeValue text(String v) {
        return MessageAttributeValue.builder().dataType("String").stringValue(v).build();
    }

    /** @return the payload as a body SQS accepts unchanged, or null when it is not such text */
    static String sqsText(byte[] payload) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            boolean allowed = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF)
                    || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
            if (!allowed) {
                return null;
            }
            i += Character.charCount(c);
        }
        return s;
    }

    static Decoded decode(software.amazon.awssdk.services.sqs.model.Message m) {
        String malformed = null;
        Map<String, MessageAttributeValue> attrs = m.messageAttributes();
        MessageAttributeValue encoding = attrs.get(ENCODING);
        String enc = encoding == null ? null : encoding.stringValue();
        byte[] payload;
        if ("base64".equals(enc)) {
            try {
                payload = Base64.getDecoder().decode(m.body());
            } catch (IllegalArgumentException e) {
                payload = m.body().getBytes(StandardCharsets.UTF_8);
                malformed = "the body is marked " + ENCODING + "=base64 but is not Base64";
            }
        } else if ("empty".equals(enc)) {
            payload = new byte[0];
        } else {
            if (enc != null) {
                malformed = "unknown " + ENCODING + " '" + enc + "'";
            }
            payload = m.body().getBytes(StandardCharsets.UTF_8);
        }
        Message out = Message.of(payload);
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, MessageAttributeValue> e : attrs.entrySet()) {
            String name = e.getKey();
            String v = value(e.getValue());
            if (name.equals(ENCODING)) {
                continue;
            }
            if (name.equals(KEY)) {
                out = out.key(v);
            } else if (name.equals(PRIORITY)) {
                java.util.OptionalInt priority = dev.sluice.spi.PriorityText.parse(v);
                if (priority.isEmpty()) {
                    malformed = PRIORITY + " '" + v + "' is not a priority from 0 to " + Message.MAX_PRIORITY;
                    headers.put(name, v);
                } else {
                    out = out.priority(priority.getAsInt());
                }
            } else if (name.startsWith(HEADER_PREFIX)) {
                headers.put(name.substring(HEADER_PREFIX.length()), v);
            } else {
                headers.put(name, v); // a plain producer's attribute, under its own name
            }
        }
        return new Decoded(headers.isEmpty() ? out : out.headers(headers), malformed);
    }

    private static String value(MessageAttributeValue v) {
        if (v.stringValue() != null) {
            return v.stringValue();
        }
        return v.binaryValue() == null ? "" : Base64.getEncoder().encodeToString(v.binaryValue().asByteArray());
    }

}
