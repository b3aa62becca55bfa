package dev.sluice.spi;

import dev.sluice.Message;
import dev.sluice.SendResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A sender for brokers whose client writes synchronously (a Redis pipeline, an SQS
 * {@code SendMessageBatch}): the gate's runs queue here and one writer thread of the sender's own
 * writes them, one write at a time, merging the runs that queued meanwhile into one write of up
 * to {@code maxWrite} messages. So the gate's thread never waits for the broker, its send window
 * means the same as on a broker with an asynchronous client (a run is in flight from the moment
 * it is handed over), and the queue holds at most the window. One completion per run.
 *
 * <p>A subclass calls {@link #start()} at the end of its constructor and implements
 * {@link #write(List)}.
 */
public abstract class SerialSender implements BrokerSender, AutoCloseable {

    private record Run(List<Message> messages, CompletableFuture<List<SendResult>> outcome) {
    }

    private final BlockingQueue<Run> queue = new LinkedBlockingQueue<>();
    private final int maxWrite;
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param threadName the writer thread's name
     * @param maxWrite the most messages one write holds (a pipeline's or a batch request's size)
     */
    protected SerialSender(String threadName, int maxWrite) {
        if (maxWrite < 1) {
            throw new IllegalArgumentException("maxWrite (" + maxWrite + ") must be at least 1");
        }
        this.maxWrite = maxWrite;
        this.thread = new Thread(this::writeLoop, threadName);
        this.thread.setDaemon(true);
    }

    /** Starts the writer thread; called once the subclass is fully built. */
    protected final void start() {
        thread.start();
    }

    /** A run is never longer than one write. */
    @Override
    public final int maxRun() {
        return maxWrite;
    }

    @Override
    public final CompletionStage<List<SendResult>> send(List<Message> run) {
        CompletableFuture<List<SendResult>> outcome = new CompletableFuture<>();
        if (closed) {
            outcome.complete(Collections.nCopies(run.size(), SendResult.failed(new IllegalStateException("the sender is closed"))));
        } else {
            queue.add(new Run(run, outcome));
        }
        return outcome;
    }

    /**
     * Writes 1 to {@code maxWrite} messages to the broker and waits for its answers.
     *
     * @return one result per message, in order; never null, never throws for a broker's refusal
     */
    protected abstract List<SendResult> write(List<Message> messages);

    /** Ends a write stuck on a broker that does not answer (closes its socket); called by {@link #close()}. */
    protected void abortWrite() {
    }

    private void writeLoop() {
        List<Run> runs = new ArrayList<>();
        List<Message> messages = new ArrayList<>(maxWrite);
        while (!closed || !queue.isEmpty()) {
            try {
                Run first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                runs.add(first);
                messages.addAll(first.messages());
                Run next;
                while ((next = queue.peek()) != null && messages.size() + next.messages().size() <= maxWrite) {
                    runs.add(queue.poll());
                    messages.addAll(next.messages());
                }
                complete(runs, write(messages));
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                complete(runs, Collections.nCopies(messages.size(), SendResult.failed(e)));
            } finally {
                runs.clear();
                messages.clear();
            }
        }
        failQueued();
    }

    private static void complete(List<Run> runs, List<SendResult> results) {
        int from = 0;
        for (Run run : runs) {
            int to = from + run.messages().size();
            run.outcome().complete(List.copyOf(results.subList(from, to)));
            from = to;
        }
    }

    private void failQueued() {
        Run r;
        while ((r = queue.poll()) != null) {
            r.outcome().complete(Collections.nCopies(r.messages().size(),
                    SendResult.failed(new IllegalStateException("the sender closed before sending"))));
        }
    }

    /**
     * Writes what is queued (for a moment), then stops: a write stuck on an unresponsive broker is
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
