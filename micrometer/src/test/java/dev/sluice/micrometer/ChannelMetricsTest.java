package dev.sluice.micrometer;

import static dev.sluice.micrometer.SluiceMeterNames.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.Overflow;
import dev.sluice.PauseReason;
import dev.sluice.ProducerPolicy;
import dev.sluice.RateLimit;
import dev.sluice.SendResult;
import dev.sluice.Sluice;
import dev.sluice.mem.InMemoryBroker;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("ChannelMetrics")
class ChannelMetricsTest {

    private final String brokerName = "metrics-" + UUID.randomUUID();
    private final InMemoryBroker broker = InMemoryBroker.named(brokerName);
    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private BackpressureChannel channel;

    @AfterEach
    void tearDown() {
        broker.unstall();
        if (channel != null) {
            channel.close();
        }
        InMemoryBroker.remove(brokerName);
    }

    private BackpressureChannel open(ProducerPolicy producer) {
        channel = Sluice.open(ChannelSpec.of("mem://" + brokerName + "/orders").producer(producer)
                .consumer(ConsumerPolicy.pull(5)).closeTimeout(Duration.ZERO));
        return channel;
    }

    private double gauge(String name) {
        return registry.get(name).tag(TAG_CHANNEL, "orders").gauge().value();
    }

    private double counter(String name) {
        return registry.get(name).tag(TAG_CHANNEL, "orders").functionCounter().count();
    }

    @Nested
    @DisplayName("from the pressure snapshot")
    class Snapshot {

        @Test
        @DisplayName("gauges show the buffer, its level and what is in flight while the broker stalls")
        void gaugesFollowTheBuffer() {
            open(ProducerPolicy.buffer(10).softLimit(5).maxInFlight(1).onOverflow(Overflow.dropNewest()));
            ChannelMetrics.of(channel).bindTo(registry);
            broker.stall();
            for (int i = 0; i < 7; i++) {
                channel.producer().send(Message.of("m" + i));
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(gauge(PRODUCER_IN_FLIGHT)).isEqualTo(1);
                assertThat(gauge(PRODUCER_BUFFERED)).isEqualTo(6);
            });
            assertThat(gauge(PRODUCER_BUFFER_CAPACITY)).isEqualTo(10);
            assertThat(gauge(PRODUCER_LEVEL)).isEqualTo(1); // SOFT
            assertThat(counter(PRODUCER_OFFERED)).isEqualTo(7);
            assertThat(counter(PRODUCER_CONFIRMED)).isZero();

