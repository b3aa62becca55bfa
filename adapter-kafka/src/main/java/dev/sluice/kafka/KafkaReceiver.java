package dev.sluice.kafka;

import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.spi.BrokerDelivery;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.DeliverySink;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;

/**
 * One member of a consumer group: a thread of its own owns the {@code KafkaConsumer} and never
 * stops calling {@code poll}, so the group never evicts it, paused or not.
 * <ul>
 *   <li>It fetches only while it has credit and nothing fetched is waiting: otherwise every
 *       assigned partition is paused ({@code consumer.pause}), so at most
 *       {@code max.poll.records} (the batch size) wait in memory beyond the in-flight cap.
 *   <li>A pause gives back what was fetched and not handed out ({@code seek} to the first such
 *       offset): while paused the consumer's position does not move.
 *   <li>Partitions assigned in a rebalance are paused inside the rebalance callback, before the
 *       poll that assigned them can fetch, and resumed only when the loop decides to fetch: a
 *       paused member starts on none of them. On revocation the handlers of the revoked
 *       partitions' records get {@code revokeGraceMs} to finish, so that the commit covers them;
 *       records fetched for a revoked partition are dropped and never handed out, and
 *       settlements that arrive after the revocation are ignored (the partition's new owner has
 *       the records).
 *   <li>Offsets are committed up to the contiguous settled prefix of each partition
 *       ({@link PartitionTrack}), asynchronously at most every 100 ms as they move, and
 *       synchronously on revocation and close.
 *   <li>A nack keeps the record unsettled (so the commit stays below it) and hands it out again
 *       after the delay with the next attempt number.
 *   <li>With a maximum length (drop oldest), every 250 ms it compares its position with the end
 *       offsets of its partitions and seeks past the oldest records beyond the limit, reporting
 *       them as dropped.
 * </ul>
 */
final class KafkaReceiver implements BrokerReceiver {

    private static final long IDLE_POLL_MILLIS = 100;
    private static final long LENGTH_CHECK_NANOS = 250_000_000L;
    /** Offsets are committed asynchronously at most this often (and synchronously on revocation and close). */
    private static final long COMMIT_INTERVAL_NANOS = 100_000_000L;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaSession session;
    private final KafkaEndpoint endpoint;
    private final String group;
    private final String member;
    private final ConsumerPolicy policy;
    private final long maxLength;
    private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers;
    private final ConcurrentLinkedQueue<Runnable> settlements = new ConcurrentLinkedQueue<>();
    private final Object settlementSignal = new Object();
    /** Set while a revocation waits for handlers: only then does a settlement wake the poll thread. */
    private volatile boolean awaitingHandlers;

    // guarded by this
    private long credit;
    private boolean paused;
    private boolean stopped;

    private volatile Consumer<byte[], byte[]> consumer;
    private volatile boolean waitingForChange;
    private Thread thread;
    private DeliverySink sink;

