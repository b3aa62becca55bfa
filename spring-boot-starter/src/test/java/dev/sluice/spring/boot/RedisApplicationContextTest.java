package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.micrometer.SluiceMeterNames;
import dev.sluice.spring.boot.listener.SluiceListener;
import dev.sluice.spring.boot.listener.SluiceListenerContainer;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import redis.clients.jedis.Jedis;

/** The starter in a real Spring Boot application against the Redis on this machine. */
@DisplayName("A Spring Boot application on Redis")
class RedisApplicationContextTest {

    private static final URI REDIS = URI.create(System.getenv().getOrDefault("SLUICE_REDIS_URI", "redis://127.0.0.1:6379"));

    private final String stream = "sluice-starter-" + UUID.randomUUID();
    private ConfigurableApplicationContext context;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        Billing billing() {
            return new Billing();
        }
    }

    /** A listener that records what it handled and holds the message "slow" until released. */
    static class Billing {
        final List<String> handled = new CopyOnWriteArrayList<>();
        final CountDownLatch slowStarted = new CountDownLatch(1);
        final CountDownLatch releaseSlow = new CountDownLatch(1);

        @SluiceListener(channel = "orders", group = "billing")
        void bill(String order) throws InterruptedException {
            if (order.equals("slow")) {
                slowStarted.countDown();
                if (!releaseSlow.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            }
            handled.add(order);
        }
    }

    private ConfigurableApplicationContext start() {
        context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).properties(Map.of(
                "sluice.channels.orders.uri", "redis://" + REDIS.getHost() + ":" + REDIS.getPort() + "/" + stream,
                "sluice.channels.orders.close-timeout", "20s",
                "sluice.channels.orders.consumer.batch-size", "5",
                "sluice.channels.orders.consumer.poll-timeout", "100ms",
                "spring.main.banner-mode", "off")).run();
        return context;
    }

    @AfterEach
    void cleanUp() {
        if (context != null) {
            context.close();
        }
        try (Jedis jedis = new Jedis(REDIS.getHost(), REDIS.getPort())) {
            jedis.del(stream);
        }
    }

    @Test
    @DisplayName("hands what the channel bean sends to the listener, measures it and reports health with its figures")
    void sendListenMeasure() {
        start();
        BackpressureChannel orders = context.getBean("orders", BackpressureChannel.class);
        assertThat(orders.spec().scheme()).isEqualTo("redis");
        for (int i = 0; i < 20; i++) {
            assertThat(orders.producer().send(Message.of("order-" + i)).status()).isEqualTo(SendResult.Status.ACCEPTED);
        }
        Billing billing = context.getBean(Billing.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> billing.handled.size() == 20);
        assertThat(billing.handled).contains("order-0", "order-19");

        MeterRegistry registry = context.getBean(MeterRegistry.class);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(registry.get(SluiceMeterNames.PRODUCER_CONFIRMED).tag("channel", "orders").tag("broker", "redis")
                    .tag("destination", stream).functionCounter().count()).isEqualTo(20);
            assertThat(registry.get(SluiceMeterNames.CONSUMER_ACKED).tag("channel", "orders").functionCounter().count()).isEqualTo(20);
            assertThat(registry.get(SluiceMeterNames.CONSUMER_HANDLER).tag("group", "billing").tag("outcome", "success")
                    .timer().count()).isEqualTo(20);
        });
        assertThat(registry.get(SluiceMeterNames.PRODUCER_SENDS).tag("result", "accepted").counter().count()).isEqualTo(20);

        CompositeHealthContributor sluice = context.getBean("sluiceHealthContributor", CompositeHealthContributor.class);
        Health health = ((HealthIndicator) sluice.getContributor("orders")).health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsKeys("buffered", "capacity", "producerInFlight", "consumerInFlight",
                "backlog", "pausedReasons", "brokerBlocked", "retryAfterMillis");
        assertThat(health.getDetails().get("capacity")).isEqualTo(10_000);
    }

    @Test
    @DisplayName("on shutdown waits for a running handler to finish and ack before the context is closed")
    void gracefulShutdown() throws Exception {
        start();
        BackpressureChannel orders = context.getBean("orders", BackpressureChannel.class);
        Billing billing = context.getBean(Billing.class);
        SluiceListenerContainer container = context.getBean(SluiceListenerContainer.class);
        assertThat(container.runningConsumers()).isEqualTo(1);

        orders.producer().send(Message.of("slow"));
        assertThat(billing.slowStarted.await(20, TimeUnit.SECONDS)).isTrue();
        try (Jedis jedis = new Jedis(REDIS.getHost(), REDIS.getPort())) {
            assertThat(jedis.xpending(stream, "billing").getTotal()).isEqualTo(1);
        }

        Thread closer = new Thread(context::close, "closer");
        closer.start();
        // The close must wait for the handler: it is still running while the handler is held.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(closer::isAlive);
        assertThat(billing.handled).isEmpty();

        billing.releaseSlow.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(closer.isAlive()).isFalse();
        assertThat(billing.handled).containsExactly("slow");
        assertThat(container.isRunning()).isFalse();
        try (Jedis jedis = new Jedis(REDIS.getHost(), REDIS.getPort())) {
            assertThat(jedis.xpending(stream, "billing").getTotal()).as("acked on the broker before the close ended").isZero();
        }
        context = null;
    }

    @Test
    @DisplayName("a listener naming no declared channel fails the start with its method and the channel")
    void unknownChannel() {
        SpringApplicationBuilder builder = new SpringApplicationBuilder(App.class, Misnamed.class).web(WebApplicationType.NONE)
                .properties(Map.of("sluice.channels.orders.uri", "mem://starter-test/orders", "spring.main.banner-mode", "off"));
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(builder::run);
        assertThat(failure).rootCause().hasMessageContaining("Misnamed.handle").hasMessageContaining("channel (\"invoices\")");
    }

    static class Misnamed {
        @SluiceListener(channel = "invoices", group = "g")
        void handle(Message m) {
        }
    }

    @SuppressWarnings("unused")
    private static void injectByName(@Qualifier("orders") BackpressureChannel orders) {
    }
}
