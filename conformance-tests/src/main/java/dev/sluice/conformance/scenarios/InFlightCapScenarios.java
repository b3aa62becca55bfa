package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.ScenarioFamily;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 6: never more than the cap unacked, checked from the broker's side. */
public abstract class InFlightCapScenarios extends ScenarioFamily {

    protected InFlightCapScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("never has more than maxInFlight unacked, as the broker counts them, with more handler threads than the cap")
    void neverMoreThanTheCapUnacked() throws Exception {
        int cap = 10;
        int n = scaled(100);
        String destination = fresh("cap");
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(5).maxInFlight(cap).concurrency(cap + 5)));
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.producer().flush(broker.patience())).isTrue();

        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        LongAccumulator maxRunning = new LongAccumulator(Math::max, 0);
        LongAccumulator maxUnacked = new LongAccumulator(Math::max, 0);
        MessageConsumer consumer = ch.consumer(group);
        consumer.start(d -> {
            maxRunning.accumulate(running.incrementAndGet());
            try {
                gate.await();
            } finally {
                running.decrementAndGet();
            }
        });
        boolean brokerCounts = probe().unacked(destination, group).isPresent();
        // With every handler held, the consumer fills up to the cap and no further.
        await("the consumer filled up to its cap").until(() -> consumer.inFlight() >= cap);
        await("never more than the cap in flight").during(Duration.ofMillis(300)).until(() -> {
            if (brokerCounts) {
                maxUnacked.accumulate(probe().unacked(destination, group).getAsLong());
            }
            return consumer.inFlight() <= cap;
        });
        if (brokerCounts) {
            await().until(() -> probe().unacked(destination, group).getAsLong() == cap);
            probe().ready(destination, group).ifPresent(r ->
                    assertThat(probe().ready(destination, group).getAsLong()).as("left on the broker").isEqualTo(n - cap));
        }
        gate.countDown();
        await().until(() -> {
            if (brokerCounts) {
                maxUnacked.accumulate(probe().unacked(destination, group).getAsLong());
            }
            return ch.pressure().consumer().acked() == n;
        });
        assertThat(maxRunning.get()).as("handlers running at once").isLessThanOrEqualTo(cap);
        if (brokerCounts) {
            assertThat(maxUnacked.get()).as("unacked on the broker").isLessThanOrEqualTo(cap);
        }
    }
}
