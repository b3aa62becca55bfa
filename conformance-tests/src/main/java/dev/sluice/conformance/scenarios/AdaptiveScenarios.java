package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Limit;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.PauseReason;
import dev.sluice.Overflow;
import dev.sluice.PressureListener;
import dev.sluice.ProducerPolicy;
import dev.sluice.RateLimit;
import dev.sluice.RetryLater;
import dev.sluice.SendResult;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Family 25: downstream signals and adaptive limits. A handler's {@link RetryLater} gives the
 * delivery back without an attempt and holds intake; an adaptive in-flight limit falls when the
 * handler slows and recovers when it is fast again; an adaptive producer rate falls under the
 * broker's alarm and recovers after it.
 */
public abstract class AdaptiveScenarios extends ScenarioFamily {

    protected AdaptiveScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("Retry-After: 2 from a handler: no delivery reaches the handler for 2 s, attempts unchanged, nothing dead-lettered")
    void retryAfterHoldsIntake() throws Exception {
        // Known and open: RabbitMQ before 4.3 counts a quorum queue's give-backs toward its
        // x-delivery-limit, so with maxAttempts 1 the broker dead-letters the delivery given back.
        org.junit.jupiter.api.Assumptions.assumeFalse(broker.name().contains("queueType=quorum"),
                "RabbitMQ before 4.3 counts quorum give-backs toward x-delivery-limit: a RetryLater at maxAttempts 1 is dead-lettered by the broker");
        int n = 5;
        String destination = fresh("retry-later");
        // One attempt allowed: were the give-back counted as a failure, the message would be dead-lettered.
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(n).maxInFlight(n).maxAttempts(1)
                .pollTimeout(Duration.ofMillis(100))));
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.producer().flush(broker.patience())).isTrue();

        List<long[]> calls = new CopyOnWriteArrayList<>(); // {nanoTime, attempt}
        List<String> handled = new CopyOnWriteArrayList<>();
        AtomicLong signalledAt = new AtomicLong();
        MessageConsumer consumer = ch.consumer(group);
        consumer.start(d -> {
            long now = System.nanoTime();
            calls.add(new long[] {now, d.attempt()});
            if (signalledAt.get() == 0 && signalledAt.compareAndSet(0, now)) {
                throw RetryLater.afterSeconds("2"); // the downstream answered 429, Retry-After: 2
            }
            handled.add(d.message().payloadAsString());
        });
        await("the downstream's 429 was met").until(() -> signalledAt.get() != 0);
        await("the consumer holds HEALTH").until(() -> consumer.pausedReasons().contains(PauseReason.HEALTH));
        await("every message handled after the hold")
                .atMost(broker.patience().plusSeconds(2))
                .until(() -> ch.pressure().consumer().acked() == n);

        long t0 = signalledAt.get();
        long firstAfter = calls.stream().mapToLong(c -> c[0]).filter(t -> t > t0).min().orElseThrow();
        assertThat(Duration.ofNanos(firstAfter - t0)).as("the first handler call after the 429")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(calls).as("attempt of every handler call (a give-back keeps it)").allMatch(c -> c[1] == 1);
        assertThat(handled).hasSize(n);
        assertThat(consumer.pausedReasons()).doesNotContain(PauseReason.HEALTH);
        var counters = ch.pressure().consumer();
        assertThat(counters.nacked()).as("nacked").isZero();
        assertThat(counters.deadLettered()).as("dead-lettered").isZero();
        assertThat(counters.released()).as("given back").isGreaterThanOrEqualTo(1);
        awaitConsumerReconciles(ch);
        // The channel counts an ack when it hands it to the adapter; the broker has it a moment later.
        await("nothing unacked on the broker").until(() -> probe().unacked(destination, group).orElse(0) == 0);
    }

    @Test
    @DisplayName("handler latency steps 5 ms -> 100 ms -> 5 ms: the gradient in-flight limit falls within 2 s and recovers within 2 s; in flight stays near the handlers instead of queueing")
    void adaptiveCapFollowsLatencySteps() throws Exception {
        // A quorum consumer's prefetch is fixed for its life: the broker's window stays at the ceiling.
        org.junit.jupiter.api.Assumptions.assumeFalse(broker.name().contains("queueType=quorum"),
                "a quorum queue fixes a consumer's prefetch for its life: the broker-side window stays at the adaptive limit's ceiling");
        int concurrency = 4;
        int ceiling = 64;
        int n = scaled(1_500);
        String destination = fresh("latency-steps");
        BackpressureChannel ch = open(spec(destination).consumer(ConsumerPolicy.pull(8).maxInFlight(Limit.gradient(2, ceiling))
                .concurrency(concurrency).pollTimeout(Duration.ofMillis(100))));
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.producer().flush(broker.patience())).isTrue();
        List<int[]> changes = new CopyOnWriteArrayList<>();
        ch.addListener(new PressureListener() {
            @Override
            public void onInFlightLimitChanged(String g, int from, int to) {
                changes.add(new int[] {from, to});
            }
        });

        AtomicLong latencyMillis = new AtomicLong(5);
        MessageConsumer consumer = ch.consumer(group);
        consumer.start(d -> Thread.sleep(latencyMillis.get())); // the handler's downstream: its latency is the workload
        await("the limit grows while the handler is fast").until(() -> ch.pressure().consumerInFlightLimit() >= ceiling / 2);

        latencyMillis.set(100);
        long slowAt = System.nanoTime();
        Awaitility.await("the limit falls after the handler slowed to 100 ms").atMost(Duration.ofSeconds(2))
                .pollInterval(Duration.ofMillis(10)).until(() -> ch.pressure().consumerInFlightLimit() <= ceiling / 4);
        long fellAfter = System.nanoTime() - slowAt;
        // Credit granted before the fall still arrives (a broker cannot be asked to take it back): it drains first.
        Awaitility.await("in flight drains to the lowered limit").atMost(Duration.ofSeconds(3))
                .pollInterval(Duration.ofMillis(10)).until(() -> consumer.inFlight() <= ceiling / 4);
        // Settled at the low limit: in flight is the handlers' work plus a little queue, not the ceiling's worth.
        // Where the broker counts unacked deliveries (RabbitMQ's prefetch window, Redis's pending
        // entries, SQS's in-flight messages), the broker holds no more than that either.
        boolean brokerCounts = probe().unacked(destination, group).isPresent();
        LongAccumulator maxInFlight = new LongAccumulator(Math::max, 0);
        LongAccumulator maxUnacked = new LongAccumulator(Math::max, 0);
        long until = System.nanoTime() + Duration.ofMillis(500).toNanos();
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
            maxInFlight.accumulate(consumer.inFlight());
            if (brokerCounts) {
                maxUnacked.accumulate(probe().unacked(destination, group).orElse(0));
            }
            return System.nanoTime() > until;
        });
        assertThat(maxInFlight.get()).as("in flight while the handler takes 100 ms").isLessThanOrEqualTo(ceiling / 4);
        if (brokerCounts) {
            assertThat(maxUnacked.get()).as("unacked on the broker while the handler takes 100 ms").isLessThanOrEqualTo(ceiling / 4);
        }

        latencyMillis.set(5);
        Awaitility.await("the limit recovers after the handler is fast again").atMost(Duration.ofSeconds(2))
                .pollInterval(Duration.ofMillis(10)).until(() -> ch.pressure().consumerInFlightLimit() >= ceiling / 2);
        assertThat(changes).as("limit changes told to listeners").isNotEmpty()
                .anyMatch(c -> c[1] < c[0]).anyMatch(c -> c[1] > c[0]);
        assertThat(Duration.ofNanos(fellAfter)).isLessThan(Duration.ofSeconds(2));
        consumer.close();
        awaitConsumerReconciles(ch);
    }

    @Test
    @DisplayName("under the broker's alarm the adaptive producer rate falls below the drain rate, nothing is lost, and it is back to 0.9x its level within 5 s after the alarm")
    void adaptiveRateFollowsBrokerAlarm() throws Exception {
        assumeFault(Fault.BROKER_PRESSURE);
        int ceiling = 200;
        // Retries outlast the alarm: a broker that refuses under it (SQS throttling, Redis OOM) loses nothing.
        BackpressureChannel ch = open(spec(fresh("adaptive-rate")).producer(ProducerPolicy.buffer(1_000).maxInFlight(8)
                .sendRetries(12).onOverflow(Overflow.block(Duration.ofMillis(50))).rateLimit(RateLimit.adaptive(ceiling))));
        List<String> dropped = new CopyOnWriteArrayList<>();
        List<String> rates = new CopyOnWriteArrayList<>(); // the rate's story, for a failure's message
        long t0 = System.nanoTime();
        ch.addListener(new PressureListener() {
            @Override
            public void onDropped(Message message, dev.sluice.flow.DropReason reason) {
                dropped.add(message.payloadAsString() + " " + reason);
            }

            @Override
            public void onProducerRateChanged(double from, double to) {
                rates.add(String.format(java.util.Locale.ROOT, "%d ms: %.0f -> %.0f", (System.nanoTime() - t0) / 1_000_000, from, to));
            }

            @Override
            public void onBrokerBlocked(String reason) {
                rates.add((System.nanoTime() - t0) / 1_000_000 + " ms: blocked");
            }

            @Override
            public void onBrokerUnblocked() {
                rates.add((System.nanoTime() - t0) / 1_000_000 + " ms: unblocked");
            }
        });
        assumeCapability(ch, Capability.BROKER_PRESSURE_SIGNAL, broker.name() + " gives no pressure signal");
        Received received = new Received();
        ch.consumer(group).start(received);
        ProducerBlockScenarios.warmUp(ch, received);

        // The load: offers more than the ceiling, honouring RATE_LIMITED's retry-after (a pacing of the load, not a wait for a result).
        List<String> accepted = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread sender = new Thread(() -> {
            int i = 0;
            while (!stop.get()) {
                String payload = "r" + i++;
                SendResult r = ch.producer().send(Message.of(payload));
                if (r.isAccepted()) {
                    accepted.add(payload);
                } else if (r.status() == SendResult.Status.RATE_LIMITED) {
                    LockSupport.parkNanos(Math.max(1_000_000L, r.retryAfter().toNanos()));
                }
            }
        }, "kit-adaptive-rate-load");
        sender.setDaemon(true);
        sender.start();
        try {
            // A cold broker's first confirms may be slow (a backoff): the rate is at its ceiling once it is warm.
            await("sends flow at the ceiling").until(() -> accepted.size() >= ceiling / 4 && ch.pressure().producerRate() >= 0.9 * ceiling);
            double before = ch.pressure().producerRate();

            broker.inject(Fault.BROKER_PRESSURE);
            await("the broker's alarm reaches the channel").until(() -> ch.pressure().brokerBlocked());
            // Under the alarm the broker drains (next to) nothing: the rate falls to a trickle.
            await("the rate falls under the alarm").atMost(Duration.ofSeconds(5))
                    .until(() -> ch.pressure().producerRate() <= ceiling / 10.0);

            broker.heal(Fault.BROKER_PRESSURE);
            await("the channel hears the alarm is over").until(() -> !ch.pressure().brokerBlocked());
            long clearedAt = System.nanoTime();
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .untilAsserted(() -> assertThat(ch.pressure().producerRate())
                            .as(() -> "the rate, back to 0.9x its level; its story: " + rates).isGreaterThanOrEqualTo(0.9 * before));
            Duration recovered = Duration.ofNanos(System.nanoTime() - clearedAt);
            assertThat(recovered).isLessThanOrEqualTo(Duration.ofSeconds(5));
        } finally {
            stop.set(true);
            sender.join(broker.patience().toMillis());
        }
        assertThat(ch.producer().flush(broker.patience().multipliedBy(2))).isTrue();
        assertThat(dropped).as("messages dropped").isEmpty();
        assertThat(ch.pressure().producer().failed()).as("sends that failed for good").isZero();
        await().untilAsserted(() -> assertThat(received.distinct())
                .as(() -> "received " + received.count() + " (" + received.distinct().size() + " distinct) of " + accepted.size()
                        + " accepted; consumer " + ch.pressure().consumer() + "; producer " + ch.pressure().producer())
                .containsAll(accepted));
        assertThat(ch.pressure().producer().reconciles()).isTrue();
    }
}
