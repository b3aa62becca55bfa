package dev.sluice.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A buffer bounded by weight (bytes) as well as by count: the element's value is its weight here. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BoundedBufferWeightTest {

    private final List<String> drops = new CopyOnWriteArrayList<>();

    private BoundedBuffer<Integer> buffer(OverflowStrategy strategy) {
        return BoundedBuffer.<Integer>builder(10).overflow(strategy).maxWeight(100, Integer::longValue)
                .onDrop((e, r) -> drops.add(e + ":" + r)).ticker(new ManualTicker()).build();
    }

    @Nested
    @DisplayName("when the weight bound is hit before the count")
    class Overflow {

        @Test
        @DisplayName("BLOCK refuses at once without a timeout and times out with one, nothing dropped")
        void blockRefuses() throws InterruptedException {
            BoundedBuffer<Integer> b = buffer(OverflowStrategy.BLOCK);
            assertThat(b.offer(60).status()).isEqualTo(Offer.Status.ACCEPTED);
            assertThat(b.offer(30).status()).isEqualTo(Offer.Status.ACCEPTED);
            assertThat(b.offer(20).status()).isEqualTo(Offer.Status.REJECTED);
            assertThat(b.offer(20, Duration.ofSeconds(1)).status()).isEqualTo(Offer.Status.TIMED_OUT);
            assertThat(b.weight()).isEqualTo(90);
            assertThat(b.counters()).isEqualTo(new BoundedBuffer.Counters(4, 0, 0, 2, 2));
            assertThat(drops).isEmpty();
        }

        @Test
        @DisplayName("BLOCK admits a waiting producer once enough weight has left, in arrival order")
        void blockAdmitsWhenWeightFrees() throws Exception {
            BoundedBuffer<Integer> b = BoundedBuffer.<Integer>builder(10).maxWeight(100, Integer::longValue).build();
            b.offer(50);
            b.offer(40);
            AtomicReference<Offer.Status> outcome = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                try {
                    outcome.set(b.put(30).status());
                } catch (InterruptedException e) {
                    outcome.set(null);
                }
            });
            producer.start();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> b.waitingProducers() == 1);
            assertThat(b.offer(5).status()).as("a later offer does not overtake the waiting one").isEqualTo(Offer.Status.REJECTED);
            assertThat(b.poll()).isEqualTo(50);
            producer.join(10_000);
            assertThat(outcome.get()).isEqualTo(Offer.Status.ACCEPTED);
            assertThat(b.weight()).isEqualTo(70);
            assertThat(b.counters().reconciles()).isTrue();
        }

        @Test
        @DisplayName("DROP_OLDEST drops as many of the oldest as it takes and reports each")
        void dropOldestDropsEnough() {
            BoundedBuffer<Integer> b = buffer(OverflowStrategy.DROP_OLDEST);
            b.offer(40);
            b.offer(41);
            b.offer(19);
            Offer<Integer> o = b.offer(70);
            assertThat(o.status()).isEqualTo(Offer.Status.DISPLACED);
            assertThat(o.displaced()).isEqualTo(40);
            assertThat(drops).containsExactly("40:OVERFLOW_OLDEST", "41:OVERFLOW_OLDEST");
            assertThat(b.weight()).isEqualTo(89);
            assertThat(b.poll()).isEqualTo(19);
            assertThat(b.poll()).isEqualTo(70);
            assertThat(b.counters()).isEqualTo(new BoundedBuffer.Counters(4, 2, 2, 0, 0));
            assertThat(b.weight()).isZero();
        }

        @Test
        @DisplayName("DROP_NEWEST drops the offered element and keeps the rest")
        void dropNewest() {
            BoundedBuffer<Integer> b = buffer(OverflowStrategy.DROP_NEWEST);
            b.offer(90);
            assertThat(b.offer(11).status()).isEqualTo(Offer.Status.DROPPED);
            assertThat(b.offer(10).status()).isEqualTo(Offer.Status.ACCEPTED);
            assertThat(drops).containsExactly("11:OVERFLOW_NEWEST");
            assertThat(b.weight()).isEqualTo(100);
        }

        @Test
        @DisplayName("DROP_RANDOM makes room by weight and never holds more than the bound")
        void dropRandomStaysWithinBound() {
            BoundedBuffer<Integer> b = buffer(OverflowStrategy.DROP_RANDOM);
            for (int i = 0; i < 1_000; i++) {
                b.offer(1 + (i * 37) % 60);
                assertThat(b.weight()).isLessThanOrEqualTo(100);
                assertThat(b.size()).isLessThanOrEqualTo(10);
            }
            BoundedBuffer.Counters c = b.counters();
            assertThat(c.reconciles()).isTrue();
            assertThat(drops).hasSize((int) c.dropped());
        }

        @Test
        @DisplayName("an element heavier than the whole bound is rejected and nothing is dropped for it")
        void heavierThanBound() {
            BoundedBuffer<Integer> b = buffer(OverflowStrategy.DROP_OLDEST);
            b.offer(10);
            assertThat(b.offer(101).status()).isEqualTo(Offer.Status.REJECTED);
            assertThat(b.size()).isEqualTo(1);
            assertThat(drops).isEmpty();
        }
    }

    @Test
    @DisplayName("the level reads the fuller of count and weight")
    void levelReadsWeight() {
        List<PressureLevel> levels = new CopyOnWriteArrayList<>();
        BoundedBuffer<Integer> b = BoundedBuffer.<Integer>builder(10).softLimit(5).lowWatermark(2)
                .overflow(OverflowStrategy.DROP_NEWEST).maxWeight(100, Integer::longValue)
                .onLevelChange((from, to) -> levels.add(to)).build();
        b.offer(60); // 1 element, but 60 % of the bytes: reads as 6 of 10
        assertThat(b.level()).isEqualTo(PressureLevel.SOFT);
        b.offer(40); // full by weight
        assertThat(b.level()).isEqualTo(PressureLevel.HARD);
        b.poll(); // 40 left: reads as 4, at or below the soft limit, above the low watermark
        assertThat(b.level()).isEqualTo(PressureLevel.SOFT);
        b.poll();
        assertThat(b.level()).isEqualTo(PressureLevel.NORMAL);
        assertThat(levels).containsExactly(PressureLevel.SOFT, PressureLevel.HARD, PressureLevel.SOFT, PressureLevel.NORMAL);
    }

    @Test
    @DisplayName("a weight bound below 1 names the parameter and the value")
    void badBound() {
        assertThatThrownBy(() -> BoundedBuffer.<Integer>builder(10).maxWeight(0, Integer::longValue))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxWeight (0) must be at least 1");
    }
}
