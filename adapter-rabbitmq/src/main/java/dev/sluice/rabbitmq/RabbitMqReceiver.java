package dev.sluice.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.spi.BrokerDelivery;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.DeliverySink;
import dev.sluice.spi.GiveBacks;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One consumer of the queue on a channel of its own, with manual acks and a channel-wide
 * {@code basic.qos} prefetch ({@code global}) equal to the in-flight cap: the broker never has
 * more unacked on this channel, whatever consumers come and go on it. The broker pushes within
 * the prefetch; what it pushes beyond the credit the channel granted waits here, unhanded, until
 * credit comes — so the credit (and a subscriber's demand) holds although the broker pushes, and
 * backpressure costs no RPC.
 *
 * <p>Pause (for a reason other than backpressure) is {@code basic.cancel}, resume
 * {@code basic.consume}; what waited here and what the broker still sends after the cancel goes
 * back with {@code basic.reject(requeue)}. Such a give-back is not an attempt: the message id is
 * noted ({@link GiveBacks}), and its redelivery is not counted although the broker flags it
 * {@code redelivered}.
 *
 * <p>A nack gives the message back with its attempt counted: it is published again to this
 * consumer's own queue (persistent, confirmed, on the publishing connection, through the default
 * exchange, so that in exchange mode no other group gets it twice) with {@code x-sluice-attempt}
 * raised, after the redelivery delay, and then acked. A dead letter is published to the
 * dead-letter route the same way, then acked. A message the broker redelivers after a consumer went away ({@code redelivered},
 * not given back by this process) counts one attempt more.
 *
 * <p>On a quorum queue the broker counts: the attempt is its {@code x-delivery-count} plus one, a
 * nack is {@code basic.reject(requeue)} after the redelivery delay (counted by every version),
 * a give-back {@code basic.nack(requeue)} (not counted from RabbitMQ 4.3 on; before, every return
 * is counted, and the attempt reported leaves out this process's give-backs, {@link GiveBacks}),
 * and once {@code maxAttempts} are spent a dead letter is one more {@code basic.reject(requeue)},
 * past the queue's {@code x-delivery-limit}: the broker dead-letters it. A dead letter before
 * that (poison, malformed) is published with its reason, as on a classic queue. Quorum queues
 * have no channel-wide prefetch, so the prefetch is the consumer's own, set before each
 * {@code basic.consume} to the cap less what this channel still has unacked from earlier
 * consumers; with none of the cap left the consume waits for a settlement.
 */
final class RabbitMqReceiver implements BrokerReceiver {

    private final Connection connection;
    private final RabbitMqPublisher publisher;
    private final ScheduledExecutorService scheduler;
    private final String queue;
    private final RabbitMqTopology.Route deadLetter;
    private final String consumerTagBase;
    private final ConsumerPolicy policy;
    /** A quorum queue: the broker counts attempts and has no channel-wide prefetch. */
    private final boolean quorum;
    /** The queue dead-letters past its {@code x-delivery-limit} itself. */
    private final boolean nativeDeadLetter;
    /** The broker counts a give-back ({@code basic.nack(requeue)}) in {@code x-delivery-count} (before 4.3). */
    private final boolean countsGiveBacks;
    /** Delivered on the current channel and not settled on the broker: the unacked count, for a quorum consumer's prefetch. */
    private final java.util.concurrent.atomic.AtomicInteger unsettled = new java.util.concurrent.atomic.AtomicInteger();
    /** Changes when the channel's deliveries are void (a new channel, a reconnect): older ones no longer count. */
    private volatile int channelEpoch;
    /** A quorum consume waits for a settlement: the cap was all taken by earlier consumers' deliveries. */
    private volatile boolean starved;

    private final GiveBacks giveBacks;
    private final ScheduledExecutorService control;
    private volatile Thread controlThread;
    /** How long {@link #pause()} waits for the broker to confirm the cancel. */
    static final long PAUSE_SETTLE_MILLIS = 2_000;
    private volatile Channel channel;
    /** The prefetch wanted (an adaptive limit's latest value) and the one the channel has; the latter only on the control thread. */
    private volatile int wantedPrefetch;
    private volatile int appliedPrefetch;
    private final java.util.concurrent.atomic.AtomicBoolean prefetchQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private DeliverySink sink;
    private String consumerTag;
    /** Reconnects begun so far, and how many had begun when the consumer was registered. */
    private volatile int recoveries;
    private int consumerRecovery;
    private int generation;

    // guarded by this
    private boolean paused;
    private boolean closed;
    private long credit;
    /** Pushed by the broker beyond the credit: unhanded, within the prefetch. */
    private final ArrayDeque<Delivery> waiting = new ArrayDeque<>();
    /**
     * Held from taking deliveries (off the wire or out of {@link #waiting}) until the sink has
     * them: the broker's dispatch thread and the control thread both hand over, and without it a
     * delivery taken from the queue could reach the handlers after a later one handed over
     * directly — per-key order broken (kit family 1 caught it once in CI).
     */
    private final Object handOverOrder = new Object();

    RabbitMqReceiver(Connection connection, RabbitMqPublisher publisher, ScheduledExecutorService scheduler,
                     String queue, RabbitMqTopology.Route deadLetter, String consumerTag, ConsumerPolicy policy,
                     GiveBacks giveBacks, QueueDeclaration declaration, boolean countsGiveBacks) {
        this.giveBacks = giveBacks;
        this.quorum = declaration.quorum();
        this.nativeDeadLetter = declaration.nativeDeadLetter();
        this.countsGiveBacks = countsGiveBacks;
        this.connection = connection;
        this.publisher = publisher;
        this.scheduler = scheduler;
        this.queue = queue;
        this.deadLetter = deadLetter;
        this.consumerTagBase = consumerTag;
        this.policy = policy;
        this.wantedPrefetch = policy.inFlightLimit().initial();
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-rabbitmq-control-" + consumerTag);
            t.setDaemon(true);
            controlThread = t;
            return t;
        });
    }

    @Override
    public synchronized void start(DeliverySink sink) {
        this.sink = sink;
        try {
            openChannel();
            if (connection instanceof com.rabbitmq.client.Recoverable r) {
                // Called after the topology's listener has declared the queues again.
                r.addRecoveryListener(new com.rabbitmq.client.RecoveryListener() {
                    @Override
                    public void handleRecovery(com.rabbitmq.client.Recoverable recovered) {
                        try {
                            control.execute(RabbitMqReceiver.this::consumeAgain);
                        } catch (RejectedExecutionException closed) {
                            // closed meanwhile
                        }
                    }

                    @Override
                    public void handleRecoveryStarted(com.rabbitmq.client.Recoverable recovering) {
                        recoveries++; // only amqp-client's recovery thread writes it
                        voidDeliveries();
                    }
                });
            }
            if (!paused) {
                consume();
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot consume from queue '" + queue + "': " + e.getMessage(), e);
        }
    }

    /** A channel with the prefetch; deliveries that arrive after a cancel go to the default consumer. */
    private void openChannel() throws IOException {
        Channel ch = connection.createChannel();
        voidDeliveries();
        if (!quorum) {
            int prefetch = wantedPrefetch;
            ch.basicQos(prefetch, true); // a quorum queue refuses global QoS: see consume()
            appliedPrefetch = prefetch;
        }
        ch.setDefaultConsumer(new Handler());
        channel = ch;
    }

    /**
     * After a reconnect: the channel came back (with its prefetch) but not its consumer, since
     * topology recovery is off ({@link RabbitMqAdapter}). A consumer that a retry of
     * {@link #reconcile()} registered since the recovery started is live and kept; one from
     * before ended with the old connection.
     */
    private void consumeAgain() {
        if (consumerTag != null && consumerRecovery != recoveries) {
            consumerTag = null;
        }
        reconcile();
    }

    /** The deliveries of the channel so far are void: the broker took them back with the channel or connection. */
    private void voidDeliveries() {
        channelEpoch++;
        unsettled.set(0);
    }

    private void consume() throws IOException {
        if (quorum) {
            // Per consumer (a quorum queue closes the connection on a global prefetch): the cap
            // less what earlier consumers of this channel still have unacked. A consumer's prefetch
            // is fixed for its life, so under an adaptive limit it is the ceiling and the runtime's
            // credit holds the limit of the moment.
            int room = policy.maxInFlight() - unsettled.get();
            if (room <= 0) {
                starved = true; // a settlement calls reconcile() again
                return;
            }
            starved = false;
            channel.basicQos(room, false);
        }
        generation++;
        int recovery = recoveries;
        consumerTag = channel.basicConsume(queue, false, consumerTagBase + "-" + generation, new Handler());
        consumerRecovery = recovery;
    }

    /**
     * An adaptive limit moved: {@code basic.qos} again on the control thread, at most once per
     * {@value #PREFETCH_COALESCE_MILLIS} ms with the latest value, and only when it differs from the channel's.
     * A quorum queue's prefetch is per consumer and cannot change under a running consumer: it
     * stays at the limit's ceiling (the runtime's credit holds the limit of the moment).
     */
    @Override
    public void limitChanged(int cap) {
        wantedPrefetch = cap;
        if (prefetchQueued.compareAndSet(false, true)) {
            try {
                control.schedule(this::applyPrefetch, PREFETCH_COALESCE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                prefetchQueued.set(false);
            }
        }
    }

    static final long PREFETCH_COALESCE_MILLIS = 50;

    private void applyPrefetch() {
        prefetchQueued.set(false);
        int want = wantedPrefetch;
        Channel ch = channel;
        if (quorum || ch == null || !ch.isOpen() || want == appliedPrefetch) {
            return; // a reopened channel takes the wanted value; a quorum consumer keeps the ceiling
        }
        try {
            ch.basicQos(want, true);
            appliedPrefetch = want;
        } catch (IOException | RuntimeException e) {
            // the channel is closing: the next change or the reopened channel sets it
        }
    }

    /** Hands over what waits, up to the new credit, on the control thread (never the caller's). */
    @Override
    public void request(int n) {
        boolean handOver;
        synchronized (this) {
            credit += n;
            handOver = !waiting.isEmpty();
        }
        if (handOver) {
            control.execute(this::handOverWaiting);
        }
    }

    /**
     * Pause and resume set the wanted state; {@link #reconcile()} brings the broker to it on this
     * receiver's own control thread, because {@code basic.cancel} and {@code basic.consume} are
     * RPCs that a stalled or recovering broker may not answer. What waits here goes back at once.
     *
     * <p>Pause then waits up to {@value #PAUSE_SETTLE_MILLIS} ms for the cancel, so that when it
     * returns on a broker that answers, the queue has no consumer of this receiver: what is
     * published next stays ready (and counts against {@code x-max-length}, which counts ready
     * messages only). A broker that does not answer in time gets the cancel later; the channel
     * hands nothing to the handler meanwhile either way.
     */
    @Override
    public void pause() {
        List<Delivery> back;
        synchronized (this) {
            paused = true;
            back = new ArrayList<>(waiting);
            waiting.clear();
        }
        back.forEach(Delivery::release);
        Future<?> cancelled;
        try {
            cancelled = control.submit(this::reconcile);
        } catch (RejectedExecutionException closing) {
            return;
        }
        if (Thread.currentThread() != controlThread) {
            try {
                cancelled.get(PAUSE_SETTLE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | CancellationException e) {
                // a broker slow to answer: the reconcile retries on its own
            }
        }
    }

    @Override
    public void resume() {
        synchronized (this) {
            paused = false;
        }
        control.execute(this::reconcile);
    }

    /** A delivery the broker pushed: handed over within the credit, kept while none, given back while paused. */
    private void arrived(Delivery d) {
        boolean giveBack;
        synchronized (handOverOrder) {
            boolean handOver;
            synchronized (this) {
                giveBack = paused || closed;
                handOver = !giveBack && waiting.isEmpty() && credit > 0;
                if (handOver) {
                    credit--;
                } else if (!giveBack) {
                    waiting.add(d);
                }
            }
            if (handOver) {
                sink.onDelivery(d);
            }
        }
        if (giveBack) {
            d.release();
        }
    }

    private void handOverWaiting() {
        synchronized (handOverOrder) {
            List<Delivery> run = new ArrayList<>();
            synchronized (this) {
                while (!paused && !closed && credit > 0 && !waiting.isEmpty()) {
                    credit--;
                    run.add(waiting.poll());
                }
            }
            if (!run.isEmpty()) {
                sink.onDeliveries(run);
            }
        }
    }

    /**
     * Cancels or starts the consumer so that it matches the wanted state; when the broker cannot
     * be reached (a cut, a recovery in progress) it tries again shortly. Also run after the
     * connection recovered, since recovery brings back the consumers that were running.
     */
    void reconcile() {
        boolean wantPaused;
        synchronized (this) {
            if (closed || channel == null) {
                return;
            }
            wantPaused = paused;
        }
        // Only this control thread touches the consumer tag; the RPCs run outside the monitor so
        // that deliveries, credit and pause never wait for a broker that is slow to answer.
        try {
            if (!channel.isOpen() && connection.isOpen()) {
                // The broker closed the channel (a consume on a queue not declared again yet):
                // go on with a new one. The dead one is not aborted: amqp-client forgets a
                // channel by its number, which a new channel may have taken already.
                consumerTag = null;
                openChannel();
                synchronized (this) {
                    if (closed) {
                        channel.abort();
                        return;
                    }
                }
            }
            if (!wantPaused && consumerTag == null) {
                consume();
            } else if (wantPaused && consumerTag != null) {
                String tag = consumerTag;
                consumerTag = null; // a cancel that fails on a dead connection also ends the consumer:
                channel.basicCancel(tag); // recovery does not bring back what was being cancelled
            }
        } catch (IOException | RuntimeException e) {
            if (!control.isShutdown()) {
                control.schedule(this::reconcile, 500, TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public void close() {
        List<Delivery> back;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            back = new ArrayList<>(waiting);
            waiting.clear();
        }
        back.forEach(Delivery::release);
        control.shutdownNow();
        Channel ch = channel;
        if (ch != null) {
            try {
                ch.abort(); // without waiting for the broker; unacked messages go back to the queue
            } catch (IOException | RuntimeException ignored) {
                // already closed
            }
        }
    }

    /** The attempt header (1 without one), plus one for a redelivery this process did not cause by a give-back. */
    private int attemptOf(AMQP.BasicProperties props, Envelope envelope) {
        if (quorum) {
            // Absent on a first delivery pushed to a consumer (RabbitMQ 3.10 sets it from the first return).
            Object count = props.getHeaders() == null ? null : props.getHeaders().get(DELIVERY_COUNT_HEADER);
            int returned = count instanceof Number n ? n.intValue() : envelope.isRedeliver() ? 1 : 0;
            String id = props.getMessageId();
            return id != null && countsGiveBacks ? giveBacks.attempt(id, returned + 1) : returned + 1;
        }
        Object header = props.getHeaders() == null ? null : props.getHeaders().get(RabbitMqPublisher.ATTEMPT_HEADER);
        int attempt = header instanceof Number n ? n.intValue() : 1;
        if (!envelope.isRedeliver()) {
            return attempt;
        }
        String id = props.getMessageId();
        return id != null && giveBacks.takeOne(id) ? attempt : attempt + 1;
    }

    /** The header in which a quorum queue counts the returns of a message. */
    static final String DELIVERY_COUNT_HEADER = "x-delivery-count";

    private Message toMessage(AMQP.BasicProperties props, byte[] body) {
        Message m = Message.of(body);
        Map<String, Object> headers = props.getHeaders();
        if (headers != null) {
            Map<String, String> copy = new LinkedHashMap<>();
            headers.forEach((k, v) -> {
                if (k.equals(RabbitMqPublisher.KEY_HEADER)) {
                    return;
                }
                if (!k.equals(RabbitMqPublisher.ATTEMPT_HEADER) && !(quorum && k.equals(DELIVERY_COUNT_HEADER))
                        && v != null && !(v instanceof java.util.List)) {
                    copy.put(k, v.toString());
                }
            });
            Object key = headers.get(RabbitMqPublisher.KEY_HEADER);
            if (key != null) {
                m = m.key(key.toString());
            }
            if (!copy.isEmpty()) {
                m = m.headers(copy);
            }
        }
        if (props.getPriority() != null && props.getPriority() > 0) {
            m = m.priority(Math.min(Message.MAX_PRIORITY, props.getPriority()));
        }
        return m;
    }

    private final class Handler extends DefaultConsumer {
        Handler() {
            super(null);
        }

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
            // Nothing from the broker may throw here: amqp-client closes the channel when a
            // consumer's callback throws. Properties that cannot be read leave the raw body.
            Message message;
            String malformed = null;
            int attempt;
            try {
                message = toMessage(props, body);
                attempt = attemptOf(props, envelope);
            } catch (RuntimeException e) {
                message = Message.of(body == null ? new byte[0] : body);
                malformed = "its properties could not be read: " + e;
                attempt = envelope.isRedeliver() ? 2 : 1;
            }
            arrived(new Delivery(channel, envelope, props, body, message, malformed, attempt));
        }
    }

    private final class Delivery implements BrokerDelivery {
        private final Channel on;
        private final long tag;
        private final String messageId;
        private final Envelope envelope;
        private final AMQP.BasicProperties props;
        private final byte[] body;
        private final Message message;
        private final String malformed;
        private final int attempt;
        private final int epoch = channelEpoch;

        private final java.util.concurrent.atomic.AtomicBoolean settledOnBroker = new java.util.concurrent.atomic.AtomicBoolean();

        Delivery(Channel on, Envelope envelope, AMQP.BasicProperties props, byte[] body, Message message, String malformed,
                 int attempt) {
            this.on = on;
            this.tag = envelope.getDeliveryTag();
            this.messageId = props.getMessageId();
            this.envelope = envelope;
            this.props = props;
            this.body = body;
            this.malformed = malformed;
            this.message = message;
            this.attempt = attempt;
            unsettled.incrementAndGet();
        }

        /** Called once the broker has been told (ack, reject, nack): one unacked fewer on the channel. */
        private void settledOnBroker() {
            if (settledOnBroker.compareAndSet(false, true) && epoch == channelEpoch) {
                unsettled.decrementAndGet();
                if (starved) {
                    try {
                        control.execute(RabbitMqReceiver.this::reconcile);
                    } catch (RejectedExecutionException closing) {
                        // closed meanwhile
                    }
                }
            }
        }

        /** On a quorum queue: back to the queue, counted by the broker in {@code x-delivery-count}. */
        private void rejectCounted() {
            try {
                on.basicReject(tag, true);
            } catch (IOException | RuntimeException e) {
                // the channel went away: the broker redelivers
            }
            settledOnBroker();
        }

        @Override
        public Message message() {
            return message;
        }

        @Override
        public Object nativeDelivery() {
            return new com.rabbitmq.client.Delivery(envelope, props, body);
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public String malformed() {
            return malformed;
        }

        @Override
        public String id() {
            return queue + "#" + tag;
        }

        @Override
        public void ack() {
            if (messageId != null) {
                giveBacks.forget(messageId);
            }
            try {
                on.basicAck(tag, false);
            } catch (IOException | RuntimeException e) {
                // the channel went away: the broker redelivers (at-least-once)
            }
            settledOnBroker();
        }

        @Override
        public void nack(Duration delay) {
            Runnable giveBack = quorum ? this::rejectCounted : () -> publisher.republish(queue, message, attempt + 1).whenComplete((r, e) -> {
                if (r != null && r.status() == dev.sluice.SendResult.Status.ACCEPTED) {
                    ack();
                } else {
                    requeue();
                }
            });
            if (delay.isZero()) {
                giveBack.run();
            } else {
                scheduler.schedule(giveBack, delay.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        /** Back to the queue, natively; its redelivery is not counted (see {@link #attemptOf}). */
        @Override
        public void release() {
            if (messageId != null && (!quorum || countsGiveBacks)) {
                giveBacks.gaveBack(messageId);
            }
            try {
                if (quorum) {
                    on.basicNack(tag, false, true); // not counted from RabbitMQ 4.3 on, unlike basic.reject
                } else {
                    on.basicReject(tag, true);
                }
            } catch (IOException | RuntimeException e) {
                // the channel went away: the broker redelivers
            }
            settledOnBroker();
        }

        /** The copy could not be published: the broker's own requeue, without the count. */
        private void requeue() {
            try {
                on.basicNack(tag, false, true);
            } catch (IOException | RuntimeException e) {
                // the channel went away: the broker redelivers
            }
            settledOnBroker();
        }

        @Override
        public void deadLetter(String reason) {
            if (nativeDeadLetter && attempt >= policy.maxAttempts()) {
                // Its returns are spent: one more and the queue's x-delivery-limit dead-letters it
                // (at-least-once). The reported attempt never exceeds the broker's count, so the
                // limit is always reached.
                if (messageId != null) {
                    giveBacks.forget(messageId);
                }
                rejectCounted();
                return;
            }
            Message dead = message.header("x-dead-letter-reason", reason)
                    .header("x-original-destination", queue)
                    .header("x-attempts", Integer.toString(attempt));
            publisher.publishTo(deadLetter, dead).whenComplete((r, e) -> {
                if (r != null && r.status() == dev.sluice.SendResult.Status.ACCEPTED) {
                    ack();
                } else if (r != null && r.status() == dev.sluice.SendResult.Status.REJECTED) {
                    // The dead-letter destination refused it (full, or an exchange no queue is
                    // bound to): not moved, and not moved again at once either, which would spin.
                    long delay = Math.max(policy.redeliveryDelay().toMillis(), 500);
                    try {
                        scheduler.schedule(this::requeue, delay, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException closing) {
                        requeue();
                    }
                } else {
                    requeue(); // not moved: try again on the next delivery
                }
            });
        }
    }
}
