package dev.sluice.conformance.provision;

import java.net.URI;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;
import org.testcontainers.utility.DockerImageName;

/** Brokers in containers, when a Docker engine answers. Images are pinned. */
final class Containers {

    static final String KAFKA_IMAGE = "apache/kafka:4.1.1";
    static final String LOCALSTACK_IMAGE = "localstack/localstack:4.9.2";
    static final String RABBITMQ_IMAGE = "rabbitmq:4.1.4";
    static final String REDIS_IMAGE = "redis:7.4.6";

    private Containers() {
    }

    /** @return empty when a Docker engine answers, otherwise why it does not */
    static java.util.Optional<String> whyNoDocker() {
        try {
            return DockerClientFactory.instance().isDockerAvailable()
                    ? java.util.Optional.empty()
                    : java.util.Optional.of("no Docker engine answered");
        } catch (RuntimeException | LinkageError e) {
            return java.util.Optional.of("no Docker engine answered (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** A started container and the base URI of the broker in it. */
    record Started(GenericContainer<?> container, URI uri) implements AutoCloseable {
        @Override
        public void close() {
            container.stop();
        }
    }

    static Started start(BrokerKind kind) {
        switch (kind) {
            case KAFKA: {
                KafkaContainer c = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE));
                c.start();
                return new Started(c, URI.create("kafka://" + c.getBootstrapServers()));
            }
            case SQS: {
                LocalStackContainer c = new LocalStackContainer(DockerImageName.parse(LOCALSTACK_IMAGE)).withServices("sqs");
                c.start();
                URI endpoint = c.getEndpoint();
                return new Started(c, URI.create("sqs://" + endpoint.getHost() + ":" + endpoint.getPort() + "?region=" + c.getRegion()));
            }
            case RABBITMQ: {
                RabbitMQContainer c = new RabbitMQContainer(DockerImageName.parse(RABBITMQ_IMAGE));
                c.start();
                return new Started(c, URI.create("amqp://" + c.getAdminUsername() + ":" + c.getAdminPassword() + "@"
                        + c.getHost() + ":" + c.getAmqpPort() + "/%2F"));
            }
            case REDIS: {
                GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE)).withExposedPorts(6379);
                c.start();
                return new Started(c, URI.create("redis://" + c.getHost() + ":" + c.getMappedPort(6379)));
            }
            default:
                throw new AssertionError(kind);
        }
    }
}
