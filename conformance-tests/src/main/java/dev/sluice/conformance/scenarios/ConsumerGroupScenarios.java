package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 12: N messages over three consumers, each processed once, all consumers used. */
public abstract class ConsumerGroupScenarios extends ScenarioFamily {

    protected ConsumerGroupScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("shares the messages of a group among three members: each processed once, every member used")
    void sharesAmongMembers() throws Exception {
        int n = scaled(150);
        BackpressureChannel ch = open(spec(fresh("group"), 3).consumer(ConsumerPolicy.pull(5).maxInFlight(5)));
        assumeCapability(ch, Capability.CONSUMER_GROUPS, broker.name() + " has no consumer groups");
        List<Received> members = IntStream.range(0, 3).mapToObj(i -> new Received()).toList();
        // A member holds its first delivery until every member has one, so that a broker that
        // shares work gets the chance to show it; one that does not leaves a member idle.
        CountDownLatch everyMemberServed = new CountDownLatch(members.size());
        for (Received r : members) {
            ch.consumer(group).start(d -> {
                if (r.count() == 0) {
                    everyMemberServed.countDown();
                }
                r.handle(d);
                everyMemberServed.await(broker.patience().toMillis(), TimeUnit.MILLISECONDS);
            });
        }
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        await().until(() -> members.stream().mapToInt(Received::count).sum() >= n && ch.pressure().consumer().acked() >= n);
        Set<String> all = new HashSet<>();
        int total = 0;
        for (Received r : members) {
            assertThat(r.count()).as("every member takes part").isPositive();
            all.addAll(r.payloads);
            total += r.count();
        }
        assertThat(all).hasSize(n);
        assertThat(total).as("each processed once").isEqualTo(n);
    }
}
