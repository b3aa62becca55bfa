package dev.sluice.sqs;

import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.spi.BrokerDelivery;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.DeliverySink;
import dev.sluice.spi.GiveBacks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * One consumer of the queue: long-polling {@code ReceiveMessage} for
 * {@code min(10, cap − inFlight)} messages, so the consumer never holds more than the cap.
 * Polling stops while paused; messages a receive brings back after a pause are made visible
 * again at once. While a handler runs, its message's visibility is extended every half timeout,
 * so a slow handler never sees its message delivered a second time. Ack is {@code DeleteMessage},
 * nack {@code ChangeMessageVisibility(delay)}, both sent by the session's {@link SqsSettler} so the
 * handler never waits for the round trip; a settled delivery counts against the credit until SQS
 * answered its settlement, so the messages SQS holds invisible for this consumer never exceed the
 * cap. {@code ApproximateReceiveCount} is the attempt, less the receives this process gave back
 * unhandled ({@link GiveBacks}).
 */
final class SqsReceiver implements BrokerReceiver {

    private final SqsSession session;
    private final SqsSettler settler;
    private final SqsClient sqs;
    private final String queueUrl;
    private final ConsumerPolicy policy;
    private final int visibilitySeconds;
    private final Map<String, String> inFlight = new ConcurrentHashMap<>(); // messageId -> receipt handle
    private final GiveBacks giveBacks;

    // guarded by this
    private long credit;
    /** Deliveries the channel settled whose settlement SQS has not answered yet: still invisible there. */
    private long settling;
    private boolean paused;
    private boolean stopped;

    private Thread thread;
    private DeliverySink sink;

    SqsReceiver(SqsSession session, SqsSettler settler, SqsClient sqs, String queueUrl, ConsumerPolicy policy,
                int visibilitySeconds, GiveBacks giveBacks) {
        this.giveBacks = giveBacks;
        this.session = session;
        this.settler = settler;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.policy = policy;
        this.visibilitySeconds = visibilitySeconds;
    }

    @Override
    public void start(DeliverySink sink) {
        this.sink = sink;
        thread = new Thread(this::pollLoop, "sluice-sqs-receive");
        thread.setDaemon(true);
        thread.start();
        session.extendWhileRunning(this);
    }

    @Override
    public synchronized void request(int n) {
        credit += n;
        notifyAll();
    }

    @Override
    public synchronized void pause() {
        paused = true;
    }

    @Override
    public synchronized void resume() {
        paused = false;
        notifyAll();
    }

    private void pollLoop() {
        int waitSeconds = (int) Math.min(20, Math.max(0, (policy.pollTimeout().toMillis() + 999) / 1000));
        while (true) {
            int n;
            synchronized (this) {
                while (!stopped && (paused || credit - settling <= 0)) {
                    try {
                        wait(1_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopped) {
                    return;
                }
                n = (int) Math.min(10, credit - settling);
            }
            ReceiveMessageResponse response;
            try {
                response = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(n).waitTimeSeconds(waitSeconds)
                        .visibilityTimeout(visibilitySeconds)
                        .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)
                        .messageAttributeNames("All"));
            } catch (RuntimeException e) { // SdkException, or the client closed under a stopping receiver
                synchronized (this) {
                    if (stopped) {
                        return;
                    }
                }
                sink.onError(e);
                synchronized (this) {
                    try {
                        wait(500);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
                continue;
            }
            List<software.amazon.awssdk.services.sqs.model.Message> got = response.messages();
            boolean giveBack;
            synchronized (this) {
                giveBack = paused || stopped;
                if (!giveBack) {
                    credit -= got.size();
                }
            }
            if (giveBack) {
                makeVisible(got); // paused while the receive was out: they were never handed out
                continue;
            }
            List<Delivery> run = new ArrayList<>(got.size());
            for (software.amazon.awssdk.services.sqs.model.Message m : got) {
                inFlight.put(m.messageId(), m.receiptHandle());
                int attempt = giveBacks.attempt(m.messageId(), receiveCount(m));
                run.add(new Delivery(m, SqsCodec.decode(m), attempt));
            }
            if (!run.isEmpty()) {
                sink.onDeliveries(run);
            }
        }
    }

    private static int receiveCount(software.amazon.awssdk.services.sqs.model.Message m) {
        try {
            return Math.max(1, Integer.parseInt(m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1")));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private void makeVisible(List<software.amazon.awssdk.services.sqs.model.Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            giveBacks.gaveBack(messages.get(i).messageId());
            entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                    .receiptHandle(messages.get(i).receiptHandle()).visibilityTimeout(0).build());
        }
        try {
            sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries));
        } catch (RuntimeException ignored) {
            // SdkException, or the client closed under a receiver stopping: they become visible
            // when their timeout ends
        }
    }

    /** Called every half visibility timeout: keeps running handlers' messages invisible. */
    void extendVisibility() {
        List<String> receipts = new ArrayList<>(inFlight.values());
        for (int from = 0; from < receipts.size(); from += 10) {
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (int i = from; i < Math.min(receipts.size(), from + 10); i++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(receipts.get(i)).visibilityTimeout(visibilitySeconds).build());
            }
            try {
                sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries));
            } catch (SdkException ignored) {
                // tried again at the next tick
            }
        }
    }

    private synchronized void settlingStarted() {
        settling++;
    }

    private synchronized void settled() {
        settling--;
        notifyAll();
    }

    boolean isStopped() {
        synchronized (this) {
            return stopped;
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
        if (thread != null && thread != Thread.currentThread()) {
            try {
                // A long poll ends within its wait time; one stuck on a stalled endpoint ends when
                // the session closes the client, and the (daemon) thread then sees it is stopped.
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        inFlight.clear(); // no longer extended: SQS makes them visible when their timeout ends
    }

    private final class Delivery implements BrokerDelivery {
        private final software.amazon.awssdk.services.sqs.model.Message raw;
        private final String id;
        private final String receipt;
        private final Message message;
        private final String malformed;
        private final int attempt;

        Delivery(software.amazon.awssdk.services.sqs.model.Message raw, SqsCodec.Decoded decoded, int attempt) {
            this.raw = raw;
            this.id = raw.messageId();
            this.receipt = raw.receiptHandle();
            this.message = decoded.message();
            this.malformed = decoded.malformed();
            this.attempt = attempt;
        }

        @Override
        public String malformed() {
            return malformed;
        }

        @Override
        public Object nativeDelivery() {
            return raw;
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
            return id;
        }

        /**
         * Queues the {@code DeleteMessage} and returns. The message stays in the extended set
         * until SQS answered, so it does not come back while the delete is retried; a delete given
         * up leaves it to come back after its visibility timeout (at-least-once).
         */
        @Override
        public void ack() {
            giveBacks.forget(id);
            settlingStarted();
            settler.delete(receipt, () -> {
                inFlight.remove(id);
                settled();
            });
        }

        /** Queues the {@code ChangeMessageVisibility(delay)} and returns; extending it stops at once. */
        @Override
        public void nack(Duration delay) {
            inFlight.remove(id);
            int seconds = (int) Math.min(43_200, (delay.toMillis() + 999) / 1000);
            settlingStarted();
            settler.changeVisibility(receipt, seconds, SqsReceiver.this::settled);
        }

        /** Visible again at once; SQS counts the receive, and {@link GiveBacks} takes it off again. */
        @Override
        public void release() {
            giveBacks.gaveBack(id);
            nack(Duration.ZERO);
        }

        @Override
        public void deadLetter(String reason) {
            session.deadLetter(message, reason, attempt);
            ack();
        }
    }
}
