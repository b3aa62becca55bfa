package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.PauseReason;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.ScenarioFamily;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 8: a manual pause survives the automatic resume. */
public abstract class PauseOwnershipScenarios extends ScenarioFamily {

    protected PauseOwnershipScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("a manual pause taken while paused for backpressure survives the automatic resume")
    void manualPauseSurvivesAutomaticResume() throws Exception {
        int n = 30;
        String destination = fresh("owners");
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(2).maxInFlight(4)
                .pollTimeout(Duration.ofMillis(100))));
        MessageConsumer consumer = ch.consumer(group);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger handled = new AtomicInteger();
        consumer.start(d -> {
            running.countDown();
            release.await();
            handled.incrementAndGet();
        });
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        await().until(() -> consumer.pausedReasons().contains(PauseReason.BACKPRESSURE));
        await("a handler running").until(() -> running.getCount() == 0);
        consumer.pause();
        // What waited behind the one running handler went back when pause() returned, so
        // BACKPRESSURE may be released already; MANUAL holds either way.
        assertThat(consumer.pausedReasons()).contains(PauseReason.MANUAL);
        assertThat(ch.pressure().consumer().released()).as("given back when pause() returned").isGreaterThanOrEqualTo(3);

        release.countDown();
        await("in-flight work drained while the manual pause holds").until(() -> consumer.inFlight() == 0);
        assertThat(consumer.pausedReasons()).as("BACKPRESSURE released, MANUAL held").containsExactly(PauseReason.MANUAL);
        int handledWhenDrained = handled.get();
        assertThat(handledWhenDrained).as("handled: only the handler running at the pause").isEqualTo(1);
        long receivedWhenDrained = ch.pressure().consumer().received();
        long released = ch.pressure().consumer().released();
        await("nothing fetched or handled while the manual pause holds").during(Duration.ofMillis(500))
                .until(() -> handled.get() == handledWhenDrained && ch.pressure().consumer().received() == receivedWhenDrained);
        // Given back, not held: on the broker they are ready again (Redis keeps a given-back entry
        // pending at the member, to hand it out again on resume: at most what was released).
        probe().unacked(destination, group).ifPresent(u ->
                assertThat(probe().unacked(destination, group).getAsLong()).as("held at the member while paused")
                        .isLessThanOrEqualTo(released));
        probe().ready(destination, group).ifPresent(r -> assertThat(probe().ready(destination, group).getAsLong()
                + probe().unacked(destination, group).orElse(0)).as("left on the broker").isEqualTo(n - handledWhenDrained));

        consumer.resume();
        await().until(() -> handled.get() == n);
        assertThat(consumer.pausedReasons()).isEmpty();
    }

    @Test
    @DisplayName("each reason is released only by its owner: resuming MANUAL leaves HEALTH and BROKER pauses in place")
    void reasonsAreCountedSeparately() throws Exception {
        BackpressureChannel ch = open(spec(fresh("reasons")));
        MessageConsumer consumer = ch.consumer(group);
        consumer.start(d -> { });
        consumer.pause(PauseReason.HEALTH);
        consumer.pause();
        consumer.pause(PauseReason.BROKER);
        consumer.resume();
        assertThat(consumer.pausedReasons()).containsExactlyInAnyOrder(PauseReason.HEALTH, PauseReason.BROKER);
        consumer.resume(PauseReason.BROKER);
        assertThat(consumer.isPaused()).isTrue();
        consumer.resume(PauseReason.HEALTH);
        assertThat(consumer.isPaused()).isFalse();
    }
}
