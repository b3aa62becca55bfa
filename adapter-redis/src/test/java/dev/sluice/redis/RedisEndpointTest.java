package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ChannelSpec;
import dev.sluice.Sluice;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

class RedisEndpointTest {

    @Test
    @DisplayName("reads host, port, stream, credentials, TLS and the query parameters from the URI")
    void parsesUri() {
        RedisEndpoint e = RedisEndpoint.of(ChannelSpec.of("rediss://app:s%40cret@cache.local:6380/orders?claimIdleMs=5000&db=2&deleteAcked=false"));
        assertThat(e.hostAndPort().getHost()).isEqualTo("cache.local");
        assertThat(e.hostAndPort().getPort()).isEqualTo(6380);
        assertThat(e.stream()).isEqualTo("orders");
        assertThat(e.claimIdleMs()).isEqualTo(5_000);
        assertThat(e.deleteAcked()).isFalse();
        assertThat(e.config().isSsl()).isTrue();
        assertThat(e.config().getUser()).isEqualTo("app");
        assertThat(e.config().getPassword()).isEqualTo("s@cret");
        assertThat(e.config().getDatabase()).isEqualTo(2);
        RedisEndpoint d = RedisEndpoint.of(ChannelSpec.of("redis://127.0.0.1/events"));
        assertThat(d.hostAndPort().getPort()).isEqualTo(6379);
        assertThat(d.claimIdleMs()).isEqualTo(30_000);
        assertThat(d.deleteAcked()).isTrue();
    }

    @Test
    @DisplayName("refuses a URI without a stream or with a bad parameter, naming it")
    void badInput() {
        assertThatThrownBy(() -> RedisEndpoint.of(ChannelSpec.of("redis://127.0.0.1:6379")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names no stream");
        assertThatThrownBy(() -> RedisEndpoint.of(ChannelSpec.of("redis://127.0.0.1:6379/s?claimIdleMs=soon")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("claimIdleMs (soon) must be a whole number of at least 1");
        assertThatThrownBy(() -> RedisEndpoint.of(ChannelSpec.of("redis://127.0.0.1:6379/s?deleteAcked=maybe")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("deleteAcked (maybe) must be true or false");
        assertThatThrownBy(() -> RedisEndpoint.of(ChannelSpec.of("redis://127.0.0.1:6379/s?waitReplicas=-1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("waitReplicas (-1) must be a whole number of at least 0");
        assertThatThrownBy(() -> RedisEndpoint.of(ChannelSpec.of("redis://127.0.0.1:6379/s?waitReplicas=1&waitTimeoutMs=0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("waitTimeoutMs (0) must be a whole number of at least 1");
    }

    @Test
    @DisplayName("is found by ServiceLoader for redis, rediss, redis-cluster and rediss-cluster")
    void discovered() {
        assertThat(Sluice.installedSchemes()).contains("redis", "rediss", "redis-cluster", "rediss-cluster", "mem");
    }

    @Test
    @DisplayName("reads a cluster's seed list and credentials from redis-cluster://, and hides the password in messages")
    void parsesClusterUri() {
        ChannelSpec spec = ChannelSpec.of("rediss-cluster://app:s%40cret@10.0.0.1:7000,10.0.0.2:7001,node3/orders?claimIdleMs=5000");
        RedisEndpoint e = RedisEndpoint.of(spec);
        assertThat(e.cluster()).isTrue();
        assertThat(e.nodes()).extracting(Object::toString).containsExactly("10.0.0.1:7000", "10.0.0.2:7001", "node3:6379");
        assertThat(e.stream()).isEqualTo("orders");
        assertThat(e.config().isSsl()).isTrue();
        assertThat(e.config().getUser()).isEqualTo("app");
        assertThat(e.config().getPassword()).isEqualTo("s@cret");
        assertThat(spec.redactedUri()).doesNotContain("s%40cret").contains("app:***@10.0.0.1:7000");
        assertThat(RedisEndpoint.of(ChannelSpec.of("redis://127.0.0.1/orders")).cluster()).isFalse();
    }

    @Test
    @DisplayName("on a cluster the default dead letter carries the stream's hash tag; on a single node it stays stream.dlq")
    void deadLetterSharesTheSlot() {
        assertThat(RedisEndpoint.of(ChannelSpec.of("redis://127.0.0.1/orders")).defaultDeadLetter()).isEqualTo("orders.dlq");
        assertThat(RedisEndpoint.of(ChannelSpec.of("redis-cluster://127.0.0.1:7000/orders")).defaultDeadLetter()).isEqualTo("{orders}.dlq");
        assertThat(RedisEndpoint.of(ChannelSpec.of("redis-cluster://127.0.0.1:7000/%7Borders%7D.eu")).defaultDeadLetter())
                .isEqualTo("{orders}.eu.dlq");
        for (String stream : java.util.List.of("orders", "{orders}.eu", "a{b}c", "a{b}c{d}")) {
            assertThat(JedisClusterCRC16.getSlot(RedisEndpoint.deadLetterOf(stream, true))).as(stream)
                    .isEqualTo(JedisClusterCRC16.getSlot(stream));
        }
        // Braces Redis does not take for a tag: no dead letter name can share the slot, so it is refused.
        assertThatThrownBy(() -> RedisEndpoint.of(ChannelSpec.of("redis-cluster://127.0.0.1:7000/x%7B%7Dy")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("stream (x{}y) has braces that are no hash tag");
    }

    @Test
    @DisplayName("refuses a cluster URI with a bad seed or a database other than 0, naming it")
    void badClusterInput() {
        assertThatThrownBy(() -> RedisEndpoint.of(ChannelSpec.of("redis-cluster://127.0.0.1:7000,:7001/s")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty host in its seed list '127.0.0.1:7000,:7001'");
        assertThatThrownBy(() -> RedisEndpoint.of(ChannelSpec.of("redis-cluster://127.0.0.1:seven/s")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("port of 127.0.0.1 (seven) must be a whole number of at least 1");
        assertThatThrownBy(() -> RedisEndpoint.of(ChannelSpec.of("redis-cluster://127.0.0.1:7000/s?db=2")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("db (2) must be 0 on Redis Cluster, which has no other database");
        assertThatThrownBy(() -> RedisEndpoint.of(ChannelSpec.of("redis-cluster://127.0.0.1:7000")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names no stream; expected redis-cluster://host1:7000,host2:7001/stream");
    }
}
