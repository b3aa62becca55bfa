package dev.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PartitionTrackTest {

    @Test
    @DisplayName("commits the contiguous settled prefix, never past an unsettled record")
    void contiguousPrefix() {
        PartitionTrack t = new PartitionTrack(-1, null);
        assertThat(t.commitOffset()).isEmpty();
        for (long o = 10; o < 15; o++) {
            t.handed(o, 1);
        }
        assertThat(t.commitOffset()).contains(10L);
        t.settled(11);
        t.settled(12);
        assertThat(t.commitOffset()).contains(10L);
        t.settled(10);
        assertThat(t.commitOffset()).contains(13L);
        t.settled(14);
        assertThat(t.commitOffset()).contains(13L);
        t.settled(13);
        assertThat(t.commitOffset()).contains(15L);
        t.skippedTo(40);
        assertThat(t.commitOffset()).contains(40L);
    }

    @Test
    @DisplayName("a commit carries how far records were handed out, and the next owner counts them as redelivered")
    void attemptsSurviveTheOwner() {
        PartitionTrack first = new PartitionTrack(-1, null);
        first.handed(0, 1);
        first.handed(1, 1);
        first.settled(0);
        assertThat(first.needsCommit()).isTrue();
        String metadata = first.commitMetadata();
        first.committed(first.commitOffset().orElseThrow(), metadata);
        assertThat(first.needsCommit()).isFalse();

        PartitionTrack next = new PartitionTrack(1, metadata);
        assertThat(next.attemptOf(1)).isEqualTo(2);
        assertThat(next.attemptOf(2)).isEqualTo(1);
        assertThat(new PartitionTrack(1, "someone else's").attemptOf(1)).isEqualTo(1);
    }

    @Test
    @DisplayName("the emulated length limit shares the skip out in proportion to each partition's lag")
    void shareOut() {
        Map<String, Long> lags = new HashMap<>(Map.of("a", 30L));
        assertThat(LengthLimit.shareOut(lags, 20)).containsEntry("a", 20L);
        lags = Map.of("a", 10L, "b", 10L, "c", 10L);
        Map<String, Long> shares = LengthLimit.shareOut(lags, 20);
        assertThat(shares.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(20);
        assertThat(shares.values()).allMatch(s -> s >= 6 && s <= 7);
        assertThat(LengthLimit.shareOut(Map.of("a", 0L, "b", 5L), 5)).containsEntry("a", 0L).containsEntry("b", 5L);
        assertThatThrownBy(() -> LengthLimit.shareOut(Map.of("a", 1L), 2))
                .hasMessage("skip (2) must be between 0 and the total lag (1)");
    }
}
