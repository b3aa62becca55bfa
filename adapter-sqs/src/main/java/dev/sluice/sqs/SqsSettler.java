package dev.sluice.sqs;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;

/**
 * A session's settlements, sent from a thread of their own so that no handler waits for a
 * round trip: acks as {@code DeleteMessageBatch}, nacks and give-backs as
 * {@code ChangeMessageVisibilityBatch}, up to {@value #MAX_BATCH} entries a request, merging
 * whatever queued while the previous request was out. Each request attempt is bounded by the
 * attempt timeout and tried {@value #MAX_ATTEMPTS} times at most; an entry SQS refuses as the
 * sender's fault (an expired receipt handle) is not tried again. A settlement that is given up
 * leaves the message as it was: it comes back when its visibility timeout ends (at-least-once).
 *
 * <p>Every settlement's {@code done} runs once, on the settle thread, when SQS answered it or it
 * was given up; the receiver counts the delivery in flight until then, so the in-flight cap holds
 * as SQS counts ({@code ApproximateNumberOfMessagesNotVisible}). {@link #close(Duration)} sends
 * what is queued, within its timeout, and gives up the rest. Thread-safe.
 */
final class SqsSettler implements AutoCloseable {

    /** The most entries one SQS batch request takes. */
    static final int MAX_BATCH = 10;
    /** Attempts per request before its entries are given up. */
    static final int MAX_ATTEMPTS = 3;

    private static final Settlement STOP = new Settlement(null, -1, null);

    private final SqsClient sqs;
    private final String queueUrl;
    private final Duration attemptTimeout;
    private final BlockingQueue<Settlement> queue = new LinkedBlockingQueue<>();
    /** Taken from the queue but not of the kind of the request being filled (the settle thread's own). */
    private final ArrayDeque<Settlement> held = new ArrayDeque<>();
    private final Thread thread;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong givenUp = new AtomicLong();
    private volatile boolean closing;
    /** Set by the settle thread before its last look at the queue: a later settlement is given up by its submitter. */
    private volatile boolean stopped;
    private volatile long giveUpAfterNanos = Long.MAX_VALUE;

