package dev.sluice.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import dev.sluice.ChannelSpec;
import dev.sluice.DestinationConflictException;
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
 * <p>After a reconnect ({@link RecoveryListener#handleRecovery}) everything declared so far is
 * declared again the way opening declared it: the exchange, a named dead-letter exchange, and
 * each group's queue with its {@code .dlq} and {@code .dropped} queues and its binding — so a
 * queue a restart lost (a fresh node, a non-durable queue, one deleted meanwhile) comes back.
 * amqp-client's own topology recovery is off ({@link RabbitMqAdapter}): it replays only
 * declarations that succeeded, on the channel that made them, and logs an ERROR for each whose
 * channel is gone (one the broker closed on a refused declare), while this re-runs the same
 * procedure as opening, conflicts included. The listener is registered before any consumer's, so
 * the queues exist again before consumers are re-registered. A re-declaration that fails (the
 * broker went away again) is tried again by {@link #redeclareIfPending()}. Thread-safe.
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
    /** True while a reconnect's re-declaration has not gone through. */
    private volatile boolean pending;

    private RabbitMqTopology(ChannelSpec spec, RabbitMqEndpoint endpoint, Connection connection) {
        this.spec = spec;
        this.endpoint = endpoint;
        this.connection = connection;
        this.argumentsRequired = spec.backlog().isPresent();
        this.single = endpoint.mode() == GroupMode.QUEUE ? declarationOf(endpoint.destination()) : null;
    }

    /**
     * The declaration of {@code queue}: a quorum queue dead-letters natively to the dead-letter
     * queue, or in exchange mode to a named dead-letter exchange (as {@link #deadLetterRoute} does).
     */
    private QueueDeclaration declarationOf(String queue) {
        String exchange = endpoint.mode() == GroupMode.EXCHANGE ? spec.consumer().deadLetter().orElse(null) : null;
        return QueueDeclaration.of(spec, queue, endpoint.quorum(), exchange);
    }

    /**
     * Declares what the channel needs before it sends: the queue (queue mode), or the exchange,
     * a named dead-letter exchange and the required groups' queues (exchange mode); and declares
     * it all again after every reconnect of {@code connection}.
     *
     * @throws dev.sluice.DestinationConflictException when an exchange or a queue exists with
     *     other settings than the spec asks for
     */
    static RabbitMqTopology declare(ChannelSpec spec, RabbitMqEndpoint endpoint, Connection connection) throws IOException {
        RabbitMqTopology t = new RabbitMqTopology(spec, endpoint, connection);
        synchronized (t) {
            t.declareAll(endpoint.requiredGroups());
        }
        if (connection instanceof Recoverable r) {
            // Registered before any receiver's listener: amqp-client calls them in order, so the
            // queues are back before a consumer is registered again.
            r.addRecoveryListener(new RecoveryListener() {
                @Override
                public void handleRecovery(Recoverable recovered) {
                    t.pending = true;
                    t.redeclareIfPending();
                }

                @Override
                public void handleRecoveryStarted(Recoverable recovering) {
                    t.pending = true;
                }
            });
        }
        return t;
    }

    /**
     * Declares on a channel of its own, closed afterwards: the queue (queue mode), or the
     * exchanges, then the queue and binding of every group in {@code groupsToDeclare}.
     */
    private void declareAll(Iterable<String> groupsToDeclare) throws IOException {
        if (single != null) {
            closeQuietly(single.declare(connection, argumentsRequired));
            return;
        }
        Channel ch = connection.createChannel();
        try {
            ch = QueueDeclaration.declareExchange(ch, endpoint.destination());
            if (spec.consumer().deadLetter().isPresent()) {
                ch = QueueDeclaration.declareExchange(ch, spec.consumer().deadLetter().get());
            }
            for (String g : groupsToDeclare) {
                ch = declareGroup(ch, groups.computeIfAbsent(g, x -> declarationOf(endpoint.queueOf(x))));
            }
        } finally {
            closeQuietly(ch);
        }
    }

    /** Declares one group's queues on {@code ch} and binds its queue; @return the channel to go on with */
    private Channel declareGroup(Channel ch, QueueDeclaration d) throws IOException {
        Channel next = d.declare(connection, ch, argumentsRequired, spec.consumer().deadLetter().isEmpty());
        next.queueBind(d.queue(), endpoint.destination(), "#");
        return next;
    }

    /**
     * Declares everything again if a reconnect's re-declaration has not gone through yet; called
     * on recovery and then by the session's periodic refresh until it succeeds. A conflict (the
     * queue came back with other arguments meanwhile) is not retried: opening would refuse it,
     * and the consumers use the queue as it is.
     *
     * @return true when nothing is left to declare
     */
    boolean redeclareIfPending() {
        if (!pending) {
            return true;
        }
        synchronized (this) {
            if (!pending || !connection.isOpen()) {
                return !pending;
            }
            try {
                declareAll(single != null ? List.of() : new ArrayList<>(groups.keySet()));
                pending = false;
            } catch (DestinationConflictException e) {
                pending = false;
            } catch (IOException | RuntimeException e) {
                return false; // the broker went away again: the next refresh or recovery tries again
            }
            return true;
        }
    }

    private static void closeQuietly(Channel ch) {
        try {
            // Only an open channel: amqp-client forgets a channel by its number, which a new
            // channel may have taken once the broker closed this one (a refused declare).
            if (ch.isOpen()) {
                ch.abort();
            }
        } catch (IOException | RuntimeException ignored) {
            // nothing more to do
        }
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
        QueueDeclaration d = declarationOf(endpoint.queueOf(group));
        Channel ch = connection.createChannel();
        try {
            ch = declareGroup(ch, d);
        } finally {
            closeQuietly(ch);
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

    /**
     * @return true when the queues dead-letter natively past their {@code x-delivery-limit}: quorum
     *     queues without a backlog limit, none of them an existing queue used as it is
     */
    synchronized boolean nativeDeadLetter() {
        if (single != null) {
            return single.nativeDeadLetter();
        }
        return endpoint.quorum() && spec.backlog().isEmpty()
                && groups.values().stream().allMatch(QueueDeclaration::nativeDeadLetter);
    }

    /** @return the layout, for {@code mapping()} */
    String describe() {
        String type = endpoint.quorum() ? "quorum" : "durable";
        if (single != null) {
            return "groups=queue: one " + type + " queue '" + single.queue() + "' that every consumer shares (one group per channel)";
        }
        return "groups=exchange: durable topic exchange '" + endpoint.destination() + "', a " + type + " queue '"
                + endpoint.destination() + ".<group>' per group bound with '#'; declared at open: "
                + (endpoint.requiredGroups().isEmpty() ? "none" : endpoint.requiredGroups())
                + "; sends are mandatory: a message no group queue takes comes back and its send is REJECTED";
    }
}
