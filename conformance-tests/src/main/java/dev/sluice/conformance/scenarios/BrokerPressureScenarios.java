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
import java.util.List;
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

        int sent = raiseAlarm(ch, Integer.MAX_VALUE);
        // The state flips before the listeners hear of it: await the event, do not expect it yet.
        await("the listener hears that the broker blocked").until(() -> recorder.events.contains("broker blocked"));
        assertThat(ch.health().state()).isEqualTo(HealthStatus.State.DOWN);
        assertThat(ch.retryAfter()).isPresent();

        int accepted = sent + sendUntilTimedOut(ch, "m", sent, 10 * capacity, "under the alarm");

        broker.heal(Fault.BROKER_PRESSURE);
        await().until(() -> !ch.pressure().brokerBlocked());
        await("the listener hears that the broker unblocked").until(() -> recorder.events.contains("broker unblocked"));
        await().until(() -> received.distinct().size() == accepted + 1);
        // A broker may deliver a message before it confirms it: wait for the confirms too.
        assertThat(ch.producer().flush(broker.patience())).as("every send confirmed").isTrue();
        assertThat(ch.pressure().producer().reconciles()).isTrue();
    }

    @Test
    @DisplayName("learns that the alarm is over although every send under it failed and none is being retried")
    void recoversWithNothingInFlight() throws Exception {
        assumeFault(Fault.BROKER_PRESSURE);
        org.junit.jupiter.api.Assumptions.assumeTrue(broker.refusesSendsUnderPressure(), broker.name()
                + " holds sends unconfirmed under its alarm: a send is in flight when it clears, and tells");
        BackpressureChannel ch = open(spec(fresh("alarm-idle"))
                .producer(ProducerPolicy.buffer(100).maxInFlight(2).sendRetries(0).onOverflow(Overflow.block(Duration.ofMillis(200)))));
        assumeCapability(ch, Capability.BROKER_PRESSURE_SIGNAL, broker.name() + " gives no pressure signal");
        Received received = new Received();
        ch.consumer(group).start(received);
        ProducerBlockScenarios.warmUp(ch, received);

        raiseAlarm(ch, 50); // a slow alarm must not fill the buffer
        // A broker that refuses under its alarm (throttling, out of memory) says it is over only
        // by accepting a send again; with no retries left nothing is in flight to find out.
        await("the sends under the alarm settled").until(() -> ch.pressure().producerInFlight() == 0);
        broker.heal(Fault.BROKER_PRESSURE);
        List<String> after = List.of("after0", "after1", "after2");
        for (String payload : after) {
            SendResult r = ch.producer().send(Message.of(payload));
            assertThat(r.isAccepted()).as("%s: %s, %s", payload, r, ch.pressure()).isTrue();
        }
        await("the channel learns that the alarm is over").until(() -> !ch.pressure().brokerBlocked());
        await("what waited is sent").until(() -> received.payloads.containsAll(after));
        assertThat(ch.producer().flush(broker.patience())).isTrue();
        assertThat(ch.pressure().producer().reconciles()).isTrue();
    }

    /**
     * Injects the broker's alarm and waits until the channel is told. Some brokers raise it a
     * moment later, and tell a connection it is blocked only when it next publishes: keeps
     * publishing, one message per look, while the buffer has room and fewer than
     * {@code maxSends} went out.
     *
     * @return how many messages it sent ({@code m0}, {@code m1}, ...)
     */
    private int raiseAlarm(BackpressureChannel ch, int maxSends) throws Exception {
        broker.inject(Fault.BROKER_PRESSURE);
        int[] sent = {0};
        await("the broker's alarm reaches the channel").until(() -> {
            if (!ch.pressure().brokerBlocked() && sent[0] < maxSends
                    && ch.pressure().buffered() < ch.pressure().bufferCapacity()) {
                ch.producer().send(Message.of("m" + sent[0]++));
            }
            return ch.pressure().brokerBlocked();
        });
        return sent[0];
    }
}
