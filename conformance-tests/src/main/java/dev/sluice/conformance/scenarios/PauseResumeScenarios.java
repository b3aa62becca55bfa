package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.PauseReason;
import dev.sluice.PressureListener;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 7: no deliveries while paused, resume at the low watermark, no flapping. */
public abstract class PauseResumeScenarios extends ScenarioFamily {

    protected PauseResumeScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("delivers nothing while paused, leaves the messages on the broker, and delivers them all on resume")
    void nothingWhilePaused() throws Exception {
        int n = 20;
        String destination = fresh("pause");
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(5).maxInFlight(10)
                .pollTimeout(Duration.ofMillis(100))));
        Received received = new Received();
        MessageConsumer consumer = ch.consumer(group);
        consumer.start(received);
        consumer.pause();
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.producer().flush(broker.patience())).isTrue();
        await("nothing delivered while paused").during(Duration.ofMillis(500)).until(() -> received.count() == 0);
        probe().ready(destination, group).ifPresent(r ->
                assertThat(probe().ready(destination, group).getAsLong()).as("still on the broker").isEqualTo(n));
        probe().unacked(destination, group).ifPresent(u ->
                assertThat(probe().unacked(destination, group).getAsLong()).as("fetched while paused").isZero());

        consumer.resume();
        await("every message delivered after resume").until(() -> received.distinct().size() == n);
    }

    @Test
    @DisplayName("pauses at the high watermark and resumes only at the low one, without flapping")
    void hysteresis() throws Exception {
        int cap = 10;
        int n = scaled(60);
        BackpressureChannel ch = open(spec(fresh("watermarks")).consumer(ConsumerPolicy.pull(5).maxInFlight(cap)
                .pauseAt(0.8).resumeAt(0.4).concurrency(cap)));
        MessageConsumer consumer = ch.consumer(group);
        List<String> transitions = new CopyOnWriteArrayList<>();
        ch.addListener(new PressureListener() {
            @Override
            public void onPaused(String group, PauseReason reason) {
                transitions.add("pause@" + consumer.inFlight());
            }

            @Override
            public void onResumed(String group, PauseReason reason) {
                transitions.add("resume@" + consumer.inFlight());
            }
        });
        Semaphore permits = new Semaphore(0);
        consumer.start(d -> permits.acquire());
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        await().until(() -> consumer.pausedReasons().contains(PauseReason.BACKPRESSURE));
        int step = 0;
        while (ch.pressure().consumer().acked() < n) {
            long acked = ch.pressure().consumer().acked();
            permits.release(); // one handler finishes
            await().until(() -> ch.pressure().consumer().acked() > acked);
            step++;
            assertThat(step).as("steps").isLessThanOrEqualTo(n);
        }
        assertThat(transitions).isNotEmpty();
        for (String t : transitions) {
            int inFlight = Integer.parseInt(t.substring(t.indexOf('@') + 1));
            if (t.startsWith("pause")) {
                assertThat(inFlight).as(t).isGreaterThanOrEqualTo(8);
            } else {
                assertThat(inFlight).as(t).isLessThanOrEqualTo(4);
            }
        }
        long pauses = transitions.stream().filter(t -> t.startsWith("pause")).count();
        assertThat(pauses).as("pauses: at most one per %d deliveries", 8 - 4).isLessThanOrEqualTo(n / 4 + 1);
    }
}
