package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.Sluice;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The gate's payload limit is the server's {@code proto-max-bulk-len}, read at open, on a
 * {@code redis-server} the kit started with it at 1 MiB.
 */
class RedisPayloadLimitTest {

    private final ProvisionedBroker redis = BrokerProvisioner.pathServer(BrokerKind.REDIS);

    private Jedis direct() {
        return new Jedis(redis.host(), redis.port());
    }

    @Test
    @DisplayName("a payload of exactly proto-max-bulk-len is sent and stored; one byte more is TOO_LARGE and never sent")
    void limitIsTheServers() throws Exception {
        int limit = redis.maxPayloadBytes().orElseThrow();
        String stream = "sluice-limit-" + UUID.randomUUID();
        try (BackpressureChannel ch = Sluice.open(ChannelSpec.of(redis.uri() + "/" + stream).closeTimeout(Duration.ofSeconds(10)))) {
            assertThat(ch.producer().send(Message.of(new byte[limit + 1]))).isEqualTo(SendResult.TOO_LARGE);
            assertThat(ch.producer().send(Message.of(new byte[limit])).isAccepted()).isTrue();
            assertThat(ch.producer().flush(Duration.ofSeconds(10))).isTrue();
            assertThat(ch.pressure().producer().failed()).as("sends the server refused").isZero();
            try (Jedis j = direct()) {
                assertThat(j.xlen(stream)).as("only the payload at the limit reached the stream").isEqualTo(1);
            }
        } finally {
            try (Jedis j = direct()) {
                j.del(stream);
            }
        }
    }

    @Test
    @DisplayName("a user who may not read CONFIG still opens a channel (the limit falls back to Redis's default)")
    void openWithoutConfigPermission() throws Exception {
        String user = "sluice-noconfig-" + UUID.randomUUID().toString().substring(0, 8);
        String stream = "sluice-limit-acl-" + UUID.randomUUID();
        try (Jedis j = direct()) {
            j.aclSetUser(user, "on", ">secret", "~*", "&*", "+@all", "-config");
        }
        try (BackpressureChannel ch = Sluice.open(ChannelSpec.of("redis://" + user + ":secret@" + redis.host() + ":" + redis.port()
                + "/" + stream).closeTimeout(Duration.ofSeconds(10)))) {
            assertThat(ch.producer().send(Message.of("small")).isAccepted()).isTrue();
            assertThat(ch.producer().flush(Duration.ofSeconds(10))).isTrue();
        } finally {
            try (Jedis j = direct()) {
                j.aclDelUser(user);
                j.del(stream);
            }
        }
    }
}
