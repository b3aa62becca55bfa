package dev.sluice.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.ProducerPolicy;
import dev.sluice.Sluice;
import dev.sluice.mem.InMemoryBroker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The Prometheus scrape")
class PrometheusScrapeTest {

    @Test
    @DisplayName("shows every Sluice meter in Prometheus' naming with the channel, broker and destination tags")
    void scrape() {
        String brokerName = "scrape-" + UUID.randomUUID();
        InMemoryBroker broker = InMemoryBroker.named(brokerName);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (BackpressureChannel channel = Sluice.open(ChannelSpec.of("mem://" + brokerName + "/orders")
                .producer(ProducerPolicy.buffer(2).maxInFlight(1).onOverflow(Overflow.dropNewest())).closeTimeout(Duration.ZERO));
             ChannelMetrics metrics = ChannelMetrics.of("orders", channel)) {
            metrics.bindTo(registry);
            broker.stall();
            BackpressureChannel metered = metrics.instrument();
            metered.producer().send(Message.of("first"));
            await().atMost(Duration.ofSeconds(5)).until(() -> channel.pressure().producerInFlight() == 1);
            for (int i = 0; i < 5; i++) {
                metered.producer().send(Message.of("m" + i));
            }
            metered.consumer("billing").pause();

            String scrape = registry.scrape();
            String tags = "broker=\"mem\",channel=\"orders\",destination=\"orders\"";
            assertThat(scrape)
                    .contains("sluice_producer_offered_messages_total{" + tags + "} 6.0")
                    .contains("sluice_producer_buffered_messages{" + tags + "} 2.0")
                    .contains("sluice_producer_buffer_capacity_messages{" + tags + "} 2.0")
                    .contains("sluice_producer_in_flight_messages{" + tags + "} 1.0")
                    .contains("sluice_producer_level{" + tags + "} 2.0")
                    .contains("sluice_consumer_in_flight_messages{" + tags + "} 0.0")
                    .contains("sluice_broker_backlog_messages{" + tags + "}")
                    .contains("sluice_broker_blocked{" + tags + "} 0.0")
                    .contains("sluice_consumer_paused{" + tags + ",reason=\"manual\"} 1.0")
                    .contains("sluice_dropped_messages_total{" + tags + ",reason=\"overflow_newest\"} 3.0")
                    .contains("sluice_producer_sends_messages_total{" + tags + ",result=\"rejected\"} 3.0")
                    .contains("sluice_producer_confirm_seconds_count{" + tags + ",result=\"accepted\"} 0")
                    .contains("sluice_consumer_redelivered_messages_total{" + tags + "} 0.0")
                    .contains("sluice_consumer_dead_lettered_messages_total{" + tags + "} 0.0");
        } finally {
            broker.unstall();
            InMemoryBroker.remove(brokerName);
            registry.close();
        }
    }
}
