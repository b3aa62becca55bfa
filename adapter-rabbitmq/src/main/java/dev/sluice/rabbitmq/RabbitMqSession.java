package dev.sluice.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.sluice.BacklogLimit;
import dev.sluice.Capability;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.StrategyMapping;
import dev.sluice.StrategyMapping.Strategy;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.BrokerSender;
import dev.sluice.spi.BrokerSession;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A channel's two connections to RabbitMQ: one that publishes (and may be blocked by an alarm),
 * one that consumes (never blocked, since it never publishes), both recovering automatically.
 * The backlog is the queue's ready count from a passive {@code queue.declare}, read every
 * {@value #REFRESH_MILLIS} ms on the consuming connection, never per send.
 */
final class RabbitMqSession implements BrokerSession {

    static final long REFRESH_MILLIS = 250;

    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(
            Capability.PER_KEY_ORDER, Capability.REDELIVERY, Capability.DEAD_LETTER, Capability.CONSUMER_GROUPS,
            Capability.BROKER_PRESSURE_SIGNAL, Capability.BACKLOG_SIGNAL, Capability.BACKLOG_DROP_OLDEST,
            Capability.BACKLOG_REJECT_NEWEST, Capability.BACKLOG_MAX_AGE));

    private final ChannelSpec spec;
    private final RabbitMqEndpoint endpoint;
    private final Connection publishing;
    private final Connection consuming;
    private final RabbitMqPublisher publisher;
    private final QueueDeclaration declaration;
    private final ScheduledExecutorService scheduler;
    private final dev.sluice.spi.BrokerEvents events;
    private final List<RabbitMqReceiver> receivers = new CopyOnWriteArrayList<>();
    private final dev.sluice.spi.GiveBacks giveBacks = new dev.sluice.spi.GiveBacks();
    private volatile long backlog = -1;
    private Channel backlogChannel;
    /** The queues were declared on it; open for the session's life so that recovery re-declares them. */
    private final Channel topology;
    private volatile boolean closed;

    RabbitMqSession(ChannelSpec spec, RabbitMqEndpoint endpoint, Connection publishing, Connection consuming,
                    RabbitMqPublisher publisher, QueueDeclaration declaration, Channel topology,
                    dev.sluice.spi.BrokerEvents events) {
        this.topology = topology;
        this.spec = spec;
        this.endpoint = endpoint;
        this.publishing = publishing;
        this.consuming = consuming;
        this.publisher = publisher;
        this.declaration = declaration;
        this.events = events;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-rabbitmq-" + endpoint.queue());
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::refreshBacklog, 0, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
        if (declaration.reportsDrops()) {
            reportDrops(events);
        }
    }

    /** Reads what the broker dead-lettered for the backlog limit, and reports each as dropped. */
    private void reportDrops(dev.sluice.spi.BrokerEvents events) {
        try {
            Channel ch = consuming.createChannel();
            ch.basicConsume(QueueDeclaration.droppedQueue(endpoint.queue()), true, new com.rabbitmq.client.DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, com.rabbitmq.client.Envelope envelope,
                                           com.rabbitmq.client.AMQP.BasicProperties props, byte[] body) {
                    events.dropped(dev.sluice.Message.of(body), reasonOf(props));
                }
            });
        } catch (IOException e) {
            throw new dev.sluice.SluiceException("cannot read the drops of queue '" + endpoint.queue() + "': " + e.getMessage(), e);
        }
    }

    /** The reason RabbitMQ gives in {@code x-death}: {@code maxlen} or {@code expired}. */
    private static dev.sluice.flow.DropReason reasonOf(com.rabbitmq.client.AMQP.BasicProperties props) {
        Object deaths = props.getHeaders() == null ? null : props.getHeaders().get("x-death");
        if (deaths instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof java.util.Map<?, ?> first
                && "expired".equals(String.valueOf(first.get("reason")))) {
            return dev.sluice.flow.DropReason.BACKLOG_EXPIRED;
        }
        return dev.sluice.flow.DropReason.BACKLOG_TRIMMED;
    }

    @Override
    public BrokerSender sender() {
        return publisher;
    }

    @Override
    public BrokerReceiver receiver(String group, String consumerName) {
        RabbitMqReceiver r = new RabbitMqReceiver(consuming, publisher, scheduler, endpoint.queue(),
                declaration.deadLetterQueue(), consumerName, spec.consumer(), giveBacks);
        receivers.add(r);
        return r;
    }

    /** Also tells the channel whether the broker answers: its health is DOWN while it does not. */
    private void refreshBacklog() {
        try {
            if (!consuming.isOpen() || !publishing.isOpen()) {
                throw new IOException("connection closed, recovering");
            }
            if (backlogChannel == null || !backlogChannel.isOpen()) {
                backlogChannel = consuming.createChannel();
            }
            backlog = backlogChannel.queueDeclarePassive(endpoint.queue()).getMessageCount();
            events.reachable();
        } catch (IOException | RuntimeException e) {
            backlogChannel = null; // the queue or the connection is away: keep the last figure
            boolean noAnswer = !consuming.isOpen() || !publishing.isOpen()
                    || e.getCause() instanceof java.util.concurrent.TimeoutException; // an RPC the broker left unanswered
            if (noAnswer) {
                events.unreachable("RabbitMQ at " + endpoint.brokerUri().getHost() + ": " + e.getMessage());
            } else {
                events.reachable(); // it answered, with an error (the queue is gone, say)
            }
        }
    }

    @Override
    public long backlog() {
        return backlog;
    }

    @Override
    public List<StrategyMapping> mapping() {
        ConsumerPolicy c = spec.consumer();
        List<StrategyMapping> m = new ArrayList<>();
        m.add(StrategyMapping.nativeKnob(Strategy.PULL_BATCH, "basic.qos prefetch=" + c.maxInFlight() + " (push within prefetch)"));
        m.add(StrategyMapping.nativeKnob(Strategy.WAIT_FOR_DATA, "push: the broker delivers as messages arrive"));
        m.add(StrategyMapping.nativeKnob(Strategy.IN_FLIGHT_CAP, "basic.qos prefetch=" + c.maxInFlight()));
        m.add(StrategyMapping.nativeKnob(Strategy.PAUSE_RESUME, "basic.cancel / basic.consume (backpressure: credit"
                + " withheld, deliveries pushed beyond it wait unhanded within the prefetch)"));
        m.add(StrategyMapping.nativeKnob(Strategy.GIVE_BACK, "basic.reject(requeue); the redelivered flag of a"
                + " message this process gave back is not counted (by message id)"));
        m.add(StrategyMapping.nativeKnob(Strategy.PRODUCER_BLOCK, "publisher confirms, at most " + spec.producer().maxInFlight()
                + " unconfirmed; connection.blocked stops the gate"));
        m.add(StrategyMapping.nativeKnob(Strategy.BROKER_PRESSURE, "connection.blocked / connection.unblocked (memory or disk alarm)"));
        m.add(StrategyMapping.emulated(Strategy.REDELIVERY, "republished with x-sluice-attempt raised after "
                + c.redeliveryDelay().toMillis() + " ms, then acked: classic queues do not count deliveries"));
        m.add(StrategyMapping.emulated(Strategy.DEAD_LETTER, "after " + c.maxAttempts() + " attempts published to queue '"
                + declaration.deadLetterQueue() + "' and acked: the queue's dead-letter exchange reports backlog drops instead"));
        m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_SIGNAL, "queue.declare-ok message count"));
        spec.producer().rateLimit().ifPresent(r -> m.add(StrategyMapping.emulated(Strategy.RATE_LIMIT, r + " in the gate")));
        spec.backlog().ifPresent(limit -> {
            limit.maxLength().ifPresent(n -> m.add(limit.whenFull() == BacklogLimit.WhenFull.DROP_OLDEST
                    ? StrategyMapping.nativeKnob(Strategy.BACKLOG_DROP_OLDEST, "x-max-length=" + n + ", x-overflow=drop-head")
                    : StrategyMapping.nativeKnob(Strategy.BACKLOG_REJECT_NEWEST, "x-max-length=" + n + ", x-overflow=reject-publish")));
            limit.maxAge().ifPresent(a -> m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_MAX_AGE, "x-message-ttl=" + a.toMillis())));
        });
        m.add(StrategyMapping.emulated(Strategy.PRIORITY, "the gate orders and sheds by priority; messages carry it as the AMQP priority"));
        return List.copyOf(m);
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        receivers.forEach(RabbitMqReceiver::close);
        scheduler.shutdownNow();
        publisher.close();
        for (Connection c : List.of(publishing, consuming)) {
            try {
                c.close(2_000);
            } catch (IOException | RuntimeException ignored) {
                // already gone
            }
        }
    }
}
