package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.Message;
import dev.sluice.SendResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;

/**
 * A stream sent and handled through a fault, for the cluster scenarios (a leader killed, a node
 * stopped, a master failed over): one group consumes the channel, noting when each message was
 * handled; a producer sends {@code m0}, {@code m1}, ... — the first {@code beforeFault} at once,
 * the rest only from the moment the fault begins, so that sends are in flight as it strikes — and
 * goes on until {@link #finish} has seen enough handled after the fault. Then
 * {@link #assertNothingLost} checks the channel's side of the promise and {@link #pauses} says
 * how long handling stood still.
 *
 * <pre>{@code
 * FaultStream stream = FaultStream.start(ch, group, 1_000, patience);
 * stream.awaitHandled(500);
 * long began = stream.beginFault();
 * cluster.killLeader(topic, 0, patience);
 * long ended = System.nanoTime();
 * stream.finish(ended, 200);
 * stream.assertNothingLost(producerInFlight + consumerInFlight);
 * FaultStream.Pauses p = stream.pauses(began, ended);
 * }</pre>
 */
public final class FaultStream {

    /**
     * How handling went through the fault, in milliseconds from its beginning.
     *
     * @param longestPause the longest pause in handling from the last handling before the fault on
     * @param resumedAfter when the handling that ended the longest pause came
     * @param firstAfterEnd when the first message was handled after the fault's end
     */
    public record Pauses(long longestPause, long resumedAfter, long firstAfterEnd) {
    }

    private final BackpressureChannel channel;
    private final Duration patience;
    private final Received received = new Received();
    private final ConcurrentLinkedQueue<Long> handledAt = new ConcurrentLinkedQueue<>();
    private final List<SendResult> results = new CopyOnWriteArrayList<>();
    private final CountDownLatch faultBegins = new CountDownLatch(1);
    private final AtomicBoolean enough = new AtomicBoolean();
    private CompletableFuture<Void> producer;

    private FaultStream(BackpressureChannel channel, Duration patience) {
        this.channel = channel;
        this.patience = patience;
    }

    /**
     * Starts the group's consumer and the producer.
     *
     * @param beforeFault how many messages go before {@link #beginFault()}
     * @param patience how long each wait may take
     */
    public static FaultStream start(BackpressureChannel channel, String group, int beforeFault, Duration patience) {
        FaultStream s = new FaultStream(channel, patience);
        channel.consumer(group).start(d -> {
            s.received.handle(d);
            s.handledAt.add(System.nanoTime());
        });
        s.producer = CompletableFuture.runAsync(() -> {
            for (int i = 0; !s.enough.get(); i++) {
                if (i == beforeFault) {
                    try {
                        s.faultBegins.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                s.results.add(channel.producer().send(Message.of("m" + i)));
            }
        });
        return s;
    }

    /** Waits until {@code count} messages were handled. */
    public void awaitHandled(int count) {
        Awaitility.await("" + count + " messages handled").atMost(patience).until(() -> received.count() >= count);
    }

    /** @return the moment (nanoTime) the fault begins; the producer sends on from now */
    public long beginFault() {
        long now = System.nanoTime();
        faultBegins.countDown();
        return now;
    }

    /**
     * Waits until {@code afterEnd} messages were handled after {@code faultEnded} (nanoTime), then
     * stops the producer and waits for its last send to return.
     */
    public void finish(long faultEnded, int afterEnd) throws Exception {
        faultBegins.countDown(); // the fault's own code may have failed before it began
        try {
            Awaitility.await(afterEnd + " messages handled after the fault").atMost(patience)
                    .until(() -> handledAt.stream().filter(t -> t > faultEnded).count() >= afterEnd);
        } finally {
            enough.set(true);
            producer.get(patience.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Checks that every send was accepted and confirmed, every message handled, no send failed
     * for good, and at most {@code duplicateCap} handled twice.
     */
    public void assertNothingLost(int duplicateCap) throws Exception {
        int n = results.size();
        assertThat(results).as("send results").allMatch(r -> r.status() == SendResult.Status.ACCEPTED);
        assertThat(channel.producer().flush(patience)).as("every send confirmed after the fault").isTrue();
        Awaitility.await("every message handled").atMost(patience).until(() -> received.distinct().size() == n);
        assertThat(channel.pressure().producer().failed()).as("sends lost").isZero();
        assertThat(received.duplicates()).as("duplicates").isLessThanOrEqualTo(duplicateCap);
    }

    /** @return how handling went through a fault that began and ended at these moments (nanoTime) */
    public Pauses pauses(long faultBegan, long faultEnded) {
        List<Long> times = new ArrayList<>(handledAt);
        long previous = times.stream().filter(t -> t <= faultBegan).mapToLong(Long::longValue).max().orElse(faultBegan);
        long gap = 0;
        long resumedAt = previous;
        for (long t : times) {
            if (t > faultBegan) {
                if (t - previous > gap) {
                    gap = t - previous;
                    resumedAt = t;
                }
                previous = t;
            }
        }
        long firstAfterEnd = times.stream().filter(t -> t > faultEnded).mapToLong(Long::longValue).min().orElse(faultEnded);
        return new Pauses(TimeUnit.NANOSECONDS.toMillis(gap), TimeUnit.NANOSECONDS.toMillis(resumedAt - faultBegan),
                TimeUnit.NANOSECONDS.toMillis(firstAfterEnd - faultBegan));
    }

    /** @return how many messages were sent */
    public int sent() {
        return results.size();
    }

    /** @return how many handlings were of a message handled before */
    public int duplicates() {
        return received.duplicates();
    }
}
