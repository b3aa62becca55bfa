package dev.sluice.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.sluice.BacklogLimit;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.conformance.BrokerProbe;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.ForeignClient;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.brokers.RabbitMqKitBroker;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The kit's RabbitMQ with quorum queues: every URI asks for {@code queueType=quorum}, and an
 * application's existing queue (the existing-destination family) is a quorum queue with
 * arguments of its own. Probe, faults, alarms and the unreachable address are those of
 * {@link RabbitMqKitBroker}: passive declares and {@code rabbitmqctl list_queues} read a quorum
 * queue as they read a classic one.
 */
final class QuorumKitBroker implements KitBroker, AutoCloseable {

    /** The application's own {@code x-max-length}, as {@code RabbitMqForeignClient} has it for a classic queue. */
    private static final int EXISTING_MAX_LENGTH = 7;

    private final RabbitMqKitBroker inner;
    private final Connection direct;

    QuorumKitBroker(ProvisionedBroker broker) throws Exception {
        this.inner = new RabbitMqKitBroker(broker);
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(broker.uri());
        this.direct = f.newConnection("sluice-kit-quorum");
    }

    @Override
    public String name() {
        return "rabbitmq (queueType=quorum)";
    }

    @Override
    public String uri(String destination) {
        return inner.uri(destination) + "?queueType=quorum";
    }

    @Override
    public BrokerProbe probe() {
        return inner.probe();
    }

    /** A plain AMQP application, whose own existing queue is a quorum queue. */
    @Override
    public Optional<ForeignClient> foreign() {
        ForeignClient plain = inner.foreign().orElseThrow();
        return Optional.of(new ForeignClient() {
            @Override
            public void write(String destination, NativeMessage m) throws Exception {
                plain.write(destination, m);
            }

            @Override
            public Optional<String> writeMalformed(String destination, byte[] body) throws Exception {
                return plain.writeMalformed(destination, body);
            }

            @Override
            public List<NativeMessage> read(String destination, int count, Duration within) throws Exception {
                return plain.read(destination, count, within);
            }

            @Override
            public boolean createExisting(String destination, String appGroup, List<NativeMessage> messages) throws Exception {
                Channel ch = direct.createChannel();
                try {
                    ch.queueDeclare(destination, true, false, false, Map.of("x-queue-type", "quorum",
                            "x-max-length", EXISTING_MAX_LENGTH, "x-message-ttl", EXISTING_RETENTION.toMillis()));
                } finally {
                    ch.close();
                }
                for (NativeMessage m : messages) {
                    write(destination, m);
                }
                return true;
            }

            @Override
            public Optional<Map<String, String>> settings(String destination, String appGroup) throws Exception {
                return plain.settings(destination, appGroup);
            }
        });
    }

    @Override
    public Set<Fault> faults() {
        return inner.faults();
    }

    @Override
    public String whyNot(Fault fault) {
        return inner.whyNot(fault);
    }

    @Override
    public void inject(Fault fault) throws Exception {
        inner.inject(fault);
    }

    @Override
    public void heal(Fault fault) throws Exception {
        inner.heal(fault);
    }

    @Override
    public Optional<String> unreachableUri() {
        return inner.unreachableUri().map(u -> u + "?queueType=quorum");
    }

    @Override
    public OptionalInt maxPayloadBytes() {
        return inner.maxPayloadBytes();
    }

    @Override
    public boolean storesDestinationSettings() {
        return inner.storesDestinationSettings();
    }

    @Override
    public List<BacklogLimit> conflictingLimits() {
        return inner.conflictingLimits();
    }

    @Override
    public Duration patience() {
        return inner.patience();
    }

    @Override
    public BackpressureChannel open(ChannelSpec spec) {
        return inner.open(spec);
    }

    @Override
    public void settle() {
        inner.settle();
    }

    @Override
    public void deleteDestination(String destination) throws Exception {
        inner.deleteDestination(destination);
    }

    @Override
    public void close() {
        inner.close();
        try {
            direct.close(2_000);
        } catch (IOException ignored) {
            // already gone
        }
    }
}
