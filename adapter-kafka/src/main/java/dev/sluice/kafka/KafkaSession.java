package dev.sluice.kafka;

import dev.sluice.BacklogLimit;
import dev.sluice.Capability;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.StrategyMapping;
import dev.sluice.StrategyMapping.Strategy;
import dev.sluice.flow.DropReason;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.BrokerSender;
import dev.sluice.spi.BrokerSession;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * A channel's clients for one topic: the producer, an admin client, and one consumer per
 * receiver. In the background (every {@value #REFRESH_MILLIS} ms, never per send, on two threads so
 * that a slow offsets call never delays the watch of the replicas) it reads the
 * topic's end and start offsets and the committed offsets of the channel's groups, which make
 * the backlog (the busiest group's lag: end minus committed), the producer's
 * {@code produce-throttle-time-max}, which shows a broker quota throttling the producer, and
 * each partition's leader and in-sync replicas, which show the brokers refusing {@code acks=all}
 * writes: a partition without a leader, or with fewer in-sync replicas than the topic's
 * {@code min.insync.replicas}, holds the producer as broker pressure until it has them again.
 */
final class KafkaSession implements BrokerSession {

    static final long REFRESH_MILLIS = 250;

    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(
            Capability.PER_KEY_ORDER, Capability.REDELIVERY, Capability.DEAD_LETTER, Capability.CONSUMER_GROUPS,
            Capability.INDEPENDENT_GROUPS,
            Capability.REBALANCE, Capability.BROKER_PRESSURE_SIGNAL, Capability.BACKLOG_SIGNAL,
            Capability.BACKLOG_DROP_OLDEST, Capability.BACKLOG_REJECT_NEWEST, Capability.BACKLOG_MAX_AGE));

    private final ChannelSpec spec;
    private final KafkaEndpoint endpoint;
    private final BrokerEvents events;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaSender sender;
    private final TopicSetup topicSetup;
    private final List<KafkaReceiver> receivers = new CopyOnWriteArrayList<>();
    private final Set<String> groups = ConcurrentHashMap.newKeySet();
    /** partition → the offset after the last record this producer had confirmed */
    private final Map<Integer, Long> confirmedEnds = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher;
    private final MetricName throttleMetric;
    private volatile int partitionCount;
    private volatile Offsets offsets;
    private volatile long backlog = -1;
    private volatile boolean closed;

    /** The last figures read from the broker. */
    private record Offsets(Map<Integer, Long> ends, Map<Integer, Long> starts, Map<String, Map<Integer, Long>> committed) {
    }

    KafkaSession(ChannelSpec spec, KafkaEndpoint endpoint, Admin admin, TopicSetup topicSetup, BrokerEvents events) {
        this.spec = spec;
        this.endpoint = endpoint;
        this.events = events;
        this.admin = admin;
        this.topicSetup = topicSetup;
        this.partitionCount = topicSetup.partitions();
        endpoint.group().ifPresent(groups::add);
        this.producer = new KafkaProducer<>(endpoint.producerConfig());
        this.throttleMetric = producer.metrics().keySet().stream()
                .filter(n -> n.name().equals("produce-throttle-time-max") && n.group().equals("producer-metrics"))
                .findFirst().orElse(null);
        long rejectAbove = spec.backlog()
                .filter(b -> b.maxLength().isPresent() && b.whenFull() == BacklogLimit.WhenFull.REJECT_NEWEST)
                .map(b -> b.maxLength().getAsLong()).orElse(0L);
        this.sender = new KafkaSender(producer, this, endpoint.topic(), events, topicSetup.maxPayloadBytes(), rejectAbove);
        watch();
        readOffsets(); // a length limit needs a first figure before the first send
        java.util.concurrent.atomic.AtomicInteger threads = new java.util.concurrent.atomic.AtomicInteger();
        this.refresher = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "sluice-kafka-refresh-" + threads.incrementAndGet() + "-" + endpoint.topic());
            t.setDaemon(true);
            return t;
        });
        // Two threads: offsets calls wait on a dead group coordinator or partition leader for up to
        // the connect timeout, which must not delay noticing the replicas falling short.
        this.refresher.scheduleWithFixedDelay(this::watchQuietly, REFRESH_MILLIS, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
        this.refresher.scheduleWithFixedDelay(this::readOffsetsQuietly, REFRESH_MILLIS, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public BrokerSender sender() {
        return sender;
    }

    @Override
    public BrokerReceiver receiver(String group, String consumerName) {
        groups.add(group);
        topicSetup.ensureDeadLetterTopic();
        long maxLength = spec.backlog()
                .filter(b -> b.maxLength().isPresent() && b.whenFull() == BacklogLimit.WhenFull.DROP_OLDEST)
                .map(b -> b.maxLength().getAsLong()).orElse(0L);
        KafkaReceiver r = new KafkaReceiver(this, endpoint, group, consumerName, spec.consumer(), maxLength, KafkaConsumer::new);
        receivers.add(r);
        return r;
    }

    int partitionCount() {
        return partitionCount;
    }

    /** A send was confirmed at {@code offset}: the topic's end is past it, whatever the last refresh read. */
    void confirmed(int partition, long offset) {
        confirmedEnds.merge(partition, offset + 1, Math::max);
    }

    void droppedForLength(long count) {
        events.dropped(count, DropReason.BACKLOG_TRIMMED);
    }

    /** Sends the message to the dead-letter topic and waits for the broker to confirm it. */
    void deadLetter(Message message, String reason, int attempts, ConsumerRecord<byte[], byte[]> from) {
        Message dead = message.header("x-dead-letter-reason", reason)
                .header("x-original-destination", from.topic() + "-" + from.partition() + "@" + from.offset())
                .header("x-attempts", Integer.toString(attempts));
        ProducerRecord<byte[], byte[]> record = KafkaCodec.encode(endpoint.deadLetterTopic(), null, dead);
        try {
            producer.send(record).get(spec.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering " + from.topic() + "@" + from.offset(), e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // Not acked then: the record stays unsettled and comes again.
            throw new IllegalStateException("the dead-letter topic '" + endpoint.deadLetterTopic() + "' did not take the record: " + e, e);
        }
    }

    /**
     * @return the backlog a reject-newest limit counts: the busiest group's lag (the whole
     *     retained topic when the channel knows no group), with this producer's confirmed sends
     *     counted even when the last refresh missed them
     */
    long estimatedBacklog() {
        Offsets o = offsets;
        if (o == null) {
            return 0;
        }
        Map<Integer, Long> ends = new HashMap<>(o.ends());
        confirmedEnds.forEach((p, end) -> ends.merge(p, end, Math::max));
        if (o.committed().isEmpty()) {
            return lag(ends, o.starts(), Map.of());
        }
        long max = 0;
        for (Map<Integer, Long> committed : o.committed().values()) {
            max = Math.max(max, lag(ends, o.starts(), committed));
        }
        return max;
    }

    private static long lag(Map<Integer, Long> ends, Map<Integer, Long> starts, Map<Integer, Long> committed) {
        long lag = 0;
        for (Map.Entry<Integer, Long> e : ends.entrySet()) {
            long from = Math.max(starts.getOrDefault(e.getKey(), 0L), committed.getOrDefault(e.getKey(), 0L));
            lag += Math.max(0, e.getValue() - from);
        }
        return lag;
    }

    /**
     * Reads the throttle metric and the topic's partitions, leaders and in-sync replicas; also
     * tells the channel whether the cluster answers: its health is DOWN while it does not.
     */
    private void watchQuietly() {
        try {
            watch();
            events.reachable();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException
                    || cause instanceof org.apache.kafka.common.errors.DisconnectException
                    || cause instanceof java.util.concurrent.TimeoutException) {
                events.unreachable("Kafka at " + endpoint.bootstrap() + ": " + cause.getMessage());
            } else {
                events.reachable(); // it answered, with an error
            }
        }
    }

    private void readOffsetsQuietly() {
        try {
            readOffsets();
        } catch (RuntimeException e) {
            // keep the last figures, try again at the next refresh; the watch says whether the cluster answers
        }
    }

    private void watch() {
        checkThrottle();
        try {
            List<TopicPartitionInfo> described = answer(admin.describeTopics(List.of(endpoint.topic())).allTopicNames())
                    .get(endpoint.topic()).partitions();
            partitionCount = described.size();
            sender.replicasShort(replicasShort(described));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the end and start offsets and the groups' committed offsets, asked for at once. */
    private void readOffsets() {
        try {
            int partitions = partitionCount;
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(endpoint.topic(), p), OffsetSpec.latest());
                earliest.put(new TopicPartition(endpoint.topic(), p), OffsetSpec.earliest());
            }
            var endsAsked = admin.listOffsets(latest).all();
            var startsAsked = admin.listOffsets(earliest).all();
            Map<String, org.apache.kafka.common.KafkaFuture<Map<TopicPartition, OffsetAndMetadata>>> committedAsked = new HashMap<>();
            for (String group : groups) {
                committedAsked.put(group, admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
            }
            Map<Integer, Long> ends = byPartition(answer(endsAsked));
            Map<Integer, Long> starts = byPartition(answer(startsAsked));
            Map<String, Map<Integer, Long>> committed = new HashMap<>();
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Map<TopicPartition, OffsetAndMetadata>>> g
                    : committedAsked.entrySet()) {
                Map<Integer, Long> c = new HashMap<>();
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e : answer(g.getValue()).entrySet()) {
                    if (e.getKey().topic().equals(endpoint.topic()) && e.getValue() != null) {
                        c.put(e.getKey().partition(), e.getValue().offset());
                    }
                }
                committed.put(g.getKey(), c);
            }
            offsets = new Offsets(ends, starts, committed);
            backlog = groups.isEmpty() ? lag(ends, starts, Map.of()) : estimatedBacklog();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits for an admin call at most the connect timeout. The admin client's own timeouts do not
     * always end a call: in a soak one {@code describeTopics} never completed after a broker
     * restart, and the refresher thread waiting on it for good also stopped the throttle check, so
     * a producer throttled once stayed held.
     */
    private <T> T answer(org.apache.kafka.common.KafkaFuture<T> call)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        try {
            return call.get(spec.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            call.cancel(true);
            throw e;
        }
    }

    /** @return why the brokers refuse {@code acks=all} writes to a partition of the topic now, or null */
    private String replicasShort(List<TopicPartitionInfo> partitions) {
        int minIsr = topicSetup.minInSyncReplicas();
        for (TopicPartitionInfo p : partitions) {
            if (p.leader() == null || p.leader().isEmpty()) {
                return "partition " + p.partition() + " of Kafka topic '" + endpoint.topic() + "' has no leader";
            }
            if (p.isr().size() < minIsr) {
                return "partition " + p.partition() + " of Kafka topic '" + endpoint.topic() + "' has " + p.isr().size()
                        + " in-sync replica(s), fewer than min.insync.replicas=" + minIsr
                        + ": the brokers refuse acks=all writes (NOT_ENOUGH_REPLICAS)";
            }
        }
        return null;
    }

    private static Map<Integer, Long> byPartition(Map<TopicPartition, ListOffsetsResultInfo> offsets) {
        Map<Integer, Long> m = new HashMap<>();
        offsets.forEach((tp, info) -> m.put(tp.partition(), info.offset()));
        return m;
    }

    private void checkThrottle() {
        if (throttleMetric == null) {
            return;
        }
        Metric m = producer.metrics().get(throttleMetric);
        Object v = m == null ? null : m.metricValue();
        sender.throttled(v instanceof Double d && !d.isNaN() && d > 0);
    }

    @Override
    public long backlog() {
        return backlog;
    }

    @Override
    public List<StrategyMapping> mapping() {
        ConsumerPolicy c = spec.consumer();
        List<StrategyMapping> m = new ArrayList<>();
        m.add(StrategyMapping.nativeKnob(Strategy.PULL_BATCH, "max.poll.records=" + c.batchSize()));
        m.add(StrategyMapping.nativeKnob(Strategy.WAIT_FOR_DATA, "poll(" + c.pollTimeout().toMillis() + " ms)"));
        m.add(StrategyMapping.nativeKnob(Strategy.IN_FLIGHT_CAP, "consumer.pause(assigned partitions) while "
                + c.inFlightCapText() + " are in flight; at most max.poll.records more fetched"));
        m.add(StrategyMapping.nativeKnob(Strategy.PAUSE_RESUME, "consumer.pause / resume, poll() kept running so the group"
                + " keeps the member; partitions assigned in a rebalance paused in onPartitionsAssigned"));
        m.add(StrategyMapping.nativeKnob(Strategy.PRODUCER_BLOCK, "buffer.memory + max.block.ms, idempotent, acks=all;"
                + " at most " + spec.producer().maxInFlight() + " sends unconfirmed"));
        m.add(StrategyMapping.nativeKnob(Strategy.BROKER_PRESSURE, "produce-throttle-time-max > 0 (broker quota),"
                + " max.block.ms / delivery.timeout.ms expired, a partition without a leader or with fewer in-sync replicas than"
                + " min.insync.replicas=" + topicSetup.minInSyncReplicas() + " (NOT_ENOUGH_REPLICAS)"));
        m.add(StrategyMapping.nativeKnob(Strategy.GIVE_BACK, "record handed out again by the member, attempt"
                + " unchanged; the commit waits for it"));
        m.add(StrategyMapping.nativeKnob(Strategy.REDELIVERY, "offsets committed up to the contiguous acked prefix per"
                + " partition; a nack hands the record out again after " + c.redeliveryDelay().toMillis() + " ms"));
        m.add(StrategyMapping.nativeKnob(Strategy.DEAD_LETTER, "attempt >= " + c.maxAttempts() + ": produce to '"
                + endpoint.deadLetterTopic() + "', then ack"));
        m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_SIGNAL, "lag: end offsets - committed offsets (admin client)"));
        m.add(StrategyMapping.nativeKnob(Strategy.CONSUMER_GROUPS, "group.id = the group: each group reads every record, members share the partitions"));
        spec.producer().rateLimit().ifPresent(r -> m.add(StrategyMapping.emulated(Strategy.RATE_LIMIT,
                r + " in the gate: broker quotas are per client, not per channel")));
        spec.backlog().ifPresent(limit -> {
            limit.maxLength().ifPresent(n -> m.add(limit.whenFull() == BacklogLimit.WhenFull.DROP_OLDEST
                    ? StrategyMapping.emulated(Strategy.BACKLOG_DROP_OLDEST, "each consumer seeks past the oldest records"
                            + " beyond " + n + " of its partitions' lag and reports them dropped; Kafka keeps them until retention")
                    : StrategyMapping.emulated(Strategy.BACKLOG_REJECT_NEWEST, "refused when the groups' lag plus"
                            + " unconfirmed sends reaches " + n + "; Kafka has no length limit")));
            limit.maxAge().ifPresent(a -> m.add(StrategyMapping.nativeKnob(Strategy.BACKLOG_MAX_AGE,
                    "topic retention.ms=" + a.toMillis())));
        });
        m.add(StrategyMapping.emulated(Strategy.PRIORITY, "Kafka partitions are logs: priority orders the producer's buffer only"));
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
        receivers.forEach(KafkaReceiver::close);
        refresher.shutdownNow();
        try {
            refresher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(spec.closeTimeout());
        admin.close(spec.closeTimeout());
    }

}
