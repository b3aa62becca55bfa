package dev.sluice.conformance;

/** What a {@link KitBroker} can do to its broker on the kit's command. */
public enum Fault {
    /** The broker's own pressure alarm: RabbitMQ memory alarm, Redis maxmemory, SQS throttling, Kafka buffer exhaustion. */
    BROKER_PRESSURE,
    /** The broker stops answering (sends stay unconfirmed) while connections stay open; usually through the fault proxy. */
    STALL,
    /** Every client connection is cut; the broker keeps running and clients reconnect. */
    CUT_CONNECTIONS,
    /** The broker stops and starts again, keeping what it had stored. */
    RESTART
}
