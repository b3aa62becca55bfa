package dev.sluice.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BoundedBufferTest {

    private static final Duration BOUND = Duration.ofSeconds(10);

    record Item(String name, int priority) {
        static Item of(String name) {
            return new Item(name, 0);
        }
    }

    private static List<String> drain(BoundedBuffer<Item> buffer) {
        List<Item> out = new ArrayList<>();
        buffer.drainTo(out, Integer.MAX_VALUE);
        return out.stream().map(Item::name).toList();
    }

    @Nested
    @DisplayName("blocking")
    class Blocking {

        @Test
        @DisplayName("a producer waiting on a buffer of capacity 1 keeps its item and its place in line")
        void waitingProducerIsNeitherLostNorOvertaken() throws Exception {
            BoundedBuffer<Item> buffer = BoundedBuffer.blocking(1);
            assertThat(buffer.offer(Item.of("a")).status()).isEqualTo(Offer.Status.ACCEPTED);

            CompletableFuture<Offer<Item>> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return buffer.put(Item.of("b"));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(BOUND).until(() -> buffer.waitingProducers() == 1);

            // A later offer must not take the slot the waiting producer is owed.
            assertThat(buffer.take().name()).isEqualTo("a");
            assertThat(buffer.offer(Item.of("c")).status()).isEqualTo(Offer.Status.REJECTED);
            assertThat(waiting.get(10, TimeUnit.SECONDS).status()).isEqualTo(Offer.Status.ACCEPTED);
            assertThat(buffer.take().name()).isEqualTo("b");
            assertThat(buffer.size()).isZero();
            assertThat(buffer.counters()).isEqualTo(new BoundedBuffer.Counters(3, 2, 0, 1, 0));
        }

        @Test
        @DisplayName("waiting producers are served in arrival order")
        void waitingProducersAreFifo() throws Exception {
            BoundedBuffer<Item> buffer = BoundedBuffer.blocking(1);
            buffer.offer(Item.of("first"));
            List<CompletableFuture<Offer<Item>>> producers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String name = "p" + i;
                producers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return buffer.put(Item.of(name));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
                int expected = i + 1;
                await().atMost(BOUND).until(() -> buffer.waitingProducers() == expected);
            }
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                order.add(buffer.take().name());
            }
            assertThat(order).containsExactly("first", "p0", "p1", "p2", "p3", "p4");
            for (CompletableFuture<Offer<Item>> p : producers) {
                assertThat(p.get(10, TimeUnit.SECONDS).status()).isEqualTo(Offer.Status.ACCEPTED);
            }
        }

        @Test
        @DisplayName("a blocked producer is woken as soon as space frees, long before its timeout")
        void blockedProducerIsWokenWhenSpaceFrees() throws Exception {
            BoundedBuffer<Item> buffer = BoundedBuffer.blocking(2);
            buffer.offer(Item.of("a"));
            buffer.offer(Item.of("b"));
            CompletableFuture<Offer<Item>> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return buffer.offer(Item.of("c"), Duration.ofHours(1));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(BOUND).until(() -> buffer.waitingProducers() == 1);
            assertThat(waiting).isNotDone();
            buffer.poll();
            assertThat(waiting.get(10, TimeUnit.SECONDS).status()).isEqualTo(Offer.Status.ACCEPTED);
            assertThat(drain(buffer)).containsExactly("b", "c");
        }

        @Test
        @DisplayName("a blocked offer times out after its timeout on the injected clock")
        void offerHonoursTimeout() throws Exception {
            ManualTicker ticker = new ManualTicker();
            BoundedBuffer<Item> buffer = BoundedBuffer.<Item>builder(1).ticker(ticker).build();
            buffer.offer(Item.of("a"));

            Offer<Item> result = buffer.offer(Item.of("b"), Duration.ofSeconds(5));

            assertThat(result.status()).isEqualTo(Offer.Status.TIMED_OUT);
            assertThat(ticker.nanoTime()).isEqualTo(Duration.ofSeconds(5).toNanos());
            assertThat(buffer.waitingProducers()).isZero();
            assertThat(drain(buffer)).containsExactly("a");
            assertThat(buffer.counters().rejected()).isEqualTo(1);
            assertThat(buffer.counters().reconciles()).isTrue();
        }

        @Test
        @DisplayName("an interrupted producer leaves without its item in the buffer")
        void putHonoursInterrupt() throws Exception {
            BoundedBuffer<Item> buffer = BoundedBuffer.blocking(1);
            buffer.offer(Item.of("a"));
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                try {
                    buffer.put(Item.of("b"));
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            producer.start();
            await().atMost(BOUND).until(() -> buffer.waitingProducers() == 1);
            producer.interrupt();
            producer.join(10_000);

            assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
            assertThat(buffer.waitingProducers()).isZero();
            assertThat(drain(buffer)).containsExactly("a");
            assertThat(buffer.counters()).isEqualTo(new BoundedBuffer.Counters(2, 1, 0, 1, 0));
        }

        @Test
        @DisplayName("close releases every waiting producer and consumer")
        void closeReleasesEveryone() throws Exception {
            BoundedBuffer<Item> full = BoundedBuffer.blocking(1);
            full.offer(Item.of("a"));
            List<CompletableFuture<Offer<Item>>> producers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                producers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return full.put(Item.of("x"));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            BoundedBuffer<Item> empty = BoundedBuffer.blocking(1);
            CompletableFuture<Item> consumer = CompletableFuture.supplyAsync(() -> {
                try {
                    return empty.take();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(BOUND).until(() -> full.waitingProducers() == 4);

            full.close();
            empty.close();

            for (CompletableFuture<Offer<Item>> p : producers) {
                assertThat(p.get(10, TimeUnit.SECONDS).status()).isEqualTo(Offer.Status.CLOSED);
            }
            assertThat(consumer.get(10, TimeUnit.SECONDS)).isNull();
            assertThat(full.offer(Item.of("late")).status()).isEqualTo(Offer.Status.CLOSED);
            assertThat(drain(full)).containsExactly("a");
            assertThat(full.counters()).isEqualTo(new BoundedBuffer.Counters(6, 1, 0, 5, 0));
        }

        @Test
        @DisplayName("a consumer waiting with a timeout gets null when nothing comes in time")
        void pollHonoursTimeout() throws Exception {
            ManualTicker ticker = new ManualTicker();
            BoundedBuffer<Item> buffer = BoundedBuffer.<Item>builder(1).ticker(ticker).build();
            assertThat(buffer.poll(Duration.ofSeconds(3))).isNull();
            assertThat(ticker.nanoTime()).isEqualTo(Duration.ofSeconds(3).toNanos());
        }

        @Test
        @DisplayName("FAIL refuses without reporting a drop")
        void failRefuses() {
            List<Item> dropped = new ArrayList<>();
            BoundedBuffer<Item> buffer = BoundedBuffer.<Item>builder(1)
                    .overflow(OverflowStrategy.FAIL).onDrop((e, r) -> dropped.add(e)).build();
            buffer.offer(Item.of("a"));
            assertThat(buffer.offer(Item.of("b")).status()).isEqualTo(Offer.Status.REJECTED);
            assertThat(dropped).isEmpty();
            assertThat(buffer.counters()).isEqualTo(new BoundedBuffer.Counters(2, 0, 0, 1, 1));
        }
    }

    @Nested
    @DisplayName("dropping")
    class Dropping {

        private final List<String> dropped = new CopyOnWriteArrayList<>();
        private final List<DropReason> reasons = new CopyOnWriteArrayList<>();

        private BoundedBuffer<Item> fill(OverflowStrategy strategy, int capacity, int count) {
            BoundedBuffer<Item> buffer = BoundedBuffer.<Item>builder(capacity).overflow(strategy)
                    .random(new SplittableRandom(42))
                    .onDrop((e, r) -> {
                        dropped.add(e.name());
                        reasons.add(r);
                    }).build();
            for (int i = 0; i < count; i++) {
                buffer.offer(Item.of("m" + i));
            }
            return buffer;
        }

        @Test
        @DisplayName("drop newest keeps the first arrivals and reports every later one")
        void dropNewest() {
            BoundedBuffer<Item> buffer = fill(OverflowStrategy.DROP_NEWEST, 3, 5);
            assertThat(drain(buffer)).containsExactly("m0", "m1", "m2");
            assertThat(dropped).containsExactly("m3", "m4");
            assertThat(reasons).containsOnly(DropReason.OVERFLOW_NEWEST);
            assertThat(buffer.counters()).isEqualTo(new BoundedBuffer.Counters(5, 3, 2, 0, 0));
        }

        @Test
        @DisplayName("drop oldest keeps the last arrivals, in order, and reports the evicted ones")
        void dropOldest() {
            BoundedBuffer<Item> buffer = BoundedBuffer.dropping(3, OverflowStrategy.DROP_OLDEST, (e, r) -> {
                dropped.add(e.name());
                reasons.add(r);
            });
            List<Offer.Status> statuses = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                statuses.add(buffer.offer(Item.of("m" + i)).status());
            }
            assertThat(statuses).containsExactly(Offer.Status.ACCEPTED, Offer.Status.ACCEPTED, Offer.Status.ACCEPTED,
                    Offer.Status.DISPLACED, Offer.Status.DISPLACED);
            assertThat(drain(buffer)).containsExactly("m2", "m3", "m4");
            assertThat(dropped).containsExactly("m0", "m1");
            assertThat(reasons).containsOnly(DropReason.OVERFLOW_OLDEST);
        }

        @Test
        @DisplayName("drop random keeps exactly capacity survivors in arrival order and reports the rest")
        void dropRandom() {
            BoundedBuffer<Item> buffer = fill(OverflowStrategy.DROP_RANDOM, 10, 1_000);
            List<String> survivors = drain(buffer);
            assertThat(survivors).hasSize(10);
            assertThat(dropped).hasSize(990).doesNotContainAnyElementsOf(survivors);
            assertThat(reasons).containsOnly(DropReason.OVERFLOW_RANDOM);
            List<Integer> indexes = survivors.stream().map(s -> Integer.parseInt(s.substring(1))).toList();
            assertThat(indexes).isSorted();
            // Uniform choice: survivors are spread, not all the first or the last ten.
            assertThat(indexes).isNotEqualTo(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
            assertThat(indexes.get(0)).isLessThan(990);
            assertThat(buffer.counters().reconciles()).isTrue();
        }

        @Test
        @DisplayName("drop random stays bounded and FIFO through long runs of drops and takes")
        void dropRandomLongRun() {
            BoundedBuffer<Item> buffer = fill(OverflowStrategy.DROP_RANDOM, 4, 0);
            int taken = 0;
            int last = -1;
            for (int i = 0; i < 10_000; i++) {
                buffer.offer(Item.of("m" + i));
                assertThat(buffer.size()).isLessThanOrEqualTo(4);
                if (i % 3 == 0) {
                    Item item = buffer.poll();
                    int index = Integer.parseInt(item.name().substring(1));
                    assertThat(index).isGreaterThan(last);
                    last = index;
                    taken++;
                }
            }
            BoundedBuffer.Counters c = buffer.counters();
            assertThat(c.taken()).isEqualTo(taken);
            assertThat(c.dropped()).isEqualTo(dropped.size());
            assertThat(c.reconciles()).isTrue();
        }
    }

    @Nested
    @DisplayName("priority")
    class Priority {

        @Test
        @DisplayName("hands out the highest priority first and keeps FIFO within a priority")
        void highestFirstFifoWithin() {
            BoundedBuffer<Item> buffer = BoundedBuffer.priority(10, Item::priority, DropHandler.ignore());
            buffer.offer(new Item("low-1", 1));
            buffer.offer(new Item("high-1", 9));
            buffer.offer(new Item("mid-1", 5));
            buffer.offer(new Item("high-2", 9));
            buffer.offer(new Item("low-2", 1));
            assertThat(drain(buffer)).containsExactly("high-1", "high-2", "mid-1", "low-1", "low-2");
        }

        @Test
        @DisplayName("when full drops the lowest priority first, the newest of it, and the offered one if it is lowest")
        void dropsLowestPriority() {
            List<String> dropped = new ArrayList<>();
            BoundedBuffer<Item> buffer = BoundedBuffer.priority(3, Item::priority, (e, r) -> dropped.add(e.name()));
            buffer.offer(new Item("low-a", 1));
            buffer.offer(new Item("low-b", 1));
            buffer.offer(new Item("mid", 5));

            Offer<Item> high = buffer.offer(new Item("high", 9));
            Offer<Item> lowest = buffer.offer(new Item("lowest", 0));
            Offer<Item> equal = buffer.offer(new Item("low-c", 1));

            assertThat(high.status()).isEqualTo(Offer.Status.DISPLACED);
            assertThat(high.displaced().name()).isEqualTo("low-b");
            assertThat(lowest.status()).isEqualTo(Offer.Status.DROPPED);
            assertThat(equal.status()).isEqualTo(Offer.Status.DROPPED);
            assertThat(dropped).containsExactly("low-b", "lowest", "low-c");
            assertThat(drain(buffer)).containsExactly("high", "mid", "low-a");
        }
    }

    @Nested
    @DisplayName("watermarks")
    class Watermarks {

        @Test
        @DisplayName("signals SOFT at the soft limit, HARD at capacity, and comes down with hysteresis")
        void levelsWithHysteresis() {
            List<String> transitions = new ArrayList<>();
            BoundedBuffer<Item> buffer = BoundedBuffer.<Item>builder(10).softLimit(8).lowWatermark(3)
                    .overflow(OverflowStrategy.DROP_NEWEST)
                    .onLevelChange((from, to) -> transitions.add(from + "->" + to)).build();
            for (int i = 0; i < 7; i++) {
                buffer.offer(Item.of("m" + i));
            }
            assertThat(buffer.level()).isEqualTo(PressureLevel.NORMAL);
            buffer.offer(Item.of("m7"));
            assertThat(buffer.level()).isEqualTo(PressureLevel.SOFT);
            buffer.offer(Item.of("m8"));
            buffer.offer(Item.of("m9"));
            assertThat(buffer.level()).isEqualTo(PressureLevel.HARD);
            buffer.offer(Item.of("m10")); // dropped: stays HARD, no new transition

            buffer.poll(); // 9: still above the soft limit, stays HARD
            assertThat(buffer.level()).isEqualTo(PressureLevel.HARD);
            buffer.poll(); // 8: back at the soft limit
            assertThat(buffer.level()).isEqualTo(PressureLevel.SOFT);
            for (int i = 0; i < 4; i++) {
                buffer.poll(); // 7, 6, 5, 4: above the low watermark, stays SOFT
            }
            assertThat(buffer.level()).isEqualTo(PressureLevel.SOFT);
            buffer.offer(Item.of("m11")); // 5, and back to 4 below: no flapping around the limit
            buffer.poll();
            assertThat(buffer.level()).isEqualTo(PressureLevel.SOFT);
            buffer.poll(); // 3: at the low watermark
            assertThat(buffer.level()).isEqualTo(PressureLevel.NORMAL);
            assertThat(transitions).containsExactly("NORMAL->SOFT", "SOFT->HARD", "HARD->SOFT", "SOFT->NORMAL");
        }
    }

    @Nested
    @DisplayName("invalid settings")
    class InvalidSettings {

        @Test
        @DisplayName("each bad setting is refused with its name and value")
        void badSettingsNameTheParameter() {
            assertThatThrownBy(() -> BoundedBuffer.builder(0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("capacity (0) must be at least 1");
            assertThatThrownBy(() -> BoundedBuffer.builder(10).softLimit(11))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("softLimit (11) must be between 1 and capacity (10)");
            assertThatThrownBy(() -> BoundedBuffer.builder(10).lowWatermark(-1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("lowWatermark (-1) must not be negative");
            assertThatThrownBy(() -> BoundedBuffer.builder(10).softLimit(5).lowWatermark(5).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("lowWatermark (5) must be below softLimit (5)");
            assertThatThrownBy(() -> BoundedBuffer.builder(10).overflow(OverflowStrategy.DROP_LOWEST_PRIORITY).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DROP_LOWEST_PRIORITY");
            assertThatThrownBy(() -> BoundedBuffer.dropping(10, OverflowStrategy.BLOCK, DropHandler.ignore()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strategy (BLOCK)");
            assertThatThrownBy(() -> BoundedBuffer.blocking(1).offer(null))
                    .isInstanceOf(NullPointerException.class).hasMessage("element");
        }
    }

    @Test
    @DisplayName("a failing drop handler does not fail the offer and the drop is still counted")
    void failingDropHandler() throws ExecutionException, InterruptedException {
        BoundedBuffer<Item> buffer = BoundedBuffer.dropping(1, OverflowStrategy.DROP_NEWEST, (e, r) -> {
            throw new IllegalStateException("boom");
        });
        buffer.offer(Item.of("a"));
        assertThat(buffer.offer(Item.of("b")).status()).isEqualTo(Offer.Status.DROPPED);
        assertThat(buffer.counters().dropped()).isEqualTo(1);
    }
}
