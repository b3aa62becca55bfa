package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.PressureState;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 1: N sent, N received, acked once, per-key order where the broker orders. */
public abstract class DeliveryScenarios extends ScenarioFamily {

    protected DeliveryScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("delivers every message sent to a group exactly once and acks each once")
    void deliversEveryMessageOnce() throws Exception {
        int n = scaled(200);
        String destination = fresh("delivery");
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(20).maxInFlight(50)));
        Received received = new Received();
        ch.consumer(group).start(received);
        for (int i = 0; i < n; i++) {
            assertThat(ch.producer().send(Message.of("m" + i)).isAccepted()).as("send m%d", i).isTrue();
        }
        await("every message delivered and acked").until(() -> ch.pressure().consumer().acked() >= n);
        // A broker may deliver a message before it confirms it to the producer (RabbitMQ confirms
        // persistent messages after writing them): wait for the confirms too.
        assertThat(ch.producer().flush(broker.patience())).as("every send confirmed").isTrue();

        assertThat(received.distinct()).hasSize(n);
        assertThat(received.duplicates()).as("redeliveries on a healthy run").isZero();
        PressureState p = ch.pressure();
        assertThat(p.producer().confirmed()).isEqualTo(n);
        assertThat(p.producer().reconciles()).isTrue();
        assertThat(p.consumer().acked()).isEqualTo(n);
        assertThat(p.consumer().nacked()).isZero();
        awaitConsumerReconciles(ch);
        probe().unacked(destination, group).ifPresent(u ->
                await().until(() -> probe().unacked(destination, group).getAsLong() == 0));
        probe().ready(destination, group).ifPresent(r ->
                await("nothing ready on the broker").until(() -> probe().ready(destination, group).getAsLong() == 0));
    }

    @Test
    @DisplayName("keeps the order of messages with the same key, with several handler threads")
    void keepsPerKeyOrder() throws Exception {
        int n = scaled(300);
        String destination = fresh("order");
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(20).maxInFlight(40).concurrency(4)));
        assumeCapability(ch, Capability.PER_KEY_ORDER, broker.name() + " does not keep per-key order");
        Map<String, List<Integer>> byKey = new ConcurrentHashMap<>();
        ch.consumer(group).start(d -> {
            String[] parts = d.message().payloadAsString().split(":");
            byKey.computeIfAbsent(parts[0], k -> Collections.synchronizedList(new ArrayList<>())).add(Integer.parseInt(parts[1]));
        });
        for (int i = 0; i < n; i++) {
            String key = "key" + (i % 5);
            ch.producer().send(Message.of(key + ":" + i).key(key));
        }
        await().until(() -> ch.pressure().consumer().acked() >= n);
        assertThat(byKey).hasSize(5);
        byKey.forEach((key, seq) -> assertThat(seq).as("order of %s", key).isSorted().doesNotHaveDuplicates());
    }
}
