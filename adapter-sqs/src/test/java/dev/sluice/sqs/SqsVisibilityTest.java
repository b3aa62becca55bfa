package dev.sluice.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.Sluice;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What SQS itself says while a slow handler runs: the message stays invisible and is delivered once. */
class SqsVisibilityTest {

    private final ProvisionedBroker sqs = BrokerProvisioner.shared(BrokerKind.SQS);

    @Test
    @DisplayName("a handler that runs three times longer than the visibility timeout is not redelivered while it runs")
    void slowHandlerIsNotRedelivered() {
        String queue = "sluice-visibility-" + UUID.randomUUID().toString().substring(0, 8);
        String uri = "sqs://" + sqs.host() + ":" + sqs.port() + "/" + queue + "?region=us-east-1&visibilityTimeout=1";
        List<String> deliveries = new CopyOnWriteArrayList<>();
        LongAccumulator receivedSeen = new LongAccumulator(Math::max, 0);
        try (BackpressureChannel ch = Sluice.open(ChannelSpec.of(uri).consumer(ConsumerPolicy.pull(1).maxInFlight(1)))) {
            ch.consumer("g").start(d -> {
                deliveries.add(d.message().payloadAsString() + "@" + d.attempt());
                long until = System.nanoTime() + Duration.ofMillis(3_500).toNanos();
                while (System.nanoTime() < until) {
                    LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // the slow work itself
                }
            });
            ch.producer().send(Message.of("slow"));
            await().atMost(Duration.ofSeconds(10)).until(() -> deliveries.size() == 1);
            // A second, idle consumer: a message that became visible again would reach it.
            ch.consumer("g").start(d -> deliveries.add(d.message().payloadAsString() + "@" + d.attempt()));
            await().atMost(Duration.ofSeconds(10)).until(() -> ch.pressure().consumer().acked() == 1);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> {
                receivedSeen.accumulate(ch.pressure().consumer().received());
                return deliveries.size() == 1;
            });
            assertThat(deliveries).containsExactly("slow@1");
            assertThat(receivedSeen.get()).as("deliveries taken from SQS").isEqualTo(1);
        }
    }
}
