package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.PauseReason;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 9: pause survives rebalance (Kafka) and reconnect (all). */
public abstract class PauseSurvivalScenarios extends ScenarioFamily {

    protected PauseSurvivalScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("a paused consumer stays paused when its connection is cut and comes back")
    void pauseSurvivesReconnect() throws Exception {
        assumeFault(Fault.CUT_CONNECTIONS);
        int n = 10;
        String destination = fresh("reconnect");
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(5).maxInFlight(10)
                .pollTimeout(Duration.ofMillis(100))));
        Received received = new Received();
        MessageConsumer consumer = ch.consumer(group);
        consumer.start(received);
        consumer.pause();
        broker.inject(Fault.CUT_CONNECTIONS);
        broker.heal(Fault.CUT_CONNECTIONS);
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.producer().flush(broker.patience())).isTrue();
        await().during(Duration.ofMillis(500)).until(() -> received.count() == 0);
        assertThat(consumer.pausedReasons()).containsExactly(PauseReason.MANUAL);
        probe().ready(destination, group).ifPresent(r ->
                assertThat(probe().ready(destination, group).getAsLong()).as("still on the broker").isEqualTo(n));

        consumer.resume();
        await().until(() -> received.distinct().size() == n);
    }

    @Test
    @DisplayName("a paused consumer stays paused through a rebalance and gets nothing of the partitions it is given")
    void pauseSurvivesRebalance() throws Exception {
        int n = 20;
        BackpressureChannel ch = open(spec(fresh("rebalance"), 2).consumer(ConsumerPolicy.pull(5).maxInFlight(10)
                .pollTimeout(Duration.ofMillis(100))));
        assumeCapability(ch, Capability.REBALANCE,
                broker.name() + " does not move work between the members of a group, so there is no rebalance to survive");
        Received paused = new Received();
        MessageConsumer first = ch.consumer(group);
        first.start(paused);
        first.pause();
        Received other = new Received();
        MessageConsumer second = ch.consumer(group);
        second.start(other);
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i).key("k" + i)); // keys spread them over the partitions
        }
        // The second member joining takes part of the work; the paused one, holding the rest, starts on none.
        await().until(() -> other.distinct().size() > 0);
        await().during(Duration.ofSeconds(1)).until(() -> paused.count() == 0);
        second.close();
        // The second member leaving gives the paused one every partition: it must stay paused.
        for (int i = n; i < 2 * n; i++) {
            ch.producer().send(Message.of("m" + i).key("k" + i));
        }
        await().during(Duration.ofSeconds(1)).until(() -> paused.count() == 0);
        assertThat(first.pausedReasons()).containsExactly(PauseReason.MANUAL);
        first.resume();
        // Nothing lost: what the second member did not finish, the first one does.
        java.util.Set<String> all = new java.util.HashSet<>();
        await().until(() -> {
            all.clear();
            all.addAll(paused.distinct());
            all.addAll(other.distinct());
            return all.size() == 2 * n;
        });
        assertThat(paused.count()).as("the resumed member took over").isPositive();
    }
}
