package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.Sluice;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;

/**
 * A member that reconnects re-reads its own pending entries at once, checked from Redis
 * ({@code XPENDING} of the member), on a {@code redis-server} the kit started from the PATH so
 * that it can be restarted keeping its data.
 */
class RedisReconnectTest {

    /** Far beyond the test's wait: an entry that comes back did not wait for a claim. */
    private static final long CLAIM_IDLE_MS = 30_000;

    private final ProvisionedBroker redis = BrokerProvisioner.pathServer(BrokerKind.REDIS);

    private Jedis direct() {
        return new Jedis(redis.host(), redis.port());
    }

    @Test
    @DisplayName("after a restart, entries pending at the member that it never got are handed out again within seconds,"
            + " before new ones, as the next attempt")
    void ownPendingReReadAfterRestart() throws Exception {
        String stream = "sluice-reread-" + UUID.randomUUID();
        List<String> seen = new CopyOnWriteArrayList<>();
        ChannelSpec spec = ChannelSpec.of(redis.uri() + "/" + stream + "?claimIdleMs=" + CLAIM_IDLE_MS)
                .closeTimeout(Duration.ofSeconds(10))
                .consumer(ConsumerPolicy.pull(10).maxInFlight(10));
        try (BackpressureChannel ch = Sluice.open(spec); Jedis j = direct()) {
            MessageConsumer consumer = ch.consumer("g");
            consumer.start(d -> seen.add(new String(d.message().payload(), StandardCharsets.UTF_8) + "@" + d.attempt()));
            ch.producer().send(Message.of("warm"));
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("warm@1"));
            String member = j.xinfoConsumers(stream, "g").get(0).getName();

            consumer.pause();
            for (int i = 0; i < 3; i++) {
                ch.producer().send(Message.of("orphan-" + i));
            }
            assertThat(ch.producer().flush(Duration.ofSeconds(10))).isTrue();
            // Delivered to the member by a read whose reply it never got, as a connection lost mid-reply leaves them.
            var taken = j.xreadGroup("g", member, XReadGroupParams.xReadGroupParams().count(3),
                    Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
            assertThat(taken.get(0).getValue()).hasSize(3);
            for (int i = 0; i < 2; i++) {
                ch.producer().send(Message.of("new-" + i));
            }
            assertThat(ch.producer().flush(Duration.ofSeconds(10))).isTrue();
            assertThat(pendingAt(stream, member)).as("pending at the member before the restart").isEqualTo(3);

            redis.stop();
            redis.start(Duration.ofSeconds(30));
            assertThat(pendingAt(stream, member)).as("the restarted server kept the pending entries").isEqualTo(3);
            consumer.resume();

            await("the member's pending list empties, long before claimIdleMs").atMost(Duration.ofSeconds(5))
                    .until(() -> pendingAt(stream, member) == 0 && seen.size() == 6);
            assertThat(seen).containsExactly("warm@1", "orphan-0@2", "orphan-1@2", "orphan-2@2", "new-0@1", "new-1@1");
        } finally {
            if (!redis.running()) {
                redis.start(Duration.ofSeconds(30));
            }
            try (Jedis j = direct()) {
                j.del(stream);
            }
        }
    }

    @Test
    @DisplayName("a member at its cap when it reconnects re-reads its own pending entries once handlers make room, before new ones")
    void ownPendingReReadOnceRoomAfterReconnectAtTheCap() throws Exception {
        String stream = "sluice-reread-cap-" + UUID.randomUUID();
        long claimIdleMs = 3_000; // touches every second: the member reconnects while it waits at its cap
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        ChannelSpec spec = ChannelSpec.of(redis.uri() + "/" + stream + "?claimIdleMs=" + claimIdleMs)
                .closeTimeout(Duration.ofSeconds(10))
                .consumer(ConsumerPolicy.pull(2).maxInFlight(2));
        try (BackpressureChannel ch = Sluice.open(spec)) {
            ch.consumer("g").start(d -> {
                String payload = new String(d.message().payload(), StandardCharsets.UTF_8);
                seen.add(payload + "@" + d.attempt());
                if (payload.startsWith("hold")) {
                    release.await();
                }
            });
            ch.producer().send(Message.of("hold-0"));
            ch.producer().send(Message.of("hold-1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("hold-0@1") && pendingTotal(stream) == 2);
            String member;
            try (Jedis j = direct()) {
                member = j.xinfoConsumers(stream, "g").get(0).getName();
            }
            for (int i = 0; i < 3; i++) {
                ch.producer().send(Message.of("orphan-" + i));
            }
            assertThat(ch.producer().flush(Duration.ofSeconds(10))).isTrue();
            try (Jedis j = direct()) { // a read whose reply the member never got
                j.xreadGroup("g", member, XReadGroupParams.xReadGroupParams().count(3),
                        Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
            }
            ch.producer().send(Message.of("new-0"));
            assertThat(ch.producer().flush(Duration.ofSeconds(10))).isTrue();
            assertThat(pendingAt(stream, member)).isEqualTo(5);

            redis.stop();
            redis.start(Duration.ofSeconds(30));
            long restartedAt = System.currentTimeMillis();
            // The member, still at its cap, reconnected: it touched what it holds since the restart.
            await("the member touches its held entries on a new connection").atMost(Duration.ofSeconds(10))
                    .until(() -> heldIdleMillis(stream, member) < System.currentTimeMillis() - restartedAt - 100);
            release.countDown();

            await("the member's pending list empties, with no claim").atMost(Duration.ofSeconds(5))
                    .until(() -> pendingAt(stream, member) == 0 && seen.size() == 6);
            assertThat(seen).containsExactly("hold-0@1", "hold-1@1", "orphan-0@2", "orphan-1@2", "orphan-2@2", "new-0@1");
        } finally {
            release.countDown();
            if (!redis.running()) {
                redis.start(Duration.ofSeconds(30));
            }
            try (Jedis j = direct()) {
                j.del(stream);
            }
        }
    }

    private long pendingTotal(String stream) {
        try (Jedis j = direct()) {
            return j.xpending(stream, "g").getTotal();
        }
    }

    /** The longest idle time of the two entries the member holds (the oldest two it has pending). */
    private long heldIdleMillis(String stream, String member) {
        try (Jedis j = direct()) {
            return j.xpending(stream, "g", XPendingParams.xPendingParams(StreamEntryID.MINIMUM_ID, StreamEntryID.MAXIMUM_ID, 2)
                    .consumer(member)).stream().mapToLong(p -> p.getIdleTime()).max().orElse(Long.MAX_VALUE);
        }
    }

    /** On a connection of its own: one opened before a restart is gone after it. */
    private long pendingAt(String stream, String member) {
        try (Jedis j = direct()) {
            return j.xpending(stream, "g", XPendingParams.xPendingParams(StreamEntryID.MINIMUM_ID, StreamEntryID.MAXIMUM_ID, 100)
                    .consumer(member)).size();
        }
    }
}
