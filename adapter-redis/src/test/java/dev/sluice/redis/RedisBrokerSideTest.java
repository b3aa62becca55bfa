package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.BacklogLimit;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.Sluice;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.StreamPendingSummary;

/** The claims of the Redis adapter, read from Redis itself: XPENDING within the cap, XLEN within the limit. */
class RedisBrokerSideTest {

    private final ProvisionedBroker redis = BrokerProvisioner.shared(BrokerKind.REDIS);

    private Jedis direct() {
        return new Jedis(redis.host(), redis.port());
    }

    private ChannelSpec spec(String stream) {
        return ChannelSpec.of(redis.uri() + "/" + stream).closeTimeout(Duration.ofSeconds(10));
    }

    @Test
    @DisplayName("XPENDING of the group never exceeds the in-flight cap while handlers are slow")
    void pendingNeverAboveTheCap() throws Exception {
        String stream = "sluice-xpending-" + UUID.randomUUID();
        int cap = 8;
        try (BackpressureChannel ch = Sluice.open(spec(stream).consumer(ConsumerPolicy.pull(4).maxInFlight(cap).concurrency(12)));
             Jedis j = direct()) {
            for (int i = 0; i < 200; i++) {
                ch.producer().send(Message.of("m" + i));
            }
            assertThat(ch.producer().flush(Duration.ofSeconds(30))).isTrue();
            LongAccumulator maxPending = new LongAccumulator(Math::max, 0);
            AtomicInteger handled = new AtomicInteger();
            CountDownLatch firstFull = new CountDownLatch(1);
            ch.consumer("g").start(d -> {
                firstFull.await(); // hold until the test has seen the cap reached once
                handled.incrementAndGet();
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                StreamPendingSummary s = j.xpending(stream, "g");
                maxPending.accumulate(s.getTotal());
                return s.getTotal() == cap;
            });
            firstFull.countDown();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                maxPending.accumulate(j.xpending(stream, "g").getTotal());
                return handled.get() == 200;
            });
            assertThat(maxPending.get()).isEqualTo(cap);
            await().atMost(Duration.ofSeconds(10)).until(() -> j.xpending(stream, "g").getTotal() == 0);
            assertThat(j.xlen(stream)).as("acked entries are deleted: the stream holds only work to do").isZero();
        } finally {
            try (Jedis j = direct()) {
                j.del(stream);
            }
        }
    }

    @Test
    @DisplayName("XLEN stays at the exact limit with MAXLEN =, and near it with MAXLEN ~")
    void lengthWithinTheLimit() throws Exception {
        String exact = "sluice-maxlen-exact-" + UUID.randomUUID();
        String approx = "sluice-maxlen-approx-" + UUID.randomUUID();
        try (BackpressureChannel e = Sluice.open(spec(exact).backlog(BacklogLimit.maxLength(100).exact()));
             BackpressureChannel a = Sluice.open(spec(approx).backlog(BacklogLimit.maxLength(1_000)));
             Jedis j = direct()) {
            for (int i = 0; i < 5_000; i++) {
                e.producer().send(Message.of("m" + i));
                a.producer().send(Message.of("m" + i));
                if (i % 500 == 0) {
                    assertThat(j.xlen(exact)).isLessThanOrEqualTo(100);
                    assertThat(j.xlen(approx)).isLessThanOrEqualTo(1_100);
                }
            }
            assertThat(e.producer().flush(Duration.ofSeconds(30))).isTrue();
            assertThat(a.producer().flush(Duration.ofSeconds(30))).isTrue();
            assertThat(j.xlen(exact)).isEqualTo(100);
            assertThat(j.xlen(approx)).isBetween(1_000L, 1_100L);
            assertThat(e.pressure().brokerDropped()).isEqualTo(4_900);
            assertThat(a.pressure().brokerDropped()).isEqualTo(5_000 - j.xlen(approx));
        } finally {
            try (Jedis j = direct()) {
                j.del(exact, approx);
            }
        }
    }

    @Test
    @DisplayName("entries trimmed while pending are counted as dropped, and the consumer goes on without looping")
    void trimmedWhilePending() throws Exception {
        String stream = "sluice-trim-pending-" + UUID.randomUUID();
        try (BackpressureChannel ch = Sluice.open(spec(stream + "?claimIdleMs=500").backlog(BacklogLimit.maxLength(5).exact())
                .consumer(ConsumerPolicy.pull(5).maxInFlight(5)));
             Jedis j = direct()) {
            CountDownLatch release = new CountDownLatch(1);
            java.util.List<String> handled = new java.util.concurrent.CopyOnWriteArrayList<>();
            ch.consumer("g").start(d -> {
                release.await();
                handled.add(d.message().payloadAsString());
            });
            for (int i = 0; i < 5; i++) {
                ch.producer().send(Message.of("held" + i));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> j.xpending(stream, "g").getTotal() == 5);
            for (int i = 0; i < 20; i++) {
                ch.producer().send(Message.of("m" + i));
            }
            assertThat(ch.producer().flush(Duration.ofSeconds(30))).isTrue();
            assertThat(j.xlen(stream)).isEqualTo(5);
            assertThat(ch.pressure().brokerDropped()).as("the five pending and the first fifteen new ones").isEqualTo(20);
            release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 10);
            assertThat(handled).containsExactlyInAnyOrder("held0", "held1", "held2", "held3", "held4",
                    "m15", "m16", "m17", "m18", "m19");
            await().atMost(Duration.ofSeconds(10)).until(() -> j.xpending(stream, "g").getTotal() == 0);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 10);
        } finally {
            try (Jedis j = direct()) {
                j.del(stream);
            }
        }
    }
}
