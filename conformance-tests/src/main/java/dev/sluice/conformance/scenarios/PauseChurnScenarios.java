package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.PauseReason;
import dev.sluice.PressureListener;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.ScenarioFamily;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Family 22: the in-flight cap holds over many backpressure cycles (from the broker's side),
 * nothing starts once {@code pause()} has returned, and a give-back keeps the attempt.
 */
public abstract class PauseChurnScenarios extends ScenarioFamily {

    protected PauseChurnScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("the in-flight cap holds over at least 100 backpressure cycles, as the broker counts unacked")
    void capHoldsOverBackpressureCycles() throws Exception {
        int cap = 4;
        int n = scaled(300);
        String destination = fresh("churn");
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(cap).maxInFlight(cap)
                .pauseAt(1.0).resumeAt(0.5).pollTimeout(Duration.ofMillis(100))));
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.producer().flush(broker.patience())).isTrue();

        AtomicInteger cycles = new AtomicInteger();
        LongAccumulator maxInFlight = new LongAccumulator(Math::max, 0);
        MessageConsumer consumer = ch.consumer(group);
        ch.addListener(new PressureListener() {
            @Override
            public void onPaused(String g, PauseReason reason) {
                if (reason == PauseReason.BACKPRESSURE) {
                    cycles.incrementAndGet();
                    maxInFlight.accumulate(consumer.inFlight());
                }
            }
        });
        consumer.start(d -> {
            maxInFlight.accumulate(consumer.inFlight());
            // While the consumer refills, each handler waits (briefly, bounded) for it to reach the
            // cap, so that every refill takes the backpressure once more.
            long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (!consumer.pausedReasons().contains(PauseReason.BACKPRESSURE) && ch.pressure().consumer().received() < n
                    && System.nanoTime() < deadline) {
                LockSupport.parkNanos(100_000);
            }
        });
        boolean brokerCounts = probe().unacked(destination, group).isPresent();
        LongAccumulator maxUnacked = new LongAccumulator(Math::max, 0);
        AtomicBoolean done = new AtomicBoolean();
        Thread sampler = new Thread(() -> {
            while (brokerCounts && !done.get()) {
                maxUnacked.accumulate(probe().unacked(destination, group).orElse(0));
                LockSupport.parkNanos(5_000_000); // a sample every few milliseconds is plenty
            }
        }, "kit-unacked-sampler");
        sampler.start();
        try {
            await("every message handled").until(() -> ch.pressure().consumer().acked() == n);
        } finally {
            done.set(true);
            sampler.join(broker.patience().toMillis());
        }
        assertThat(cycles.get()).as("backpressure cycles").isGreaterThanOrEqualTo(Math.min(100, n / cap));
        assertThat(maxInFlight.get()).as("in flight at the consumer").isLessThanOrEqualTo(cap);
        if (brokerCounts) {
            assertThat(maxUnacked.get()).as("unacked on the broker").isLessThanOrEqualTo(cap);
        }
        awaitConsumerReconciles(ch);
    }

    @Test
    @DisplayName("no handler starts once pause() has returned; what waited goes back and keeps its attempt")
    void nothingStartsAfterPause() throws Exception {
        int cap = 20;
        int n = 40;
        String destination = fresh("hold");
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(cap).maxInFlight(cap)
                .pollTimeout(Duration.ofMillis(100))));
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.producer().flush(broker.patience())).isTrue();

        CountDownLatch finish = new CountDownLatch(1);
        List<Long> starts = new CopyOnWriteArrayList<>();
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        MessageConsumer consumer = ch.consumer(group);
        consumer.start(d -> {
            starts.add(System.nanoTime());
            attempts.add(d.attempt());
            finish.await(); // the first handler holds the one thread; the rest wait behind it
        });
        await("the consumer filled up to its cap").until(() -> consumer.inFlight() == cap);
        await("the first handler running").until(() -> starts.size() == 1);
        consumer.pause();
        long pausedAt = System.nanoTime();
        // Given back by the time pause() returned: all that waited behind the running handler,
        // including a run that was on its way to the handler thread when the pause came.
        assertThat(ch.pressure().consumer().released()).as("given back when pause() returned").isGreaterThanOrEqualTo(cap - 1);
        await("only the running handler in flight").until(() -> consumer.inFlight() <= 1);

        finish.countDown();
        await("the running handler finished").until(() -> consumer.inFlight() == 0);
        await("no handler starts while paused").during(Duration.ofMillis(500)).until(() -> starts.size() == 1);
        assertThat(starts).as("handler starts after pause() returned").noneMatch(t -> t > pausedAt);
        probe().unacked(destination, group).ifPresent(u -> assertThat(probe().unacked(destination, group).getAsLong())
                .as("held at the member while paused").isLessThanOrEqualTo(cap - 1));

        consumer.resume();
        await("every message handled after resume").until(() -> ch.pressure().consumer().acked() == n);
        assertThat(attempts).as("attempts: a give-back is not one").hasSize(n).containsOnly(1);
        assertThat(ch.pressure().consumer().deadLettered()).isZero();
        awaitConsumerReconciles(ch);
    }
}
