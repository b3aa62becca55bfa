package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The proxied base against a real Redis: URIs go through the proxy, and its faults act on real connections. */
class ProxiedKitBrokerTest {

    /** The smallest real-broker kit broker: Redis behind the proxy, no probe figures. */
    static final class RedisBehindProxy extends ProxiedKitBroker implements BrokerProbe {
        RedisBehindProxy(ProvisionedBroker broker) throws IOException {
            super(broker);
        }

        @Override
        public String name() {
            return "redis";
        }

        @Override
        public String uri(String destination) {
            return proxiedBaseUri() + "/" + destination;
        }

        @Override
        public BrokerProbe probe() {
            return this;
        }

        @Override
        public OptionalLong ready(String destination, String group) {
            return OptionalLong.empty();
        }

        @Override
        public OptionalLong unacked(String destination, String group) {
            return OptionalLong.empty();
        }

        @Override
        public OptionalLong backlog(String destination, String group) {
            return OptionalLong.empty();
        }
    }

    private static String ping(Socket s) throws IOException {
        s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        return new String(in.readNBytes(5), StandardCharsets.US_ASCII);
    }

    @Test
    @DisplayName("routes through the proxy, and stall and cut act on a real broker's connections")
    void faultsThroughTheProxy() throws Exception {
        ProvisionedBroker redis = BrokerProvisioner.shared(BrokerKind.REDIS);
        try (RedisBehindProxy kit = new RedisBehindProxy(redis)) {
            java.net.URI uri = java.net.URI.create(kit.uri("orders"));
            assertThat(uri.getHost()).isEqualTo("127.0.0.1");
            assertThat(uri.getPort()).isEqualTo(kit.proxy.port()).isNotEqualTo(redis.port());
            assertThat(uri.getPath()).isEqualTo("/orders");

            try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
                s.setSoTimeout(300);
                assertThat(ping(s)).isEqualTo("+PONG");
                kit.inject(Fault.STALL);
                assertThatThrownBy(() -> ping(s)).isInstanceOf(SocketTimeoutException.class);
                kit.heal(Fault.STALL);
                s.setSoTimeout(5_000);
                assertThat(new String(s.getInputStream().readNBytes(7), StandardCharsets.US_ASCII)).isEqualTo("+PONG\r\n");
                kit.inject(Fault.CUT_CONNECTIONS);
                assertThatThrownBy(() -> {
                    if (s.getInputStream().read() >= 0) {
                        throw new AssertionError("the connection survived the cut");
                    }
                    throw new IOException("closed");
                }).isInstanceOf(IOException.class);
            }
            try (Socket again = new Socket(uri.getHost(), uri.getPort())) {
                again.setSoTimeout(5_000);
                assertThat(ping(again)).isEqualTo("+PONG");
            }
        }
    }
}
