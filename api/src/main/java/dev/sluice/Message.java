package dev.sluice;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A message: an opaque payload, an optional key (ordering and partitioning: Kafka key, SQS FIFO
 * message group, RabbitMQ routing within the queue), string headers, and a priority.
 *
 * <p>Immutable and thread-safe, except that {@link #payload()} hands out the array it was given
 * without copying: neither the sender nor the receiver may modify it. Built fluently:
 * {@code Message.of(bytes).key("order-17").header("type", "created").priority(7)}; every
 * {@code with} step returns a new message.
 */
public final class Message {

    /** The highest priority; RabbitMQ's {@code x-max-priority} allows at most 255. */
    public static final int MAX_PRIORITY = 255;

    private final byte[] payload;
    private final String key;
    private final Map<String, String> headers;
    private final int priority;

    private Message(byte[] payload, String key, Map<String, String> headers, int priority) {
        this.payload = payload;
        this.key = key;
        this.headers = headers;
        this.priority = priority;
    }

    /** @param payload the bytes to send, not copied; not null (it may be empty) */
    public static Message of(byte[] payload) {
        return new Message(Objects.requireNonNull(payload, "payload"), null, Map.of(), 0);
    }

    /** @param text sent as UTF-8 */
    public static Message of(String text) {
        return of(Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8));
    }

    /** @param key the ordering / partitioning key, or null for none */
    public Message key(String key) {
        return new Message(payload, key, headers, priority);
    }

    /** Adds or replaces one header. */
    public Message header(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new Message(payload, key, Collections.unmodifiableMap(copy), priority);
    }

    /** Replaces all headers. */
    public Message headers(Map<String, String> headers) {
        Objects.requireNonNull(headers, "headers");
        Map<String, String> copy = new LinkedHashMap<>();
        headers.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "header name"),
                Objects.requireNonNull(v, () -> "value of header " + k)));
        return new Message(payload, key, Collections.unmodifiableMap(copy), priority);
    }

    /**
     * @param priority 0 (the default, lowest) to {@value #MAX_PRIORITY}
     * @throws IllegalArgumentException outside that range
     */
    public Message priority(int priority) {
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority (" + priority + ") must be between 0 and " + MAX_PRIORITY);
        }
        return new Message(payload, key, headers, priority);
    }

    /** @return the payload; the same array every time, never modify it */
    public byte[] payload() {
        return payload;
    }

    /** @return the payload decoded as UTF-8 */
    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** @return the key, or null */
    public String key() {
        return key;
    }

    /** @return the headers, unmodifiable, never null */
    public Map<String, String> headers() {
        return headers;
    }

    public int priority() {
        return priority;
    }

    @Override
    public String toString() {
        return "Message[" + payload.length + " bytes" + (key == null ? "" : ", key=" + key)
                + (priority == 0 ? "" : ", priority=" + priority) + (headers.isEmpty() ? "" : ", headers=" + headers) + "]";
    }
}
