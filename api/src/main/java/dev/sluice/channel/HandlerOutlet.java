package dev.sluice.channel;

import dev.sluice.MessageHandler;
import dev.sluice.flow.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Where deliveries meet a {@link MessageHandler}: one thread per unit of concurrency, a key always
 * on the same thread (per-key order), keyless deliveries round robin.
 *
 * <p>A gate decides whether a handler may start. {@link #hold()} closes it and gives back what
 * waits on the threads: once it returns, no handler starts until {@link #open()}; handlers already
 * running finish and settle. A task checks the gate under its read lock right before the handler
 * runs, and {@code hold()} closes it under the write lock, so no task can slip past a closing gate.
 */
final class HandlerOutlet {

    private final MessageHandler handler;
    private final RateLimiter rateLimiter;
    private final ThreadPoolExecutor[] workers;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private boolean open = true; // written under the write lock

    HandlerOutlet(String group, int concurrency, MessageHandler handler, RateLimiter rateLimiter) {
        this.handler = handler;
        this.rateLimiter = rateLimiter;
        this.workers = new ThreadPoolExecutor[concurrency];
        for (int i = 0; i < concurrency; i++) {
            String name = "sluice-handle-" + group + "-" + i;
            workers[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }
    }

    /** Queues the delivery on its thread, or gives it back at once when the gate is closed. */
    void accept(SettlingDelivery d) {
        boolean queued = false;
        gate.readLock().lock();
        try {
            if (open) {
                String key = d.message().key();
                int index = key == null
                        ? Math.floorMod(roundRobin.getAndIncrement(), workers.length)
                        : Math.floorMod(key.hashCode(), workers.length);
                workers[index].execute(new Task(d));
                queued = true;
            }
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // shut down: given back below
        } finally {
            gate.readLock().unlock();
        }
        if (!queued) {
            d.release();
        }
    }

    /** Closes the gate and gives back what waits; returns once no handler can start. */
    void hold() {
        gate.writeLock().lock();
        try {
            open = false;
        } finally {
            gate.writeLock().unlock();
        }
        for (ThreadPoolExecutor w : workers) {
            List<Runnable> waiting = new ArrayList<>();
            w.getQueue().drainTo(waiting);
            waiting.forEach(t -> ((Task) t).delivery.release());
        }
    }

    void open() {
        gate.writeLock().lock();
        try {
            open = true;
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Stops the threads: running handlers are interrupted, and what never ran goes back. */
    void shutdownNow() {
        for (ThreadPoolExecutor w : workers) {
            for (Runnable neverRan : w.shutdownNow()) {
                ((Task) neverRan).delivery.release();
            }
        }
    }

    /** One handler call: return acks, a throw nacks, an interrupt at close abandons it to the broker. */
    private final class Task implements Runnable {
        private final SettlingDelivery delivery;

        Task(SettlingDelivery delivery) {
            this.delivery = delivery;
        }

        @Override
        public void run() {
            try {
                if (rateLimiter != null) {
                    rateLimiter.acquire(1, Duration.ofDays(365));
                }
                gate.readLock().lock();
                boolean go;
                try {
                    go = open;
                } finally {
                    gate.readLock().unlock();
                }
                if (!go) {
                    delivery.release();
                    return;
                }
                handler.handle(delivery);
                delivery.ack();
            } catch (InterruptedException e) {
                // The close gave up on this handler: it ran, so the attempt counts, but a close is
                // no reason to dead-letter it.
                delivery.abandon();
            } catch (Throwable t) {
                delivery.nack();
            }
        }
    }
}
