package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.HealthStatus;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.ProducerPolicy;
import dev.sluice.SendResult;
import dev.sluice.conformance.EventRecorder;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import dev.sluice.flow.PressureLevel;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 4: signals at the soft limit, the policy at the hard limit, hysteresis on the way down. */
public abstract class LimitScenarios extends ScenarioFamily {

    protected LimitScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("signals at the soft limit, applies the policy at the hard limit, and comes down with hysteresis")
    void softAndHardLimits() throws Exception {
        assumeFault(Fault.STALL);
        BackpressureChannel ch = open(spec(fresh("limits"))
                .producer(ProducerPolicy.buffer(10).softLimit(6).lowWatermark(2).maxInFlight(1).onOverflow(Overflow.dropNewest())));
        EventRecorder recorder = new EventRecorder();
        ch.addListener(recorder);
        Received received = new Received();
        ch.consumer(group).start(received);
        ProducerBlockScenarios.warmUp(ch, received);

        broker.inject(Fault.STALL);
        ch.producer().send(Message.of("held"));
        await().until(() -> ch.pressure().producerInFlight() == 1);
        for (int i = 0; i < 5; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.pressure().level()).isEqualTo(PressureLevel.NORMAL);
        assertThat(ch.health().state()).isEqualTo(HealthStatus.State.UP);

        ch.producer().send(Message.of("m5"));
        assertThat(ch.pressure().level()).isEqualTo(PressureLevel.SOFT);
        assertThat(ch.health().state()).isEqualTo(HealthStatus.State.DEGRADED);
        await("the listener hears the level rise to SOFT").until(() -> recorder.events.contains("level NORMAL->SOFT"));
        assertThat(recorder.matching("level")).containsExactly("level NORMAL->SOFT");

        for (int i = 6; i < 10; i++) {
            assertThat(ch.producer().send(Message.of("m" + i)).status()).isEqualTo(SendResult.Status.ACCEPTED);
        }
        assertThat(ch.pressure().level()).isEqualTo(PressureLevel.HARD);
        assertThat(ch.health().state()).isEqualTo(HealthStatus.State.DOWN);
        assertThat(ch.health().retryAfter()).isPositive();
        assertThat(ch.producer().send(Message.of("m10")).status()).as("the policy at the hard limit").isEqualTo(SendResult.Status.REJECTED);

        broker.heal(Fault.STALL);
        await().until(() -> ch.pressure().level() == PressureLevel.NORMAL);
        // The level falls on the channel's sending thread: await its event before reading the list.
        await("the listener hears the level fall to NORMAL").until(() -> recorder.events.contains("level SOFT->NORMAL"));
        assertThat(recorder.matching("level")).as("no flapping on the way down")
                .containsExactly("level NORMAL->SOFT", "level SOFT->HARD", "level HARD->SOFT", "level SOFT->NORMAL");
        await().until(() -> received.count() == 12);
        assertThat(ch.health().state()).isEqualTo(HealthStatus.State.UP);
    }
}
