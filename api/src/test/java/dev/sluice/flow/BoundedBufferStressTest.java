package dev.sluice.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Four producers and four consumers, a million offers: every element ends in exactly one place,
 * the counters reconcile exactly, and the size never passes the capacity.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BoundedBufferStressTest {

    private static final int PRODUCERS = 4;
    private static final int CONSUMERS = 4;
    private static final int PER_PRODUCER = 250_000;
    private static final int TOTAL = PRODUCERS * PER_PRODUCER;
    private static final int CAPACITY = 64;

    record Item(int index, int priority) {
    }

    /** Where each offered element ended, counted independently of the buffer's own counters. */
    private final AtomicIntegerArray takenCount = new AtomicIntegerArray(TOTAL);
    private final AtomicIntegerArray droppedCount = new AtomicIntegerArray(TOTAL);
    private final Offer.Status[] outcome = new Offer.Status[TOTAL];
    private final LongAccumulator maxSizeSeen = new LongAccumulator(Math::max, 0);

    @ParameterizedTest(name = "{0}")
    @EnumSource(OverflowStrategy.class)
    @DisplayName("nothing is lost or duplicated and the counters reconcile under 4 producers and 4 consumers")
    void millionOperations(OverflowStrategy strategy) throws Exception {
        BoundedBuffer.Builder<Item> builder = BoundedBuffer.<Item>builder(CAPACITY).overflow(strategy)
                .softLimit(48).onDrop((item, reason) -> droppedCount.incrementAndGet(item.index()));
        if (strategy == OverflowStrategy.DROP_LOWEST_PRIORITY) {
            builder.prioritizedBy(Item::priority);
        }
        BoundedBuffer<Item> buffer = builder.build();

        List<Thread> threads = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        for (int p = 0; p < PRODUCERS; p++) {
            int base = p * PER_PRODUCER;
            threads.add(new Thread(() -> produce(buffer, strategy, base, start), "producer-" + p));
        }
        List<Thread> consumers = new ArrayList<>();
        for (int c = 0; c < CONSUMERS; c++) {
            consumers.add(new Thread(() -> consume(buffer, start), "consumer-" + c));
        }
        threads.forEach(Thread::start);
        consumers.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        buffer.close();
        for (Thread t : consumers) {
            t.join();
        }

        verify(buffer, List.of());
    }

    @Test
    @DisplayName("closing while producers are blocked releases every one of them and loses nothing")
    void closeReleasesBlockedProducers() throws Exception {
        BoundedBuffer<Item> buffer = BoundedBuffer.blocking(CAPACITY);
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong takenSoFar = new AtomicLong();
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int base = p * PER_PRODUCER;
            producers.add(new Thread(() -> produce(buffer, OverflowStrategy.BLOCK, base, start), "producer-" + p));
        }
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> consumers = new ArrayList<>();
        for (int c = 0; c < CONSUMERS; c++) {
            consumers.add(new Thread(() -> {
                while (!stop.get()) {
                    Item item;
                    try {
                        item = buffer.poll(Duration.ofMillis(10));
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (item != null) {
                        takenCount.incrementAndGet(item.index());
                        if (takenSoFar.incrementAndGet() >= TOTAL / 2) {
                            stop.set(true);
                        }
                    }
                }
            }, "consumer-" + c));
        }
        producers.forEach(Thread::start);
        consumers.forEach(Thread::start);
        start.countDown();
        for (Thread t : consumers) {
            t.join();
        }
        // Consumers are gone: the producers fill the buffer and block.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> buffer.waitingProducers() == PRODUCERS);
        buffer.close();
        for (Thread t : producers) {
            t.join(30_000);
            assertThat(t.isAlive()).as("%s released by close", t.getName()).isFalse();
        }
        verify(buffer, buffer.closeAndDrain());
    }

    private void produce(BoundedBuffer<Item> buffer, OverflowStrategy strategy, int base, CountDownLatch start) {
        try {
            start.await();
            for (int i = 0; i < PER_PRODUCER; i++) {
                Item item = new Item(base + i, i % 7);
                Offer<Item> offer = strategy == OverflowStrategy.BLOCK ? buffer.put(item) : buffer.offer(item);
                outcome[item.index()] = offer.status();
                maxSizeSeen.accumulate(buffer.size());
                if (offer.status() == Offer.Status.CLOSED) {
                    for (int rest = i + 1; rest < PER_PRODUCER; rest++) {
                        outcome[base + rest] = null; // never offered
                    }
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void consume(BoundedBuffer<Item> buffer, CountDownLatch start) {
        try {
            start.await();
            Item item;
            while ((item = buffer.take()) != null) {
                takenCount.incrementAndGet(item.index());
                maxSizeSeen.accumulate(buffer.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void verify(BoundedBuffer<Item> buffer, List<Item> leftOver) {
        int[] remaining = new int[TOTAL];
        for (Item item : leftOver) {
            remaining[item.index()]++;
        }
        List<Item> stillIn = new ArrayList<>();
        buffer.drainTo(stillIn, Integer.MAX_VALUE);
        for (Item item : stillIn) {
            remaining[item.index()]++;
        }
        long offered = 0;
        long taken = 0;
        long dropped = 0;
        long refused = 0;
        for (int i = 0; i < TOTAL; i++) {
            Offer.Status status = outcome[i];
            int t = takenCount.get(i);
            int d = droppedCount.get(i);
            taken += t;
            dropped += d;
            if (status == null) {
                assertThat(t + d + remaining[i]).as("element %d was never offered", i).isZero();
                continue;
            }
            offered++;
            switch (status) {
                case ACCEPTED, DISPLACED -> assertThat(t + d + remaining[i])
                        .as("accepted element %d ends exactly once in taken, dropped or remaining", i).isEqualTo(1);
                case DROPPED -> {
                    assertThat(d).as("dropped element %d reported once", i).isEqualTo(1);
                    assertThat(t + remaining[i]).as("dropped element %d never handed out", i).isZero();
                }
                default -> {
                    refused++;
                    assertThat(t + d + remaining[i]).as("refused element %d (%s) never entered", i, status).isZero();
                }
            }
        }
        BoundedBuffer.Counters c = buffer.counters();
        assertThat(c.offered()).isEqualTo(offered);
        assertThat(c.taken()).isEqualTo(taken + stillIn.size() + leftOver.size());
        assertThat(c.dropped()).isEqualTo(dropped);
        assertThat(c.rejected()).isEqualTo(refused);
        assertThat(c.size()).isZero();
        assertThat(c.reconciles()).isTrue();
        assertThat(offered).isGreaterThanOrEqualTo(TOTAL / 2);
        assertThat(maxSizeSeen.get()).isLessThanOrEqualTo(CAPACITY);
    }
}