    // the poll thread's own
    private final Map<TopicPartition, PartitionTrack> tracks = new HashMap<>();
    /** what the last polls fetched and the loop has not handed out yet, a partition's records at a time */
    private final ArrayDeque<Fetched> fetched = new ArrayDeque<>();
    private final PriorityQueue<Retry> retries = new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos, b.dueNanos));
    private long nextLengthCheck = System.nanoTime();
    private long nextCommit = System.nanoTime();

    /** Records of one partition fetched by one poll; {@code next} is the first not handed out. */
    private static final class Fetched {
        final TopicPartition partition;
        final PartitionTrack track;
        final List<ConsumerRecord<byte[], byte[]>> records;
        int next;

        Fetched(TopicPartition partition, PartitionTrack track, List<ConsumerRecord<byte[], byte[]>> records) {
            this.partition = partition;
            this.track = track;
            this.records = records;
        }

        long nextOffset() {
            return records.get(next).offset();
        }
    }

    private record Retry(ConsumerRecord<byte[], byte[]> record, PartitionTrack track, int attempt, long dueNanos) {
    }

    /** @param consumers makes the consumer from its configuration ({@code KafkaConsumer::new}) */
    KafkaReceiver(KafkaSession session, KafkaEndpoint endpoint, String group, String member, ConsumerPolicy policy,
                  long maxLength, Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers) {
        this.session = session;
        this.endpoint = endpoint;
        this.group = group;
        this.member = member;
        this.policy = policy;
        this.maxLength = maxLength;
        this.consumers = consumers;
    }

    @Override
    public void start(DeliverySink sink) {
        this.sink = sink;
        thread = new Thread(this::run, "sluice-kafka-" + member);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void request(int n) {
        synchronized (this) {
            credit += n;
        }
        wake();
    }

    @Override
    public void pause() {
        synchronized (this) {
            paused = true;
        }
        wake();
    }

    @Override
    public void resume() {
        synchronized (this) {
            paused = false;
        }
        wake();
    }

    /** Ends an idle poll early; a poll that fetches is not disturbed. */
    private void wake() {
        Consumer<byte[], byte[]> c = consumer;
        if (waitingForChange && c != null) {
            waitingForChange = false;
            c.wakeup();
        }
    }

    private void run() {
        try {
            consumer = consumers.apply(endpoint.consumerConfig(group, member));
            consumer.subscribe(List.of(endpoint.topic()), new Rebalance());
        } catch (KafkaException e) {
            sink.onError(e);
            return;
        }
        try {
            while (!isStopped()) {
                try {
                    pollOnce();
                } catch (WakeupException e) {
                    // state changed: look again
                } catch (InterruptException e) {
                    break;
                } catch (KafkaException e) {
                    sink.onError(e);
                    backOff();
                } catch (RuntimeException e) {
                    // Nothing may end this thread but a close: report it, and go on from the
                    // commit, which never passes an unsettled record.
                    sink.onError(e);
                    backOff();
                }
            }
        } finally {
            shutDown();
        }
    }

    private void pollOnce() {
        applySettlements();
        boolean pausedNow;
        synchronized (this) {
            pausedNow = paused;
        }
        if (pausedNow) {
            giveBackFetched();
        }
        trimToLength();
        if (!pausedNow) {
            handOut();
        }
        if (System.nanoTime() >= nextCommit) {
            nextCommit = System.nanoTime() + COMMIT_INTERVAL_NANOS;
            commit(tracks.keySet(), false);
        }
        boolean fetch = wantsRecords();
        if (!fetch) {
            // Idle until credit, a resume or a due retry: request() and resume() end the wait
            // with a wake-up from here on; what came before this flag was set is seen below.
            waitingForChange = true;
            fetch = wantsRecords();
        }
        long timeout = IDLE_POLL_MILLIS;
        if (fetch) {
            waitingForChange = false;
            timeout = Math.max(1, policy.pollTimeout().toMillis());
        }
        Set<TopicPartition> assigned = consumer.assignment();
        if (fetch) {
            consumer.resume(assigned);
        } else {
            consumer.pause(assigned);
        }
        Retry next = retries.peek();
        if (next != null) {
            timeout = Math.min(timeout, Math.max(1, (next.dueNanos - System.nanoTime()) / 1_000_000));
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(timeout));
        waitingForChange = false;
        for (TopicPartition tp : records.partitions()) {
            PartitionTrack track = tracks.get(tp);
            List<ConsumerRecord<byte[], byte[]>> taken = records.records(tp);
            if (track != null && !taken.isEmpty()) {
                fetched.add(new Fetched(tp, track, taken));
            }
        }
    }

    /** @return true when the loop should fetch: credit, no pause, nothing fetched waiting */
    private synchronized boolean wantsRecords() {
        return !paused && !stopped && credit > 0 && fetched.isEmpty();
    }

    private synchronized boolean isStopped() {
        return stopped;
    }

    private void backOff() {
        synchronized (this) {
            try {
                if (!stopped) {
                    wait(500);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void applySettlements() {
        Runnable s;
        while ((s = settlements.poll()) != null) {
            s.run();
        }
    }

    /**
     * Hands out due retries first, then what was fetched, while there is credit and no pause, as
     * one run.
     */
    private void handOut() {
        List<Delivery> run = new ArrayList<>();
        try {
            takeRun(run);
        } finally {
            if (!run.isEmpty()) {
                sink.onDeliveries(run);
            }
        }
    }

    /**
     * Takes the credit once for the run and gives back what it did not use: credit only grows
     * elsewhere ({@link #request}), so the run never hands out more than was granted.
     */
    private void takeRun(List<Delivery> run) {
        long allowance;
        synchronized (this) {
            if (paused || stopped || credit <= 0) {
                return;
            }
            allowance = credit;
        }
        try {
            while (run.size() < allowance) {
                Retry due = retries.peek();
                if (due != null && due.dueNanos <= System.nanoTime()) {
                    retries.poll();
                    if (!due.track.revoked()) {
                        due.track.handed(due.record.offset(), due.attempt);
                        run.add(new Delivery(due.record, due.track, due.attempt));
                    }
                } else {
                    Fetched batch = fetched.peek();
                    if (batch == null) {
                        return;
                    }
                    ConsumerRecord<byte[], byte[]> record = batch.records.get(batch.next++);
                    if (batch.next == batch.records.size()) {
                        fetched.poll();
                    }
                    int attempt = batch.track.attemptOf(record.offset());
                    batch.track.handed(record.offset(), attempt);
                    run.add(new Delivery(record, batch.track, attempt));
                }
            }
        } finally {
            synchronized (this) {
                credit -= run.size();
            }
        }
    }

    /** A pause gives back what was fetched and not handed out: the position goes back to it. */
    private void giveBackFetched() {
        if (fetched.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        for (Fetched f : fetched) {
            firstOffsets.putIfAbsent(f.partition, f.nextOffset());
        }
        fetched.clear();
        firstOffsets.forEach((tp, offset) -> {
            if (tracks.containsKey(tp)) {
                consumer.seek(tp, offset);
            }
        });
    }

    /** Drop oldest, emulated: seeks past the oldest records beyond the limit and reports them. */
    private void trimToLength() {
        if (maxLength <= 0 || tracks.isEmpty() || System.nanoTime() < nextLengthCheck) {
            return;
        }
        nextLengthCheck = System.nanoTime() + LENGTH_CHECK_NANOS;
        Map<TopicPartition, Long> ends = consumer.endOffsets(tracks.keySet(), CALL_TIMEOUT);
        Map<TopicPartition, Long> next = new HashMap<>();
        for (Fetched f : fetched) {
            next.putIfAbsent(f.partition, f.nextOffset());
        }
        long total = 0;
        Map<TopicPartition, Long> lags = new HashMap<>();
        for (TopicPartition tp : tracks.keySet()) {
            long from = next.containsKey(tp) ? next.get(tp) : consumer.position(tp, CALL_TIMEOUT);
            next.put(tp, from);
            long lag = Math.max(0, ends.getOrDefault(tp, from) - from);
            lags.put(tp, lag);
            total += lag;
        }
        if (total <= maxLength) {
            return;
        }
        Map<TopicPartition, Long> skips = LengthLimit.shareOut(lags, total - maxLength);
        skips.forEach((tp, skip) -> {
            if (skip > 0) {
                long target = next.get(tp) + skip;
                fetched.removeIf(f -> f.partition.equals(tp));
                consumer.seek(tp, target);
                tracks.get(tp).skippedTo(target);
            }
        });
        session.droppedForLength(total - maxLength);
    }

    private void commit(Collection<TopicPartition> partitions, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionTrack track = tracks.get(tp);
            if (track != null && track.needsCommit()) {
                offsets.put(tp, new OffsetAndMetadata(track.commitOffset(), track.commitMetadata()));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        offsets.forEach((tp, om) -> tracks.get(tp).committed(om.offset(), om.metadata()));
        if (sync) {
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    consumer.commitSync(offsets, CALL_TIMEOUT);
                    return;
                } catch (WakeupException e) {
                    // a wake-up is no reason to lose the commit: once more
                } catch (KafkaException e) {
                    return; // the records come again: at-least-once
                }
            }
        } else {
            consumer.commitAsync(offsets, (done, error) -> {
                if (error != null) {
                    offsets.forEach((tp, om) -> {
                        PartitionTrack track = tracks.get(tp);
                        if (track != null) {
                            track.committed(-2, ""); // commit again at the next turn
                        }
                    });
                }
            });
        }
    }

    /**
     * Gives the handlers of records from revoked partitions up to the grace period to settle,
     * so that the commit covers them and the partition's next owner does not get them again.
     * Records waiting for a redelivery are not waited for: the next owner delivers them.
     */
    private void awaitHandlers(Collection<TopicPartition> partitions) {
        long deadline = System.nanoTime() + endpoint.revokeGrace().toNanos();
        awaitingHandlers = true;
        try {
            awaitHandlersUntil(partitions, deadline);
        } finally {
            awaitingHandlers = false;
        }
    }

    private void awaitHandlersUntil(Collection<TopicPartition> partitions, long deadline) {
        applySettlements();
        while (inHandlers(partitions) > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            synchronized (settlementSignal) {
                if (settlements.isEmpty()) {
                    try {
                        settlementSignal.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
            applySettlements();
        }
    }

    private int inHandlers(Collection<TopicPartition> partitions) {
        int n = 0;
        for (TopicPartition tp : partitions) {
            PartitionTrack track = tracks.get(tp);
            if (track != null) {
                n += track.unsettledCount();
                for (Retry r : retries) {
                    if (r.track == track) {
                        n--;
                    }
                }
            }
        }
        return n;
    }

    private void settle(Runnable settlement) {
        settlements.add(settlement);
        if (awaitingHandlers) {
            synchronized (settlementSignal) {
                settlementSignal.notifyAll();
            }
        }
    }

    private void forget(Collection<TopicPartition> partitions) {
        Set<TopicPartition> gone = new HashSet<>(partitions);
        for (TopicPartition tp : gone) {
            PartitionTrack track = tracks.remove(tp);
            if (track != null) {
                track.revoke();
            }
        }
        fetched.removeIf(f -> gone.contains(f.partition));
        retries.removeIf(r -> r.track.revoked());
    }

    private void shutDown() {
        Consumer<byte[], byte[]> c = consumer;
        if (c == null) {
            return;
        }
        try {
            applySettlements();
            commit(new ArrayList<>(tracks.keySet()), true);
        } catch (RuntimeException e) {
            // the records come again: at-least-once
        } finally {
            try {
                c.close(CALL_TIMEOUT);
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            notifyAll();
        }
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(CALL_TIMEOUT.multipliedBy(3).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Runs on the poll thread, inside {@code poll}. */
    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            awaitHandlers(partitions);
            commit(partitions, true);
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // Paused before this poll can fetch them; the loop resumes them when it wants records.
            consumer.pause(partitions);
            Map<TopicPartition, OffsetAndMetadata> committed = Map.of();
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    committed = consumer.committed(new HashSet<>(partitions), CALL_TIMEOUT);
                    break;
                } catch (WakeupException e) {
                    // once more
                } catch (KafkaException e) {
                    break; // no attempt hints: records count from attempt 1
                }
            }
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata om = committed.get(tp);
                tracks.put(tp, new PartitionTrack(om == null ? -1 : om.offset(), om == null ? null : om.metadata()));
            }
        }
    }

    private final class Delivery implements BrokerDelivery {
        private final ConsumerRecord<byte[], byte[]> record;
        private final PartitionTrack track;
        private final int attempt;
        private final Message message;
        private final String malformed;

        Delivery(ConsumerRecord<byte[], byte[]> record, PartitionTrack track, int attempt) {
            this.record = record;
            this.track = track;
            this.attempt = attempt;
            KafkaCodec.Decoded decoded = KafkaCodec.decode(record);
            this.message = decoded.message();
            this.malformed = decoded.malformed();
        }

        @Override
        public String malformed() {
            return malformed;
        }

        @Override
        public Object nativeDelivery() {
            return record;
        }

        @Override
        public Message message() {
            return message;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public String id() {
            return record.topic() + "-" + record.partition() + "@" + record.offset();
        }

        @Override
        public void ack() {
            settle(() -> {
                if (!track.revoked()) {
                    track.settled(record.offset());
                }
            });
        }

        @Override
        public void nack(Duration delay) {
            long due = System.nanoTime() + delay.toNanos();
            settle(() -> {
                if (!track.revoked()) {
                    retries.add(new Retry(record, track, attempt + 1, due));
                }
            });
            wake();
        }

        /** Handed out again first, with the same attempt; the commit waits for it meanwhile. */
        @Override
        public void release() {
            long now = System.nanoTime();
            settle(() -> {
                if (!track.revoked()) {
                    retries.add(new Retry(record, track, attempt, now));
                }
            });
            wake();
        }

        @Override
        public void deadLetter(String reason) {
            session.deadLetter(message, reason, attempt, record);
            ack();
        }
    }
}
