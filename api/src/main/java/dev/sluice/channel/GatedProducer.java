package dev.sluice.channel;

import dev.sluice.Message;
import dev.sluice.MessageProducer;
import dev.sluice.PressureState;
import dev.sluice.ProducerPolicy;
import dev.sluice.SendResult;
import dev.sluice.flow.BoundedBuffer;
import dev.sluice.flow.DropReason;
import dev.sluice.flow.LayeredGate;
import dev.sluice.flow.Offer;
import dev.sluice.flow.OverflowStrategy;
import dev.sluice.flow.PressureLevel;
import dev.sluice.flow.RateLimiter;
import dev.sluice.flow.Ticker;
import dev.sluice.spi.BrokerSender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The producer side of a channel: the layered gate (rate limit, shedding, bounded buffer), and
 * one sender thread that takes runs from the buffer while fewer than {@code maxInFlight}
 * messages are unconfirmed and the broker is not blocked (the buffer's hand-out is suspended
 * meanwhile), and hands each run to the broker's sender, which answers once per run. Because
 * the sender stops taking when the broker pushes back, the buffer fills and the overflow policy
 * applies: the application sees the broker's pressure as the policy it chose.
 */
final class GatedProducer implements MessageProducer {

    /**
     * A message in the buffer, with the stage of the {@code sendAsync} call that offered it and,
     * under a byte bound, its footprint (computed once, so the buffer's weigher is a field read).
     */
    private record Envelope(Message message, CompletableFuture<SendResult> confirmation, long bytes) {
        void complete(SendResult result) {
            if (confirmation != null) {
                confirmation.complete(result);
            }
        }
    }

    private final ProducerPolicy policy;
    private final BrokerSender sender;
    private final ListenerSet listeners;
    private final BoundedBuffer<Envelope> buffer;
    private final LayeredGate<Envelope> gate;
    private final RateLimiter rateLimiter;
    /** The rate limiter when it is adaptive: told the broker's signals and each run's confirm; else null. */
    private final dev.sluice.flow.AdaptiveRate adaptiveRate;
    private final Ticker ticker;
    private final Semaphore sendPermits;
    private final Thread sendThread;
    /** Why the overflow policy drops an offered message when it drops that one. */
    private final DropReason offeredDropReason;
    /** The buffer's byte bound; 0 when it is bounded by count only. */
    private final long maxBytes;

    private final AtomicLong tooLarge = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    /** Whether the send thread may probe a blocked broker: made once, not per run. */
    private final BooleanSupplier nothingInFlight = () -> inFlight.get() == 0;
    private final AtomicLong confirmed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong unsentAtClose = new AtomicLong();

    /** Wakes flush callers when a send completes. */
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition stateChanged = stateLock.newCondition();
    private volatile boolean closed;
    /** Set when close() gave up: failed sends are no longer retried. */
    private volatile boolean retriesStopped;

    /**
     * While the broker is reported blocked and nothing is in flight, one message goes out this
     * often: a broker that signals pressure only by refusing (SQS throttling, Redis out of memory,
     * Kafka's full buffer) would otherwise never get the send that tells it is over.
     */
    private static final long PROBE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 5_000;

    GatedProducer(String name, ProducerPolicy policy, BrokerSender sender, ListenerSet listeners, Ticker ticker) {
        this.policy = policy;
        this.sender = sender;
        this.listeners = listeners;
        OverflowStrategy strategy = policy.overflow().strategy();
        this.offeredDropReason = switch (strategy) {
            case DROP_RANDOM -> DropReason.OVERFLOW_RANDOM;
            case DROP_LOWEST_PRIORITY -> DropReason.OVERFLOW_PRIORITY;
            default -> DropReason.OVERFLOW_NEWEST;
        };
        BoundedBuffer.Builder<Envelope> b = BoundedBuffer.<Envelope>builder(policy.capacity())
                .overflow(strategy)
                .softLimit(policy.softLimit())
                .lowWatermark(policy.lowWatermark())
                .ticker(ticker)
                .onDrop(this::onDrop)
                .onLevelChange((from, to) -> listeners.fire(l -> l.onLevelChanged(from, to)));
        if (strategy == OverflowStrategy.DROP_LOWEST_PRIORITY) {
            b.prioritizedBy(e -> e.message().priority());
        }
        this.maxBytes = policy.maxBytes().orElse(0);
        if (maxBytes > 0) {
            b.maxWeight(maxBytes, Envelope::bytes);
        }
        this.buffer = b.build();
        this.ticker = ticker;
        this.adaptiveRate = policy.rateLimit().filter(r -> r.kind() == dev.sluice.RateLimit.Kind.ADAPTIVE)
                .map(r -> r.newAdaptiveRate(ticker, (from, to) -> {
                    listeners.fire(l -> l.onProducerRateChanged(from, to));
                    return to;
                })).orElse(null);
        this.rateLimiter = adaptiveRate != null ? adaptiveRate : policy.rateLimit().map(r -> r.newLimiter(ticker)).orElse(null);
        LayeredGate.Builder<Envelope> g = LayeredGate.builder(buffer).priority(e -> e.message().priority());
        if (rateLimiter != null) {
            g.rateLimiter(rateLimiter).bypassRateLimitAtOrAbove(policy.bypassRateLimitAtOrAbove());
        }
        if (policy.shedBelowPriority() != Integer.MIN_VALUE) {
            g.shedBelowPriorityUnderPressure(policy.shedBelowPriority(), this::onDrop);
        }
        this.gate = g.build();
        this.sendPermits = new Semaphore(policy.maxInFlight());
        this.sendThread = new Thread(this::sendLoop, "sluice-send-" + name);
        this.sendThread.setDaemon(true);
        this.sendThread.start();
    }

