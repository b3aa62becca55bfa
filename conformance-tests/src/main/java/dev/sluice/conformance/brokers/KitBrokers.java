package dev.sluice.conformance.brokers;

import dev.sluice.conformance.ProxiedKitBroker;
import dev.sluice.conformance.provision.ProvisionedBroker;

/**
 * The kit's view of each broker kind: how it reaches the broker through the fault proxy, reads
 * the broker's own figures, and causes the faults the broker has. Each one talks to its broker
 * with the native client only, never through an adapter.
 */
public final class KitBrokers {

    private KitBrokers() {
    }

    /**
     * @return the kit broker for {@code broker}; the caller closes it (which stops its proxy, not the broker)
     * @throws Exception when its proxy or its probe's client cannot start
     */
    public static ProxiedKitBroker of(ProvisionedBroker broker) throws Exception {
        return switch (broker.kind()) {
            case KAFKA -> new KafkaKitBroker(broker);
            case RABBITMQ -> new RabbitMqKitBroker(broker);
            case SQS -> new SqsKitBroker(broker);
            case REDIS -> new RedisKitBroker(broker);
        };
    }
}
