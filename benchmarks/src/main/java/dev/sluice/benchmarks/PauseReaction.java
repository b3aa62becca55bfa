package dev.sluice.benchmarks;

import dev.sluice.conformance.results.ResultsFile;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.Sluice;
import dev.sluice.conformance.ProxiedKitBroker;
import dev.sluice.conformance.brokers.KitBrokers;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How fast a pause takes hold and a resume lets go, per broker. For each of several cycles:
 * <ol>
 *   <li>watermark: handlers that hold their message fill the in-flight cap (50); the time from
 *       the delivery that reached the cap to the last delivery, and how many came after it;
 *   <li>manual pause: with fast handlers and a backlog flowing, {@code pause()}; the deliveries
 *       that start after {@code pause()} returned, and the time to the last of them;
 *   <li>resume: the time from {@code resume()} to the next delivery (the broker's native resume:
 *       Kafka's next fetch, RabbitMQ {@code basic.consume}, Redis {@code XREADGROUP}, an SQS
 *       receive).
 * </ol>
 * {@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.PauseReaction [kinds] [cycles]}
 */
public final class PauseReaction {

    static final int CAP = 50;

    private PauseReaction() {
    }

    public static void main(String[] args) throws Exception {
        List<String> kinds = List.of((args.length > 0 ? args[0] : "kafka,rabbitmq,sqs,redis").split(","));
        int cycles = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        for (String k : kinds) {
            BrokerKind kind = BrokerKind.valueOf(k.trim().toUpperCase(Locale.ROOT));
            ProvisionedBroker broker = AdapterOverhead.provision(kind);
            try (broker; ProxiedKitBroker kit = KitBrokers.of(broker)) {
                List<Long> afterWatermark = new ArrayList<>();
                List<Long> afterPause = new ArrayList<>();
                List<Double> resumeMillis = new ArrayList<>();
                for (int c = 0; c < cycles; c++) {
                    String destination = "sluice-pause-" + UUID.randomUUID().toString().substring(0, 8);
                    try {
                        afterWatermark.add(watermark(broker, destination));
                    } finally {
                        kit.deleteDestination(destination);
                    }
                    destination = "sluice-pause-" + UUID.randomUUID().toString().substring(0, 8);
                    try {
                        double[] r = pauseAndResume(broker, destination);
                        afterPause.add((long) r[0]);
                        resumeMillis.add(r[1]);
                    } finally {
                        kit.deleteDestination(destination);
                    }
                }
                Collections.sort(resumeMillis);
                System.out.printf(Locale.ROOT, "%-9s deliveries after the cap was reached: max %d; deliveries after pause() returned: max %d;"
                                + " resume to next delivery: median %.1f ms, max %.1f ms (%d cycles)%n",
                        kind.id(), Collections.max(afterWatermark), Collections.max(afterPause),
                        resumeMillis.get(resumeMillis.size() / 2), resumeMillis.get(resumeMillis.size() - 1), cycles);
                String destination = "sluice-churn-" + UUID.randomUUID().toString().substring(0, 8);
                long[] churn;
                try {
                    churn = churn(broker, kit, destination);
                } finally {
                    kit.deleteDestination(destination);
                }
                System.out.printf(Locale.ROOT, "%-9s %d backpressure cycles at a cap of %d: max in flight %d, max unacked on the broker %s%n",
                        kind.id(), churn[0], CHURN_CAP, churn[1],
                        churn[2] < 0 ? "(not readable)" : churn[2] + " (" + churn[3] + " samples)");
                ResultsFile.record("PauseReaction", kind.id(), "deliveries past the cap (max of " + cycles + " cycles)",
                        Collections.max(afterWatermark), "0");
                ResultsFile.record("PauseReaction", kind.id(), "handler starts after pause() returned (max of " + cycles + " cycles)",
                        Collections.max(afterPause), "0");
                ResultsFile.record("PauseReaction", kind.id(), "resume to next delivery, median ms",
                        resumeMillis.get(resumeMillis.size() / 2), "");
                ResultsFile.record("PauseReaction", kind.id(), "backpressure cycles", churn[0], ">= 100");
                ResultsFile.record("PauseReaction", kind.id(), "max in flight over the cycles (cap " + CHURN_CAP + ")", churn[1],
                        "<= " + CHURN_CAP);
                if (churn[2] >= 0) {
                    ResultsFile.record("PauseReaction", kind.id(), "max unacked on the broker over the cycles (cap " + CHURN_CAP + ")",
                            churn[2], "<= " + CHURN_CAP);
                }
            }
        }
        System.exit(0);
    }

    static final int CHURN_CAP = 20;

