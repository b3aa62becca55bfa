package dev.sluice.conformance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A plain native client of the broker that never heard of Sluice, for the foreign-traffic,
 * poison and existing-destination families: it writes as an existing producer would, reads as an
 * existing consumer would, and creates and inspects a destination as the application that owns
 * it would, with the broker's own client and nothing of Sluice's.
 */
public interface ForeignClient {

    /**
     * How long the destination an application made keeps its messages, where the broker has
     * such a setting ({@code retention.ms}, {@code x-message-ttl}, {@code MessageRetentionPeriod}):
     * two hours, so that {@link #createExisting} sets it and a channel asking for another
     * maximum age conflicts with it.
     */
    Duration EXISTING_RETENTION = Duration.ofHours(2);

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

    /**
     * Creates {@code destination} as an application that never heard of Sluice would, with
     * native settings of its own (a retention of {@link #EXISTING_RETENTION} where the broker
     * has one, and others the broker offers), writes {@code messages} to it, and, where the
     * broker keeps consumer groups, lets the application's own group {@code appGroup} read part
     * of them so that it has a position and pending messages a channel must leave alone.
     *
     * @return false when this client cannot make such a destination, which the default says;
     *     the existing-destination family then skips
     */
    default boolean createExisting(String destination, String appGroup, List<NativeMessage> messages) throws Exception {
        return false;
    }

    /**
     * Reads, from the broker itself and not from any Sluice figure, what an application relies
     * on in {@code destination} and that opening, consuming and closing a channel on it must not
     * change: its settings (partitions and topic configs, queue arguments, queue attributes),
     * what it holds where consuming leaves that alone (a log's end offsets, a stream's entries),
     * the state of the application's group {@code appGroup}, and the absence of destinations the
     * application did not make beside it. Figures that consuming changes by nature (the depth of
     * a queue) are left out.
     *
     * @return the settings by name, or empty when the broker cannot report them, which the
     *     default says; the existing-destination family then skips
     */
    default Optional<Map<String, String>> settings(String destination, String appGroup) throws Exception {
        return Optional.empty();
    }

    /**
     * @return the URI of a channel with a default spec on a destination {@link #createExisting}
     *     made: {@link #uri(KitBroker, String)} without any setting the kit tunes for speed
     *     that would be a setting asked for explicitly (the SQS kit's visibility timeout)
     */
    default String existingUri(KitBroker broker, String destination) {
        return uri(broker, destination);
    }
}
