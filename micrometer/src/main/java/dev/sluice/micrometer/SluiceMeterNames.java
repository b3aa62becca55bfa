package dev.sluice.micrometer;

/**
 * The names of the meters {@link ChannelMetrics} registers, in Micrometer's dot notation (the
 * Prometheus registry renders {@code sluice.producer.offered} as
 * {@code sluice_producer_offered_total}, gauges and timers in base units).
 *
 * <p>Every meter carries the tags {@value #TAG_CHANNEL}, {@value #TAG_BROKER} (the URI scheme) and
 * {@value #TAG_DESTINATION}; consumer meters that belong to one group add {@value #TAG_GROUP}.
 */
public final class SluiceMeterNames {

    /** Tag: the channel's name (the Spring bean name, or the destination by default). */
    public static final String TAG_CHANNEL = "channel";
    /** Tag: the broker, as the URI scheme ({@code kafka}, {@code amqp}, {@code sqs}, {@code redis}, {@code mem}). */
    public static final String TAG_BROKER = "broker";
    /** Tag: the destination (topic, queue, stream) named by the URI. */
    public static final String TAG_DESTINATION = "destination";
    /** Tag: the consumer group. */
    public static final String TAG_GROUP = "group";

    // Gauges read from the pressure snapshot.
    /** Gauge: messages in the producer buffer. */
    public static final String PRODUCER_BUFFERED = "sluice.producer.buffered";
    /** Gauge: the producer buffer's capacity in messages. */
    public static final String PRODUCER_BUFFER_CAPACITY = "sluice.producer.buffer.capacity";
    /** Gauge: the producer buffer's level: 0 NORMAL, 1 SOFT, 2 HARD. */
    public static final String PRODUCER_LEVEL = "sluice.producer.level";
    /** Gauge: messages sent to the broker and not yet confirmed. */
    public static final String PRODUCER_IN_FLIGHT = "sluice.producer.in.flight";
    /** Gauge: deliveries handed out and not yet settled, over all consumers of the channel. */
    public static final String CONSUMER_IN_FLIGHT = "sluice.consumer.in.flight";
    /** Gauge: the per-consumer in-flight cap. */
    public static final String CONSUMER_IN_FLIGHT_CAP = "sluice.consumer.in.flight.cap";
    /** Gauge: the in-flight limit now — an adaptive limit's current value (the lowest over the channel's consumers), else the cap. */
    public static final String CONSUMER_IN_FLIGHT_LIMIT = "sluice.consumer.in.flight.limit";
    /** Gauge: the producer's rate limit now (an adaptive rate's current value), messages a second; 0 without a rate limit. */
    public static final String PRODUCER_RATE_LIMIT = "sluice.producer.rate.limit";
    /** Gauge, tag {@code reason}: 1 while any consumer of the channel holds that pause reason, else 0. */
    public static final String CONSUMER_PAUSED = "sluice.consumer.paused";
    /** Gauge: the broker's backlog (depth or lag) as last read; NaN while unknown. */
    public static final String BROKER_BACKLOG = "sluice.broker.backlog";
    /** Gauge: 1 while the broker signals pressure (alarm, blocked connection, OOM), else 0. */
    public static final String BROKER_BLOCKED = "sluice.broker.blocked";

    // Function counters read from the pressure snapshot.
    /** Counter: every message offered to the producer. */
    public static final String PRODUCER_OFFERED = "sluice.producer.offered";
    /** Counter: messages the broker confirmed. */
    public static final String PRODUCER_CONFIRMED = "sluice.producer.confirmed";
    /** Counter: messages sent to the broker and refused or failed there. */
    public static final String PRODUCER_FAILED = "sluice.producer.failed";
    /** Counter: messages refused before the buffer (rate limited, timed out, too large, {@code fail}). */
    public static final String PRODUCER_REFUSED = "sluice.producer.refused";
    /** Counter: messages dropped by the producer policy. */
    public static final String PRODUCER_DROPPED = "sluice.producer.dropped";
    /** Counter: messages the broker dropped for its backlog limit. */
    public static final String BROKER_DROPPED = "sluice.broker.dropped";
    /** Counter: deliveries taken from the broker. */
    public static final String CONSUMER_RECEIVED = "sluice.consumer.received";
    /** Counter: deliveries acked. */
    public static final String CONSUMER_ACKED = "sluice.consumer.acked";
    /** Counter: deliveries nacked for redelivery. */
    public static final String CONSUMER_REDELIVERED = "sluice.consumer.redelivered";

    /** Function counter: deliveries given back unhandled (a pause or a close), no attempt counted. */
    public static final String CONSUMER_RELEASED = "sluice.consumer.released";
    /** Counter: deliveries sent to the dead letter destination. */
    public static final String CONSUMER_DEAD_LETTERED = "sluice.consumer.dead.lettered";

    // Meters fed by the channel's listener events.
    /** Counter, tag {@code reason} (a {@code DropReason} in lower case): every drop the channel reports. */
    public static final String DROPPED = "sluice.dropped";
    /** Timer, tags {@code group} and {@code reason}: how long each pause lasted, recorded when it ends. */
    public static final String CONSUMER_PAUSE = "sluice.consumer.pause";

    // Meters fed by an instrumented channel (ChannelMetrics#instrument).
    /** Counter, tag {@code result} (a {@code SendResult.Status} in lower case): what {@code send} returned. */
    public static final String PRODUCER_SENDS = "sluice.producer.sends";
    /** Timer, tag {@code result}: from {@code sendAsync} to the broker's confirm (or the refusal). */
    public static final String PRODUCER_CONFIRM = "sluice.producer.confirm";
    /**
     * Timer, tags {@code group} and {@code outcome} ({@code success}, {@code error},
     * {@code retry_later}): handler time; errors are the consumer errors, retry_later the handlers
     * that threw {@link dev.sluice.RetryLater} (a downstream asked for time).
     */
    public static final String CONSUMER_HANDLER = "sluice.consumer.handler";

    private SluiceMeterNames() {
    }
}
