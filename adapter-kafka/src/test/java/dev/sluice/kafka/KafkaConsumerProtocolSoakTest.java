package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.conformance.brokers.KafkaKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.soak.Soak;
import dev.sluice.conformance.soak.SoakResult;
import dev.sluice.conformance.soak.SoakSettings;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The soak ({@code sluice soak}'s ledger: 0 lost, duplicates per fault within the in-flight caps,
 * nothing leaked) on the kit's Kafka with every member — in this JVM and in the member processes
 * it SIGKILLs — speaking the consumer group protocol ({@code group.protocol=consumer}). Seed 42's
 * first 20 faults: on the classic protocol (Sluice's default) one run in two of them has failed
 * its ledger with 73 duplicates after a member's kill (cap 40); see the README's Kafka section.
 */
@DisplayName("kafka:// soak, group.protocol=consumer")
class KafkaConsumerProtocolSoakTest {

    @Test
    @DisplayName("20 faults (seed 42) with the consumer protocol: the ledger holds")
    void ledgerHolds() throws Exception {
        try (KafkaConsumerProtocolCompatibilityTest.ConsumerProtocol broker = new KafkaConsumerProtocolCompatibilityTest.ConsumerProtocol(
                new KafkaKitBroker(BrokerProvisioner.shared(BrokerKind.KAFKA)))) {
            SoakResult r = new Soak(broker, "the kit's Kafka, group.protocol=consumer", SoakSettings.of(20, Duration.ofMinutes(3), 42),
                    System.out::println).run();
            System.out.println(r.summary());
            assertThat(r.failures()).as("the ledger's failures").isEmpty();
            assertThat(r.faults()).as("faults injected").hasSize(20);
        }
    }
}
