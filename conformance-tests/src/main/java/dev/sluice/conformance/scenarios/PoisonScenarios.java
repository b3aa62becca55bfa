package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.HealthStatus;
import dev.sluice.Message;
import dev.sluice.PressureListener;
import dev.sluice.conformance.ForeignClient;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Family 20: a message whose Sluice metadata cannot be decoded never stops a consumer. It is
 * delivered raw (or dead-lettered, as the policy says), counted, and reported to listeners,
 * and every message after it is delivered.
 */
public abstract class PoisonScenarios extends ScenarioFamily {

    protected PoisonScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    /** Writes the poison; skips with the reason when this broker's wire has nothing to corrupt. */
    private String writePoison(String destination) throws Exception {
        assumeTrue(broker.foreign().isPresent(), broker.name() + " has no wire format of its own: nothing can be malformed");
        ForeignClient foreign = broker.foreign().get();
        Optional<String> what = foreign.writeMalformed(destination, "poison".getBytes(StandardCharsets.UTF_8));
        assumeTrue(what.isPresent(), broker.name() + " carries Sluice's metadata in typed properties only: a producer cannot corrupt it");
        return what.get();
    }

    @Test
    @DisplayName("a message with corrupt metadata is delivered raw, counted and reported, and the consumer goes on")
    void deliveredRawAndTheConsumerGoesOn() throws Exception {
        int n = 5;
        String destination = fresh("poison");
        BackpressureChannel ch = open(spec(destination));
        List<String> reported = new CopyOnWriteArrayList<>();
        ch.addListener(new PressureListener() {
            @Override
            public void onMalformed(String g, Message message, String reason) {
                reported.add(message.payloadAsString() + ": " + reason);
            }
        });
        Received received = new Received();
        ch.consumer(group).start(received);
        String poison = writePoison(destination);
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        await("the poison and every message after it delivered").until(() -> received.distinct().size() == n + 1);
        assertThat(received.distinct()).as("after " + poison).contains("poison", "m0", "m" + (n - 1));
        assertThat(ch.pressure().consumer().malformed()).isEqualTo(1);
        await("reported to listeners").until(() -> reported.size() == 1);
        assertThat(reported.get(0)).startsWith("poison: ");
        assertThat(ch.health().state()).isNotEqualTo(HealthStatus.State.DOWN);
        await("every delivery acked").until(() -> ch.pressure().consumer().acked() == n + 1);
    }

    @Test
    @DisplayName("with onMalformed(DEAD_LETTER) the poison goes to the dead letter and no handler sees it")
    void deadLetteredWhenThePolicySaysSo() throws Exception {
        int n = 5;
        String destination = fresh("poison-dlq");
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(10)
                .onMalformed(ConsumerPolicy.Malformed.DEAD_LETTER)));
        Received received = new Received();
        ch.consumer(group).start(received);
        writePoison(destination);
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        await("every good message handled").until(() -> received.distinct().size() == n);
        await("the poison dead-lettered").until(() -> ch.pressure().consumer().deadLettered() == 1);
        assertThat(received.distinct()).doesNotContain("poison");
        assertThat(ch.pressure().consumer().malformed()).isEqualTo(1);
        awaitConsumerReconciles(ch);
    }
}
