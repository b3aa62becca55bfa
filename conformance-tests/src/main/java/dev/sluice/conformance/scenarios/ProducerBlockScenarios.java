package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.PressureState;
import dev.sluice.ProducerPolicy;
import dev.sluice.SendResult;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import dev.sluice.flow.PressureLevel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 2: the gate never holds more than its capacity; the producer waits and resumes; zero loss; TIMED_OUT after maxWait. */
public abstract class ProducerBlockScenarios extends ScenarioFamily {

    protected ProducerBlockScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("holds at most its capacity while the broker stalls, lets the producer wait, and loses nothing")
    void blocksAndResumesWithoutLoss() throws Exception {
        assumeFault(Fault.STALL);
        int capacity = 20;
        int n = capacity * 5;
        String destination = fresh("block");
        BackpressureChannel ch = open(spec(destination)
                .producer(ProducerPolicy.buffer(capacity).maxInFlight(5).onOverflow(Overflow.block(broker.patience())))
                .consumer(ConsumerPolicy.pull(20).maxInFlight(50)));
        Received received = new Received();
        ch.consumer(group).start(received);
        warmUp(ch, received);

        broker.inject(Fault.STALL);
        LongAccumulator maxBuffered = new LongAccumulator(Math::max, 0);
        List<SendResult> results = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < n; i++) {
                results.add(ch.producer().send(Message.of("m" + i)));
                maxBuffered.accumulate(ch.pressure().buffered());
            }
        });
        await().until(() -> ch.pressure().level() == PressureLevel.HARD && ch.pressure().buffered() == capacity);
        assertThat(producer).as("the producer waits for room").isNotDone();
        assertThat(results.size()).isLessThan(n);

        broker.heal(Fault.STALL);
        producer.get(broker.patience().toMillis(), TimeUnit.MILLISECONDS);
        assertThat(results).hasSize(n).allMatch(r -> r.status() == SendResult.Status.ACCEPTED);
        assertThat(maxBuffered.get()).isLessThanOrEqualTo(capacity);
        await().until(() -> received.distinct().size() == n + 1);
        assertThat(ch.producer().flush(broker.patience())).as("every send confirmed").isTrue();
        PressureState.ProducerCounters c = ch.pressure().producer();
        assertThat(c.dropped()).isZero();
        assertThat(c.confirmed()).isEqualTo(n + 1);
        assertThat(c.reconciles()).isTrue();
    }

    @Test
    @DisplayName("answers TIMED_OUT when no room comes within maxWait, after waiting that long")
    void timesOutAfterMaxWait() throws Exception {
        assumeFault(Fault.STALL);
        int capacity = 5;
        int maxInFlight = 2;
        Duration maxWait = Duration.ofMillis(300);
        BackpressureChannel ch = open(spec(fresh("timeout"))
                .producer(ProducerPolicy.buffer(capacity).maxInFlight(maxInFlight).onOverflow(Overflow.block(maxWait))));
        Received received = new Received();
        ch.consumer(group).start(received);
        warmUp(ch, received);

        broker.inject(Fault.STALL);
        int accepted = 0;
        SendResult last = null;
        long waited = 0;
        for (int i = 0; i < capacity + maxInFlight + 5; i++) {
            long start = System.nanoTime();
            last = ch.producer().send(Message.of("m" + i));
            waited = System.nanoTime() - start;
            if (last.status() != SendResult.Status.ACCEPTED) {
                break;
            }
            accepted++;
        }
        assertThat(last.status()).isEqualTo(SendResult.Status.TIMED_OUT);
        assertThat(waited).as("waited for room").isGreaterThanOrEqualTo(maxWait.toNanos());
        assertThat(accepted).isBetween(capacity, capacity + maxInFlight);
        assertThat(ch.pressure().producer().rejected()).isEqualTo(1);
    }

    /** One message through before the fault, so the client knows its destination. */
    static void warmUp(BackpressureChannel ch, Received received) throws InterruptedException {
        ch.producer().send(Message.of("warm-up"));
        assertThat(ch.producer().flush(Duration.ofSeconds(30))).as("warm-up message confirmed").isTrue();
    }
}
