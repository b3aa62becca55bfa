package dev.sluice.mem;

import dev.sluice.BacklogLimit;
import dev.sluice.Capability;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.StrategyMapping;
import dev.sluice.StrategyMapping.Strategy;
import dev.sluice.flow.DropReason;
import dev.sluice.spi.BrokerDelivery;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.BrokerSender;
import dev.sluice.spi.BrokerSession;
import dev.sluice.spi.DeliverySink;
import dev.sluice.spi.RunOutcome;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A channel's connection to one destination of an {@link InMemoryBroker}. */
final class MemSession implements BrokerSession, BrokerSender {

    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(
            Capability.PER_KEY_ORDER, Capability.REDELIVERY, Capability.DEAD_LETTER, Capability.CONSUMER_GROUPS,
            Capability.INDEPENDENT_GROUPS,
            Capability.BROKER_PRESSURE_SIGNAL, Capability.BACKLOG_SIGNAL, Capability.BACKLOG_DROP_OLDEST,
            Capability.BACKLOG_REJECT_NEWEST, Capability.BACKLOG_MAX_AGE));

    private record HeldSend(Message message, Consumer<SendResult> result) {
    }

    private final InMemoryBroker broker;
    private final Destination destination;
    private final ChannelSpec spec;
    private final BrokerEvents events;
    private final String deadLetter;
    private final ArrayDeque<HeldSend> held = new ArrayDeque<>();
    private final List<MemReceiver> receivers = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    MemSession(InMemoryBroker broker, Destination destination, ChannelSpec spec, BrokerEvents events) {
        this.broker = broker;
        this.destination = destination;
        this.spec = spec;
        this.events = events;
        this.deadLetter = spec.consumer().deadLetter().orElse(destination.name + ".dlq");
    }

    BrokerEvents events() {
        return events;
    }

    String destinationName() {
        return destination.name;
    }

    @Override
    public BrokerSender sender() {
        return this;
    }

    /** Stores each message at once, or, while the broker holds sends, keeps it to store and confirm later in order. */
    @Override
    public CompletionStage<List<SendResult>> send(List<Message> run) {
        RunOutcome outcome = new RunOutcome(run.size());
        for (int i = 0; i < run.size(); i++) {
            Message message = run.get(i);
            int index = i;
            if (closed) {
                outcome.complete(i, SendResult.failed(new IllegalStateException("session closed")));
            } else if (message.payload().length > broker.maxPayloadBytes()) {
                outcome.complete(i, SendResult.TOO_LARGE);
            } else {
                boolean stored = false;
                synchronized (held) {
                    if (broker.holdsSends() || !held.isEmpty()) {
                        held.addLast(new HeldSend(message, result -> outcome.complete(index, result)));
                        stored = true;
                    }
                }
                if (!stored) {
                    outcome.complete(i, store(message));
                }
            }
        }
        return outcome.stage();
    }

    private SendResult store(Message message) {
        if (destination.append(message, this::reportDrop)) {
            return SendResult.ACCEPTED;
        }
        reportDrop(message, DropReason.BACKLOG_REJECTED);
        return SendResult.rejected(DropReason.BACKLOG_REJECTED);
    }

    private void reportDrop(Message message, DropReason reason) {
        broker.reportDrops(destination.name, List.of(message), reason);
    }

    /** Stores and confirms the held sends, in order, unless the broker holds them again. */
    void releaseHeldSends() {
        while (true) {
            HeldSend next;
            synchronized (held) {
                if (broker.holdsSends() || held.isEmpty()) {
                    return;
                }
                next = held.pollFirst();
            }
            next.result.accept(store(next.message));
        }
    }

    @Override
    public int maxPayloadBytes() {
        return broker.maxPayloadBytes();
    }

    @Override
    public BrokerReceiver receiver(String group, String consumerName) {
        MemReceiver r = new MemReceiver(group, consumerName, spec.consumer());
        receivers.add(r);
        return r;
    }

    @Override
    public long backlog() {
        return broker.depth(destination.name);
    }

    @Override
    public List<StrategyMapping> mapping() {
        ConsumerPolicy c = spec.consumer();
        List<StrategyMapping> m = new ArrayList<>();
        m.add(StrategyMapping.nativeKnob(Strategy.PULL_BATCH, "fetch up to the credit granted (batch " + c.batchSize() + ")"));
        m.add(StrategyMapping.nativeKnob(Strategy.WAIT_FOR_DATA, "receiver waits on the destination up to " + c.pollTimeout().toMillis() + " ms"));
        m.add(StrategyMapping.nativeKnob(Strategy.IN_FLIGHT_CAP, "pending entries per member <= " + c.maxInFlight()));
        m.add(StrategyMapping.nativeKnob(Strategy.PAUSE_RESUME, "receiver stops and restarts taking"));
        m.add(StrategyMapping.nativeKnob(Strategy.GIVE_BACK, "entry first in line again, its delivery not counted"));
        m.add(StrategyMapping.emulated(Strategy.PRODUCER_BLOCK, "the gate blocks; the in-memory broker has no send buffer of its own"));
        m.add(StrategyMapping.nativeKnob(Strategy.BROKER_PRESSURE, "InMemoryBroker.block(reason) alarm"));
        m.add(StrategyMapping.nativeKnob(Strategy.REDELIVERY, "nacked entries requeued after " + c.redeliveryDelay().toMillis() + " ms"));
        m.add(StrategyMapping.nativeKnob(Strategy.DEAD_LETTER, "after " + c.maxAttempts() + " deliveries to '" + deadLetter + "'"));
        m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_SIGNAL, "ready entries of the fullest group"));
        m.add(StrategyMapping.nativeKnob(Strategy.CONSUMER_GROUPS, "a cursor per group: each group reads every message, members share them"));
        spec.producer().rateLimit().ifPresent(r -> m.add(StrategyMapping.emulated(Strategy.RATE_LIMIT, r + " in the gate")));
        BacklogLimit limit = destination.limit();
        if (limit != null) {
            limit.maxLength().ifPresent(n -> m.add(limit.whenFull() == BacklogLimit.WhenFull.DROP_OLDEST
                    ? StrategyMapping.nativeKnob(Strategy.BACKLOG_DROP_OLDEST, "max length " + n + ", oldest trimmed")
                    : StrategyMapping.nativeKnob(Strategy.BACKLOG_REJECT_NEWEST, "max length " + n + ", newest refused")));
            limit.maxAge().ifPresent(a -> m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_MAX_AGE, "entries expire after " + a)));
        }
        return List.copyOf(m);
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    /** The connection dropped: fails the held sends, gives every receiver's unacked entries back. */
    void cut() {
        failHeldSends(new java.io.IOException("connection reset (InMemoryBroker.cutConnections)"));
        receivers.forEach(MemReceiver::releasePending);
    }

    private void failHeldSends(Throwable cause) {
        List<HeldSend> failed;
        synchronized (held) {
            failed = new ArrayList<>(held);
            held.clear();
        }
        failed.forEach(h -> h.result.accept(SendResult.failed(cause)));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        receivers.forEach(MemReceiver::close);
        broker.detach(this);
        failHeldSends(new IllegalStateException("the connection closed before the broker confirmed"));
    }

    /** One member of a group: a fetch thread that takes entries while it has credit and is not paused. */
    private final class MemReceiver implements BrokerReceiver {
        private final String group;
        private final String consumer;
        private final long pollNanos;
        private Thread thread;
        private DeliverySink sink;
        // guarded by destination.lock
        private long credit;
        private boolean paused;
        private boolean stopped;

        MemReceiver(String group, String consumer, ConsumerPolicy policy) {
            this.group = group;
            this.consumer = consumer;
            this.pollNanos = policy.pollTimeout().toNanos();
        }

        @Override
        public void start(DeliverySink sink) {
            this.sink = sink;
            destination.lock.lock();
            try {
                destination.group(group); // joins now: messages sent from here on are for this group
            } finally {
                destination.lock.unlock();
            }
            thread = new Thread(this::fetchLoop, "sluice-mem-" + destination.name + "-" + consumer);
            thread.setDaemon(true);
            thread.start();
        }

        private void fetchLoop() {
            List<Message> expired = new ArrayList<>();
            destination.lock.lock();
            Destination.Group g = destination.group(group);
            try {
                while (!stopped) {
                    long now = destination.ticker().nanoTime();
                    destination.expire(now, expired);
                    if (!expired.isEmpty()) {
                        List<Message> report = new ArrayList<>(expired);
                        expired.clear();
                        destination.lock.unlock();
                        try {
                            broker.reportDrops(destination.name, report, DropReason.BACKLOG_EXPIRED);
                        } finally {
                            destination.lock.lock();
                        }
                        continue;
                    }
                    Destination.Entry e = paused || credit <= 0 ? null : destination.take(g, consumer, now);
                    if (e == null) {
                        long wait = pollNanos;
                        long visibleIn = paused || credit <= 0 ? -1 : destination.nextVisibleIn(g, now);
                        if (visibleIn >= 0) {
                            wait = Math.min(wait, Math.max(visibleIn, 1_000_000));
                        }
                        try {
                            destination.changed.awaitNanos(wait);
                        } catch (InterruptedException ie) {
                            return;
                        }
                        continue;
                    }
                    // Everything the credit allows that is there now goes over as one run.
                    List<MemDelivery> run = new ArrayList<>();
                    while (e != null) {
                        credit--;
                        run.add(new MemDelivery(g, e));
                        e = credit <= 0 ? null : destination.take(g, consumer, now);
                    }
                    destination.lock.unlock();
                    try {
                        sink.onDeliveries(run);
                    } finally {
                        destination.lock.lock();
                    }
                }
            } finally {
                destination.releaseAll(g, consumer, destination.ticker().nanoTime());
                destination.lock.unlock();
            }
        }

        void releasePending() {
            destination.lock.lock();
            try {
                destination.releaseAll(destination.group(group), consumer, destination.ticker().nanoTime());
            } finally {
                destination.lock.unlock();
            }
        }

        @Override
        public void request(int n) {
            update(() -> credit += n);
        }

        @Override
        public void pause() {
            update(() -> paused = true);
        }

        @Override
        public void resume() {
            update(() -> paused = false);
        }

        private void update(Runnable change) {
            destination.lock.lock();
            try {
                change.run();
                destination.changed.signalAll();
            } finally {
                destination.lock.unlock();
            }
        }

        @Override
        public void close() {
            update(() -> stopped = true);
            Thread t = thread;
            if (t != null && t != Thread.currentThread()) {
                try {
                    t.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            receivers.remove(this);
        }
    }

    /** A delivered entry; settles it in the destination at most once. */
    private final class MemDelivery implements BrokerDelivery {
        private final Destination.Group group;
        private final Destination.Entry entry;

        MemDelivery(Destination.Group group, Destination.Entry entry) {
            this.group = group;
            this.entry = entry;
        }

        @Override
        public Message message() {
            return entry.message;
        }

        @Override
        public int attempt() {
            return entry.deliveries;
        }

        @Override
        public String id() {
            return destination.name + "-" + entry.id;
        }

        @Override
        public void ack() {
            settle(-1);
        }

        @Override
        public void nack(Duration delay) {
            settle(destination.ticker().nanoTime() + delay.toNanos());
        }

        @Override
        public void release() {
            destination.lock.lock();
            try {
                destination.release(group, entry, destination.ticker().nanoTime());
            } finally {
                destination.lock.unlock();
            }
        }

        @Override
        public void deadLetter(String reason) {
            Message dead = entry.message
                    .header("x-dead-letter-reason", reason)
                    .header("x-original-destination", destination.name)
                    .header("x-attempts", Integer.toString(entry.deliveries));
            broker.destination(deadLetter).append(dead, (m, r) -> { });
            settle(-1);
        }

        private void settle(long requeueAt) {
            destination.lock.lock();
            try {
                destination.settle(group, entry, requeueAt);
            } finally {
                destination.lock.unlock();
            }
        }
    }
}
