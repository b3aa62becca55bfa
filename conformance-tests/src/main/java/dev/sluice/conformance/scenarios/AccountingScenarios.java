package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.BacklogLimit;
import dev.sluice.Capability;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.PressureState;
import dev.sluice.conformance.EventRecorder;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * Family 23: accounting under drop-oldest trimming and at scale. A producer outruns a slow
 * consumer of one group while the broker trims the backlog, so that the trim catches messages
 * still waiting and messages already in a handler; some messages fail every attempt and go to
 * the dead letter. At rest every message is accounted for exactly once:
 * {@code sent = accepted + refused} and {@code accepted = handled + dropped + dead-lettered},
 * and no message is both handled and dropped. Sizes scale with {@code -Dsluice.kit.scale}.
 */
public abstract class AccountingScenarios extends ScenarioFamily {

    /** Every message whose number leaves this remainder fails every attempt and is dead-lettered. */
    private static final int POISON_EVERY = 50;
    private static final int POISON_AT = 7;

    protected AccountingScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("exact drop-oldest trimming: accepted = handled + dropped + dead-lettered, none both handled and dropped")
    void exactTrimmingAccountsForEveryMessage(TestReporter reporter) throws Exception {
        accountsForEveryMessage(BacklogLimit.maxLength(100).dropOldest().exact(), reporter);
    }

    @Test
    @DisplayName("approximate drop-oldest trimming: accepted = handled + dropped + dead-lettered, none both handled and dropped")
    void approximateTrimmingAccountsForEveryMessage(TestReporter reporter) throws Exception {
        accountsForEveryMessage(BacklogLimit.maxLength(500).dropOldest(), reporter);
    }

    private void accountsForEveryMessage(BacklogLimit limit, TestReporter reporter) throws Exception {
        int sent = scaled(5_000);
        String destination = fresh("accounting");
        String deadLetter = fresh("accounting-dlq");
        BackpressureChannel ch = open(spec(destination).backlog(limit)
                .consumer(ConsumerPolicy.pull(10).maxInFlight(20).concurrency(4).maxAttempts(2)
                        .redeliveryDelay(Duration.ofMillis(20)).deadLetter(deadLetter)));
        assumeCapability(ch, Capability.BACKLOG_DROP_OLDEST, broker.name() + " cannot drop the oldest messages of a backlog");
        EventRecorder recorder = new EventRecorder();
        ch.addListener(recorder);

        // The first deliveries wait in their handlers while the producer fills the backlog past
        // its limit, so that the trim reaches messages a handler already holds.
        CountDownLatch gate = new CountDownLatch(1);
        Received handled = new Received();
        ch.consumer(group).start(d -> {
            gate.await();
            String text = d.message().payloadAsString();
            if (Integer.parseInt(text.substring(1)) % POISON_EVERY == POISON_AT) {
                throw new IllegalStateException("poison " + text);
            }
            LockSupport.parkNanos(200_000); // the handler's own work, slower than the producer: not a wait for anything
            handled.handle(d);
        });
        // Half the messages reach the broker while the handlers wait: far past the limit, so the
        // trim certainly comes; the other half while the slow consumer runs.
        for (int i = 0; i < sent; i++) {
            ch.producer().send(Message.of("m" + i));
            if (i == sent / 2) {
                assertThat(ch.producer().flush(broker.patience())).as("the first half answered").isTrue();
                gate.countDown();
            }
        }
        assertThat(ch.producer().flush(broker.patience())).as("every send answered").isTrue();

        // At rest: nothing in a handler, nothing unacknowledged at the broker, no count moving.
        AtomicReference<List<Long>> last = new AtomicReference<>(List.of());
        await("the consumer at rest").during(Duration.ofMillis(500)).until(() -> {
            List<Long> now = settledCounts(ch);
            return now.equals(last.getAndSet(now)) && atRest(ch, destination);
        });

        PressureState p = ch.pressure();
        PressureState.ProducerCounters producer = p.producer();
        long accepted = producer.confirmed();
        long refused = producer.failed() + producer.dropped() + producer.rejected();
        assertThat(producer.offered()).as("every send counted").isEqualTo(sent);
        assertThat(producer.inFlight() + producer.buffered()).as("nothing left in the producer").isZero();
        assertThat(producer.offered()).as("sent = accepted + refused").isEqualTo(accepted + refused);

        long dropped = p.brokerDropped();
        long deadLettered = p.consumer().deadLettered();
        String figures = "sent " + sent + ", accepted " + accepted + ", handled " + handled.count() + " (distinct "
                + handled.distinct().size() + "), dropped " + dropped + ", dead-lettered " + deadLettered;
        reporter.publishEntry("accounting", figures);
        assertThat(dropped).as("the backlog limit was reached: " + figures).isPositive();
        assertThat(handled.duplicates()).as("each message handled once, with no fault: " + figures).isZero();
        assertThat(p.consumer().acked()).as("handled = acked: " + figures).isEqualTo(handled.count());
        Set<String> both = new HashSet<>(recorder.dropped);
        both.retainAll(handled.distinct());
        assertThat(both).as("no message both handled and reported dropped: " + figures).isEmpty();
        assertThat(handled.count() + dropped + deadLettered)
                .as("accepted = handled + dropped + dead-lettered, exactly: " + figures)
                .isEqualTo(accepted);
    }

    /**
     * Nothing left to deliver (the backlog as the channel reads it from the broker), nothing in a
     * handler, nothing unacknowledged at the broker. Without the backlog, a consumer still joining
     * its group (Kafka) looks at rest before it has received anything.
     */
    private boolean atRest(BackpressureChannel ch, String destination) {
        return ch.pressure().backlog() == 0 && ch.pressure().consumerInFlight() == 0
                && probe().unacked(destination, group).orElse(0) == 0;
    }

    private static List<Long> settledCounts(BackpressureChannel ch) {
        PressureState p = ch.pressure();
        return List.of(p.consumer().received(), p.consumer().acked(), p.consumer().deadLettered(), p.brokerDropped());
    }
}