    /**
     * Backpressure cycles: handlers wait for the consumer to fill to the cap (bounded), so every
     * refill takes the backpressure once more; the broker's own unacked count is sampled meanwhile.
     *
     * @return {cycles, max in flight at the consumer, max unacked on the broker or -1 when unreadable, samples}
     */
    private static long[] churn(ProvisionedBroker broker, ProxiedKitBroker kit, String destination) throws Exception {
        int n = 12 * CHURN_CAP * 5; // a cycle settles half the cap: about 120 cycles
        try (BackpressureChannel ch = Sluice.open(ChannelSpec.of(AdapterOverhead.destinationUri(broker, destination))
                .consumer(ConsumerPolicy.pull(CHURN_CAP).maxInFlight(CHURN_CAP).pauseAt(1.0).resumeAt(0.5)
                        .pollTimeout(Duration.ofMillis(200))))) {
            for (int i = 0; i < n; i++) {
                ch.producer().send(Message.of("m" + i));
            }
            ch.producer().flush(Duration.ofMinutes(1));
            AtomicInteger cycles = new AtomicInteger();
            java.util.concurrent.atomic.LongAccumulator maxInFlight = new java.util.concurrent.atomic.LongAccumulator(Math::max, 0);
            java.util.concurrent.atomic.LongAccumulator maxUnacked = new java.util.concurrent.atomic.LongAccumulator(Math::max, -1);
            MessageConsumer consumer = ch.consumer("g");
            ch.addListener(new dev.sluice.PressureListener() {
                @Override
                public void onPaused(String group, dev.sluice.PauseReason reason) {
                    if (reason == dev.sluice.PauseReason.BACKPRESSURE) {
                        cycles.incrementAndGet();
                    }
                }
            });
            consumer.start(d -> {
                maxInFlight.accumulate(consumer.inFlight());
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // a handler's work: the run lasts long enough to sample
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (!consumer.pausedReasons().contains(dev.sluice.PauseReason.BACKPRESSURE)
                        && ch.pressure().consumer().received() < n && System.nanoTime() < until) {
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                }
            });
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            AtomicInteger samples = new AtomicInteger();
            Thread sampler = new Thread(() -> {
                while (!done.get()) {
                    kit.probe().unacked(destination, "g").ifPresent(u -> {
                        maxUnacked.accumulate(u);
                        samples.incrementAndGet();
                    });
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
            });
            sampler.start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (ch.pressure().consumer().acked() < n && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            }
            done.set(true);
            sampler.join();
            return new long[] {cycles.get(), maxInFlight.get(), maxUnacked.get(), samples.get()};
        }
    }

    private static ChannelSpec spec(ProvisionedBroker broker, String destination) {
        return ChannelSpec.of(AdapterOverhead.destinationUri(broker, destination))
                .consumer(ConsumerPolicy.pull(10).maxInFlight(CAP).concurrency(CAP).pollTimeout(Duration.ofMillis(200)));
    }

    /** @return how many deliveries started after the one that filled the cap */
    private static long watermark(ProvisionedBroker broker, String destination) throws Exception {
        try (BackpressureChannel ch = Sluice.open(spec(broker, destination))) {
            for (int i = 0; i < 4 * CAP; i++) {
                ch.producer().send(Message.of("m" + i));
            }
            ch.producer().flush(Duration.ofMinutes(1));
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger started = new AtomicInteger();
            MessageConsumer consumer = ch.consumer("g");
            consumer.start(d -> {
                started.incrementAndGet();
                release.await(30, TimeUnit.SECONDS);
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (started.get() < CAP && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            // The cap is reached; anything that starts from here on came past the watermark.
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < settle) {
                Thread.onSpinWait();
            }
            long after = started.get() - CAP;
            release.countDown();
            return after;
        }
    }

    /** @return {deliveries started after pause() returned, milliseconds from resume() to the next delivery} */
    private static double[] pauseAndResume(ProvisionedBroker broker, String destination) throws Exception {
        try (BackpressureChannel ch = Sluice.open(spec(broker, destination))) {
            for (int i = 0; i < 2_000; i++) {
                ch.producer().send(Message.of("m" + i));
            }
            ch.producer().flush(Duration.ofMinutes(1));
            ConcurrentLinkedQueue<Long> starts = new ConcurrentLinkedQueue<>();
            MessageConsumer consumer = ch.consumer("g");
            consumer.start(d -> {
                starts.add(System.nanoTime());
                Thread.sleep(2); // a handler's work: the backlog flows at a few thousand a second
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (starts.size() < 200 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            consumer.pause();
            long pausedAt = System.nanoTime();
            long quiet = pausedAt + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < quiet) {
                Thread.onSpinWait();
            }
            long afterPause = starts.stream().filter(t -> t > pausedAt).count();
            int before = starts.size();
            long resumedAt = System.nanoTime();
            consumer.resume();
            while (starts.size() == before && System.nanoTime() < resumedAt + TimeUnit.SECONDS.toNanos(30)) {
                Thread.onSpinWait();
            }
            long first = starts.stream().filter(t -> t > resumedAt).min(Long::compare).orElse(Long.MAX_VALUE);
            return new double[] {afterPause, (first - resumedAt) / 1e6};
        }
    }
}
