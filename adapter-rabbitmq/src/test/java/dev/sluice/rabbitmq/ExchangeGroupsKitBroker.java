package dev.sluice.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.sluice.conformance.BrokerProbe;
import dev.sluice.conformance.ForeignClient;
import dev.sluice.conformance.ForwardingKitBroker;
import dev.sluice.conformance.brokers.RabbitMqKitBroker;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kit's RabbitMQ in exchange mode: every URI asks for {@code groups=exchange} and names as
 * required groups the test's groups (so that what a scenario sends before it adds a consumer
 * reaches the group) and {@value #PLAIN_GROUP}, the group whose queue a plain AMQP consumer reads
 * in the foreign-traffic family. The probe reads the group's queue, {@code <destination>.<group>};
 * faults, alarms and the unreachable address are those of {@link RabbitMqKitBroker}.
 */
final class ExchangeGroupsKitBroker extends ForwardingKitBroker implements BrokerProbe {

    /** The group a plain consumer of the kit reads as. */
    static final String PLAIN_GROUP = "kit-plain";

    private final RabbitMqKitBroker rabbit;
    private final Connection direct;
    /** destination → the groups its URIs required, to delete their queues after the test. */
    private final Map<String, Set<String>> groups = new ConcurrentHashMap<>();
    /**
     * The destinations deleted after the current test, for {@link #deleteGroup}: a test may add a
     * group its URIs did not name (one opened with the plain client's URI).
     */
    private final Set<String> deletedAfterTest = ConcurrentHashMap.newKeySet();

    ExchangeGroupsKitBroker(ProvisionedBroker broker) throws Exception {
        super(new RabbitMqKitBroker(broker));
        this.rabbit = (RabbitMqKitBroker) inner;
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(broker.uri());
        this.direct = f.newConnection("sluice-kit-exchange-groups");
    }

    @Override
    public String name() {
        return "rabbitmq (groups=exchange)";
    }

    @Override
    public String uri(String destination) {
        return uri(destination, 1, List.of());
    }

    @Override
    public String uri(String destination, int members) {
        return uri(destination, members, List.of());
    }

    @Override
    public String uri(String destination, int members, List<String> testGroups) {
        deletedAfterTest.clear(); // a new test has begun
        Set<String> required = new LinkedHashSet<>(testGroups);
        required.add(PLAIN_GROUP);
        groups.computeIfAbsent(destination, d -> ConcurrentHashMap.newKeySet()).addAll(required);
        return withQuery(inner.uri(destination), "groups=exchange&requiredGroups=") + String.join(",", required);
    }

    @Override
    public BrokerProbe probe() {
        return this;
    }

    @Override
    public OptionalLong ready(String destination, String group) {
        return rabbit.ready(destination + "." + group, group);
    }

    @Override
    public OptionalLong unacked(String destination, String group) {
        return rabbit.unacked(destination + "." + group, group);
    }

    @Override
    public OptionalLong backlog(String destination, String group) {
        return ready(destination, group);
    }

    /** A plain AMQP application: publishes to the exchange, reads the plain group's queue. */
    @Override
    public Optional<ForeignClient> foreign() {
        ForeignClient queueReader = inner.foreign().orElseThrow();
        return Optional.of(new ForeignClient() {
            @Override
            public void write(String destination, NativeMessage m) throws Exception {
                Channel ch = direct.createChannel();
                try {
                    ch.confirmSelect();
                    ch.basicPublish(destination, destination, true,
                            new AMQP.BasicProperties.Builder().headers(new LinkedHashMap<>(m.headers())).build(), m.body());
                    if (!ch.waitForConfirms(15_000)) {
                        throw new IllegalStateException("the broker refused the foreign message");
                    }
                } finally {
                    ch.close();
                }
            }

            @Override
            public Optional<String> writeMalformed(String destination, byte[] body) throws Exception {
                return queueReader.writeMalformed(destination, body);
            }

            @Override
            public List<NativeMessage> read(String destination, int count, Duration within) throws Exception {
                return queueReader.read(destination + "." + PLAIN_GROUP, count, within);
            }
        });
    }





    @Override
    public Optional<String> unreachableUri() {
        return inner.unreachableUri().map(u -> withQuery(u, "groups=exchange"));
    }







    /** Deletes each group's queue (and its dead-letter and dropped queues), then the exchange. */
    @Override
    public void deleteDestination(String destination) throws Exception {
        for (String g : groups.getOrDefault(destination, Set.of())) {
            inner.deleteDestination(destination + "." + g);
        }
        groups.remove(destination);
        deletedAfterTest.add(destination);
        Channel ch = direct.createChannel();
        ch.exchangeDelete(destination);
        ch.close();
    }

    /** Deletes the queue of {@code group} on each destination the test used. */
    @Override
    public void deleteGroup(String group) throws Exception {
        for (String d : deletedAfterTest) {
            inner.deleteDestination(d + "." + group);
        }
    }

    @Override
    public void close() {
        rabbit.close();
        try {
            direct.close(2_000);
        } catch (IOException ignored) {
            // already gone
        }
    }
}
