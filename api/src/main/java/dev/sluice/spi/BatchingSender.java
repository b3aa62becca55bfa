package dev.sluice.spi;

import dev.sluice.Message;
import dev.sluice.SendResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A sender for brokers whose client sends best in batches (a Redis pipeline, an SQS
 * {@code SendMessageBatch}): {@link #send(Message)} queues the message, and one thread of the
 * sender's own takes up to {@code maxBatch} at a time and hands them to {@link #write(List)}, so
 * one batch is out at a time and the messages in flight stay bounded by the channel's send window.
 *
 * <p>A subclass calls {@link #start()} at the end of its constructor and completes every
 * message's result in {@code write}, never exceptionally.
 */
public abstract class BatchingSender implements BrokerSender, AutoCloseable {

    /** A queued message and the result the channel waits for. */
    protected record Pending(Message message, CompletableFuture<SendResult> result) {
    }

    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final int maxBatch;
    private final Thread thread;
    private volatile boolean closed;

    protected BatchingSender(String threadName, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch (" + maxBatch + ") must be at least 1");
        }
        this.maxBatch = maxBatch;
        this.thread = new Thread(this::sendLoop, threadName);
        this.thread.setDaemon(true);
    }

    /** Starts the sending thread; called once the subclass is fully built. */
    protected final void start() {
        thread.start();
    }

    @Override
    public final CompletionStage<SendResult> send(Message message) {
        CompletableFuture<SendResult> result = new CompletableFuture<>();
        if (closed) {
            result.complete(SendResult.failed(new IllegalStateException("the sender is closed")));
        } else {
            queue.add(new Pending(message, result));
        }
        return result;
    }

    /** Sends one batch of 1 to {@code maxBatch} messages and completes each one's result. */
    protected abstract void write(List<Pending> batch);

    /** Ends a write stuck on a broker that does not answer (closes its socket); called by {@link #close()}. */
    protected void abortWrite() {
    }

    private void sendLoop() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                write(batch);
            } catch (InterruptedException e) {
                break;
            } finally {
                batch.clear();
            }
        }
        failQueued();
    }

    private void failQueued() {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().complete(SendResult.failed(new IllegalStateException("the sender closed before sending")));
        }
    }

    /**
     * Sends what is queued (for a moment), then stops: a write stuck on an unresponsive broker is
     * aborted, and what is still queued fails. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(1_000);
            if (thread.isAlive()) {
                abortWrite();
                thread.interrupt();
                thread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failQueued();
    }
}
