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
        assertThat(t.commitOffset()).isEqualTo(-1L);
        for (long o = 10; o < 15; o++) {
            t.handed(o, 1);
        }
        assertThat(t.commitOffset()).isEqualTo(10L);
        t.settled(11);
        t.settled(12);
        assertThat(t.commitOffset()).isEqualTo(10L);
        t.settled(10);
        assertThat(t.commitOffset()).isEqualTo(13L);
        t.settled(14);
        assertThat(t.commitOffset()).isEqualTo(13L);
        t.settled(13);
        assertThat(t.commitOffset()).isEqualTo(15L);
        t.skippedTo(40);
        assertThat(t.commitOffset()).isEqualTo(40L);
    }

    @Test
    @DisplayName("the ring agrees with a sorted set of unsettled offsets through growth, gaps, retries and settlements in any order")
    void ringAgreesWithSortedSet() {
        java.util.Random random = new java.util.Random(42);
        PartitionTrack t = new PartitionTrack(-1, null);
        java.util.TreeSet<Long> model = new java.util.TreeSet<>();
        java.util.List<Long> handed = new java.util.ArrayList<>();
        long next = 0;
        long through = -1;
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            if (op < 5 || handed.isEmpty()) {
                next += 1 + random.nextInt(3); // compacted topics and transaction markers leave gaps
                t.handed(next, 1);
                model.add(next);
                handed.add(next);
                through = next + 1;
            } else if (op < 9) {
                long o = handed.get(random.nextInt(handed.size()));
                t.settled(o);
                model.remove(o);
            } else {
                long o = handed.get(random.nextInt(handed.size()));
                if (model.contains(o) || o >= t.commitOffset()) {
                    t.handed(o, 2); // a retry of an unsettled record, or a redelivery above the commit
                    model.add(o);
                }
            }
            assertThat(t.commitOffset()).as("step %d", step).isEqualTo(model.isEmpty() ? through : model.first());
            assertThat(t.unsettledCount()).as("step %d", step).isEqualTo(model.size());
        }
        t.handed(3, 1); // below everything handed: inserted in order
        assertThat(t.commitOffset()).isEqualTo(3L);
        t.settled(3);
        assertThat(t.commitOffset()).isEqualTo(model.isEmpty() ? through : model.first());
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
        first.committed(first.commitOffset(), metadata);
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