    /**
     * @param attemptTimeout the longest one request attempt may take
     */
    SqsSettler(SqsClient sqs, String queueUrl, Duration attemptTimeout, String name) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
        Objects.requireNonNull(attemptTimeout, "attemptTimeout");
        if (attemptTimeout.isZero() || attemptTimeout.isNegative()) {
            throw new IllegalArgumentException("attemptTimeout (" + attemptTimeout + ") must be positive");
        }
        this.attemptTimeout = attemptTimeout;
        this.thread = new Thread(this::run, "sluice-sqs-settle-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a {@code DeleteMessage}; {@code done} runs once SQS answered it or it was given up. */
    void delete(String receiptHandle, Runnable done) {
        submit(new Settlement(receiptHandle, -1, done));
    }

    /**
     * Queues a {@code ChangeMessageVisibility} to {@code seconds}; {@code done} runs once SQS
     * answered it or it was given up.
     */
    void changeVisibility(String receiptHandle, int seconds, Runnable done) {
        if (seconds < 0 || seconds > 43_200) {
            throw new IllegalArgumentException("seconds (" + seconds + ") must be from 0 to 43200");
        }
        submit(new Settlement(receiptHandle, seconds, done));
    }

    private void submit(Settlement s) {
        Objects.requireNonNull(s.receipt, "receiptHandle");
        Objects.requireNonNull(s.done, "done");
        queue.add(s);
        if (stopped && queue.remove(s)) {
            finish(List.of(s), false); // closed: it comes back after its visibility timeout
        }
    }

    /** @return batch requests sent (attempts included) */
    long requests() {
        return requests.get();
    }

    /** @return settlements SQS answered */
    long answered() {
        return answered.get();
    }

    /** @return settlements given up (their messages come back after their visibility timeout) */
    long givenUp() {
        return givenUp.get();
    }

    private void run() {
        while (true) {
            Settlement first;
            try {
                first = held.isEmpty() ? queue.take() : held.poll();
            } catch (InterruptedException e) { // only a close out of time interrupts: give up the rest
                drainOnStop();
                return;
            }
            if (first == STOP) {
                drainOnStop();
                return;
            }
            List<Settlement> batch = new ArrayList<>(MAX_BATCH);
            batch.add(first);
            for (Iterator<Settlement> it = held.iterator(); it.hasNext() && batch.size() < MAX_BATCH; ) {
                Settlement s = it.next();
                if (s.sameRequestAs(first)) {
                    batch.add(s);
                    it.remove();
                }
            }
            Settlement s;
            while (batch.size() < MAX_BATCH && (s = queue.poll()) != null) {
                if (s != STOP && s.sameRequestAs(first)) {
                    batch.add(s);
                } else {
                    held.add(s);
                }
            }
            send(batch);
        }
    }

    /** After STOP: what was held or queued before it is sent as long as the close allows. */
    private void drainOnStop() {
        stopped = true;
        List<Settlement> rest = new ArrayList<>(held);
        held.clear();
        queue.drainTo(rest);
        rest.remove(STOP);
        while (!rest.isEmpty()) {
            Settlement first = rest.get(0);
            List<Settlement> batch = new ArrayList<>(MAX_BATCH);
            for (Iterator<Settlement> it = rest.iterator(); it.hasNext() && batch.size() < MAX_BATCH; ) {
                Settlement s = it.next();
                if (s.sameRequestAs(first)) {
                    batch.add(s);
                    it.remove();
                }
            }
            send(batch);
        }
    }

    private void send(List<Settlement> batch) {
        List<Settlement> left = batch;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS && !left.isEmpty(); attempt++) {
            if (System.nanoTime() - giveUpAfterNanos > 0) {
                break; // closing, and out of time
            }
            if (attempt > 1) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50L * (attempt - 1))); // a short backoff
            }
            requests.incrementAndGet();
            try {
                left = attempt(left);
            } catch (IllegalStateException closed) { // the client was closed under a closing session
                break;
            } catch (RuntimeException e) {
                // SdkException (the attempt timed out, the connection failed, SQS erred): tried again
            }
        }
        finish(left, false);
    }

    /** @return the settlements to try again */
    private List<Settlement> attempt(List<Settlement> batch) {
        List<BatchResultErrorEntry> failed;
        if (batch.get(0).deletes()) {
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i)).receiptHandle(batch.get(i).receipt).build());
            }
            DeleteMessageBatchResponse r = sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(entries)
                    .overrideConfiguration(c -> c.apiCallTimeout(attemptTimeout)));
            failed = r.failed();
        } else {
            int seconds = batch.get(0).seconds;
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(batch.get(i).receipt).visibilityTimeout(seconds).build());
            }
            ChangeMessageVisibilityBatchResponse r = sqs.changeMessageVisibilityBatch(b -> b.queueUrl(queueUrl).entries(entries)
                    .overrideConfiguration(c -> c.apiCallTimeout(attemptTimeout)));
            failed = r.failed();
        }
        List<Settlement> again = new ArrayList<>();
        List<Settlement> refused = new ArrayList<>();
        boolean[] notDone = new boolean[batch.size()];
        for (BatchResultErrorEntry f : failed) {
            int i;
            try {
                i = Integer.parseInt(f.id());
            } catch (NumberFormatException e) {
                continue; // not an id this request gave: nothing to match
            }
            if (i < 0 || i >= batch.size() || notDone[i]) {
                continue;
            }
            notDone[i] = true;
            (Boolean.TRUE.equals(f.senderFault()) ? refused : again).add(batch.get(i));
        }
        List<Settlement> ok = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            if (!notDone[i]) {
                ok.add(batch.get(i));
            }
        }
        finish(ok, true);
        finish(refused, false); // an expired receipt: SQS has made the message visible again or deleted it
        return again;
    }

    private void finish(List<Settlement> settled, boolean ok) {
        for (Settlement s : settled) {
            (ok ? answered : givenUp).incrementAndGet();
            try {
                s.done.run();
            } catch (RuntimeException ignored) {
                // the receiver's bookkeeping; it must not stop the settle thread
            }
        }
    }

    /**
     * Sends what is queued, within {@code timeout}, then stops; what is left is given up (its
     * messages come back after their visibility timeout). Settlements queued after the close are
     * given up at once.
     */
    void close(Duration timeout) {
        if (closing) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        giveUpAfterNanos = deadline;
        closing = true;
        queue.add(STOP);
        try {
            thread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Out of time: the attempt under way is abandoned (the session closes the client next)
        // and whatever the thread had not sent yet is given up as it ends.
        thread.interrupt();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    /** One delete ({@code seconds < 0}) or visibility change, and what runs once it is settled. */
    private record Settlement(String receipt, int seconds, Runnable done) {
        boolean deletes() {
            return seconds < 0;
        }

        boolean sameRequestAs(Settlement other) {
            return seconds == other.seconds;
        }
    }
}
