package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.BacklogLimit;
import dev.sluice.Capability;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.SendResult;
import dev.sluice.conformance.EventRecorder;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import dev.sluice.flow.DropReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 15: drop-oldest keeps the newest, reject-newest refuses the excess, max age expires. */
public abstract class BacklogLimitScenarios extends ScenarioFamily {

    private static final int LIMIT = 10;
    private static final int SENT = 30;

    protected BacklogLimitScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    /** A channel with the limit and a group that exists but consumes nothing yet. */
    private record Setup(BackpressureChannel ch, MessageConsumer consumer, Received received, EventRecorder recorder) {
    }

    private Setup setUp(String destination, BacklogLimit limit, Capability needed, String why) {
        BackpressureChannel ch = open(spec(destination).backlog(limit));
        assumeCapability(ch, needed, why);
        EventRecorder recorder = new EventRecorder();
        ch.addListener(recorder);
        Received received = new Received();
        MessageConsumer consumer = ch.consumer(group);
        consumer.start(received);
        consumer.pause();
        return new Setup(ch, consumer, received, recorder);
    }

    @Test
    @DisplayName("drop-oldest keeps the newest messages and reports how many it dropped")
    void dropOldestKeepsTheNewest() throws Exception {
        String destination = fresh("maxlen");
        Setup s = setUp(destination, BacklogLimit.maxLength(LIMIT).dropOldest().exact(), Capability.BACKLOG_DROP_OLDEST,
                broker.name() + " cannot drop the oldest messages of a backlog");
        for (int i = 0; i < SENT; i++) {
            s.ch().producer().send(Message.of("m" + i));
        }
        assertThat(s.ch().producer().flush(broker.patience())).isTrue();
        probe().ready(destination, group).ifPresent(r ->
                await().until(() -> probe().ready(destination, group).getAsLong() <= LIMIT));
        await("every trimmed message reported").until(() -> s.ch().pressure().brokerDropped() == SENT - LIMIT);

        s.consumer().resume();
        await().until(() -> s.received().count() >= LIMIT);
        await().during(Duration.ofMillis(300)).until(() -> s.received().count() == LIMIT);
        assertSameMessages(s.ch(), s.received().payloads, IntStream.range(SENT - LIMIT, SENT).mapToObj(i -> "m" + i).toList());
    }

    @Test
    @DisplayName("reject-newest refuses every message past the limit, and the sender sees REJECTED")
    void rejectNewestRefusesTheExcess() throws Exception {
        String destination = fresh("reject");
        Setup s = setUp(destination, BacklogLimit.maxLength(LIMIT).rejectNewest(), Capability.BACKLOG_REJECT_NEWEST,
                broker.name() + " cannot refuse messages past a backlog limit");
        List<CompletableFuture<SendResult>> results = new ArrayList<>();
        for (int i = 0; i < SENT; i++) {
            results.add(s.ch().producer().sendAsync(Message.of("m" + i)).toCompletableFuture());
        }
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get();
        long accepted = results.stream().filter(f -> f.join().status() == SendResult.Status.ACCEPTED).count();
        long rejected = results.stream().filter(f -> f.join().status() == SendResult.Status.REJECTED).count();
        assertThat(results).as("a refusal by the broker's full backlog says so")
                .allMatch(f -> f.join().isAccepted() || f.join().dropReason() == DropReason.BACKLOG_REJECTED);
        assertThat(accepted).isEqualTo(LIMIT);
        assertThat(rejected).isEqualTo(SENT - LIMIT);
        // A receive that was under way when the consumer paused may have taken some, and gives
        // them back: they are ready again a moment later.
        probe().ready(destination, group).ifPresent(r -> await("the broker holds exactly the limit, ready")
                .until(() -> probe().ready(destination, group).getAsLong() == LIMIT));

        s.consumer().resume();
        await().until(() -> s.received().count() >= LIMIT);
        assertSameMessages(s.ch(), s.received().payloads, IntStream.range(0, LIMIT).mapToObj(i -> "m" + i).toList());
    }

    @Test
    @DisplayName("max age removes messages older than the limit and keeps the fresh ones")
    void maxAgeExpiresOldMessages() throws Exception {
        broker.whyNoMaxAgeExpiry().ifPresent(why -> org.junit.jupiter.api.Assumptions.abort(why));
        Duration maxAge = broker.shortestMaxAge();
        String destination = fresh("maxage");
        Setup s = setUp(destination, BacklogLimit.maxAge(maxAge), Capability.BACKLOG_MAX_AGE,
                broker.name() + " cannot expire old messages");
        for (int i = 0; i < 5; i++) {
            s.ch().producer().send(Message.of("old" + i));
        }
        assertThat(s.ch().producer().flush(broker.patience())).isTrue();
        long sentAt = System.nanoTime();
        // Wait until the broker no longer holds them: they have aged out.
        await().atMost(maxAge.plus(broker.patience())).until(() ->
                System.nanoTime() - sentAt >= maxAge.toNanos()
                        && probe().ready(destination, group).orElse(0) == 0);
        for (int i = 0; i < 5; i++) {
            s.ch().producer().send(Message.of("new" + i));
        }
        assertThat(s.ch().producer().flush(broker.patience())).isTrue();
        s.consumer().resume();
        await().until(() -> s.received().count() >= 5);
        await().during(Duration.ofMillis(300)).until(() -> s.received().count() == 5);
        assertSameMessages(s.ch(), s.received().payloads, List.of("new0", "new1", "new2", "new3", "new4"));
    }
}
