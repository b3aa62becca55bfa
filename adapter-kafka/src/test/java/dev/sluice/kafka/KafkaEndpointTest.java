package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ChannelSpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What {@code kafka://} URIs and native settings are refused at open, and what is taken. */
class KafkaEndpointTest {

    private static final ChannelSpec BASE = ChannelSpec.of("kafka://127.0.0.1:9092/orders");

    @Test
    @DisplayName("a classic-protocol setting next to group.protocol=consumer is refused at open, naming it and its value")
    void classicSettingWithConsumerProtocolRefused() {
        assertThatThrownBy(() -> KafkaEndpoint.of(BASE.nativeSetting("consumer.group.protocol", "consumer")
                .nativeSetting("consumer.session.timeout.ms", "6000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("consumer.session.timeout.ms").hasMessageContaining("6000").hasMessageContaining("group.protocol=consumer");
        assertThatThrownBy(() -> KafkaEndpoint.of(BASE.nativeSetting("group.protocol", "CONSUMER")
                .nativeSetting("consumer.partition.assignment.strategy", "org.apache.kafka.clients.consumer.RangeAssignor")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consumer.partition.assignment.strategy");
    }

    @Test
    @DisplayName("the classic settings are taken with the classic protocol, and the consumer protocol without them")
    void eachProtocolWithItsOwnSettings() {
        assertThat(KafkaEndpoint.of(BASE.nativeSetting("consumer.session.timeout.ms", "6000"))
                .consumerConfig("g", "m")).containsEntry("session.timeout.ms", "6000");
        assertThat(KafkaEndpoint.of(BASE.nativeSetting("consumer.group.protocol", "consumer"))
                .consumerConfig("g", "m")).containsEntry("group.protocol", "consumer");
    }
}
