package dev.sluice.sqs;

import dev.sluice.Message;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * A message as an SQS message: the payload Base64 in the body (SQS bodies are text), the key,
 * the priority and each header as string message attributes ({@code sluice.key},
 * {@code sluice.priority}, {@code h.<name>}). SQS allows ten attributes per message.
 */
final class SqsCodec {

    static final String KEY = "sluice.key";
    static final String PRIORITY = "sluice.priority";
    static final String HEADER_PREFIX = "h.";

    private SqsCodec() {
    }

    static String body(Message m) {
        return Base64.getEncoder().encodeToString(m.payload());
    }

    /** @return the encoded size of a payload of {@code bytes} bytes */
    static int encodedSize(int bytes) {
        return 4 * ((bytes + 2) / 3);
    }

    static Map<String, MessageAttributeValue> attributes(Message m) {
        Map<String, MessageAttributeValue> a = new LinkedHashMap<>();
        if (m.key() != null) {
            a.put(KEY, text(m.key()));
        }
        if (m.priority() != 0) {
            a.put(PRIORITY, text(Integer.toString(m.priority())));
        }
        m.headers().forEach((k, v) -> a.put(HEADER_PREFIX + k, text(v)));
        return a;
    }

    private static MessageAttributeValue text(String v) {
        return MessageAttributeValue.builder().dataType("String").stringValue(v).build();
    }

    static Message decode(software.amazon.awssdk.services.sqs.model.Message m) {
        Message out = Message.of(Base64.getDecoder().decode(m.body()));
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, MessageAttributeValue> e : m.messageAttributes().entrySet()) {
            String v = e.getValue().stringValue();
            if (e.getKey().equals(KEY)) {
                out = out.key(v);
            } else if (e.getKey().equals(PRIORITY)) {
                out = out.priority(Integer.parseInt(v));
            } else if (e.getKey().startsWith(HEADER_PREFIX)) {
                headers.put(e.getKey().substring(HEADER_PREFIX.length()), v);
            }
        }
        return headers.isEmpty() ? out : out.headers(headers);
    }
}
