package dev.sluice;

/**
 * What an adapter can do on its broker. Declared by the adapter, never implied by a null;
 * the conformance kit skips a scenario only with a stated reason when a capability is missing.
 */
public enum Capability {
    /** Messages with the same key are delivered in the order they were sent. */
    PER_KEY_ORDER,
    /** A nacked or abandoned message is delivered again. */
    REDELIVERY,
    /** After {@code maxAttempts} a message is moved to a dead letter destination. */
    DEAD_LETTER,
    /** Several consumers of one group share the messages, each processed once. */
    CONSUMER_GROUPS,
    /**
     * Each group receives every message, independently of the others (Kafka consumer groups,
     * Redis {@code XGROUP}). Without it the destination is one queue that every consumer shares
     * whatever its group, and a channel refuses a second group rather than let it compete
     * silently for the first one's messages.
     */
    INDEPENDENT_GROUPS,
    /** The broker reports its own pressure (alarms, memory limits, throttling). */
    BROKER_PRESSURE_SIGNAL,
    /** The backlog (depth or lag) can be read from the broker. */
    BACKLOG_SIGNAL,
    /** {@code BacklogLimit.maxLength(n).dropOldest()} is honoured. */
    BACKLOG_DROP_OLDEST,
    /** {@code BacklogLimit.maxLength(n).rejectNewest()} is honoured. */
    BACKLOG_REJECT_NEWEST,
    /** {@code BacklogLimit.maxAge(d)} is honoured. */
    BACKLOG_MAX_AGE,
    /** Group membership changes move work between consumers (Kafka partitions). */
    REBALANCE,
    /** The broker delivers higher priorities first. */
    PRIORITY_DELIVERY
}
