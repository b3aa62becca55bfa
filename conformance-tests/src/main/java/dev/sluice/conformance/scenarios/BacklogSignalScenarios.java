package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.ScenarioFamily;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 13: the backlog signal is within 10 % of the broker's own figure. */
public abstract class BacklogSignalScenarios extends ScenarioFamily {

    protected BacklogSignalScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("reports a backlog within 10 % of the broker's own figure, and it falls as the group consumes")
    void backlogMatchesTheBroker() throws Exception {
        int n = scaled(100);
        String destination = fresh("backlog");
        BackpressureChannel ch = open(spec(destination));
        assumeCapability(ch, Capability.BACKLOG_SIGNAL, broker.name() + " cannot tell its backlog");
        MessageConsumer consumer = ch.consumer(group);
        consumer.start(d -> { });
        consumer.pause(); // the group exists, consumes nothing
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.producer().flush(broker.patience())).isTrue();
        brokerFigure(probe().backlog(destination, group), "its backlog");
        await().until(() -> probe().backlog(destination, group).getAsLong() == n);
        await().until(() -> withinTenPercent(ch.pressure().backlog(), probe().backlog(destination, group).getAsLong()));
        assertThat(ch.health().backlog()).isBetween((long) (n * 0.9), (long) (n * 1.1));

        consumer.resume();
        await().until(() -> ch.pressure().consumer().acked() == n);
        await().until(() -> withinTenPercent(ch.pressure().backlog(), probe().backlog(destination, group).getAsLong())
                && ch.pressure().backlog() <= n / 10);
    }

    private static boolean withinTenPercent(long reported, long brokerFigure) {
        return Math.abs(reported - brokerFigure) <= Math.max(1, brokerFigure / 10);
    }
}
