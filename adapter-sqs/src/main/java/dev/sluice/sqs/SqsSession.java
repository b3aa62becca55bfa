package dev.sluice.sqs;

import dev.sluice.BrokerUnavailableException;
import dev.sluice.Capability;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.StrategyMapping;
import dev.sluice.StrategyMapping.Strategy;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.BrokerSender;
import dev.sluice.spi.BrokerSession;
import dev.sluice.spi.GiveBacks;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A channel's client for one SQS queue. The depth ({@code ApproximateNumberOfMessages}) is read
 * every {@value #REFRESH_MILLIS} ms and cached, never queried per send; the same timer extends
 * the visibility of messages whose handlers still run. Acks and nacks go out on the session's
 * {@link SqsSettler} thread.
 */
final class SqsSession implements BrokerSession {

    static final long REFRESH_MILLIS = 250;

    private final ChannelSpec spec;
    private final BrokerEvents events;
    private final SqsEndpoint endpoint;
    private final SqsClient sqs;
    private final String queueUrl;
    /** Resolved (and the queue made, if missing) when a message is first dead-lettered. */
    private volatile String deadLetterUrl;
    private final String deadLetterName;
    private final SqsSender sender;
    private final SqsSettler settler;
    private final ScheduledExecutorService timer;
    private final List<SqsReceiver> receivers = new CopyOnWriteArrayList<>();
    private final GiveBacks giveBacks = new GiveBacks();
    private final AtomicLong sentTotal = new AtomicLong();
    private volatile long depth = -1;
    private int ambiguousReads; // the refresh thread's own
    private volatile long sentWhenDepthRead;
    private volatile boolean closed;

    SqsSession(ChannelSpec spec, SqsEndpoint endpoint, SqsClient sqs, String queueUrl, String deadLetterName,
               int maxMessageBytes, BrokerEvents events) {
        this.spec = spec;
        this.events = events;
        this.endpoint = endpoint;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.deadLetterName = deadLetterName;

        long maxLength = spec.backlog().flatMap(b -> b.maxLength().isPresent()
                ? java.util.Optional.of(b.maxLength().getAsLong()) : java.util.Optional.empty()).orElse(0L);
        // The body is Base64: the largest payload whose encoding fits, less room for attributes.
        int maxPayload = Math.max(0, (maxMessageBytes - 2_048) / 4 * 3);
        this.sender = new SqsSender(sqs, queueUrl, endpoint.fifo(), maxPayload, maxLength, this::estimatedDepth,
                sentTotal::incrementAndGet, events);
        this.settler = new SqsSettler(sqs, queueUrl, spec.connectTimeout(), endpoint.queue());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-sqs-" + endpoint.queue());
            t.setDaemon(true);
            return t;
        });
        readDepth();
        timer.scheduleWithFixedDelay(this::readDepth, REFRESH_MILLIS, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Also tells the channel whether SQS answers (within the connect timeout): its health is DOWN while it does not. */
    private void readDepth() {
        long sentBefore = sentTotal.get();
        try {
            String n = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)
                            .overrideConfiguration(c -> c.apiCallTimeout(spec.connectTimeout())))
                    .attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
            events.reachable();
            if (sentTotal.get() != sentBefore && ++ambiguousReads < 4) {
                // A send was confirmed while SQS counted: it may be in the figure or not, and the
                // estimate would count it twice. Keep the last figure for a quieter read, but not
                // for long: under a steady stream the figure must still follow the consumers.
                return;
            }
            ambiguousReads = 0;
            sentWhenDepthRead = sentBefore;
            depth = Long.parseLong(n);
        } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
            events.unreachable(BrokerUnavailableException.of("SQS at " + endpoint.endpoint(), spec.connectTimeout(), e).getMessage());
        } catch (SdkException | NumberFormatException e) {
            events.reachable(); // it answered, with an error: keep the last figure
        }
    }

    /** The cached depth plus what was sent since it was read: what a length limit is checked against. */
    private long estimatedDepth() {
        return Math.max(0, depth) + (sentTotal.get() - sentWhenDepthRead);
    }

    void extendWhileRunning(SqsReceiver r) {
        long every = Math.max(500, endpoint.visibilityTimeoutSeconds() * 1000L / 2);
        timer.scheduleWithFixedDelay(() -> {
            if (!r.isStopped()) {
                r.extendVisibility();
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    void deadLetter(Message message, String reason, int attempts) {
        Message dead = message.header("x-dead-letter-reason", reason)
                .header("x-original-destination", endpoint.queue())
                .header("x-attempts", Integer.toString(attempts));
        String url = deadLetterUrl();
        SqsCodec.Encoded encoded = SqsCodec.encode(dead);
        sqs.sendMessage(r -> {
            r.queueUrl(url).messageBody(encoded.body()).messageAttributes(encoded.attributes());
            if (deadLetterName.endsWith(".fifo")) {
                r.messageGroupId("sluice").messageDeduplicationId(java.util.UUID.randomUUID().toString());
            }
        });
    }

    private String deadLetterUrl() {
        String url = deadLetterUrl;
        if (url == null) {
            try {
                url = sqs.getQueueUrl(r -> r.queueName(deadLetterName)).queueUrl();
            } catch (software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException e) {
                java.util.Map<software.amazon.awssdk.services.sqs.model.QueueAttributeName, String> attributes =
                        deadLetterName.endsWith(".fifo")
                                ? java.util.Map.of(software.amazon.awssdk.services.sqs.model.QueueAttributeName.FIFO_QUEUE, "true")
                                : java.util.Map.of();
                url = sqs.createQueue(r -> r.queueName(deadLetterName).attributes(attributes)).queueUrl();
            }
            deadLetterUrl = url;
        }
        return url;
    }

    @Override
    public BrokerSender sender() {
        return sender;
    }

    @Override
    public BrokerReceiver receiver(String group, String consumerName) {
        SqsReceiver r = new SqsReceiver(this, settler, sqs, queueUrl, spec.consumer(), endpoint.visibilityTimeoutSeconds(), giveBacks);
        receivers.add(r);
        return r;
    }

    @Override
    public long backlog() {
        return depth;
    }

    @Override
    public List<StrategyMapping> mapping() {
        ConsumerPolicy c = spec.consumer();
        List<StrategyMapping> m = new ArrayList<>();
        m.add(StrategyMapping.nativeKnob(Strategy.PULL_BATCH, "ReceiveMessage MaxNumberOfMessages=min(10, cap - in flight)"));
        m.add(StrategyMapping.nativeKnob(Strategy.WAIT_FOR_DATA, "long polling WaitTimeSeconds="
                + Math.min(20, (c.pollTimeout().toMillis() + 999) / 1000)));
        m.add(StrategyMapping.nativeKnob(Strategy.IN_FLIGHT_CAP, "receive only cap - in flight (" + c.inFlightCapText() + ")"));
        m.add(StrategyMapping.nativeKnob(Strategy.PAUSE_RESUME, "stop / restart polling"));
        m.add(StrategyMapping.emulated(Strategy.GIVE_BACK, "ChangeMessageVisibility(0); SQS counts the receive in"
                + " ApproximateReceiveCount, the attempt reported leaves out this process's give-backs"));
        m.add(StrategyMapping.nativeKnob(Strategy.PRODUCER_BLOCK, "SendMessageBatch, one request at a time"));
        m.add(StrategyMapping.nativeKnob(Strategy.BROKER_PRESSURE, "throttling (429, ThrottlingException)"));
        m.add(StrategyMapping.nativeKnob(Strategy.REDELIVERY, "ChangeMessageVisibility(" + c.redeliveryDelay().toSeconds()
                + " s) to nack; visibility extended while the handler runs"));
        m.add(StrategyMapping.emulated(Strategy.DEAD_LETTER, "after ApproximateReceiveCount >= " + c.maxAttempts()
                + " sent to queue '" + deadLetterName + "' and deleted (a queue's own redrive policy also works)"));
        m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_SIGNAL, "ApproximateNumberOfMessages, cached"));
        m.add(StrategyMapping.unsupported(Strategy.CONSUMER_GROUPS, "one queue that every consumer shares: a second group is refused"
                + " (fan out with an SNS topic and a queue per group, each its own channel)"));
        spec.producer().rateLimit().ifPresent(r -> m.add(StrategyMapping.emulated(Strategy.RATE_LIMIT, r + " in the gate")));
        spec.backlog().ifPresent(limit -> {
            limit.maxLength().ifPresent(n -> m.add(limit.whenFull() == dev.sluice.BacklogLimit.WhenFull.DROP_OLDEST
                    ? StrategyMapping.unsupported(Strategy.BACKLOG_DROP_OLDEST,
                            "SQS cannot remove its oldest messages; the limit is not applied")
                    : StrategyMapping.emulated(Strategy.BACKLOG_REJECT_NEWEST,
                            "refused when the cached depth plus recent sends reaches " + n)));
            limit.maxAge().ifPresent(a -> m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_MAX_AGE,
                    "MessageRetentionPeriod=" + a.toSeconds())));
        });
        if (endpoint.fifo()) {
            m.add(StrategyMapping.nativeKnob(Strategy.PRIORITY, "FIFO: MessageGroupId from the key, order kept per key"));
        }
        return List.copyOf(m);
    }

    @Override
    public Set<Capability> capabilities() {
        EnumSet<Capability> c = EnumSet.of(Capability.REDELIVERY, Capability.DEAD_LETTER, Capability.CONSUMER_GROUPS,
                Capability.BROKER_PRESSURE_SIGNAL, Capability.BACKLOG_SIGNAL, Capability.BACKLOG_REJECT_NEWEST,
                Capability.BACKLOG_MAX_AGE);
        if (endpoint.fifo()) {
            c.add(Capability.PER_KEY_ORDER);
        }
        return Set.copyOf(c);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        receivers.forEach(SqsReceiver::close);
        sender.close();
        settler.close(spec.closeTimeout()); // the handlers are done: what they settled is sent
        timer.shutdownNow();
        sqs.close();
    }
}
