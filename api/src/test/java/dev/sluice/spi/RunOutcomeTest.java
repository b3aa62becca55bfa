package dev.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.SendResult;
import org.junit.jupiter.api.Test;

class RunOutcomeTest {

    @Test
    void completesOnceEveryMessageHasItsResultInTheRunsOrder() {
        RunOutcome run = new RunOutcome(3);
        run.complete(2, SendResult.REJECTED);
        run.complete(0, SendResult.ACCEPTED);
        assertThat(run.stage()).isNotDone();
        run.complete(0, SendResult.TOO_LARGE); // the first result for an index wins
        assertThat(run.stage()).isNotDone();
        run.completeRest(SendResult.TIMED_OUT);
        assertThat(run.stage().join()).containsExactly(SendResult.ACCEPTED, SendResult.TIMED_OUT, SendResult.REJECTED);
    }

    @Test
    void refusesAnEmptyRun() {
        assertThatThrownBy(() -> new RunOutcome(0)).hasMessageContaining("size (0)");
    }
}
