package dev.sluice.conformance.provision;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every broker kind as the adapters' kit runs will get it, in the resolution order; CI runs this
 * with {@code -Dsluice.brokers.required=kafka,rabbitmq,sqs,redis}, so a broker that cannot be
 * had fails the build instead of skipping. Each one is checked in its own protocol.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SharedBrokersTest {

    @Test
    @DisplayName("a Kafka broker is had and serves an admin client")
    void kafka() throws Exception {
        ProvisionedBroker b = BrokerProvisioner.shared(BrokerKind.KAFKA);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.host() + ":" + b.port()))) {
            assertThat(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS)).isNotEmpty();
        }
    }

    @Test
    @DisplayName("an SQS endpoint is had and lists queues")
    void sqs() throws Exception {
        ProvisionedBroker b = BrokerProvisioner.shared(BrokerKind.SQS);
        HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build().send(
                HttpRequest.newBuilder(URI.create("http://" + b.host() + ":" + b.port() + "/"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("Action=ListQueues&Version=2012-11-05")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("a Redis server is had and answers PING")
    void redis() throws Exception {
        ProvisionedBroker b = BrokerProvisioner.shared(BrokerKind.REDIS);
        assertThat(BrokerProvisionerTest.ping(b.host(), b.port())).isEqualTo("+PONG");
    }

    @Test
    @DisplayName("a RabbitMQ broker is had and answers the AMQP 0-9-1 handshake")
    void rabbitmq() throws IOException {
        ProvisionedBroker b = BrokerProvisioner.shared(BrokerKind.RABBITMQ);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(b.host(), b.port()), 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1});
            InputStream in = s.getInputStream();
            assertThat(in.read()).as("a method frame: connection.start").isEqualTo(1);
        }
    }
}
