package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.ProducerPolicy;
import dev.sluice.Sluice;
import dev.sluice.mem.InMemoryBroker;
import dev.sluice.spring.boot.health.ChannelHealthIndicator;
import dev.sluice.spring.boot.health.SluiceHealthStatusOrder;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.mock.env.MockEnvironment;

@DisplayName("The channel health indicator")
class ChannelHealthIndicatorTest {

    private final String brokerName = "health-" + UUID.randomUUID();
    private final InMemoryBroker broker = InMemoryBroker.named(brokerName);
    private final BackpressureChannel channel = Sluice.open(ChannelSpec.of("mem://" + brokerName + "/orders")
            .producer(ProducerPolicy.buffer(4).softLimit(2).maxInFlight(1).onOverflow(Overflow.dropNewest()))
            .closeTimeout(Duration.ZERO));

    @AfterEach
    void tearDown() {
        broker.unblock();
        broker.unstall();
        channel.close();
        InMemoryBroker.remove(brokerName);
    }

    private void fillWhileStalled(int messages) {
        broker.stall();
        channel.producer().send(Message.of("first"));
        await().atMost(Duration.ofSeconds(5)).until(() -> channel.pressure().producerInFlight() == 1);
        for (int i = 1; i < messages; i++) {
            channel.producer().send(Message.of("m" + i));
        }
    }

    @Test
    @DisplayName("is UP with the figures while the channel accepts")
    void up() {
        Health h = new ChannelHealthIndicator(channel, Long.MAX_VALUE).health();
        assertThat(h.getStatus()).isEqualTo(Status.UP);
        assertThat(h.getDetails()).containsEntry("buffered", 0).containsEntry("capacity", 4).containsEntry("brokerBlocked", false)
                .containsEntry("level", "NORMAL");
    }

    @Test
    @DisplayName("is DEGRADED above the producer's soft limit")
    void degradedAtSoftLimit() {
        fillWhileStalled(3);
        Health h = new ChannelHealthIndicator(channel, Long.MAX_VALUE).health();
        assertThat(h.getStatus().getCode()).isEqualTo("DEGRADED");
        assertThat(h.getDetails()).containsEntry("buffered", 2).containsEntry("level", "SOFT");
    }

    @Test
    @DisplayName("is DOWN with a retry-after when the producer buffer is full")
    void downWhenFull() {
        fillWhileStalled(6);
        Health h = new ChannelHealthIndicator(channel, Long.MAX_VALUE).health();
        assertThat(h.getStatus()).isEqualTo(Status.DOWN);
        assertThat((Long) h.getDetails().get("retryAfterMillis")).isPositive();
    }

    @Test
    @DisplayName("is DOWN while the broker is blocked, and says so")
    void downWhenBlocked() {
        broker.block("memory alarm");
        await().atMost(Duration.ofSeconds(5)).until(() -> channel.pressure().brokerBlocked());
        Health h = new ChannelHealthIndicator(channel, Long.MAX_VALUE).health();
        assertThat(h.getStatus()).isEqualTo(Status.DOWN);
        assertThat(h.getDetails()).containsEntry("brokerBlocked", true);
        assertThat((String) h.getDetails().get("detail")).contains("memory alarm");
    }

    @Test
    @DisplayName("is DEGRADED when the backlog reaches backlog-degraded-at, and UP below it")
    void degradedAtBacklog() {
        for (int i = 0; i < 3; i++) {
            channel.producer().send(Message.of("m" + i));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> channel.pressure().backlog() == 3);
        assertThat(new ChannelHealthIndicator(channel, 3).health().getStatus().getCode()).isEqualTo("DEGRADED");
        assertThat(new ChannelHealthIndicator(channel, 4).health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    @DisplayName("the status order puts DEGRADED between DOWN and UP unless the application set its own")
    void statusOrder() {
        MockEnvironment env = new MockEnvironment();
        new SluiceHealthStatusOrder().postProcessEnvironment(env, new SpringApplication());
        assertThat(env.getProperty("management.endpoint.health.status.order")).isEqualTo("DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN");

        MockEnvironment own = new MockEnvironment().withProperty("management.endpoint.health.status.order", "DOWN,UP");
        new SluiceHealthStatusOrder().postProcessEnvironment(own, new SpringApplication());
        assertThat(own.getProperty("management.endpoint.health.status.order")).isEqualTo("DOWN,UP");
    }
}
