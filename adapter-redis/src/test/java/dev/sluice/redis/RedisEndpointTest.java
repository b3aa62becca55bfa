package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ChannelSpec;
import dev.sluice.Sluice;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

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
    }

    @Test
    @DisplayName("is found by ServiceLoader for redis and rediss")
    void discovered() {
        assertThat(Sluice.installedSchemes()).contains("redis", "rediss", "mem");
    }
}
