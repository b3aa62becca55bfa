package dev.sluice.conformance.provision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.conformance.provision.BrokerProvisioner.Provisioning;
import dev.sluice.conformance.provision.BrokerProvisioner.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.TestAbortedException;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;

/** Each provisioning route on this machine: it starts a broker that answers, and stops it completely. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BrokerProvisionerTest {

    /** CI sets the required switch for the whole JVM: this test changes it only for itself. */
    private final String requiredBefore = System.getProperty(BrokerProvisioner.REQUIRED_PROPERTY);

    @AfterEach
    void restoreProperties() {
        System.clearProperty(BrokerKind.REDIS.environmentVariable());
        if (requiredBefore == null) {
            System.clearProperty(BrokerProvisioner.REQUIRED_PROPERTY);
        } else {
            System.setProperty(BrokerProvisioner.REQUIRED_PROPERTY, requiredBefore);
        }
    }

    private static ProvisionedBroker started(Provisioning p) {
        assertThat(p.broker()).as(p.reason()).isPresent();
        ProvisionedBroker b = p.broker().get();
        System.out.println("[sluice] " + b);
        return b;
    }

    private static boolean accepts(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    @DisplayName("starts Kafka in this JVM, which serves an admin client, and stops it")
    void inProcessKafka() throws Exception {
        ProvisionedBroker kafka = started(Route.IN_PROCESS.attempt(BrokerKind.KAFKA));
        assertThat(kafka.uri().getScheme()).isEqualTo("kafka");
        assertThat(kafka.host()).isEqualTo("127.0.0.1");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.host() + ":" + kafka.port()))) {
            admin.createTopics(java.util.List.of(new NewTopic("provisioned", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("provisioned");
        }
        kafka.close();
        assertThat(accepts(kafka.host(), kafka.port())).as("port closed after stop").isFalse();
    }

    @Test
    @DisplayName("starts ElasticMQ in this JVM, which answers SQS calls, and stops it")
    void inProcessElasticMq() throws Exception {
        ProvisionedBroker sqs = started(Route.IN_PROCESS.attempt(BrokerKind.SQS));
        assertThat(sqs.uri().getScheme()).isEqualTo("sqs");
        HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://" + sqs.host() + ":" + sqs.port() + "/"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("Action=CreateQueue&QueueName=provisioned&Version=2012-11-05"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(200);
        assertThat(created.body()).contains("provisioned");
        sqs.close();
        assertThat(accepts(sqs.host(), sqs.port())).as("port closed after stop").isFalse();
    }

    @Test
    @DisplayName("starts redis-server from the PATH on a free port and stops the process")
    void redisFromPath() throws Exception {
        assumeTrue(LocalServer.onPath("redis-server").isPresent(), "redis-server is not on the PATH of this machine");
        ProvisionedBroker redis = started(Route.PATH_SERVER.attempt(BrokerKind.REDIS));
        assertThat(redis.port()).isNotEqualTo(6379);
        assertThat(ping(redis.host(), redis.port())).isEqualTo("+PONG");
        redis.close();
        assertThat(accepts(redis.host(), redis.port())).as("port closed after stop").isFalse();
    }

    @Test
    @DisplayName("a redis-server from the PATH stops and starts again on its port with its data, and refuses a bulk over 1 MiB")
    void redisFromPathRestarts() throws Exception {
        assumeTrue(LocalServer.onPath("redis-server").isPresent(), "redis-server is not on the PATH of this machine");
        ProvisionedBroker redis = started(Route.PATH_SERVER.attempt(BrokerKind.REDIS));
        try {
            assertThat(redis.restartable()).isTrue();
            assertThat(redis.maxPayloadBytes()).hasValue(1024 * 1024);
            try (Jedis j = new Jedis(redis.host(), redis.port())) {
                j.xadd("kept", StreamEntryID.NEW_ENTRY, Map.of("f", "v"));
                assertThat(j.configGet("proto-max-bulk-len")).containsEntry("proto-max-bulk-len", "1048576");
            }
            redis.stop();
            assertThat(redis.running()).isFalse();
            assertThat(accepts(redis.host(), redis.port())).as("nothing answers while stopped").isFalse();
            redis.start(Duration.ofSeconds(30));
            assertThat(redis.running()).isTrue();
            try (Jedis j = new Jedis(redis.host(), redis.port())) {
                assertThat(j.xlen("kept")).as("the entry written before the restart").isEqualTo(1);
            }
        } finally {
            redis.close();
        }
        assertThat(accepts(redis.host(), redis.port())).as("port closed after close").isFalse();
    }

    @Test
    @DisplayName("starts rabbitmq-server from the PATH as its own node on a free port and stops it")
    void rabbitMqFromPath() throws Exception {
        assumeTrue(LocalServer.onPath("rabbitmq-server").isPresent(), "rabbitmq-server is not on the PATH of this machine");
        ProvisionedBroker rabbit = started(Route.PATH_SERVER.attempt(BrokerKind.RABBITMQ));
        assertThat(rabbit.port()).isNotEqualTo(5672);
        assertThat(rabbit.uri().getScheme()).isEqualTo("amqp");
        assertThat(rabbit.restartable()).isTrue();
        assertThat(rabbit.maxPayloadBytes()).hasValue(1024 * 1024);
        com.rabbitmq.client.ConnectionFactory f = new com.rabbitmq.client.ConnectionFactory();
        f.setUri(rabbit.uri());
        f.setAutomaticRecoveryEnabled(false);
        try {
            try (com.rabbitmq.client.Connection c = f.newConnection(); com.rabbitmq.client.Channel ch = c.createChannel()) {
                ch.queueDeclare("kept", true, false, false, null);
                ch.confirmSelect();
                ch.basicPublish("", "kept", com.rabbitmq.client.MessageProperties.PERSISTENT_BASIC, "m".getBytes(StandardCharsets.UTF_8));
                ch.waitForConfirmsOrDie(10_000);
            }
            try (com.rabbitmq.client.Connection c = f.newConnection()) {
                com.rabbitmq.client.Channel ch = c.createChannel();
                ch.confirmSelect();
                ch.basicPublish("", "kept", null, new byte[1024 * 1024 + 1]);
                assertThatThrownBy(() -> ch.waitForConfirmsOrDie(10_000)).as("a message over max_message_size")
                        .hasStackTraceContaining("PRECONDITION_FAILED");
            }
            rabbit.stop(); // the whole node, not only the application
            assertThat(rabbit.running()).isFalse();
            assertThat(accepts(rabbit.host(), rabbit.port())).as("nothing answers while stopped").isFalse();
            rabbit.start(Duration.ofSeconds(60));
            try (com.rabbitmq.client.Connection c = f.newConnection(); com.rabbitmq.client.Channel ch = c.createChannel()) {
                assertThat(ch.queueDeclarePassive("kept").getMessageCount()).as("the durable queue and its message").isEqualTo(1);
            }
        } finally {
            rabbit.close();
        }
        assertThat(accepts(rabbit.host(), rabbit.port())).as("port closed after stop").isFalse();
    }

    @Test
    @DisplayName("a PATH server is refused, naming the kind, for a broker that has no server binary")
    void pathServerOnlyForRedisAndRabbitMq() {
        assertThatThrownBy(() -> BrokerProvisioner.pathServer(BrokerKind.KAFKA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("kind (kafka) has no server binary the kit starts: only redis and rabbitmq");
    }

    @Test
    @DisplayName("without a Docker engine the container route answers at once with the reason")
    void containersSkipCleanlyWithoutDocker() {
        assumeTrue(Containers.whyNoDocker().isPresent(), "a Docker engine answers here, so the no-Docker path cannot be shown");
        long start = System.nanoTime();
        Provisioning p = Route.CONTAINER.attempt(BrokerKind.REDIS);
        assertThat(p.broker()).isEmpty();
        assertThat(p.reason()).isEqualTo("redis: container: no Docker engine answered");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        System.out.println("[sluice] " + p.reason());
    }

    @Test
    @DisplayName("an explicit URI is used as it is, and one that does not answer stops the search with its reason")
    void explicitUri() throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            System.setProperty(BrokerKind.REDIS.environmentVariable(), "redis://127.0.0.1:" + fake.getLocalPort());
            Provisioning p = BrokerProvisioner.provision(BrokerKind.REDIS);
            assertThat(p.broker()).isPresent();
            assertThat(p.broker().get().source()).isEqualTo("SLUICE_REDIS_URI");
            assertThat(p.broker().get().port()).isEqualTo(fake.getLocalPort());
        }
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        System.setProperty(BrokerKind.REDIS.environmentVariable(), "redis://127.0.0.1:" + closedPort);
        Provisioning p = BrokerProvisioner.provision(BrokerKind.REDIS);
        assertThat(p.broker()).isEmpty();
        assertThat(p.attempts()).hasSize(1);
        assertThat(p.reason()).contains("SLUICE_REDIS_URI: 127.0.0.1:" + closedPort + " does not answer");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BrokerProvisioner.given(
                        java.net.URI.create("ftp://127.0.0.1:" + closedPort), "--broker", java.time.Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none of kafka, amqp, amqps, sqs, redis, rediss");
    }

    @Test
    @DisplayName("a missing broker skips with its reasons, or fails when the kind is required")
    void requiredTurnsSkipIntoFailure() {
        Provisioning none = new Provisioning(BrokerKind.SQS, java.util.Optional.empty(), java.util.List.of("explicit URI: not set"));
        System.clearProperty(BrokerProvisioner.REQUIRED_PROPERTY);
        assertThatThrownBy(() -> BrokerProvisioner.orSkip(none))
                .isInstanceOf(TestAbortedException.class)
                .hasMessage("skipped: no sqs broker could be had: sqs: explicit URI: not set");
        System.setProperty(BrokerProvisioner.REQUIRED_PROPERTY, "kafka, sqs");
        assertThatThrownBy(() -> BrokerProvisioner.orSkip(none))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("sqs is required (-Dsluice.brokers.required)");
        System.setProperty(BrokerProvisioner.REQUIRED_PROPERTY, "kafka,nats");
        assertThatThrownBy(BrokerProvisioner::required)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sluice.brokers.required (kafka,nats) names 'nats', which is not one of kafka, rabbitmq, sqs, redis");
    }

    static String ping(String host, int port) throws IOException {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readNBytes(5), StandardCharsets.US_ASCII);
        }
    }
}
