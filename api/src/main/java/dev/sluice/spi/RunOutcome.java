package dev.sluice.spi;

import dev.sluice.SendResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The outcome of one run for a {@link BrokerSender} whose broker confirms messages one by one (a
 * Kafka callback, a RabbitMQ confirm): each message's result is set by its index, and the run's
 * one stage completes when the last one is.
 */
public final class RunOutcome {

    private final AtomicReferenceArray<SendResult> results;
    private final AtomicInteger left;
    private final CompletableFuture<List<SendResult>> done = new CompletableFuture<>();

    /** @param size how many messages the run holds, at least 1 */
    public RunOutcome(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size (" + size + ") must be at least 1");
        }
        this.results = new AtomicReferenceArray<>(size);
        this.left = new AtomicInteger(size);
    }

    /**
     * Sets the result of the message at {@code index}; the first result set for an index wins.
     * Completes the run's stage with the last one.
     */
    public void complete(int index, SendResult result) {
        if (result == null) {
            throw new IllegalArgumentException("result of message " + index + " is null");
        }
        if (results.compareAndSet(index, null, result) && left.decrementAndGet() == 0) {
            List<SendResult> all = new ArrayList<>(results.length());
            for (int i = 0; i < results.length(); i++) {
                all.add(results.get(i));
            }
            done.complete(Collections.unmodifiableList(all));
        }
    }

    /** Sets the same result for every message that has none yet (a connection lost, a closed sender). */
    public void completeRest(SendResult result) {
        for (int i = 0; i < results.length(); i++) {
            complete(i, result);
        }
    }

    /** @return the run's one stage: one result per message, in the run's order */
    public CompletableFuture<List<SendResult>> stage() {
        return done;
    }
}
