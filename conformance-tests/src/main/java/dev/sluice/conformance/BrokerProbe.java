package dev.sluice.conformance;

import java.util.OptionalLong;

/**
 * Reads figures from the broker itself, not from the adapter, so that the kit can check claims
 * from the broker's side: RabbitMQ's unacknowledged count, Redis {@code XPENDING}, SQS
 * {@code ApproximateNumberOfMessagesNotVisible}, Kafka committed offsets and lag. Each figure
 * is empty when the broker cannot tell it; the kit then says so and checks what it can.
 */
public interface BrokerProbe {

    /** @return messages of the destination that the group has not been handed yet */
    OptionalLong ready(String destination, String group);

    /** @return messages handed to the group and not yet acknowledged, as the broker counts them */
    OptionalLong unacked(String destination, String group);

    /** @return the broker's own backlog figure for the group (depth or lag) */
    OptionalLong backlog(String destination, String group);
}
