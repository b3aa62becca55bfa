package dev.sluice.conformance.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The soak's ledger and schedule on their own: a loss, a drop and a duplicate each show where they should. */
class LedgerTest {

    @Test
    @DisplayName("an accepted id no handler finished is lost, unless a drop was reported for it")
    void lossAndReportedDrop() {
        Ledger ledger = new Ledger(10);
        for (int i = 0; i < 5; i++) {
            ledger.sent(i);
            ledger.answered(i, true);
        }
        ledger.sent(5);
        ledger.answered(5, false); // refused: never the soak's to deliver
        ledger.handled(0);
        ledger.handled(1);
        ledger.handled(2);
        ledger.dropped(3);
        Ledger.Count c = ledger.count();
        assertThat(c.accepted()).isEqualTo(5);
        assertThat(c.refused()).isEqualTo(1);
        assertThat(c.handledDistinct()).isEqualTo(3);
        assertThat(c.droppedReported()).isEqualTo(1);
        assertThat(c.missing()).isEqualTo(1);
        assertThat(c.firstMissing()).containsExactly(4L);
    }

    @Test
    @DisplayName("a second handling is a duplicate with both times, and an id out of range is counted as unknown")
    void duplicatesAndUnknown() {
        Ledger ledger = new Ledger(3);
        ledger.sent(0);
        ledger.answered(0, true);
        ledger.handled(0);
        ledger.handled(0);
        ledger.handled(7);
        assertThat(ledger.duplicates()).hasSize(1).allMatch(d -> d.id() == 0 && d.againNanos() >= d.firstNanos());
        assertThat(ledger.count().unknown()).isEqualTo(1);
        assertThat(ledger.count().missing()).isZero();
    }

    @Test
    @DisplayName("the same seed draws the same schedule, a crash is never held, and every kind is drawn in time")
    void scheduleIsSeeded() {
        List<SoakFault> kinds = List.of(SoakFault.STALL, SoakFault.CUT_CONNECTIONS, SoakFault.CONSUMER_CRASH);
        FaultSchedule a = new FaultSchedule(kinds, 42, 100, 200, 10, 20);
        FaultSchedule b = new FaultSchedule(kinds, 42, 100, 200, 10, 20);
        List<FaultSchedule.Planned> first = IntStream.range(0, 50).mapToObj(i -> a.next()).toList();
        assertThat(first).isEqualTo(IntStream.range(0, 50).mapToObj(i -> b.next()).toList());
        assertThat(first).extracting(FaultSchedule.Planned::kind).containsAll(kinds);
        assertThat(first).allMatch(p -> p.gapMillis() >= 100 && p.gapMillis() <= 200);
        assertThat(first).allMatch(p -> p.kind() == SoakFault.CONSUMER_CRASH ? p.holdMillis() == 0 : p.holdMillis() >= 10 && p.holdMillis() <= 20);
    }

    @Test
    @DisplayName("a duplicate belongs to the fault that came between its two handlings, else to the last fault before it")
    void attribution() {
        List<SoakResult.FaultRecord> faults = List.of(new SoakResult.FaultRecord(0, SoakFault.STALL, 1_000, 1_500, null),
                new SoakResult.FaultRecord(1, SoakFault.CUT_CONNECTIONS, 3_000, 3_100, null));
        assertThat(Soak.attribute(faults, 2_900, 3_400)).isEqualTo(1);
        assertThat(Soak.attribute(faults, 1_200, 1_300)).isEqualTo(0);
        assertThat(Soak.attribute(faults, 500, 4_000)).isEqualTo(0);
        assertThat(Soak.attribute(faults, 100, 200)).isEqualTo(-1);
    }

    @Test
    @DisplayName("the longest wait of a window counts the handled messages sent in it, from send to first handling")
    void longestWaitOfAWindow() {
        Ledger ledger = new Ledger(10);
        long t0 = System.nanoTime();
        ledger.sent(0);
        ledger.sent(1);
        long t1 = System.nanoTime();
        while (System.nanoTime() < t1 + 5_000_000) {
            Thread.onSpinWait(); // five milliseconds pass between the send and the handling
        }
        ledger.handled(1);
        long handledAt = System.nanoTime();
        ledger.sent(2);
        ledger.handled(2);
        long t2 = System.nanoTime();

        assertThat(ledger.longestWait(t0, t1)).as("id 1 waited at least 5 ms; id 0, never handled, does not count")
                .isGreaterThanOrEqualTo(5_000_000).isLessThanOrEqualTo(handledAt - t0);
        assertThat(ledger.longestWait(handledAt, t2)).as("id 2 only").isLessThan(t2 - handledAt + 1);
        assertThat(ledger.longestWait(t2 + 1, Long.MAX_VALUE)).as("nothing sent after").isEqualTo(-1);
        Ledger unhandled = new Ledger(2);
        unhandled.sent(0);
        assertThat(unhandled.longestWait(0, Long.MAX_VALUE)).as("sent, never handled").isEqualTo(-1);
    }
}
