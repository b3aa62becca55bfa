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
 * {@value #REFRESH_MILLIS} ms on the consuming connection, never per send. In exchange mode it is
 * the deepest queue among the groups this channel consumes, or, while it consumes none, among
 * its required groups (what its sends fill); the drops of a group queue's backlog limit are
 * reported by the channels that consume that group.
 */
final class RabbitMqSession implements BrokerSession {

    static final long REFRESH_MILLIS = 250;

    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(
            Capability.PER_KEY_ORDER, Capability.REDELIVERY, Capability.DEAD_LETTER, Capability.CONSUMER_GROUPS,
            Capability.BROKER_PRESSURE_SIGNAL, Capability.BACKLOG_SIGNAL, Capability.BACKLOG_DROP_OLDEST,
            Capability.BACKLOG_REJECT_NEWEST, Capability.BACKLOG_MAX_AGE));
    private static final Set<Capability> EXCHANGE_CAPABILITIES = with(CAPABILITIES, Capability.INDEPENDENT_GROUPS);
    /**
     * A quorum queue enforces {@code x-overflow=reject-publish} approximately: it refuses only once
     * it is over the limit, and accepts what was in flight until then (RabbitMQ 3.10.8: five
     * pipelined publishes into a limit of two all confirmed), so exact reject-newest is not claimed.
     */
    private static final Set<Capability> QUORUM_CAPABILITIES = without(CAPABILITIES, Capability.BACKLOG_REJECT_NEWEST);
    private static final Set<Capability> QUORUM_EXCHANGE_CAPABILITIES = without(EXCHANGE_CAPABILITIES,
            Capability.BACKLOG_REJECT_NEWEST);

    private final ChannelSpec spec;
    private final RabbitMqEndpoint endpoint;
    private final Connection publishing;
    private final Connection consuming;
    private final RabbitMqPublisher publisher;
    private final RabbitMqTopology topology;
    private final ScheduledExecutorService scheduler;
    private final dev.sluice.spi.BrokerEvents events;
    private final List<RabbitMqReceiver> receivers = new CopyOnWriteArrayList<>();
    private final dev.sluice.spi.GiveBacks giveBacks = new dev.sluice.spi.GiveBacks();
    private volatile long backlog = -1;
    private Channel backlogChannel;
    /** The queues of the groups this channel consumes (exchange mode), whose drops it reports. */
    private final Set<String> consumedQueues = new java.util.concurrent.ConcurrentSkipListSet<>();
    private volatile boolean closed;
    /** Dropped queue's source queue → its consumer's channel; also the lock of the two maps. */
    private final java.util.Map<String, Channel> dropChannels = new java.util.HashMap<>();
    /** Source queue → whether its drops consumer is registered on the current connection. */
    private final java.util.Map<String, Boolean> dropsConsumed = new java.util.concurrent.ConcurrentHashMap<>();

    RabbitMqSession(ChannelSpec spec, RabbitMqEndpoint endpoint, Connection publishing, Connection consuming,
                    RabbitMqPublisher publisher, RabbitMqTopology topology, dev.sluice.spi.BrokerEvents events) {
        this.topology = topology;
        this.spec = spec;
        this.endpoint = endpoint;
        this.publishing = publishing;
        this.consuming = consuming;
        this.publisher = publisher;
        this.events = events;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-rabbitmq-" + endpoint.destination());
            t.setDaemon(true);
            return t;
        });
        if (consuming instanceof com.rabbitmq.client.Recoverable r) {
            // After the topology's listener, which declares the dropped queues again.
            r.addRecoveryListener(new com.rabbitmq.client.RecoveryListener() {
                @Override
                public void handleRecovery(com.rabbitmq.client.Recoverable recovered) {
                    consumeDropsAgain();
                }

                @Override
                public void handleRecoveryStarted(com.rabbitmq.client.Recoverable recovering) {
                }
            });
        }
        scheduler.scheduleWithFixedDelay(this::refreshBacklog, 0, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
        if (!topology.independentGroups()) {
            try {
                QueueDeclaration only = topology.group(endpoint.destination());
                if (only.reportsDrops()) {
                    reportDrops(only.queue());
                }
            } catch (IOException e) {
                throw new dev.sluice.SluiceException("cannot read the drops of queue '" + endpoint.destination() + "': " + e.getMessage(), e);
            }
        }
    }

    private static Set<Capability> without(Set<Capability> base, Capability less) {
        EnumSet<Capability> all = EnumSet.copyOf(base);
        all.remove(less);
        return Set.copyOf(all);
    }

    private static Set<Capability> with(Set<Capability> base, Capability more) {
        EnumSet<Capability> all = EnumSet.copyOf(base);
        all.add(more);
        return Set.copyOf(all);
    }

    /** Reads what the broker dead-lettered from {@code queue} for the backlog limit, and reports each as dropped. */
    private void reportDrops(String queue) {
        try {
            consumeDrops(queue);
        } catch (IOException | RuntimeException e) {
            throw new dev.sluice.SluiceException("cannot read the drops of queue '" + queue + "': " + e.getMessage(), e);
        }
    }

    /**
     * Registers the consumer of {@code queue}'s dropped queue unless it is registered on the
     * current connection already: at open, after a reconnect (consumers are not recovered by
     * amqp-client, see {@link RabbitMqAdapter}), and on the refresh after a failed attempt.
     */
    private void consumeDrops(String queue) throws IOException {
        synchronized (dropChannels) {
            if (Boolean.TRUE.equals(dropsConsumed.get(queue))) {
                return;
            }
            Channel ch = dropChannels.get(queue);
            if (ch == null || !ch.isOpen()) {
                ch = consuming.createChannel();
                dropChannels.put(queue, ch);
            }
            ch.basicConsume(QueueDeclaration.droppedQueue(queue), true, new com.rabbitmq.client.DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, com.rabbitmq.client.Envelope envelope,
                                           com.rabbitmq.client.AMQP.BasicProperties props, byte[] body) {
                    events.dropped(dev.sluice.Message.of(body), reasonOf(props));
                }
            });
            dropsConsumed.put(queue, true);
        }
    }

    /** After a reconnect (the topology is declared again by then): every drops consumer again. */
    private void consumeDropsAgain() {
        synchronized (dropChannels) {
            dropsConsumed.replaceAll((q, consumed) -> false);
        }
        retryDrops();
    }

    private void retryDrops() {
        for (String queue : dropsConsumed.keySet()) {
            try {
                consumeDrops(queue);
            } catch (IOException | RuntimeException e) {
                // not yet: the next refresh tries again
            }
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
        QueueDeclaration d;
        try {
            d = topology.group(group);
        } catch (IOException e) {
            throw new dev.sluice.SluiceException("cannot declare the queue of group '" + group + "' ('"
                    + endpoint.queueOf(group) + "'): " + e.getMessage(), e);
        }
        if (topology.independentGroups() && consumedQueues.add(d.queue()) && d.reportsDrops()) {
            reportDrops(d.queue());
        }
        RabbitMqReceiver r = new RabbitMqReceiver(consuming, publisher, scheduler, d.queue(),
                topology.deadLetterRoute(d), consumerName, spec.consumer(), giveBacks, d, countsEveryReturn());
        receivers.add(r);
        return r;
    }

    /**
     * @return true when the broker counts every return of a message to a quorum queue in
     *     {@code x-delivery-count}, a give-back ({@code basic.nack(requeue)}) included: RabbitMQ
     *     before 4.3, or a version it does not tell
     */
    boolean countsEveryReturn() {
        Object version = consuming.getServerProperties() == null ? null : consuming.getServerProperties().get("version");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(String.valueOf(version));
        if (!m.find()) {
            return true;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major < 4 || major == 4 && minor < 3;
    }

    /** Also tells the channel whether the broker answers: its health is DOWN while it does not. */
    private void refreshBacklog() {
        try {
            if (!consuming.isOpen() || !publishing.isOpen()) {
                throw new IOException("connection closed, recovering");
            }
            if (!topology.redeclareIfPending()) {
                throw new IOException("the topology is not declared again yet after a reconnect");
            }
            retryDrops();
            if (backlogChannel == null || !backlogChannel.isOpen()) {
                backlogChannel = consuming.createChannel();
            }
            long deepest = 0;
            for (String queue : consumedQueues.isEmpty() ? topology.queues() : consumedQueues) {
                deepest = Math.max(deepest, backlogChannel.queueDeclarePassive(queue).getMessageCount());
            }
            backlog = deepest;
            events.reachable();
        } catch (IOException | RuntimeException e) {
            backlogChannel = null; // the queue or the connection is away: keep the last figure
            boolean noAnswer = !consuming.isOpen() || !publishing.isOpen()
                    || e.getCause() instanceof java.util.concurrent.TimeoutException; // an RPC the broker left unanswered
            if (noAnswer) {
                events.unreachable("RabbitMQ at " + endpoint.address() + ": " + e.getMessage());
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
        boolean quorum = endpoint.quorum();
        List<StrategyMapping> m = new ArrayList<>();
        m.add(StrategyMapping.nativeKnob(Strategy.PULL_BATCH, "basic.qos prefetch=" + c.inFlightCapText() + " (push within prefetch)"));
        m.add(StrategyMapping.nativeKnob(Strategy.WAIT_FOR_DATA, "push: the broker delivers as messages arrive"));
        m.add(StrategyMapping.nativeKnob(Strategy.IN_FLIGHT_CAP, quorum
                ? "basic.qos prefetch per consumer (quorum queues have no channel-wide one): " + c.inFlightCapText()
                        + " less what earlier consumers of the channel still have unacked"
                : "basic.qos prefetch=" + c.inFlightCapText()));
        m.add(StrategyMapping.nativeKnob(Strategy.PAUSE_RESUME, "basic.cancel / basic.consume (backpressure: credit"
                + " withheld, deliveries pushed beyond it wait unhanded within the prefetch)"));
        if (!quorum) {
            m.add(StrategyMapping.nativeKnob(Strategy.GIVE_BACK, "basic.reject(requeue); the redelivered flag of a"
                    + " message this process gave back is not counted (by message id)"));
        } else if (countsEveryReturn()) {
            m.add(StrategyMapping.emulated(Strategy.GIVE_BACK, "basic.nack(requeue); before RabbitMQ 4.3 the quorum queue"
                    + " counts it in x-delivery-count (and toward x-delivery-limit): the attempt reported leaves out this"
                    + " process's give-backs (by message id)"));
        } else {
            m.add(StrategyMapping.nativeKnob(Strategy.GIVE_BACK, "basic.nack(requeue): the quorum queue does not count it"));
        }
        m.add(StrategyMapping.nativeKnob(Strategy.PRODUCER_BLOCK, "publisher confirms, at most " + spec.producer().maxInFlight()
                + " unconfirmed; connection.blocked stops the gate"));
        m.add(StrategyMapping.nativeKnob(Strategy.BROKER_PRESSURE, "connection.blocked / connection.unblocked (memory or disk alarm)"));
        if (quorum) {
            m.add(StrategyMapping.nativeKnob(Strategy.REDELIVERY, "basic.reject(requeue) after " + c.redeliveryDelay().toMillis()
                    + " ms; the quorum queue counts it: the attempt is x-delivery-count + 1"));
        } else {
            m.add(StrategyMapping.emulated(Strategy.REDELIVERY, "republished with x-sluice-attempt raised after "
                    + c.redeliveryDelay().toMillis() + " ms, then acked: classic queues do not count deliveries"));
        }
        if (topology.nativeDeadLetter()) {
            m.add(StrategyMapping.nativeKnob(Strategy.DEAD_LETTER, "x-delivery-limit=" + (c.maxAttempts() - 1)
                    + ", dead-letter exchange to " + deadLetterTarget() + ", x-dead-letter-strategy=at-least-once"
                    + " (x-overflow=reject-publish); a dead letter before " + c.maxAttempts()
                    + " attempts (poison) is published with its reason and acked"));
        } else if (quorum && spec.backlog().isEmpty()) {
            m.add(StrategyMapping.emulated(Strategy.DEAD_LETTER, "after " + c.maxAttempts() + " attempts published to "
                    + deadLetterTarget() + " and acked: the existing quorum queue is used as it is, without the delivery"
                    + " limit and dead-letter exchange asked for"));
        } else {
            m.add(StrategyMapping.emulated(Strategy.DEAD_LETTER, "after " + c.maxAttempts() + " attempts published to "
                    + deadLetterTarget() + " and acked: the queue's dead-letter exchange reports backlog drops instead"));
        }
        m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_SIGNAL, topology.independentGroups()
                ? "queue.declare-ok message count of the deepest queue among the groups this channel consumes (or, while"
                        + " it consumes none, its required groups)"
                : "queue.declare-ok message count"));
        m.add(topology.independentGroups()
                ? StrategyMapping.nativeKnob(Strategy.CONSUMER_GROUPS, topology.describe())
                : StrategyMapping.unsupported(Strategy.CONSUMER_GROUPS, topology.describe()
                        + "; a second group is refused (?groups=exchange for a queue per group)"));
        spec.producer().rateLimit().ifPresent(r -> m.add(StrategyMapping.emulated(Strategy.RATE_LIMIT, r + " in the gate")));
        spec.backlog().ifPresent(limit -> {
            limit.maxLength().ifPresent(n -> m.add(limit.whenFull() == BacklogLimit.WhenFull.DROP_OLDEST
                    ? StrategyMapping.nativeKnob(Strategy.BACKLOG_DROP_OLDEST, "x-max-length=" + n + ", x-overflow=drop-head")
                    : StrategyMapping.nativeKnob(Strategy.BACKLOG_REJECT_NEWEST, "x-max-length=" + n + ", x-overflow=reject-publish"
                            + (quorum ? " (approximate on a quorum queue: it refuses once over the limit, and what was in"
                                    + " flight until then is accepted)" : ""))));
            limit.maxAge().ifPresent(a -> m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_MAX_AGE, "x-message-ttl=" + a.toMillis())));
        });
        m.add(StrategyMapping.emulated(Strategy.PRIORITY, "the gate orders and sheds by priority; messages carry it as the AMQP priority"));
        return List.copyOf(m);
    }

    private String deadLetterTarget() {
        if (!topology.independentGroups()) {
            return "queue '" + spec.consumer().deadLetter().orElse(endpoint.destination() + ".dlq") + "'";
        }
        return spec.consumer().deadLetter().map(x -> "exchange '" + x + "' (routing key: the group's queue)")
                .orElse("queue '" + endpoint.destination() + ".<group>.dlq'");
    }

    @Override
    public Set<Capability> capabilities() {
        if (endpoint.quorum()) {
            return topology.independentGroups() ? QUORUM_EXCHANGE_CAPABILITIES : QUORUM_CAPABILITIES;
        }
        return topology.independentGroups() ? EXCHANGE_CAPABILITIES : CAPABILITIES;
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
