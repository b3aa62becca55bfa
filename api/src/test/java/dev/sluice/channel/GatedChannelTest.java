package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.BacklogLimit;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Delivery;
import dev.sluice.DestinationConflictException;
import dev.sluice.HealthStatus;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.Overflow;
import dev.sluice.PauseReason;
import dev.sluice.PressureListener;
import dev.sluice.PressureState;
import dev.sluice.ProducerPolicy;
import dev.sluice.RateLimit;
import dev.sluice.SendResult;
import dev.sluice.Sluice;
import dev.sluice.flow.DropReason;
import dev.sluice.flow.PressureLevel;
import dev.sluice.mem.InMemoryBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The channel runtime on the in-memory broker: the gate, the credit, the pause owners, the signals. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatedChannelTest {

    private static final Duration BOUND = Duration.ofSeconds(20);

    private final String brokerName = "gated-" + UUID.randomUUID();
    private final InMemoryBroker broker = InMemoryBroker.named(brokerName);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        broker.unblock();
        broker.unstall();
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) {
            c.close();
        }
        InMemoryBroker.remove(brokerName);
    }

    private BackpressureChannel open(ChannelSpec spec) {
        BackpressureChannel ch = Sluice.open(spec);
        toClose.add(ch);
        return ch;
    }

    private ChannelSpec spec(String destination) {
        return ChannelSpec.of("mem://" + brokerName + "/" + destination).closeTimeout(Duration.ofSeconds(5));
    }

    @Test
    @DisplayName("delivers every message once, in order per key, and the counters reconcile")
    void deliversEverythingOnce() throws Exception {
        BackpressureChannel ch = open(spec("orders").consumer(ConsumerPolicy.pull(10).maxInFlight(20).concurrency(4)));
        Map<String, List<Integer>> seenByKey = new ConcurrentHashMap<>();
        AtomicInteger handled = new AtomicInteger();
        ch.consumer("billing").start(d -> {
            String[] parts = d.message().payloadAsString().split(":");
            seenByKey.computeIfAbsent(parts[0], k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(Integer.parseInt(parts[1]));
            handled.incrementAndGet();
        });
        for (int i = 0; i < 1_000; i++) {
            String key = "k" + (i % 7);
            assertThat(ch.producer().send(Message.of(key + ":" + i).key(key)).status()).isEqualTo(SendResult.Status.ACCEPTED);
        }
        await().atMost(BOUND).until(() -> handled.get() == 1_000 && ch.pressure().consumer().acked() == 1_000);

        assertThat(seenByKey).hasSize(7);
        seenByKey.values().forEach(list -> assertThat(list).isSorted().doesNotHaveDuplicates());
        // A delivery can be handled before its send's confirm is counted; flush waits for the confirms.
        assertThat(ch.producer().flush(BOUND)).isTrue();
        assertThat(ch.pressure().producer()).isEqualTo(new PressureState.ProducerCounters(1_000, 1_000, 0, 0, 0, 0, 0));
        // An outcome is counted a moment before the delivery leaves in flight.
        await().atMost(BOUND).until(() -> ch.pressure().consumer().reconciles());
        assertThat(broker.pending("orders", "billing")).isZero();
        assertThat(broker.ready("orders", "billing")).isZero();
    }

    @Test
    @DisplayName("block: a blocked broker fills the buffer, send waits then times out, nothing is lost once unblocked")
    void blockPolicy() throws Exception {
        BackpressureChannel ch = open(spec("block").producer(ProducerPolicy.buffer(5).maxInFlight(2)
                .onOverflow(Overflow.block(Duration.ofMillis(200)))));
        List<String> events = new CopyOnWriteArrayList<>();
        ch.addListener(new PressureListener() {
            @Override
            public void onBrokerBlocked(String reason) {
                events.add("blocked:" + reason);
            }

            @Override
            public void onBrokerUnblocked() {
                events.add("unblocked");
            }
        });
        broker.block("memory alarm");
        assertThat(events).containsExactly("blocked:memory alarm");
        assertThat(ch.health().state()).isEqualTo(HealthStatus.State.DOWN);
        assertThat(ch.retryAfter()).isPresent();

        for (int i = 0; i < 5; i++) {
            assertThat(ch.producer().send(Message.of("m" + i)).status()).isEqualTo(SendResult.Status.ACCEPTED);
        }
        assertThat(ch.pressure().buffered()).isEqualTo(5);
        long start = System.nanoTime();
        assertThat(ch.producer().send(Message.of("late")).status()).isEqualTo(SendResult.Status.TIMED_OUT);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());

        broker.unblock();
        assertThat(ch.producer().flush(BOUND)).isTrue();
        assertThat(broker.ready("block", "any")).isEqualTo(5);
        PressureState.ProducerCounters c = ch.pressure().producer();
        assertThat(c).isEqualTo(new PressureState.ProducerCounters(6, 5, 0, 0, 0, 1, 0));
        assertThat(events).containsExactly("blocked:memory alarm", "unblocked");
    }

    @Test
    @DisplayName("drop oldest under a stalled broker keeps the newest, reports every drop, and the counts reconcile")
    void dropOldestUnderStall() throws Exception {
        BackpressureChannel ch = open(spec("drop").producer(ProducerPolicy.buffer(10).maxInFlight(3)
                .onOverflow(Overflow.dropOldest())));
        List<String> dropped = new CopyOnWriteArrayList<>();
        ch.addListener(new PressureListener() {
            @Override
            public void onDropped(Message message, DropReason reason) {
                dropped.add(message.payloadAsString() + ":" + reason);
            }
        });
        broker.stall();
        ch.producer().send(Message.of("m0"));
        ch.producer().send(Message.of("m1"));
        ch.producer().send(Message.of("m2"));
        await().atMost(BOUND).until(() -> ch.pressure().producerInFlight() == 3);
        for (int i = 3; i < 30; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(dropped).hasSize(17).allMatch(s -> s.endsWith(":OVERFLOW_OLDEST"));
        assertThat(dropped.get(0)).isEqualTo("m3:OVERFLOW_OLDEST");
        assertThat(dropped.get(16)).isEqualTo("m19:OVERFLOW_OLDEST");

        broker.unstall();
        assertThat(ch.producer().flush(BOUND)).isTrue();
        List<String> received = new CopyOnWriteArrayList<>();
        ch.consumer("g").start(d -> received.add(d.message().payloadAsString()));
        await().atMost(BOUND).until(() -> received.size() == 13);
        List<String> expected = new ArrayList<>(List.of("m0", "m1", "m2"));
        for (int i = 20; i < 30; i++) {
            expected.add("m" + i);
        }
        assertThat(received).containsExactlyElementsOf(expected);
        PressureState.ProducerCounters c = ch.pressure().producer();
        assertThat(c).isEqualTo(new PressureState.ProducerCounters(30, 13, 0, 0, 17, 0, 0));
        assertThat(c.reconciles()).isTrue();
    }

    @Test
    @DisplayName("sendAsync completes when the broker confirms, and with DROPPED for a message displaced later")
    void sendAsyncCompletesOnConfirm() throws Exception {
        BackpressureChannel ch = open(spec("async").producer(ProducerPolicy.buffer(1).maxInFlight(1)
                .onOverflow(Overflow.dropOldest())));
        broker.stall();
        var first = ch.producer().sendAsync(Message.of("a")).toCompletableFuture();
        await().atMost(BOUND).until(() -> ch.pressure().producerInFlight() == 1);
        var second = ch.producer().sendAsync(Message.of("b")).toCompletableFuture();
        var third = ch.producer().sendAsync(Message.of("c")).toCompletableFuture();
        SendResult displaced = second.get(5, TimeUnit.SECONDS);
        assertThat(displaced.status()).isEqualTo(SendResult.Status.DROPPED);
        assertThat(displaced.dropReason()).isEqualTo(DropReason.OVERFLOW_OLDEST);
        assertThat(first).isNotDone();
        broker.unstall();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(SendResult.ACCEPTED);
        assertThat(third.get(5, TimeUnit.SECONDS)).isEqualTo(SendResult.ACCEPTED);
    }

    @Test
    @DisplayName("a drop-newest refusal answers the same through send and sendAsync: REJECTED with OVERFLOW_NEWEST")
    void dropNewestSameThroughBothSends() throws Exception {
        BackpressureChannel ch = open(spec("newest").producer(ProducerPolicy.buffer(1).maxInFlight(1)
                .onOverflow(Overflow.dropNewest())));
        broker.stall();
        ch.producer().send(Message.of("a"));
        await().atMost(BOUND).until(() -> ch.pressure().producerInFlight() == 1);
        assertThat(ch.producer().send(Message.of("b")).isAccepted()).isTrue(); // buffered
        SendResult sync = ch.producer().send(Message.of("c"));
        SendResult async = ch.producer().sendAsync(Message.of("d")).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(sync.status()).isEqualTo(SendResult.Status.REJECTED);
        assertThat(sync.dropReason()).isEqualTo(DropReason.OVERFLOW_NEWEST);
        assertThat(async).isEqualTo(sync);
        broker.unstall();
        assertThat(ch.producer().flush(BOUND)).isTrue();
        assertThat(ch.pressure().producer().dropped()).as("both refusals counted as drops").isEqualTo(2);
    }

    @Test
    @DisplayName("a payload over the broker's limit is TOO_LARGE and nothing is sent")
    void tooLarge() {
        broker.maxPayloadBytes(10);
        BackpressureChannel ch = open(spec("large"));
        assertThat(ch.producer().send(Message.of(new byte[11]))).isEqualTo(SendResult.TOO_LARGE);
        assertThat(ch.pressure().producer()).isEqualTo(new PressureState.ProducerCounters(1, 0, 0, 0, 0, 1, 0));
        assertThat(broker.depth("large")).isZero();
    }

    @Test
    @DisplayName("the rate limit refuses with a retry-after and the health shows it")
    void rateLimit() {
        BackpressureChannel ch = open(spec("rate").producer(ProducerPolicy.buffer(100)
                .rateLimit(RateLimit.tokenBucket(1, Duration.ofHours(1)).burst(2))));
        assertThat(ch.producer().send(Message.of("1")).isAccepted()).isTrue();
        assertThat(ch.producer().send(Message.of("2")).isAccepted()).isTrue();
        SendResult limited = ch.producer().send(Message.of("3"));
        assertThat(limited.status()).isEqualTo(SendResult.Status.RATE_LIMITED);
        assertThat(limited.retryAfter()).isBetween(Duration.ofMinutes(59), Duration.ofHours(1));
        assertThat(ch.retryAfter()).hasValueSatisfying(d -> assertThat(d).isGreaterThan(Duration.ofMinutes(59)));
    }

    @Test
    @DisplayName("health is DEGRADED at the soft limit and DOWN at the hard limit")
    void healthFollowsLevels() {
        BackpressureChannel ch = open(spec("health").producer(ProducerPolicy.buffer(4).softLimit(2).maxInFlight(1)
                .onOverflow(Overflow.dropNewest())));
        broker.stall();
        ch.producer().send(Message.of("in flight"));
        await().atMost(BOUND).until(() -> ch.pressure().producerInFlight() == 1);
        assertThat(ch.health().state()).isEqualTo(HealthStatus.State.UP);
        ch.producer().send(Message.of("1"));
        ch.producer().send(Message.of("2"));
        assertThat(ch.pressure().level()).isEqualTo(PressureLevel.SOFT);
        assertThat(ch.health().state()).isEqualTo(HealthStatus.State.DEGRADED);
        ch.producer().send(Message.of("3"));
        ch.producer().send(Message.of("4"));
        HealthStatus h = ch.health();
        assertThat(h.state()).isEqualTo(HealthStatus.State.DOWN);
        assertThat(h.buffered()).isEqualTo(4);
        assertThat(h.retryAfter()).isPositive();
    }

    @Test
    @DisplayName("never holds more than maxInFlight unacked, as the broker counts them")
    void inFlightCapFromTheBrokerSide() throws Exception {
        BackpressureChannel ch = open(spec("cap").consumer(ConsumerPolicy.pull(5).maxInFlight(8).concurrency(4)));
        for (int i = 0; i < 200; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        ch.producer().flush(BOUND);
        LongAccumulator maxPending = new LongAccumulator(Math::max, 0);
        AtomicInteger handled = new AtomicInteger();
        ch.consumer("workers").start(d -> {
            maxPending.accumulate(broker.pending("cap", "workers"));
            handled.incrementAndGet();
        });
        await().atMost(BOUND).until(() -> {
            maxPending.accumulate(broker.pending("cap", "workers"));
            return handled.get() == 200;
        });
        assertThat(maxPending.get()).isBetween(1L, 8L);
    }

    @Test
    @DisplayName("a run on its way to the handler thread when pause() is called is given back by the time pause() returns")
    void pauseWaitsForARunInTransit() throws Exception {
        int n = 5;
        BackpressureChannel ch = open(spec("transit").consumer(ConsumerPolicy.pull(n).maxInFlight(n)));
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        assertThat(ch.producer().flush(BOUND)).isTrue();
        MessageConsumer consumer = ch.consumer("g");
        AtomicLong releasedWhenPauseReturned = new AtomicLong(-1);
        Thread pauser = new Thread(() -> {
            consumer.pause();
            releasedWhenPauseReturned.set(ch.pressure().consumer().released());
        }, "pauser");
        // The run fills the cap, and BACKPRESSURE is told on the delivering thread between the
        // ledger and the handler threads: the pause comes from another thread right then.
        ch.addListener(new PressureListener() {
            @Override
            public void onPaused(String group, PauseReason reason) {
                if (reason != PauseReason.BACKPRESSURE) {
                    return;
                }
                pauser.start();
                await().atMost(BOUND).until(() -> pauser.getState() == Thread.State.TIMED_WAITING
                        || pauser.getState() == Thread.State.WAITING || pauser.getState() == Thread.State.TERMINATED);
            }
        });
        AtomicInteger started = new AtomicInteger();
        consumer.start(d -> started.incrementAndGet());
        await().atMost(BOUND).until(() -> releasedWhenPauseReturned.get() >= 0);
        assertThat(releasedWhenPauseReturned.get()).as("given back when pause() returned").isEqualTo(n);
        assertThat(started.get()).as("handlers started").isZero();
    }

    @Test
    @DisplayName("a manual pause stops deliveries and survives the automatic resume")
    void manualPauseSurvivesAutomaticResume() throws Exception {
        BackpressureChannel ch = open(spec("pause").consumer(ConsumerPolicy.pull(2).maxInFlight(4).pauseAt(1.0).resumeAt(0.5)));
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger handled = new AtomicInteger();
        MessageConsumer consumer = ch.consumer("g");
        List<String> pauseEvents = new CopyOnWriteArrayList<>();
        ch.addListener(new PressureListener() {
            @Override
            public void onPaused(String group, PauseReason reason) {
                pauseEvents.add("paused:" + reason);
            }

            @Override
            public void onResumed(String group, PauseReason reason) {
                pauseEvents.add("resumed:" + reason);
            }
        });
        consumer.start(d -> {
            release.await();
            handled.incrementAndGet();
        });
        for (int i = 0; i < 20; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        // The handler holds the first delivery; the cap is reached and BACKPRESSURE taken.
        await().atMost(BOUND).until(() -> consumer.pausedReasons().contains(PauseReason.BACKPRESSURE));
        consumer.pause();
        // The three waiting behind the running handler went back when pause() returned; with one
        // in flight BACKPRESSURE is released, and MANUAL holds.
        assertThat(consumer.pausedReasons()).containsExactly(PauseReason.MANUAL);
        assertThat(consumer.inFlight()).isEqualTo(1);
        assertThat(ch.pressure().consumer().released()).isEqualTo(3);
        int before = handled.get();
        release.countDown();
        await().atMost(BOUND).until(() -> consumer.inFlight() == 0);
        assertThat(consumer.pausedReasons()).containsExactly(PauseReason.MANUAL);
        int whilePaused = handled.get();
        assertThat(whilePaused - before).as("only the handler running at the pause finished").isEqualTo(1);
        assertThat(broker.pending("pause", "g")).isZero();
        assertThat(broker.ready("pause", "g")).isEqualTo(20 - whilePaused);

        consumer.resume();
        await().atMost(BOUND).until(() -> handled.get() == 20);
        assertThat(pauseEvents).startsWith("paused:BACKPRESSURE", "paused:MANUAL", "resumed:BACKPRESSURE", "resumed:MANUAL");
    }

    @Test
    @DisplayName("runs on the spec's ticker: a rate limit refuses until the test moves the clock, with no real wait")
    void runsOnTheSpecsTicker() {
        dev.sluice.flow.ManualTicker ticker = new dev.sluice.flow.ManualTicker();
        BackpressureChannel ch = open(spec("ticked").ticker(ticker)
                .producer(dev.sluice.ProducerPolicy.buffer(100).rateLimit(dev.sluice.RateLimit.tokenBucket(10).burst(1))));
        assertThat(ch.producer().send(Message.of("a")).status()).isEqualTo(dev.sluice.SendResult.Status.ACCEPTED);
        dev.sluice.SendResult refused = ch.producer().send(Message.of("b"));
        assertThat(refused.status()).isEqualTo(dev.sluice.SendResult.Status.RATE_LIMITED);
        assertThat(ch.retryAfter()).hasValue(Duration.ofMillis(100));
        ticker.advance(Duration.ofMillis(100));
        assertThat(ch.producer().send(Message.of("c")).status()).isEqualTo(dev.sluice.SendResult.Status.ACCEPTED);
    }

    @Test
    @DisplayName("a nacked message is redelivered, and after maxAttempts it is in the dead letter")
    void nackThenDeadLetter() {
        BackpressureChannel ch = open(spec("jobs").consumer(ConsumerPolicy.pull(1).maxAttempts(3)));
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        ch.consumer("g").start(d -> {
            attempts.add(d.attempt());
            throw new IllegalStateException("poison");
        });
        ch.producer().send(Message.of("poison"));
        await().atMost(BOUND).until(() -> ch.pressure().consumer().deadLettered() == 1);
        assertThat(attempts).containsExactly(1, 2, 3);
        // The dead letter is counted a moment before the delivery leaves in flight.
        await().atMost(BOUND).untilAsserted(() -> assertThat(ch.pressure().consumer())
                .isEqualTo(new PressureState.ConsumerCounters(3, 0, 2, 0, 1, 0, 0, 0)));

        BackpressureChannel dlq = open(spec("jobs.dlq"));
        List<Message> dead = new CopyOnWriteArrayList<>();
        dlq.consumer("ops").start(d -> dead.add(d.message()));
        await().atMost(BOUND).until(() -> dead.size() == 1);
        assertThat(dead.get(0).payloadAsString()).isEqualTo("poison");
        assertThat(dead.get(0).headers()).containsEntry("x-attempts", "3").containsEntry("x-original-destination", "jobs");
    }

    @Test
    @DisplayName("the unacked messages of a member that goes away reach another member")
    void consumerCrash() {
        ChannelSpec crashSpec = spec("crash").consumer(ConsumerPolicy.pull(5).maxInFlight(5));
        BackpressureChannel ch = open(crashSpec);
        for (int i = 0; i < 5; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        // Another process whose handlers hang: its close gives up on them and drops the connection.
        BackpressureChannel doomed = Sluice.open(crashSpec.closeTimeout(Duration.ofMillis(50)));
        CountDownLatch never = new CountDownLatch(1);
        doomed.consumer("g").start(d -> never.await());
        await().atMost(BOUND).until(() -> broker.pending("crash", "g") == 5);
        doomed.close();
        List<String> rescued = new CopyOnWriteArrayList<>();
        ch.consumer("g").start(d -> rescued.add(d.message().payloadAsString() + "@" + d.attempt()));
        await().atMost(BOUND).until(() -> rescued.size() == 5);
        // m0 was in its handler (an attempt); the others waited behind it and went back uncounted.
        assertThat(rescued).containsExactlyInAnyOrder("m0@2", "m1@1", "m2@1", "m3@1", "m4@1");
        never.countDown();
    }

    @Test
    @DisplayName("the Flow.Publisher view delivers no more than requested and completes on close")
    void publisherHonoursDemand() throws Exception {
        BackpressureChannel ch = open(spec("flow").consumer(ConsumerPolicy.pull(10).maxInFlight(10)));
        for (int i = 0; i < 10; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        ch.producer().flush(BOUND);
        MessageConsumer consumer = ch.consumer("g");
        List<Delivery> got = new CopyOnWriteArrayList<>();
        CountDownLatch completed = new CountDownLatch(1);
        Flow.Subscription[] subscription = new Flow.Subscription[1];
        consumer.publisher().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription[0] = s;
                s.request(3);
            }

            @Override
            public void onNext(Delivery item) {
                got.add(item);
            }

            @Override
            public void onError(Throwable throwable) {
            }

            @Override
            public void onComplete() {
                completed.countDown();
            }
        });
        await().atMost(BOUND).until(() -> got.size() == 3);
        assertThat(broker.pending("flow", "g")).isEqualTo(3);
        assertThat(broker.ready("flow", "g")).isEqualTo(7);
        got.forEach(Delivery::ack);
        subscription[0].request(2);
        await().atMost(BOUND).until(() -> got.size() == 5);
        assertThat(broker.ready("flow", "g")).isEqualTo(5);
        got.forEach(Delivery::ack);
        consumer.close();
        assertThat(completed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(broker.pending("flow", "g")).isZero();
    }

    @Test
    @DisplayName("graceful close sends what is buffered and waits for running handlers to ack")
    void gracefulClose() {
        BackpressureChannel ch = Sluice.open(spec("close"));
        for (int i = 0; i < 100; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        ch.close();
        assertThat(broker.ready("close", "late")).isEqualTo(100);
        assertThatThrownBy(() -> ch.producer().send(Message.of("after")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    @DisplayName("close reports what it could not send, and the counters still reconcile")
    void closeReportsUnsent() {
        BackpressureChannel ch = Sluice.open(spec("unsent").closeTimeout(Duration.ofMillis(100))
                .producer(ProducerPolicy.buffer(10).maxInFlight(1)));
        List<DropReason> reasons = new CopyOnWriteArrayList<>();
        ch.addListener(new PressureListener() {
            @Override
            public void onDropped(Message message, DropReason reason) {
                reasons.add(reason);
            }
        });
        broker.stall();
        for (int i = 0; i < 5; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        ch.close();
        // Four never left the buffer; the one the broker held fails when the connection closes.
        assertThat(reasons).containsExactlyInAnyOrder(DropReason.UNSENT_AT_CLOSE, DropReason.UNSENT_AT_CLOSE,
                DropReason.UNSENT_AT_CLOSE, DropReason.UNSENT_AT_CLOSE, DropReason.SEND_FAILED);
        PressureState.ProducerCounters c = ch.pressure().producer();
        assertThat(c.dropped()).isEqualTo(4);
        assertThat(c.failed()).isEqualTo(1);
        assertThat(c.reconciles()).isTrue();
    }

    @Test
    @DisplayName("a destination declared with another backlog limit is a clear conflict")
    void conflictingBacklogLimit() {
        open(spec("limited").backlog(BacklogLimit.maxLength(10)));
        assertThatThrownBy(() -> open(spec("limited").backlog(BacklogLimit.maxLength(20).rejectNewest())))
                .isInstanceOf(DestinationConflictException.class)
                .hasMessageContaining("maxLength=10")
                .hasMessageContaining("maxLength=20");
    }

    @Test
    @DisplayName("the mapping names the knob for each configured strategy")
    void mappingDescribesStrategies() {
        BackpressureChannel ch = open(spec("mapped").backlog(BacklogLimit.maxLength(5).dropOldest()));
        assertThat(ch.mapping()).extracting(m -> m.strategy().name())
                .contains("PULL_BATCH", "IN_FLIGHT_CAP", "BACKLOG_DROP_OLDEST");
    }
}
