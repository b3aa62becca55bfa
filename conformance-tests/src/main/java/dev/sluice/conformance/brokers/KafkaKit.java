package dev.sluice.conformance.brokers;

import dev.sluice.BacklogLimit;
import dev.sluice.conformance.BrokerProbe;
import dev.sluice.conformance.KitBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** What the kit's Kafka brokers answer alike, on one broker or a cluster. */
interface KafkaKit extends KitBroker, BrokerProbe {

    /** A dead member is noticed after the broker's least session timeout (6 s), not the client's default 45 s. */
    @Override
    default Map<String, String> memberSettings() {
        return Map.of("consumer.session.timeout.ms", "6000", "consumer.heartbeat.interval.ms", "1000");
    }

    @Override
    default BrokerProbe probe() {
        return this;
    }

    /** Kafka knows what a group committed, not what its members hold uncommitted. */
    @Override
    default OptionalLong unacked(String destination, String group) {
        return OptionalLong.empty();
    }

    @Override
    default OptionalLong backlog(String destination, String group) {
        return ready(destination, group);
    }

    @Override
    default boolean storesDestinationSettings() {
        return true; // retention.ms
    }

    @Override
    default List<BacklogLimit> conflictingLimits() {
        return List.of(BacklogLimit.maxAge(Duration.ofSeconds(10)), BacklogLimit.maxAge(Duration.ofSeconds(20)));
    }

    @Override
    default Optional<String> unreachableUri() {
        return Optional.of("kafka://127.0.0.1:1/unreachable");
    }
}
