package dev.sluice.kafka;

import dev.sluice.ChannelSpec;
import dev.sluice.spi.BrokerAdapter;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerSession;
import java.time.Duration;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;

/**
 * The adapter for Apache Kafka, {@code kafka://host:port/topic}, through kafka-clients. See
 * {@link KafkaEndpoint} for the URI's parameters and native settings. Registered through
 * {@link java.util.ServiceLoader}; does no I/O until a channel is opened.
 */
public final class KafkaAdapter implements BrokerAdapter {

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("kafka");
    }

    @Override
    public BrokerSession connect(ChannelSpec spec, BrokerEvents events) {
        KafkaEndpoint endpoint = KafkaEndpoint.of(spec);
        Admin admin;
        try {
            admin = Admin.create(endpoint.adminConfig());
        } catch (ConfigException e) {
            throw badSetting(e);
        }
        try {
            TopicSetup topic = TopicSetup.prepare(admin, endpoint);
            return new KafkaSession(spec, endpoint, admin, topic, events);
        } catch (ConfigException e) {
            admin.close(Duration.ZERO);
            throw badSetting(e);
        } catch (KafkaException e) {
            admin.close(Duration.ZERO);
            throw TopicSetup.unavailable(endpoint, spec.connectTimeout(), e);
        } catch (RuntimeException e) {
            admin.close(Duration.ZERO);
            throw e;
        }
    }

    private static IllegalArgumentException badSetting(ConfigException e) {
        return new IllegalArgumentException("a Kafka client setting is invalid: " + e.getMessage(), e);
    }
}
