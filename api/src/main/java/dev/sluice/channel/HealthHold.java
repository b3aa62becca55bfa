package dev.sluice.channel;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Why a consumer holds its {@code HEALTH} pause: a downstream asked it to retry later (until a
 * deadline, or until a check passes), or a bound health check answers false. The reason is held
 * while any of them says so and released when none does.
 *
 * <p>Deciding and applying take one lock, so a release decided just before a new retry cannot be
 * applied after it. Holding is applied on the caller's thread (a handler that throws
 * {@code RetryLater} holds before its delivery goes back); releasing is found by a timer thread,
 * started at the first use and stopped by {@link #close()}.
 */
final class HealthHold implements AutoCloseable {

    /** The consumer's {@code HEALTH} reason; both calls are idempotent. */
    interface Target {
        void hold();

        void release();
    }

    private final String group;
    private final Target target;
    private final LongSupplier nanoTime;
    private final List<Check> checks = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private long retryUntil; // guarded by lock; valid while retrying
    private boolean retrying;
    private BooleanSupplier retryHealthy; // ends the retry early when it answers true
    private boolean holding;
    private boolean closed;
    private ScheduledExecutorService timer;
    private ScheduledFuture<?> deadline;

    HealthHold(String group, Target target, LongSupplier nanoTime) {
        this.group = group;
        this.target = target;
        this.nanoTime = nanoTime;
    }

    /** Holds {@code HEALTH} for {@code after} (extending a hold that would end sooner), or until {@code healthy} passes. */
    void retryLater(Duration after, BooleanSupplier healthy) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            long until = nanoTime.getAsLong() + after.toNanos();
            if (!retrying || until - retryUntil > 0) {
                retryUntil = until;
            }
            retrying = true;
            retryHealthy = healthy;
            apply();
            schedule();
            if (healthy != null) {
                timer().schedule(this::evaluate, dev.sluice.RetryLater.HEALTH_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Binds a check: {@code HEALTH} is held while it answers false. */
    AutoCloseable bind(BooleanSupplier healthy, Duration every) {
        Objects.requireNonNull(healthy, "healthy");
        if (every == null || every.isZero() || every.isNegative()) {
            throw new IllegalArgumentException("every (" + every + ") must be positive");
        }
        Check check = new Check(healthy);
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("consumer of group '" + group + "' is closed");
            }
            checks.add(check);
            check.lastAnswer = ask(healthy);
            apply();
            check.task = timer().scheduleWithFixedDelay(() -> {
                check.lastAnswer = ask(healthy);
                evaluate();
            }, every.toNanos(), every.toNanos(), TimeUnit.NANOSECONDS);
        }
        return () -> {
            synchronized (lock) {
                if (checks.remove(check)) {
                    check.task.cancel(false);
                    apply();
                }
            }
        };
    }

    /** Re-decides; called by the timer. */
    void evaluate() {
        synchronized (lock) {
            if (!closed) {
                apply();
                if (retrying && retryHealthy != null) {
                    timer().schedule(this::evaluate, dev.sluice.RetryLater.HEALTH_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    /** Under the lock: holds or releases as the retry and the checks say now. */
    private void apply() {
        if (retrying && (nanoTime.getAsLong() - retryUntil >= 0 || (retryHealthy != null && ask(retryHealthy)))) {
            retrying = false;
            retryHealthy = null;
        }
        boolean hold = retrying;
        for (Check c : checks) {
            hold |= !c.lastAnswer;
        }
        if (hold != holding) {
            holding = hold;
            if (hold) {
                target.hold();
            } else {
                target.release();
            }
        }
    }

    private void schedule() {
        if (deadline != null) {
            deadline.cancel(false);
        }
        long left = Math.max(0, retryUntil - nanoTime.getAsLong());
        deadline = timer().schedule(this::evaluate, left, TimeUnit.NANOSECONDS);
    }

    private static boolean ask(BooleanSupplier healthy) {
        try {
            return healthy.getAsBoolean();
        } catch (RuntimeException e) {
            return false; // a check that cannot answer is no reason to fetch
        }
    }

    private ScheduledExecutorService timer() {
        if (timer == null) {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
                Thread th = new Thread(r, "sluice-health-" + group);
                th.setDaemon(true);
                return th;
            });
            t.setRemoveOnCancelPolicy(true);
            timer = t;
        }
        return timer;
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (timer != null) {
                timer.shutdownNow();
            }
        }
    }

    private static final class Check {
        final BooleanSupplier healthy;
        volatile boolean lastAnswer;
        ScheduledFuture<?> task;

        Check(BooleanSupplier healthy) {
            this.healthy = healthy;
        }
    }
}