    @Override
    public SendResult send(Message message) {
        return offer(message, null);
    }

    @Override
    public CompletionStage<SendResult> sendAsync(Message message) {
        CompletableFuture<SendResult> confirmation = new CompletableFuture<>();
        SendResult gateResult = offer(message, confirmation);
        if (!gateResult.isAccepted()) {
            // A message the gate refused completes as send() would have answered: a drop-newest
            // or a shed already completed it DROPPED through the drop callback, but it was never
            // accepted, and nobody else holds this future yet.
            confirmation.obtrudeValue(gateResult);
        }
        return confirmation;
    }

    private SendResult offer(Message message, CompletableFuture<SendResult> confirmation) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            throw new IllegalStateException("the channel is closed; the message was not sent");
        }
        if (message.payload().length > sender.maxPayloadBytes()) {
            tooLarge.incrementAndGet();
            return SendResult.TOO_LARGE;
        }
        long bytes = 0;
        if (maxBytes > 0) {
            bytes = ProducerPolicy.footprint(message);
            if (bytes > maxBytes) {
                tooLarge.incrementAndGet(); // could never fit the byte bound, whatever is dropped
                return SendResult.TOO_LARGE;
            }
        }
        Envelope envelope = new Envelope(message, confirmation, bytes);
        Offer<Envelope> offer;
        try {
            offer = policy.overflow().isBlocking()
                    ? gate.offer(envelope, policy.overflow().maxWait())
                    : gate.offer(envelope);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SendResult.failed(e);
        }
        switch (offer.status()) {
            case ACCEPTED:
                return SendResult.ACCEPTED;
            case DISPLACED:
                return SendResult.displaced(offer.displaced().message());
            case DROPPED:
                return SendResult.rejected(offeredDropReason);
            case SHED:
                return SendResult.rejected(DropReason.SHED_AT_SOFT_LIMIT);
            case REJECTED:
                return SendResult.REJECTED; // refused outright: nothing dropped, the caller keeps it
            case RATE_LIMITED:
                return SendResult.rateLimited(Duration.ofNanos(offer.retryAfterNanos()));
            case TIMED_OUT:
                return SendResult.TIMED_OUT;
            case CLOSED:
                return SendResult.failed(new IllegalStateException("the channel closed while the send waited for room"));
            default:
                throw new AssertionError(offer.status());
        }
    }

    private void onDrop(Envelope envelope, DropReason reason) {
        envelope.complete(SendResult.dropped(reason));
        listeners.fire(l -> l.onDropped(envelope.message(), reason));
    }

    /**
     * Takes runs from the buffer — as many as the free send permits and the sender's
     * {@code maxRun} allow, without waiting for a run to fill — and hands each to the sender.
     */
    private void sendLoop() {
        int maxRun = Math.max(1, sender.maxRun());
        try {
            while (true) {
                sendPermits.acquire();
                int permits = 1 + sendPermits.drainPermits();
                int want = Math.min(permits, maxRun);
                Envelope first = buffer.takeOrProbe(PROBE_AFTER_NANOS, nothingInFlight);
                if (first == null) {
                    sendPermits.release(permits);
                    return; // closed and empty
                }
                List<Envelope> run = new ArrayList<>(Math.min(want, 64));
                run.add(first);
                buffer.drainTo(run, want - 1);
                sendPermits.release(permits - run.size());
                inFlight.addAndGet(run.size());
                transmit(run, 0);
            }
        } catch (InterruptedException e) {
            // close() gave up waiting: what is still buffered is reported by close().
        }
    }

    /** Hands one run to the broker; each message's send permit stays taken until its final outcome. */
    private void transmit(List<Envelope> run, int retry) {
        List<Message> messages = new ArrayList<>(run.size());
        for (Envelope e : run) {
            messages.add(e.message());
        }
        CompletionStage<List<SendResult>> stage;
        long sentAt = ticker.nanoTime();
        try {
            stage = sender.send(messages);
        } catch (RuntimeException e) {
            stage = CompletableFuture.completedFuture(Collections.nCopies(run.size(), SendResult.failed(e)));
        }
        stage.whenComplete((results, error) -> {
            List<SendResult> outcome = checked(run.size(), results, error);
            if (adaptiveRate != null) {
                adaptiveRate.onConfirm(ticker.nanoTime() - sentAt, outcome.stream().anyMatch(r -> r.status() != SendResult.Status.ACCEPTED));
            }
            onSent(run, retry, outcome);
        });
    }

    /** The sender's answer, or FAILED for every message when it broke its contract (an error, a wrong count). */
    private static List<SendResult> checked(int size, List<SendResult> results, Throwable error) {
        if (error == null && results != null && results.size() == size && results.stream().allMatch(Objects::nonNull)) {
            return results;
        }
        Throwable cause = error != null ? error : new IllegalStateException("the sender answered "
                + (results == null ? "null" : results.size() + " results") + " for a run of " + size);
        return Collections.nCopies(size, SendResult.failed(cause));
    }

    /**
     * Settles a run: what failed and may be retried goes again after a backoff (its permits stay
     * taken); the rest is counted, frees its permits, and then completes its callers' stages.
     */
    private void onSent(List<Envelope> run, int retry, List<SendResult> results) {
        boolean retrying = retry < policy.sendRetries() && !retriesStopped;
        List<Envelope> again = null;
        int settled = 0;
        for (int i = 0; i < run.size(); i++) {
            Envelope envelope = run.get(i);
            SendResult outcome = results.get(i);
            if (outcome.status() == SendResult.Status.FAILED && retrying) {
                if (again == null) {
                    again = new ArrayList<>();
                }
                again.add(envelope);
            } else if (outcome.status() == SendResult.Status.ACCEPTED) {
                confirmed.incrementAndGet();
                settled++;
            } else {
                failed.incrementAndGet();
                settled++;
                if (outcome.status() == SendResult.Status.FAILED) {
                    listeners.fire(l -> l.onDropped(envelope.message(), DropReason.SEND_FAILED));
                }
            }
        }
        if (again != null) {
            List<Envelope> retried = again;
            long backoff = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(retry, 16));
            CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS).execute(() -> transmit(retried, retry + 1));
        }
        if (settled == 0) {
            return;
        }
        inFlight.addAndGet(-settled);
        sendPermits.release(settled);
        for (int i = 0; i < run.size(); i++) {
            SendResult outcome = results.get(i);
            if (outcome.status() != SendResult.Status.FAILED || !retrying) {
                run.get(i).complete(outcome);
            }
        }
        signalState();
    }

    /** @return the rate limit now, in messages a second; 0 without one */
    double currentRate() {
        return adaptiveRate != null ? adaptiveRate.rate() : policy.rateLimit().map(dev.sluice.RateLimit::perSecond).orElse(0.0);
    }

    /** The broker signalled pressure (or released it): the send thread holds (or resumes). */
    void brokerBlocked(boolean blocked) {
        if (adaptiveRate != null) {
            adaptiveRate.brokerBlocked(blocked);
        }
        if (blocked) {
            buffer.suspendHandOut();
        } else {
            buffer.resumeHandOut();
        }
    }

    private void signalState() {
        stateLock.lock();
        try {
            stateChanged.signalAll();
        } finally {
            stateLock.unlock();
        }
    }

    @Override
    public boolean flush(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        stateLock.lockInterruptibly();
        try {
            while (!isDrained()) {
                if (left <= 0) {
                    return false;
                }
                left = stateChanged.awaitNanos(left);
            }
            return true;
        } finally {
            stateLock.unlock();
        }
    }

    /**
     * @return true when nothing is buffered, everything taken has been confirmed or has failed, and
     *         nothing is counted in flight any more (the outcome is counted just before in flight
     *         goes down, so a flush that returns sees counters that reconcile)
     */
    private boolean isDrained() {
        BoundedBuffer.Counters c = buffer.counters();
        return c.size() == 0 && c.taken() == confirmed.get() + failed.get() + unsentAtClose.get() && inFlight.get() == 0;
    }

    /**
     * Stops accepting, lets the send thread empty the buffer for up to {@code timeout}, then
     * reports what is left as dropped ({@code UNSENT_AT_CLOSE}).
     */
    void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        buffer.close();
        boolean drained;
        try {
            drained = flush(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        if (!drained) {
            retriesStopped = true;
            sendThread.interrupt();
        }
        try {
            sendThread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Envelope rest : buffer.closeAndDrain()) {
            unsentAtClose.incrementAndGet();
            onDrop(rest, DropReason.UNSENT_AT_CLOSE);
        }
        if (rateLimiter != null) {
            rateLimiter.close(); // a shared limiter gives its unused lease back to the fleet
        }
    }

    PressureLevel level() {
        return buffer.level();
    }

    int buffered() {
        return buffer.size();
    }

    int capacity() {
        return buffer.capacity();
    }

    long inFlight() {
        return inFlight.get();
    }

    /** @return how long until the rate limiter admits one more, 0 when it would now or there is none */
    long rateLimitRetryAfterNanos() {
        return rateLimiter == null ? 0 : rateLimiter.retryAfterNanos(1);
    }

    PressureState.ProducerCounters counters() {
        LayeredGate.Counters g = gate.counters();
        long tl = tooLarge.get();
        return new PressureState.ProducerCounters(
                g.offered() + tl,
                confirmed.get(),
                failed.get(),
                inFlight.get(),
                g.dropped() + g.shed() + unsentAtClose.get(),
                g.rejected() + g.rateLimited() + tl,
                g.size(),
                maxBytes > 0 ? buffer.weight() : 0);
    }
}
