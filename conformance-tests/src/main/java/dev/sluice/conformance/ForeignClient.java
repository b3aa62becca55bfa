package dev.sluice.conformance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A plain native client of the broker that never heard of Sluice, for the foreign-traffic and
 * poison families: it writes as an existing producer would and reads as an existing consumer
 * would, with the broker's own client and nothing of Sluice's.
 */
public interface ForeignClient {

    /**
     * A message as the broker's own client sees it.
     *
     * @param body    the native body (Kafka value, AMQP body, SQS body as UTF-8, the Redis payload field)
     * @param key     the native key where the broker has one (Kafka), else null
     * @param headers the native headers, attributes or fields, as text
     */
    record NativeMessage(byte[] body, String key, Map<String, String> headers) {
    }

    /**
     * @return the URI a Sluice channel uses to read what this client writes (Redis names the
     *     field a plain producer puts its payload in)
     */
    default String uri(KitBroker broker, String destination) {
        return broker.uri(destination);
    }

    /** Writes as a plain producer of this broker would. The destination exists (a Sluice channel opened it). */
    void write(String destination, NativeMessage message) throws Exception;

    /**
     * Writes a message whose Sluice metadata cannot be decoded (a priority that is no number, a
     * body marked Base64 that is not), with {@code body} as its payload.
     *
     * @return what was corrupt, or empty when this broker's wire has no Sluice metadata a
     *     producer could corrupt
     */
    Optional<String> writeMalformed(String destination, byte[] body) throws Exception;

    /** Reads {@code count} messages as a plain consumer would, waiting up to {@code within}. */
    List<NativeMessage> read(String destination, int count, Duration within) throws Exception;
}
