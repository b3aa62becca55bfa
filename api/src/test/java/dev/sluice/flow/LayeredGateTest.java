package dev.sluice.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LayeredGateTest {

    record Msg(int id, int priority) {
    }

    private final ManualTicker ticker = new ManualTicker();
    private final List<String> drops = new ArrayList<>();

    private LayeredGate<Msg> gate(int capacity, int softLimit) {
        BoundedBuffer<Msg> buffer = BoundedBuffer.<Msg>builder(capacity).softLimit(softLimit)
                .overflow(OverflowStrategy.DROP_NEWEST).ticker(ticker)
                .onDrop((m, r) -> drops.add(m.id() + ":" + r)).build();
        return LayeredGate.builder(buffer)
                .rateLimiter(TokenBucket.perSecond(10, 2, ticker))
                .priority(Msg::priority)
                .bypassRateLimitAtOrAbove(9)
                .shedBelowPriorityUnderPressure(3, (m, r) -> drops.add(m.id() + ":" + r))
                .build();
    }

    @Test
    @DisplayName("the rate limit refuses with a retry-after, and a high priority bypasses it")
    void rateLimitAndBypass() {
        LayeredGate<Msg> gate = gate(100, 100);
        assertThat(gate.offer(new Msg(1, 5)).status()).isEqualTo(Offer.Status.ACCEPTED);
        assertThat(gate.offer(new Msg(2, 5)).status()).isEqualTo(Offer.Status.ACCEPTED);
        Offer<Msg> limited = gate.offer(new Msg(3, 5));
        assertThat(limited.status()).isEqualTo(Offer.Status.RATE_LIMITED);
        assertThat(limited.retryAfterNanos()).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(gate.offer(new Msg(4, 9)).status()).isEqualTo(Offer.Status.ACCEPTED);
        ticker.advance(Duration.ofMillis(100));
        assertThat(gate.offer(new Msg(5, 5)).status()).isEqualTo(Offer.Status.ACCEPTED);
        assertThat(gate.counters()).isEqualTo(new LayeredGate.Counters(5, 1, 0, 0, 0, 0, 4));
    }

    @Test
    @DisplayName("above the soft limit low priorities are shed and reported, higher ones still buffered")
    void shedsLowPriorityUnderSoftPressure() {
        LayeredGate<Msg> gate = gate(5, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(gate.offer(new Msg(i, 9)).status()).isEqualTo(Offer.Status.ACCEPTED);
        }
        assertThat(gate.buffer().level()).isEqualTo(PressureLevel.SOFT);
        assertThat(gate.offer(new Msg(10, 2)).status()).isEqualTo(Offer.Status.SHED);
        assertThat(gate.offer(new Msg(11, 9)).status()).isEqualTo(Offer.Status.ACCEPTED);
        assertThat(gate.offer(new Msg(12, 9)).status()).isEqualTo(Offer.Status.ACCEPTED);
        assertThat(gate.offer(new Msg(13, 9)).status()).isEqualTo(Offer.Status.DROPPED);
        assertThat(drops).containsExactly("10:SHED_AT_SOFT_LIMIT", "13:OVERFLOW_NEWEST");

        LayeredGate.Counters c = gate.counters();
        assertThat(c).isEqualTo(new LayeredGate.Counters(7, 0, 1, 0, 1, 0, 5));
        assertThat(c.reconciles()).isTrue();
    }
}
