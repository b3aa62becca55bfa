package dev.sluice.kafka;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.ForwardingKitBroker;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.brokers.KafkaKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance kit on the kit's Kafka with every channel's consumers speaking Kafka's consumer
 * group protocol ({@code group.protocol=consumer}, KIP-848: the broker assigns, members reconcile
 * incrementally) rather than the classic one.
 */
@DisplayName("kafka:// conformance, group.protocol=consumer")
class KafkaConsumerProtocolCompatibilityTest extends BrokerCompatibilityKit {

    static final Map<String, String> CONSUMER_PROTOCOL = Map.of("consumer.group.protocol", "consumer");

    private static ConsumerProtocol broker;

    @Override
    protected KitBroker broker() {
        synchronized (KafkaConsumerProtocolCompatibilityTest.class) {
            if (broker == null) {
                try {
                    broker = new ConsumerProtocol(new KafkaKitBroker(BrokerProvisioner.shared(BrokerKind.KAFKA)));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("cannot start the fault proxy", e);
                }
            }
            return broker;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        synchronized (KafkaConsumerProtocolCompatibilityTest.class) {
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }

    /** The kit's Kafka, every channel opened with {@code consumer.group.protocol=consumer}. */
    static final class ConsumerProtocol extends ForwardingKitBroker {

        ConsumerProtocol(KitBroker inner) {
            super(inner);
        }

        @Override
        public BackpressureChannel open(ChannelSpec spec) {
            ChannelSpec s = spec;
            for (Map.Entry<String, String> e : CONSUMER_PROTOCOL.entrySet()) {
                s = s.nativeSetting(e.getKey(), e.getValue());
            }
            return inner.open(s);
        }

        @Override
        public Map<String, String> memberSettings() {
            return CONSUMER_PROTOCOL;
        }
    }
}
