package dev.sluice.rabbitmq;

import dev.sluice.conformance.ForwardingKitBroker;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.scenarios.ConsumerCrashScenarios;
import dev.sluice.conformance.scenarios.RedeliveryScenarios;
import dev.sluice.conformance.scenarios.TwoGroupScenarios;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Timeout;

/**
 * The families where quorum queues and exchange mode meet ({@code ?groups=exchange&queueType=quorum}):
 * each group's queue is a quorum queue, and a named dead letter is the group queue's own
 * dead-letter exchange (the broker moves what ran out of attempts). The rest of the kit runs on
 * quorum queues in {@link RabbitMqQuorumCompatibilityTest} and in exchange mode in
 * {@link RabbitMqExchangeGroupsCompatibilityTest}.
 */
@DisplayName("amqp:// conformance, groups=exchange, queueType=quorum")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RabbitMqQuorumExchangeGroupsCompatibilityTest {

    private static QuorumExchangeGroups broker;

    static KitBroker broker() {
        synchronized (RabbitMqQuorumExchangeGroupsCompatibilityTest.class) {
            if (broker == null) {
                try {
                    broker = new QuorumExchangeGroups(new ExchangeGroupsKitBroker(BrokerProvisioner.shared(BrokerKind.RABBITMQ)));
                } catch (Exception e) {
                    throw new IllegalStateException("cannot reach the RabbitMQ under test", e);
                }
            }
            return broker;
        }
    }

    @AfterAll
    static void stop() {
        synchronized (RabbitMqQuorumExchangeGroupsCompatibilityTest.class) {
            if (broker != null) {
                try {
                    broker.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                broker = null;
            }
        }
    }

    @Nested
    @DisplayName("10 redelivery and dead letter")
    class Redelivery extends RedeliveryScenarios {
        Redelivery() {
            super(RabbitMqQuorumExchangeGroupsCompatibilityTest::broker);
        }
    }

    @Nested
    @DisplayName("11 consumer crash")
    class ConsumerCrash extends ConsumerCrashScenarios {
        ConsumerCrash() {
            super(RabbitMqQuorumExchangeGroupsCompatibilityTest::broker);
        }
    }

    @Nested
    @DisplayName("21 two groups")
    class TwoGroups extends TwoGroupScenarios {
        TwoGroups() {
            super(RabbitMqQuorumExchangeGroupsCompatibilityTest::broker);
        }
    }

    /** {@link ExchangeGroupsKitBroker} with {@code queueType=quorum} on every URI. */
    private static final class QuorumExchangeGroups extends ForwardingKitBroker {

        QuorumExchangeGroups(ExchangeGroupsKitBroker inner) {
            super(inner);
        }

        @Override
        public String name() {
            return "rabbitmq (groups=exchange, queueType=quorum)";
        }

        @Override
        public String uri(String destination) {
            return withQuery(inner.uri(destination), "queueType=quorum");
        }

        @Override
        public String uri(String destination, int members) {
            return withQuery(inner.uri(destination, members), "queueType=quorum");
        }

        @Override
        public String uri(String destination, int members, List<String> groups) {
            return withQuery(inner.uri(destination, members, groups), "queueType=quorum");
        }

        @Override
        public Optional<String> unreachableUri() {
            return inner.unreachableUri().map(u -> withQuery(u, "queueType=quorum"));
        }
    }
}
