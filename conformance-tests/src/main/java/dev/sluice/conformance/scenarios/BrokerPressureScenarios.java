package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
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
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 14: the broker's own alarm turns into the pressure signal and the policy. */
public abstract class BrokerPressureScenarios extends ScenarioFamily {

    protected BrokerPressureScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("turns the broker's own alarm into the pressure signal, holds sends under the policy, and sends them when it clears")
    void alarmBecomesSignalAndPolicy() throws Exception {
        assumeFault(Fault.BROKER_PRESSURE);
        int capacity = 10;
        BackpressureChannel ch = open(spec(fresh("alarm"))
                .producer(ProducerPolicy.buffer(capacity).maxInFlight(2).onOverflow(Overflow.block(Duration.ofMillis(200)))));
        assumeCapability(ch, Capability.BROKER_PRESSURE_SIGNAL, broker.name() + " gives no pressure signal");
        EventRecorder recorder = new EventRecorder();
        ch.addListener(recorder);
        Received received = new Received();
        ch.consumer(group).start(received);
        ProducerBlockScenarios.warmUp(ch, received);

        broker.inject(Fault.BROKER_PRESSURE);
        // Some brokers raise the alarm a moment later, and tell a connection it is blocked only
        // when it next publishes: keep publishing, one message per look, until it is told.
        int[] sent = {0};
        await("the broker's alarm reaches the channel").until(() -> {
            if (!ch.pressure().brokerBlocked() && ch.pressure().buffered() < capacity) {
                ch.producer().send(Message.of("m" + sent[0]++));
            }
            return ch.pressure().brokerBlocked();
        });
        // The state flips before the listeners hear of it: await the event, do not expect it yet.
        await("the listener hears that the broker blocked").until(() -> recorder.events.contains("broker blocked"));
        assertThat(ch.health().state()).isEqualTo(HealthStatus.State.DOWN);
        assertThat(ch.retryAfter()).isPresent();

        SendResult last = SendResult.ACCEPTED;
        while (last.status() == SendResult.Status.ACCEPTED && sent[0] < 10 * capacity) {
            last = ch.producer().send(Message.of("m" + sent[0]++));
        }
        assertThat(last.status()).as("the block policy under the alarm").isEqualTo(SendResult.Status.TIMED_OUT);
        int accepted = sent[0] - 1;

        broker.heal(Fault.BROKER_PRESSURE);
        await().until(() -> !ch.pressure().brokerBlocked());
        await("the listener hears that the broker unblocked").until(() -> recorder.events.contains("broker unblocked"));
        await().until(() -> received.distinct().size() == accepted + 1);
        assertThat(ch.pressure().producer().reconciles()).isTrue();
    }
}