            broker.unstall();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(counter(PRODUCER_CONFIRMED)).isEqualTo(7);
                assertThat(gauge(PRODUCER_BUFFERED)).isZero();
                assertThat(gauge(BROKER_BACKLOG)).isEqualTo(7);
            });
        }

        @Test
        @DisplayName("broker blocked reads 1 during the broker's alarm and 0 after it")
        void brokerBlocked() {
            open(ProducerPolicy.buffer(10));
            ChannelMetrics.of(channel).bindTo(registry);
            assertThat(gauge(BROKER_BLOCKED)).isZero();
            broker.block("memory alarm");
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> gauge(BROKER_BLOCKED) == 1);
            } finally {
                broker.unblock();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> gauge(BROKER_BLOCKED) == 0);
        }

        @Test
        @DisplayName("the in-flight limit and the producer rate read their adaptive values as they move")
        void adaptiveLimits() {
            channel = Sluice.open(ChannelSpec.of("mem://" + brokerName + "/orders")
                    .producer(ProducerPolicy.buffer(100).rateLimit(RateLimit.adaptive(1_000)))
                    .consumer(ConsumerPolicy.pull(2).maxInFlight(dev.sluice.Limit.aimd(2, 40))).closeTimeout(Duration.ofSeconds(5)));
            ChannelMetrics.of(channel).bindTo(registry);
            assertThat(gauge(CONSUMER_IN_FLIGHT_CAP)).isEqualTo(40);
            assertThat(gauge(CONSUMER_IN_FLIGHT_LIMIT)).as("an AIMD limit starts at its floor").isEqualTo(2);
            assertThat(gauge(PRODUCER_RATE_LIMIT)).as("an adaptive rate starts at its ceiling").isEqualTo(1_000);
            for (int i = 0; i < 60; i++) {
                channel.producer().send(Message.of("m" + i));
            }
            channel.consumer("billing").start(d -> { });
            await().atMost(Duration.ofSeconds(10)).until(() -> channel.pressure().consumer().acked() == 60);
            await().atMost(Duration.ofSeconds(5)).until(() -> gauge(CONSUMER_IN_FLIGHT_LIMIT) > 2);
            assertThat(gauge(CONSUMER_IN_FLIGHT_LIMIT)).isEqualTo(channel.pressure().consumerInFlightLimit());
            broker.block("memory alarm");
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> gauge(PRODUCER_RATE_LIMIT) <= 500);
            } finally {
                broker.unblock();
            }
        }

        @Test
        @DisplayName("consumer counters count received, acked, redelivered and dead-lettered")
        void consumerCounters() {
            channel = Sluice.open(ChannelSpec.of("mem://" + brokerName + "/orders")
                    .consumer(ConsumerPolicy.pull(5).maxAttempts(2)).closeTimeout(Duration.ofSeconds(5)));
            ChannelMetrics.of(channel).bindTo(registry);
            channel.producer().send(Message.of("ok"));
            channel.producer().send(Message.of("poison"));
            channel.consumer("billing").start(d -> {
                if (d.message().payloadAsString().equals("poison")) {
                    throw new IllegalStateException("cannot handle");
                }
            });
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(counter(CONSUMER_ACKED)).isEqualTo(1);
                assertThat(counter(CONSUMER_REDELIVERED)).isEqualTo(1);
                assertThat(counter(CONSUMER_DEAD_LETTERED)).isEqualTo(1);
                assertThat(counter(CONSUMER_RECEIVED)).isEqualTo(3);
            });
        }
    }

    @Nested
    @DisplayName("from the channel's events")
    class Events {

        @Test
        @DisplayName("every drop is counted under its reason")
        void dropsByReason() {
            open(ProducerPolicy.buffer(2).maxInFlight(1).onOverflow(Overflow.dropNewest()));
            ChannelMetrics.of(channel).bindTo(registry);
            broker.stall();
            int rejected = 0;
            for (int i = 0; i < 10; i++) {
                if (channel.producer().send(Message.of("m" + i)).status() == SendResult.Status.REJECTED) {
                    rejected++;
                }
            }
            assertThat(rejected).isGreaterThanOrEqualTo(7);
            assertThat(registry.get(DROPPED).tag("reason", "overflow_newest").counter().count()).isEqualTo(rejected);
            assertThat(registry.get(DROPPED).tag("reason", "overflow_oldest").counter().count()).isZero();
            assertThat(counter(PRODUCER_DROPPED)).isEqualTo(rejected);
        }

        @Test
        @DisplayName("a pause is timed from the moment it is taken until it is released, and the paused gauge follows it")
        void pauseDuration() {
            open(ProducerPolicy.buffer(10));
            ChannelMetrics.of(channel).bindTo(registry);
            MessageConsumer consumer = channel.consumer("billing");
            consumer.pause(PauseReason.MANUAL);
            await().atMost(Duration.ofSeconds(2)).until(
                    () -> registry.get(CONSUMER_PAUSED).tag("reason", "manual").gauge().value() == 1);
            clock.add(3, TimeUnit.SECONDS);
            consumer.resume(PauseReason.MANUAL);

            Timer pause = registry.get(CONSUMER_PAUSE).tag(TAG_GROUP, "billing").tag("reason", "manual").timer();
            assertThat(pause.count()).isEqualTo(1);
            assertThat(pause.totalTime(TimeUnit.SECONDS)).isEqualTo(3.0);
            await().atMost(Duration.ofSeconds(2)).until(
                    () -> registry.get(CONSUMER_PAUSED).tag("reason", "manual").gauge().value() == 0);
        }
    }

    @Nested
    @DisplayName("through the instrumented channel")
    class Instrumented {

        @Test
        @DisplayName("send results are counted by status, including the rate limiter's refusals")
        void sendResults() {
            open(ProducerPolicy.buffer(100).rateLimit(RateLimit.tokenBucket(1, Duration.ofHours(1)).burst(2)));
            ChannelMetrics metrics = ChannelMetrics.of(channel);
            metrics.bindTo(registry);
            BackpressureChannel metered = metrics.instrument();
            for (int i = 0; i < 5; i++) {
                metered.producer().send(Message.of("m" + i));
            }
            assertThat(registry.get(PRODUCER_SENDS).tag("result", "accepted").counter().count()).isEqualTo(2);
            assertThat(registry.get(PRODUCER_SENDS).tag("result", "rate_limited").counter().count()).isEqualTo(3);
            assertThat(counter(PRODUCER_REFUSED)).isEqualTo(3);
        }

        @Test
        @DisplayName("sendAsync is timed until the broker confirms")
        void confirmLatency() {
            open(ProducerPolicy.buffer(100));
            ChannelMetrics metrics = ChannelMetrics.of(channel);
            metrics.bindTo(registry);
            BackpressureChannel metered = metrics.instrument();
            broker.stall();
            var stage = metered.producer().sendAsync(Message.of("m")).toCompletableFuture();
            assertThat(registry.get(PRODUCER_CONFIRM).tag("result", "accepted").timer().count()).isZero();
            broker.unstall();
            assertThat(stage.join().status()).isEqualTo(SendResult.Status.ACCEPTED);
            await().atMost(Duration.ofSeconds(2)).until(
                    () -> registry.get(PRODUCER_CONFIRM).tag("result", "accepted").timer().count() == 1);
        }

        @Test
        @DisplayName("handlers are timed by group; a throwing handler counts as a consumer error, a RetryLater as retry_later")
        void handlerTime() {
            channel = Sluice.open(ChannelSpec.of("mem://" + brokerName + "/orders")
                    .consumer(ConsumerPolicy.pull(5).maxAttempts(1)).closeTimeout(Duration.ofSeconds(5)));
            ChannelMetrics metrics = ChannelMetrics.of(channel);
            metrics.bindTo(registry);
            BackpressureChannel metered = metrics.instrument();
            metered.producer().send(Message.of("ok"));
            metered.producer().send(Message.of("ok"));
            metered.producer().send(Message.of("bad"));
            metered.producer().send(Message.of("later"));
            java.util.concurrent.atomic.AtomicBoolean saidLater = new java.util.concurrent.atomic.AtomicBoolean();
            metered.consumer("billing").start(d -> {
                if (d.message().payloadAsString().equals("bad")) {
                    throw new IllegalArgumentException("bad order");
                }
                if (d.message().payloadAsString().equals("later") && saidLater.compareAndSet(false, true)) {
                    throw new dev.sluice.RetryLater(Duration.ofMillis(50)); // the downstream said 429 once
                }
            });
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(registry.get(CONSUMER_HANDLER).tag(TAG_GROUP, "billing").tag("outcome", "success").timer().count())
                        .isEqualTo(3); // "later" the second time
                assertThat(registry.get(CONSUMER_HANDLER).tag(TAG_GROUP, "billing").tag("outcome", "error").timer().count())
                        .isEqualTo(1);
                assertThat(registry.get(CONSUMER_HANDLER).tag(TAG_GROUP, "billing").tag("outcome", "retry_later").timer().count())
                        .isEqualTo(1);
            });
        }

        @Test
        @DisplayName("passes everything through and records nothing while no registry is bound")
        void unboundPassesThrough() {
            open(ProducerPolicy.buffer(100));
            ChannelMetrics metrics = ChannelMetrics.of(channel);
            BackpressureChannel metered = metrics.instrument();
            assertThat(metered.producer().send(Message.of("m")).status()).isEqualTo(SendResult.Status.ACCEPTED);
            assertThat(metrics.isBound()).isFalse();
            assertThat(registry.getMeters()).isEmpty();
            metrics.bindTo(registry);
            metered.producer().send(Message.of("m"));
            assertThat(registry.get(PRODUCER_SENDS).tag("result", "accepted").counter().count()).isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("its life cycle")
    class LifeCycle {

        @Test
        @DisplayName("adds no listener to the channel until it is bound, and removes it and every meter on close")
        void listenerOnlyWhileBound() {
            open(ProducerPolicy.buffer(10));
            AtomicInteger listeners = new AtomicInteger();
            BackpressureChannel counting = (BackpressureChannel) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {BackpressureChannel.class}, (proxy, method, args) -> {
                        Object result = method.invoke(channel, args);
                        if (method.getName().equals("addListener")) {
                            listeners.incrementAndGet();
                            AutoCloseable handle = (AutoCloseable) result;
                            return (AutoCloseable) () -> {
                                listeners.decrementAndGet();
                                handle.close();
                            };
                        }
                        return result;
                    });
            ChannelMetrics metrics = ChannelMetrics.of(counting);
            assertThat(listeners).hasValue(0);
            metrics.bindTo(registry);
            metrics.bindTo(registry);
            assertThat(listeners).hasValue(1);
            assertThat(registry.getMeters()).isNotEmpty();

            metrics.close();
            assertThat(listeners).hasValue(0);
            assertThat(registry.getMeters()).isEmpty();
        }

        @Test
        @DisplayName("SluiceMetrics binds channels registered before and after it was bound, and unbinds on unregister")
        void manyChannels() {
            open(ProducerPolicy.buffer(10));
            try (BackpressureChannel other = Sluice.open("mem://" + brokerName + "/payments");
                 SluiceMetrics all = new SluiceMetrics()) {
                all.register("orders", channel);
                all.bindTo(registry);
                all.register("payments", other);
                assertThat(registry.get(PRODUCER_OFFERED).tag(TAG_CHANNEL, "orders").functionCounter()).isNotNull();
                assertThat(registry.get(PRODUCER_OFFERED).tag(TAG_CHANNEL, "payments").tag(TAG_DESTINATION, "payments")
                        .tag(TAG_BROKER, "mem").functionCounter()).isNotNull();
                all.unregister("payments");
                assertThat(registry.find(PRODUCER_OFFERED).tag(TAG_CHANNEL, "payments").functionCounter()).isNull();
                assertThat(registry.find(PRODUCER_OFFERED).tag(TAG_CHANNEL, "orders").functionCounter()).isNotNull();
            }
            assertThat(registry.getMeters()).isEmpty();
        }
    }
}
