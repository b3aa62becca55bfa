package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.flow.DropReason;
import org.junit.jupiter.api.Test;

class SendResultTest {

    @Test
    void aPolicyDropIsToldApartFromARefusal() {
        SendResult shed = SendResult.rejected(DropReason.OVERFLOW_NEWEST);
        assertThat(shed.status()).isEqualTo(SendResult.Status.REJECTED);
        assertThat(shed.dropReason()).isEqualTo(DropReason.OVERFLOW_NEWEST);
        assertThat(shed).hasToString("REJECTED(OVERFLOW_NEWEST)");
        assertThat(SendResult.REJECTED.dropReason()).as("a refusal drops nothing").isNull();
        assertThat(SendResult.rejected(DropReason.BACKLOG_REJECTED)).isSameAs(SendResult.rejected(DropReason.BACKLOG_REJECTED));
        assertThat(SendResult.dropped(DropReason.UNSENT_AT_CLOSE).status()).isEqualTo(SendResult.Status.DROPPED);
        assertThat(SendResult.ACCEPTED.dropReason()).isNull();
    }

    @Test
    void aReasonIsRequired() {
        assertThatThrownBy(() -> SendResult.rejected(null)).hasMessageContaining("reason");
        assertThatThrownBy(() -> SendResult.dropped(null)).hasMessageContaining("reason");
    }
}
