package dev.sluice.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.sluice.BackpressureChannel;
import dev.sluice.MessageConsumer;
import dev.sluice.Sluice;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code pause()} returns once the broker has cancelled the consumer, checked from the broker's
 * side: a publish right after it stays ready, so it counts against {@code x-max-length}.
 */
class RabbitMqPauseTest {

    @Test
    void whenPauseReturnsTheQueueHasNoConsumer() throws Exception {
        ProvisionedBroker broker = BrokerProvisioner.shared(BrokerKind.RABBITMQ);
        String queue = "pause-" + UUID.randomUUID();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(broker.uri());
        try (BackpressureChannel ch = Sluice.open(broker.uri() + "/" + queue);
             Connection direct = factory.newConnection();
             Channel probe = direct.createChannel()) {
            MessageConsumer consumer = ch.consumer("g");
            consumer.start(d -> d.ack());
            for (int i = 0; i < 20; i++) {
                assertThat(probe.consumerCount(queue)).as("consumers after start (cycle %d)", i).isEqualTo(1);
                consumer.pause();
                assertThat(probe.consumerCount(queue)).as("consumers when pause() returned (cycle %d)", i).isZero();
                consumer.resume();
                await().until(() -> probe.consumerCount(queue) == 1);
            }
        }
    }
}
