package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Delivery;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.PauseReason;
import dev.sluice.Sluice;
import dev.sluice.mem.InMemoryBroker;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A downstream's "not now" through the publisher view and through a bound health check, on the in-memory broker. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DownstreamSignalTest {

    private final String brokerName = "downstream-" + UUID.randomUUID();
    private final InMemoryBroker broker = InMemoryBroker.named(brokerName);
    private BackpressureChannel channel;

    @AfterEach
    void close() {
        if (channel != null) {
            channel.close();
        }
        InMemoryBroker.remove(brokerName);
    }

    private BackpressureChannel open(ConsumerPolicy consumer) {
        channel = Sluice.open(ChannelSpec.of("mem://" + brokerName + "/orders").consumer(consumer).closeTimeout(Duration.ofSeconds(5)));
        return channel;
    }

    @Test
    @DisplayName("a subscriber's retryAfter gives the delivery back with its attempt and holds HEALTH: no onNext until it ends")
    void subscriberRetryAfter() {
        BackpressureChannel ch = open(ConsumerPolicy.pull(4).maxAttempts(1));
        for (int i = 0; i < 4; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        MessageConsumer consumer = ch.consumer("billing");
        List<long[]> signals = new CopyOnWriteArrayList<>(); // {nanoTime, attempt}
        AtomicLong retriedAt = new AtomicLong();
        consumer.publisher().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Delivery d) {
                long now = System.nanoTime();
                signals.add(new long[] {now, d.attempt()});
                if (retriedAt.compareAndSet(0, now)) {
                    d.retryAfter(Duration.ofMillis(500));
                } else {
                    d.ack();
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> ch.pressure().consumer().acked() == 4);
        long t0 = retriedAt.get();
        long firstAfter = signals.stream().mapToLong(s -> s[0]).filter(t -> t > t0).min().orElseThrow();
        assertThat(Duration.ofNanos(firstAfter - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(signals).allMatch(s -> s[1] == 1);
        assertThat(ch.pressure().consumer().deadLettered()).isZero();
        assertThat(ch.pressure().consumer().nacked()).isZero();
        assertThat(consumer.pausedReasons()).isEmpty();
    }

    @Test
    @DisplayName("a bound check holds HEALTH while it says no: nothing is handled, and everything is once it says yes")
    void boundCheckHoldsIntake() throws Exception {
        BackpressureChannel ch = open(ConsumerPolicy.pull(4));
        MessageConsumer consumer = ch.consumer("billing");
        AtomicBoolean breakerClosed = new AtomicBoolean(false);
        AutoCloseable binding = consumer.holdWhileUnhealthy(breakerClosed::get, Duration.ofMillis(10));
        assertThat(consumer.pausedReasons()).containsExactly(PauseReason.HEALTH);
        List<String> handled = new CopyOnWriteArrayList<>();
        consumer.start(d -> handled.add(d.message().payloadAsString()));
        for (int i = 0; i < 4; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(handled::isEmpty);
        breakerClosed.set(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 4);
        assertThat(consumer.pausedReasons()).isEmpty();
        binding.close();
    }
}
