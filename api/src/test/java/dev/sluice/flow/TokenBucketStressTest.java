package dev.sluice.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The lock-free bucket under several threads, on a clock only the test moves. */
class TokenBucketStressTest {

    private static final int THREADS = 4;

    @ParameterizedTest(name = "{0} tokens per {1} ns, capacity {2}, step {3} ns")
    @CsvSource({
        "1000, 1000000000, 10, 137000",
        "7, 3000000000, 3, 100000007",
        // An odd rate of about a billion a second: one nanosecond is 999 999 937 units.
        "999999937, 1000000000, 50, 13",
    })
    @DisplayName("under several threads never grants more than capacity plus elapsed times rate, and exactly that when drained")
    void grantsReconcileUnderThreads(long tokens, long periodNanos, long capacity, long stepNanos) throws Exception {
        ManualTicker ticker = new ManualTicker(987_654_321L);
        TokenBucket bucket = TokenBucket.of(capacity, tokens, Duration.ofNanos(periodNanos), ticker);
        AtomicLong granted = new AtomicLong();
        AtomicLong elapsed = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong violations = new AtomicLong();
        CountDownLatch started = new CountDownLatch(THREADS);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int permits = t % 2 == 0 ? 1 : (int) Math.min(2, capacity);
            Thread w = new Thread(() -> {
                started.countDown();
                while (!stop.get()) {
                    boolean ok = permits == 1 ? bucket.tryAcquire() : bucket.tryAcquireOrDelay(permits) == 0;
                    if (ok) {
                        long total = granted.addAndGet(permits);
                        long bound = capacity + Math.floorDiv((elapsed.get() + stepNanos) * tokens, periodNanos);
                        if (total > bound) {
                            violations.incrementAndGet();
                        }
                    }
                }
            });
            w.start();
            workers.add(w);
        }
        started.await(5, TimeUnit.SECONDS);
        // Advance only once the bucket is empty, by less than one token's interval at a time
        // (so the bucket never sits full and wastes nothing): then the total is exact.
        long steps = Math.min(20_000, Duration.ofSeconds(30).toNanos() / stepNanos);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (long i = 0; i < steps && System.nanoTime() < deadline; i++) {
            while (bucket.availableTokens() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            ticker.advanceNanos(stepNanos);
            elapsed.addAndGet(stepNanos);
        }
        while (bucket.availableTokens() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        stop.set(true);
        for (Thread w : workers) {
            w.join(10_000);
        }
        // Workers that take 2 may leave one token behind; take what is left single-threaded.
        long rest = 0;
        while (bucket.tryAcquire()) {
            rest++;
        }
        long expected = capacity + Math.floorDiv(Math.multiplyExact(elapsed.get(), tokens), periodNanos);
        assertThat(violations.get()).as("grants above capacity + elapsed x rate").isZero();
        assertThat(granted.get() + rest).isEqualTo(expected);
    }

    @Test
    @DisplayName("refusing threads see the same retry-after hint and take nothing")
    void refusalsWriteNothing() throws Exception {
        ManualTicker ticker = new ManualTicker();
        TokenBucket bucket = TokenBucket.perSecond(1_000, 10, ticker);
        for (int i = 0; i < 10; i++) {
            assertThat(bucket.tryAcquire()).isTrue();
        }
        List<Thread> refusers = new ArrayList<>();
        AtomicLong wrongHints = new AtomicLong();
        for (int t = 0; t < THREADS; t++) {
            Thread r = new Thread(() -> {
                for (int i = 0; i < 100_000; i++) {
                    if (bucket.tryAcquireOrDelay(1) != 1_000_000) {
                        wrongHints.incrementAndGet();
                    }
                }
            });
            r.start();
            refusers.add(r);
        }
        for (Thread r : refusers) {
            r.join(30_000);
        }
        assertThat(wrongHints.get()).isZero();
        ticker.advance(Duration.ofMillis(1));
        assertThat(bucket.tryAcquire()).isTrue();
        assertThat(bucket.tryAcquire()).isFalse();
    }

    @Test
    @DisplayName("an odd rate of a billion a second stays exact across many epochs")
    void exactAcrossEpochs() {
        ManualTicker ticker = new ManualTicker(Long.MAX_VALUE / 2);
        long rate = 999_999_937; // prime: one nanosecond is 999 999 937 units, an epoch lasts ~2.6 s
        long capacity = 2_000_000_000L;
        TokenBucket bucket = TokenBucket.perSecond(rate, capacity, ticker);
        long admitted = drain(bucket);
        long elapsed = 0;
        // Steps of 1.7 s (fewer tokens than the capacity, so the drained bucket never sits full)
        // and of a few nanoseconds: 240 s in all, across about 90 epochs.
        for (int i = 0; i < 282; i++) {
            long step = i % 3 == 2 ? 7 + i : 1_700_000_000L;
            ticker.advanceNanos(step);
            elapsed += step;
            admitted += drain(bucket);
        }
        assertThat(elapsed).isGreaterThan(Duration.ofSeconds(200).toNanos());
        long expected = BigInteger.valueOf(elapsed).multiply(BigInteger.valueOf(rate))
                .divide(BigInteger.valueOf(1_000_000_000L)).longValueExact() + capacity;
        assertThat(admitted).isEqualTo(expected);
        assertThat(bucket.availableTokens()).isZero();
    }

    /** Takes every whole token there is, in the largest pieces first. */
    private static long drain(TokenBucket bucket) {
        long taken = 0;
        for (int p = 1 << 30; p >= 1; p >>= 1) {
            while (bucket.tryAcquire(p)) {
                taken += p;
            }
        }
        return taken;
    }
}
