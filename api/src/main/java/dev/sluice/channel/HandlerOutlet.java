package dev.sluice.channel;

import dev.sluice.MessageHandler;
import dev.sluice.flow.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * running finish and settle. A task checks the gate right before the handler
 * runs (a volatile read: a task that read it open before {@code hold()} closed it had started),
 * and {@code hold()} closes it under the write lock, which also orders it against runs being queued.
 */
final class HandlerOutlet {

    private final MessageHandler handler;
    private final RateLimiter rateLimiter;
    private final ThreadPoolExecutor[] workers;
    private final AtomicInteger roundRobin = new AtomicInteger();
    /**
     * Every run handed to a thread and not yet finished: queued, on its way to the thread, or
     * running. A hold gives back what none of them has claimed, wherever the run is.
     */
    private final Set<Task> live = ConcurrentHashMap.newKeySet();
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    /**
     * Written under the write lock, so that a run being queued under the read lock is either in
     * a queue that {@link #hold()} drains or sees the gate closed; read without the lock before
     * each handler call (one volatile read, not a lock pair per delivery).
     */
    private volatile boolean open = true;

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

    /**
     * Queues a run of deliveries, one task per handler thread (a key keeps its thread and its
     * order), or gives them all back at once when the gate is closed.
     */
    void accept(List<SettlingDelivery> run) {
        List<SettlingDelivery> back = null;
        gate.readLock().lock();
        try {
            if (!open) {
                back = run;
            } else if (workers.length == 1) {
                back = submit(0, run);
            } else {
                @SuppressWarnings("unchecked")
                List<SettlingDelivery>[] perWorker = new List[workers.length];
                for (SettlingDelivery d : run) {
                    String key = d.message().key();
                    int index = key == null
                            ? Math.floorMod(roundRobin.getAndIncrement(), workers.length)
                            : Math.floorMod(key.hashCode(), workers.length);
                    if (perWorker[index] == null) {
                        perWorker[index] = new ArrayList<>();
                    }
                    perWorker[index].add(d);
                }
                for (int i = 0; i < perWorker.length; i++) {
                    if (perWorker[i] != null) {
                        List<SettlingDelivery> refused = submit(i, perWorker[i]);
                        if (refused != null) {
                            back = back == null ? new ArrayList<>() : back;
                            back.addAll(refused);
                        }
                    }
                }
            }
        } finally {
            gate.readLock().unlock();
        }
        if (back != null) {
            back.forEach(SettlingDelivery::release);
        }
    }

    /** @return the run when the thread is shut down and refused it, else null */
    private List<SettlingDelivery> submit(int worker, List<SettlingDelivery> run) {
        Task task = new Task(run);
        live.add(task);
        try {
            workers[worker].execute(task);
            return null;
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            live.remove(task);
            return run;
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
        // No run is handed to a thread after the gate closed: every one that was is in live. A run
        // still queued finds nothing left when its thread gets to it; a running one finishes the
        // handler it is in.
        live.forEach(Task::releaseRest);
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
                live.remove(neverRan);
                ((Task) neverRan).releaseRest();
            }
        }
    }

    private boolean mayStart() {
        return open;
    }

    /**
     * The handler calls of one run, in order: return acks, a throw nacks, an interrupt at close
     * abandons it to the broker. The gate is checked before each call. Each delivery is claimed
     * exactly once, by the thread that handles it or by a hold that gives the rest back.
     */
    private final class Task implements Runnable {
        private final List<SettlingDelivery> run;
        private final AtomicInteger next = new AtomicInteger();

        Task(List<SettlingDelivery> run) {
            this.run = run;
        }

        /** Gives back every delivery of the run not yet claimed. */
        void releaseRest() {
            for (int i = next.getAndSet(run.size()); i < run.size(); i++) {
                run.get(i).release();
            }
        }

        @Override
        public void run() {
            try {
                int i;
                while ((i = next.getAndIncrement()) < run.size()) {
                    if (!handle(run.get(i))) {
                        releaseRest();
                        return;
                    }
                }
            } finally {
                live.remove(this);
            }
        }

        /** @return false when the thread is being shut down */
        private boolean handle(SettlingDelivery delivery) {
            boolean started = false;
            try {
                if (rateLimiter != null) {
                    rateLimiter.acquire(1, Duration.ofDays(365));
                }
                if (!mayStart()) {
                    delivery.release();
                    return true;
                }
                started = true;
                handler.handle(delivery);
                delivery.ack();
                return true;
            } catch (InterruptedException e) {
                // The close gave up on this handler: it ran, so the attempt counts, but a close
                // is no reason to dead-letter it.
                if (started) {
                    delivery.abandon();
                } else {
                    delivery.release();
                }
                return false;
            } catch (dev.sluice.RetryLater later) {
                delivery.retryLater(later); // not a failure: no attempt counted
                return true;
            } catch (Throwable t) {
                delivery.nack();
                return true;
            }
        }
    }
}

