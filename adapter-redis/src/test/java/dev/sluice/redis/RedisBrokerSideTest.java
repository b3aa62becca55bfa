package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamGroupInfo;
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
    @DisplayName("an acked entry is deleted only if the stream has no other group at the moment of the ack: a group another"
            + " application creates mid-stream keeps every entry it has still to read")
    void groupCreatedMidStreamKeepsItsEntries() throws Exception {
        String stream = "sluice-othergroup-" + UUID.randomUUID();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (BackpressureChannel ch = Sluice.open(spec(stream).consumer(ConsumerPolicy.pull(5).maxInFlight(5)));
             Jedis j = direct()) {
            for (int i = 0; i < 5; i++) {
                ch.producer().send(Message.of("m" + i));
            }
            assertThat(ch.producer().flush(Duration.ofSeconds(10))).isTrue();
            ch.consumer("g").start(d -> {
                entered.countDown();
                release.await(); // every handler holds until the other application's group exists
            });
            assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            j.xgroupCreate(stream, "other-app", new StreamEntryID(0, 0), false);
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> ch.pressure().consumer().acked() == 5);
            await().atMost(Duration.ofSeconds(10)).until(() -> j.xpending(stream, "g").getTotal() == 0);
            assertThat(j.xlen(stream)).as("entries the other group has still to read").isEqualTo(5);
            assertThat(j.xreadGroup("other-app", "reader", XReadGroupParams.xReadGroupParams().count(10),
                    java.util.Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY)).get(0).getValue()).hasSize(5);
        } finally {
            try (Jedis j = direct()) {
                j.del(stream);
            }
        }
    }

    @Test
    @DisplayName("waitReplicas: a send no replica acknowledged is not confirmed, the broker is reported blocked, and the entry"
            + " stays on the master (a retry may add it again)")
    void waitReplicasWithoutReplicas() throws Exception {
        String stream = "sluice-wait-" + UUID.randomUUID();
        java.util.List<String> blocked = new java.util.concurrent.CopyOnWriteArrayList<>();
        // The shared Redis has no replica: WAIT 1 answers 0 after its timeout.
        try (BackpressureChannel ch = Sluice.open(ChannelSpec.of(redis.uri() + "/" + stream + "?waitReplicas=1&waitTimeoutMs=100")
                .producer(dev.sluice.ProducerPolicy.buffer(10).sendRetries(0)).closeTimeout(Duration.ofSeconds(10)));
             Jedis j = direct()) {
            assumeTrue(j.info("replication").contains("connected_slaves:0"), "the shared Redis has replicas: WAIT 1 would succeed");
            ch.addListener(new dev.sluice.PressureListener() {
                @Override
                public void onBrokerBlocked(String reason) {
                    blocked.add(reason);
                }
            });
            assertThat(ch.producer().send(Message.of("unreplicated")).isAccepted()).as("buffered").isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> ch.pressure().producer().failed() == 1);
            assertThat(ch.pressure().brokerBlocked()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> !blocked.isEmpty());
            assertThat(blocked.get(0)).isEqualTo("only 0 of the 1 replicas asked for (waitReplicas) acknowledged the adds within 100 ms");
            assertThat(j.xlen(stream)).as("the add itself is on the master").isEqualTo(1);
            assertThat(ch.mapping().toString()).contains("WAIT 1 100");
        } finally {
            try (Jedis j = direct()) {
                j.del(stream);
            }
        }
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
    @DisplayName("entries trimmed while their handlers run are handled, not dropped; only the undelivered ones are dropped")
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
            assertThat(ch.pressure().brokerDropped()).as("the first fifteen new ones, never delivered; not the five in handlers")
                    .isEqualTo(15);
            release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 10);
            assertThat(handled).containsExactlyInAnyOrder("held0", "held1", "held2", "held3", "held4",
                    "m15", "m16", "m17", "m18", "m19");
            await().atMost(Duration.ofSeconds(10)).until(() -> j.xpending(stream, "g").getTotal() == 0);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 10);
            assertThat(handled.size() + ch.pressure().brokerDropped()).as("accepted = handled + dropped").isEqualTo(25);
        } finally {
            try (Jedis j = direct()) {
                j.del(stream);
            }
        }
    }

    @Test
    @DisplayName("entries trimmed while pending at a member that died are dropped once, when claimed, and leave the pending list")
    void trimmedWhilePendingAtADeadMember() throws Exception {
        String stream = "sluice-trim-dead-" + UUID.randomUUID();
        try (BackpressureChannel ch = Sluice.open(spec(stream + "?claimIdleMs=300").backlog(BacklogLimit.maxLength(5).exact())
                .consumer(ConsumerPolicy.pull(5).maxInFlight(5)));
             Jedis j = direct()) {
            j.xgroupCreate(stream, "g", new StreamEntryID(0, 0), true);
            for (int i = 0; i < 5; i++) {
                ch.producer().send(Message.of("held" + i));
            }
            assertThat(ch.producer().flush(Duration.ofSeconds(30))).isTrue();
            // A member that reads five entries and dies: they stay pending at it.
            j.xreadGroup("g", "dead", XReadGroupParams.xReadGroupParams().count(5),
                    java.util.Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
            assertThat(j.xpending(stream, "g").getTotal()).isEqualTo(5);
            for (int i = 0; i < 20; i++) {
                ch.producer().send(Message.of("m" + i));
            }
            assertThat(ch.producer().flush(Duration.ofSeconds(30))).isTrue();
            assertThat(ch.pressure().brokerDropped()).as("at the trim: the fifteen never delivered").isEqualTo(15);

            java.util.List<String> handled = new java.util.concurrent.CopyOnWriteArrayList<>();
            ch.consumer("g").start(d -> handled.add(d.message().payloadAsString()));
            await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 5 && ch.pressure().brokerDropped() == 20);
            assertThat(handled).containsExactlyInAnyOrder("m15", "m16", "m17", "m18", "m19");
            await().atMost(Duration.ofSeconds(10)).until(() -> j.xpending(stream, "g").getTotal() == 0);
            // Several claim rounds later (every claimIdleMs / 2), still counted once.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> ch.pressure().brokerDropped() == 20 && handled.size() == 5);
            assertThat(handled.size() + ch.pressure().brokerDropped()).as("accepted = handled + dropped").isEqualTo(25);
        } finally {
            try (Jedis j = direct()) {
                j.del(stream);
            }
        }
    }

    @Test
    @DisplayName("backlog() after a trim-heavy run matches the undelivered entries Redis holds, where XINFO GROUPS lag is stale")
    void backlogAfterTrims() throws Exception {
        String stream = "sluice-trim-backlog-" + UUID.randomUUID();
        int limit = 1_000;
        int sent = 20_000;
        try (BackpressureChannel ch = Sluice.open(spec(stream).backlog(BacklogLimit.maxLength(limit).exact()));
             Jedis j = direct()) {
            j.xgroupCreate(stream, "g", new StreamEntryID(0, 0), true);
            for (int i = 0; i < 10; i++) {
                ch.producer().send(Message.of("first" + i));
            }
            assertThat(ch.producer().flush(Duration.ofSeconds(30))).isTrue();
            // The group reads (and acks) ten: from then on Redis 7.0 counts its lag from entries read.
            var read = j.xreadGroup("g", "plain", XReadGroupParams.xReadGroupParams().count(10),
                    java.util.Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
            j.xack(stream, "g", read.get(0).getValue().stream().map(e -> e.getID()).toArray(StreamEntryID[]::new));
            for (int i = 0; i < sent; i++) {
                ch.producer().send(Message.of("m" + i));
            }
            assertThat(ch.producer().flush(Duration.ofSeconds(60))).isTrue();

            // The broker's own figure: entries above the group's last-delivered-id, bounded by XLEN.
            StreamGroupInfo info = j.xinfoGroups(stream).get(0);
            String last = info.getLastDeliveredId().toString();
            long undelivered = j.xrange(stream, "(" + last, "+", limit * 2).size();
            assertThat(undelivered).isEqualTo(j.xlen(stream)).isEqualTo(limit);
            Object lag = info.getGroupInfo().get("lag");
            assumeTrue(lag instanceof Long l && Math.abs(l - undelivered) > undelivered / 10,
                    "this Redis keeps XINFO GROUPS lag right after trims (lag " + lag + "), so the stale case cannot arise");

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ch.pressure().backlog())
                    .as("backlog() against the undelivered entries Redis holds (%d); the stale lag said %s", undelivered, lag)
                    .isBetween(undelivered - undelivered / 10, undelivered + undelivered / 10));
        } finally {
            try (Jedis j = direct()) {
                j.del(stream);
            }
        }
    }
}
