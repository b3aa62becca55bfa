package dev.sluice.conformance.broken;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.conformance.soak.Soak;
import dev.sluice.conformance.soak.SoakResult;
import dev.sluice.conformance.soak.SoakSettings;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The soak's ledger against an adapter that loses messages when it reconnects: the loss is named. */
class SoakCatchesLossTest {

    @Test
    @DisplayName("a soak over an adapter that loses the first deliveries after each reconnect fails its ledger, naming the ids")
    void lossOnReconnectFailsTheLedger() throws Exception {
        // Broker faults only (no crashes); seed 15 draws three restarts, each a reconnect.
        SoakSettings settings = new SoakSettings(10, Duration.ofSeconds(15), 15, 100, 100 * 135, 2, 10, 10, Duration.ofMillis(300),
                Duration.ofMillis(600), Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofSeconds(5), false, false);
        BrokenKits.BrokenKitBroker broker = new BrokenKits.BrokenKitBroker(BrokenAdapter.Defect.LOSES_ON_RECONNECT);

        SoakResult r = new Soak(broker, "broken in memory", settings, line -> { }).run();
        System.out.print(r.summary());

        assertThat(r.faults()).as("faults caused").isNotEmpty();
        assertThat(r.lost()).as("messages lost on reconnect").isPositive();
        assertThat(r.failures()).anySatisfy(f -> assertThat(f).contains("lost").contains("ids"));
        assertThat(r.passed()).isFalse();
    }
}
