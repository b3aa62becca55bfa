package dev.sluice.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.sluice.ChannelSpec;
import dev.sluice.rabbitmq.RabbitMqEndpoint.GroupMode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a channel declares on the broker, and where it publishes, for its {@link GroupMode}.
 *
 * <p>Queue mode: one queue named like the destination ({@link QueueDeclaration}), published to
 * through the default exchange; every group consumes it.
 *
 * <p>Exchange mode: a durable topic exchange named like the destination, published to with the
 * destination as routing key and {@code mandatory} set, so that a message no group queue takes
 * comes back ({@code basic.return}) and its send is refused instead of silently dropped. Each
 * group's queue {@code <destination>.<group>} is declared like queue mode's queue (the same
 * arguments, its own {@code .dlq} and {@code .dropped} queues) and bound with {@code #}: the
 * required groups' at open, any other group's when a member of it is added. A topic exchange
 * rather than a fanout because it is what Spring Cloud Stream's binder declares (a Sluice channel
 * and a binder application can share the destination) and it lets an application bind a queue
 * of its own to part of the traffic. A dead-letter destination the consumer policy names is, in
 * exchange mode, an exchange too (dead letters carry the group's queue as routing key); without
 * one, each group has its own {@code <destination>.<group>.dlq} queue.
 *
 * <p>Everything is declared on one channel that stays open for the session's life, so that
 * automatic recovery re-declares it after a reconnect. Thread-safe.
 */
final class RabbitMqTopology {

    /** Where and how a message is published. */
    record Route(String exchange, String routingKey, boolean mandatory) {
        /** @return a route to {@code queue} through the default exchange */
        static Route toQueue(String queue) {
            return new Route("", queue, false);
        }
    }

    private final ChannelSpec spec;
    private final RabbitMqEndpoint endpoint;
    private final Connection connection;
    private final boolean argumentsRequired;
    /** group → its declaration; in queue mode the one declaration under every group. */
    private final Map<String, QueueDeclaration> groups = new LinkedHashMap<>(); // guarded by this
    private final QueueDeclaration single;
    private Channel channel; // guarded by this

    private RabbitMqTopology(ChannelSpec spec, RabbitMqEndpoint endpoint, Connection connection) {
        this.spec = spec;
        this.endpoint = endpoint;
        this.connection = connection;
        this.argumentsRequired = spec.backlog().isPresent();
        this.single = endpoint.mode() == GroupMode.QUEUE ? QueueDeclaration.of(spec, endpoint.destination()) : null;
    }

    /**
     * Declares what the channel needs before it sends: the queue (queue mode), or the exchange,
     * a named dead-letter exchange and the required groups' queues (exchange mode).
     *
     * @throws dev.sluice.DestinationConflictException when an exchange or a queue exists with
     *     other settings than the spec asks for
     */
    static RabbitMqTopology declare(ChannelSpec spec, RabbitMqEndpoint endpoint, Connection connection) throws IOException {
        RabbitMqTopology t = new RabbitMqTopology(spec, endpoint, connection);
        synchronized (t) {
            if (t.single != null) {
                t.channel = t.single.declare(connection, t.argumentsRequired);
            } else {
                t.channel = QueueDeclaration.declareExchange(connection.createChannel(), endpoint.destination());
                if (spec.consumer().deadLetter().isPresent()) {
                    t.channel = QueueDeclaration.declareExchange(t.channel, spec.consumer().deadLetter().get());
                }
                for (String g : endpoint.requiredGroups()) {
                    t.group(g);
                }
            }
        }
        return t;
    }

    /** @return true in exchange mode: each group receives every message */
    boolean independentGroups() {
        return single == null;
    }

    /**
     * The declaration of {@code group}'s queue; in exchange mode its queue is declared and bound
     * the first time.
     */
    synchronized QueueDeclaration group(String group) throws IOException {
        if (single != null) {
            return single;
        }
        QueueDeclaration known = groups.get(group);
        if (known != null) {
            return known;
        }
        QueueDeclaration d = QueueDeclaration.of(spec, endpoint.queueOf(group));
        try {
            channel = d.declare(connection, channel, argumentsRequired, spec.consumer().deadLetter().isEmpty());
            channel.queueBind(d.queue(), endpoint.destination(), "#");
        } catch (IOException | RuntimeException e) {
            if (!channel.isOpen()) {
                channel = connection.createChannel(); // the refusal closed it: the next group needs one
            }
            throw e;
        }
        groups.put(group, d);
        return d;
    }

    /** @return where sends go: the queue through the default exchange, or the exchange, mandatory */
    Route sendRoute() {
        return single != null ? Route.toQueue(single.queue())
                : new Route(endpoint.destination(), endpoint.destination(), true);
    }

    /** @return where the dead letters of the queue {@code d} declares go */
    Route deadLetterRoute(QueueDeclaration d) {
        if (single == null && spec.consumer().deadLetter().isPresent()) {
            return new Route(spec.consumer().deadLetter().get(), d.queue(), true);
        }
        return Route.toQueue(d.deadLetterQueue());
    }

    /** @return the queues of the groups declared so far (exchange mode), or the one queue */
    synchronized List<String> queues() {
        if (single != null) {
            return List.of(single.queue());
        }
        List<String> queues = new ArrayList<>();
        groups.values().forEach(d -> queues.add(d.queue()));
        return queues;
    }

    /** @return the layout, for {@code mapping()} */
    String describe() {
        if (single != null) {
            return "groups=queue: one durable queue '" + single.queue() + "' that every consumer shares (one group per channel)";
        }
        return "groups=exchange: durable topic exchange '" + endpoint.destination() + "', a durable queue '"
                + endpoint.destination() + ".<group>' per group bound with '#'; declared at open: "
                + (endpoint.requiredGroups().isEmpty() ? "none" : endpoint.requiredGroups())
                + "; sends are mandatory: a message no group queue takes comes back and its send is REJECTED";
    }
}
