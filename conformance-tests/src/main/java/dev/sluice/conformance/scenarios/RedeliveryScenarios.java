package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 10: nack and redelivery; after maxAttempts the message is in the dead letter. */
public abstract class RedeliveryScenarios extends ScenarioFamily {

    protected RedeliveryScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("a nacked message is delivered again, with the attempt counted")
    void nackRedelivers() throws Exception {
        BackpressureChannel ch = open(spec(fresh("nack")).consumer(ConsumerPolicy.pull(1).maxAttempts(5)
                .redeliveryDelay(Duration.ZERO)));
        assumeCapability(ch, Capability.REDELIVERY, broker.name() + " does not redeliver");
        List<String> attempts = new CopyOnWriteArrayList<>();
        ch.consumer(group).start(d -> {
            attempts.add(d.message().payloadAsString() + "@" + d.attempt());
            if (d.attempt() == 1) {
                throw new IllegalStateException("fails the first time");
            }
        });
        ch.producer().send(Message.of("job"));
        await().until(() -> ch.pressure().consumer().acked() == 1);
        assertThat(attempts).containsExactly("job@1", "job@2");
        assertThat(ch.pressure().consumer().nacked()).isEqualTo(1);
    }

    @Test
    @DisplayName("after maxAttempts failures the message is in the dead letter destination, with its attempts")
    void deadLettersAfterMaxAttempts() throws Exception {
        String destination = fresh("poison");
        String deadLetter = fresh("poison-dlq");
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(1).maxAttempts(3)
                .redeliveryDelay(Duration.ZERO).deadLetter(deadLetter)));
        assumeCapability(ch, Capability.DEAD_LETTER, broker.name() + " has no dead letter");
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        ch.consumer(group).start(d -> {
            attempts.add(d.attempt());
            throw new IllegalStateException("always fails");
        });
        BackpressureChannel dlq = open(spec(deadLetter));
        Received dead = new Received();
        dlq.consumer(group + "-ops").start(dead);
        ch.producer().send(Message.of("poison"));

        await().until(() -> dead.count() == 1);
        assertThat(dead.payloads).containsExactly("poison");
        assertThat(attempts).containsExactly(1, 2, 3);
        // The dead-letter copy can arrive before the move has been counted.
        await().until(() -> ch.pressure().consumer().deadLettered() == 1);
        assertThat(ch.pressure().consumer().nacked()).isEqualTo(2);
        await().during(Duration.ofMillis(300)).until(() -> attempts.size() == 3);
    }
}
