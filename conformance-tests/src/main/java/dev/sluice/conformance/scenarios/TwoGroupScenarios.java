package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.Message;
import dev.sluice.StrategyMapping;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Family 21: consumer groups mean one thing. Where the broker has independent groups, each group
 * receives every message and the members of a group share them; where it does not, a second
 * group is refused with the reason instead of silently competing for the first one's messages.
 */
public abstract class TwoGroupScenarios extends ScenarioFamily {

    protected TwoGroupScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("two groups of two members: each group receives every message once, its members share them")
    void eachGroupReceivesEveryMessage() throws Exception {
        int n = scaled(40);
        String destination = fresh("groups");
        BackpressureChannel ch = open(spec(destination, 2));
        assumeTrue(ch.capabilities().contains(Capability.INDEPENDENT_GROUPS),
                broker.name() + " keeps one queue per destination: groups compete (checked by the refusal scenario)");
        assertThat(groupsMapping(ch)).as("the mapping says how groups are independent").isNotEqualTo(StrategyMapping.Mechanism.UNSUPPORTED);
        String billing = group;
        String audit = group + "-ops";
        Received billingA = new Received();
        Received billingB = new Received();
        Received auditA = new Received();
        Received auditB = new Received();
        ch.consumer(billing).start(billingA);
        ch.consumer(billing).start(billingB);
        ch.consumer(audit).start(auditA);
        ch.consumer(audit).start(auditB);
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.producer().flush(broker.patience())).isTrue();
        await("the billing group received every message").until(() -> union(billingA, billingB) == n);
        await("the audit group received every message").until(() -> union(auditA, auditB) == n);
        await("every delivery acked").until(() -> ch.pressure().consumer().acked() == 2L * n);
        assertThat(billingA.count() + billingB.count()).as("billing deliveries: each message once").isEqualTo(n);
        assertThat(auditA.count() + auditB.count()).as("audit deliveries: each message once").isEqualTo(n);
    }

    @Test
    @DisplayName("where groups would compete for one queue, a second group is refused with the reason")
    void secondGroupRefusedWhereGroupsCompete() {
        BackpressureChannel ch = open(spec(fresh("one-queue")));
        assumeFalse(ch.capabilities().contains(Capability.INDEPENDENT_GROUPS),
                broker.name() + " has independent groups (checked by the scenario above)");
        assertThat(groupsMapping(ch)).as("the mapping says groups are not independent").isEqualTo(StrategyMapping.Mechanism.UNSUPPORTED);
        ch.consumer(group);
        ch.consumer(group); // a second member of the same group is fine
        assertThatThrownBy(() -> ch.consumer(group + "-ops"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'" + group + "-ops'")
                .hasMessageContaining("INDEPENDENT_GROUPS");
    }

    private static StrategyMapping.Mechanism groupsMapping(BackpressureChannel ch) {
        return ch.mapping().stream().filter(m -> m.strategy() == StrategyMapping.Strategy.CONSUMER_GROUPS)
                .map(StrategyMapping::mechanism).findFirst()
                .orElseThrow(() -> new AssertionError("no CONSUMER_GROUPS line in the mapping: " + ch.mapping()));
    }

    private static int union(Received a, Received b) {
        java.util.Set<String> all = new java.util.HashSet<>(a.distinct());
        all.addAll(b.distinct());
        return all.size();
    }
}
