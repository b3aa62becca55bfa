package dev.sluice.rabbitmq;

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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The kit's RabbitMQ with quorum queues: every URI asks for {@code queueType=quorum}, and an
 * application's existing queue (the existing-destination family) is a quorum queue with
 * arguments of its own. Faults, alarms and the unreachable address are those of
 * {@link RabbitMqKitBroker}, and so is the ready count (a passive declare, which a quorum queue
 * answers from its leader). The unacked count is read from the queue's leader too
 * ({@link #checkedOut}): {@code rabbitmqctl list_queues} shows a quorum queue's figures as of its
 * last statistics tick (every 5 s), so a read right after a change is stale.
 */
final class QuorumKitBroker extends ForwardingKitBroker implements BrokerProbe {

    /** The application's own {@code x-max-length}, as {@code RabbitMqForeignClient} has it for a classic queue. */
    private static final int EXISTING_MAX_LENGTH = 7;

    private final RabbitMqKitBroker rabbit;
    private final ProvisionedBroker broker;
    private final Connection direct;

    QuorumKitBroker(ProvisionedBroker broker) throws Exception {
        super(new RabbitMqKitBroker(broker));
        this.rabbit = (RabbitMqKitBroker) inner;
        this.broker = broker;
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
        return withQuery(inner.uri(destination), "queueType=quorum");
    }

    @Override
    public BrokerProbe probe() {
        return this;
    }

    @Override
    public OptionalLong ready(String destination, String group) {
        return rabbit.ready(destination, group);
    }

    @Override
    public OptionalLong backlog(String destination, String group) {
        return rabbit.backlog(destination, group);
    }

    /** From the queue's leader; a queue that is not (yet) a quorum queue reads as {@link RabbitMqKitBroker} reads it. */
    @Override
    public OptionalLong unacked(String destination, String group) {
        OptionalLong checkedOut = checkedOut(broker, destination);
        return checkedOut.isPresent() ? checkedOut : rabbit.unacked(destination, group);
    }

    /**
     * The messages a quorum queue has handed to consumers and not had settled, as its leader
     * holds them now: {@code rabbitmqctl eval} of a local query of the queue's Raft state (a read).
     *
     * @return empty when {@code queue} is no quorum queue of vhost {@code /} on the node, or the query fails
     */
    static OptionalLong checkedOut(ProvisionedBroker broker, String queue) {
        String vhost = broker.uri().getRawPath() == null || broker.uri().getRawPath().length() <= 1
                ? "/" : java.net.URLDecoder.decode(broker.uri().getRawPath().substring(1), java.nio.charset.StandardCharsets.UTF_8);
        String expression = "{ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<\"" + vhost + "\">>, queue, <<\"" + queue + "\">>)),"
                + " {Name, _} = amqqueue:get_pid(Q),"
                + " {ok, {_, N}, _} = ra:local_query({Name, node()}, fun rabbit_fifo:query_messages_checked_out/1), N.";
        List<String> command = new java.util.ArrayList<>(List.of("rabbitmqctl", "-q"));
        broker.node().ifPresent(node -> command.addAll(List.of("-n", node)));
        command.addAll(List.of("eval", expression));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0 || !out.matches("\\d+")) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(Long.parseLong(out));
        } catch (IOException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
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
    public Optional<String> unreachableUri() {
        return inner.unreachableUri().map(u -> withQuery(u, "queueType=quorum"));
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
