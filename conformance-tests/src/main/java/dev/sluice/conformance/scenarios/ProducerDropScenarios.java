package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.PressureState;
import dev.sluice.ProducerPolicy;
import dev.sluice.SendResult;
import dev.sluice.conformance.EventRecorder;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import dev.sluice.flow.DropReason;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Family 3: drop newest / oldest / random / by priority while the broker stalls: exact counts,
 * the right survivors, every drop reported.
 */
public abstract class ProducerDropScenarios extends ScenarioFamily {

    private static final int CAPACITY = 10;
    private static final int IN_FLIGHT = 2;
    private static final int OFFERED = 30;

    protected ProducerDropScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    /** What one run under a stall left: the send results, the drops reported, what arrived afterwards. */
    private record Outcome(BackpressureChannel channel, List<SendResult> results, EventRecorder recorder, Received received,
                           PressureState pressure) {
    }

    /**
     * Sends two messages that the stalled broker holds in flight, then {@code OFFERED} more into
     * a buffer of {@code CAPACITY}; heals the stall and collects what arrives.
     */
    private Outcome runUnderStall(Overflow overflow, boolean priorities) throws Exception {
        assumeFault(Fault.STALL);
        BackpressureChannel ch = open(spec(fresh("drop"))
                .producer(ProducerPolicy.buffer(CAPACITY).maxInFlight(IN_FLIGHT).onOverflow(overflow))
                .consumer(ConsumerPolicy.pull(10).maxInFlight(50)));
        EventRecorder recorder = new EventRecorder();
        ch.addListener(recorder);
        Received received = new Received();
        ch.consumer(group).start(received);
        ProducerBlockScenarios.warmUp(ch, received);
        await().until(() -> received.count() == 1);

        broker.inject(Fault.STALL);
        for (int i = 0; i < IN_FLIGHT; i++) {
            ch.producer().send(Message.of("held" + i));
        }
        await().until(() -> ch.pressure().producerInFlight() == IN_FLIGHT);
        List<SendResult> results = new ArrayList<>();
        for (int i = 0; i < OFFERED; i++) {
            Message m = Message.of("m" + i);
            results.add(ch.producer().send(priorities ? m.priority(i % 5) : m));
        }
        assertThat(ch.pressure().buffered()).isEqualTo(CAPACITY);

        broker.heal(Fault.STALL);
        await().until(() -> received.count() == 1 + IN_FLIGHT + CAPACITY);
        assertThat(ch.producer().flush(broker.patience())).isTrue();
        return new Outcome(ch, results, recorder, received, ch.pressure());
    }

    private static List<String> survivors(Outcome o) {
        return o.received().payloads.stream().filter(p -> p.startsWith("m")).toList();
    }

    private static void assertEveryDropReported(Outcome o, DropReason reason) {
        int dropped = OFFERED - CAPACITY;
        assertThat(o.recorder().dropped).hasSize(dropped);
        assertThat(o.recorder().dropReasons).containsOnly(reason);
        Set<String> all = new HashSet<>(survivors(o));
        all.addAll(o.recorder().dropped);
        assertThat(all).as("every offered message either arrived or was reported dropped")
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, OFFERED).mapToObj(i -> "m" + i).toList());
        assertThat(o.pressure().producer().dropped()).isEqualTo(dropped);
        assertThat(o.pressure().producer().reconciles()).isTrue();
        assertThat(o.received().duplicates()).isZero();
    }

    @Test
    @DisplayName("drop newest keeps the first arrivals and refuses the rest, reporting each")
    void dropNewest() throws Exception {
        Outcome o = runUnderStall(Overflow.dropNewest(), false);
        assertSameMessages(o.channel(), survivors(o), IntStream.range(0, CAPACITY).mapToObj(i -> "m" + i).toList());
        assertThat(o.results().subList(CAPACITY, OFFERED)).allMatch(r -> r.status() == SendResult.Status.REJECTED
                && r.dropReason() == DropReason.OVERFLOW_NEWEST, "REJECTED(OVERFLOW_NEWEST): a policy drop, not a refusal");
        assertEveryDropReported(o, DropReason.OVERFLOW_NEWEST);
    }

    @Test
    @DisplayName("drop oldest keeps the last arrivals, in order, and reports each one evicted")
    void dropOldest() throws Exception {
        Outcome o = runUnderStall(Overflow.dropOldest(), false);
        assertSameMessages(o.channel(), survivors(o), IntStream.range(OFFERED - CAPACITY, OFFERED).mapToObj(i -> "m" + i).toList());
        assertThat(o.results().subList(CAPACITY, OFFERED)).allMatch(r -> r.status() == SendResult.Status.DISPLACED);
        assertThat(o.recorder().dropped).containsExactlyElementsOf(IntStream.range(0, OFFERED - CAPACITY).mapToObj(i -> "m" + i).toList());
        assertEveryDropReported(o, DropReason.OVERFLOW_OLDEST);
    }

    @Test
    @DisplayName("drop random keeps exactly the capacity, in arrival order, and reports each one dropped")
    void dropRandom() throws Exception {
        Outcome o = runUnderStall(Overflow.dropRandom(), false);
        List<Integer> kept = survivors(o).stream().map(s -> Integer.parseInt(s.substring(1))).toList();
        assertThat(kept).hasSize(CAPACITY);
        if (o.channel().capabilities().contains(dev.sluice.Capability.PER_KEY_ORDER)) {
            assertThat(kept).as("survivors keep their order").isSorted();
        }
        assertEveryDropReported(o, DropReason.OVERFLOW_RANDOM);
    }

    @Test
    @DisplayName("drop by priority keeps the highest priorities, sends them first, and reports each one dropped")
    void dropByPriority() throws Exception {
        Outcome o = runUnderStall(Overflow.dropByPriority(), true);
        List<Integer> keptPriorities = survivors(o).stream().map(s -> Integer.parseInt(s.substring(1)) % 5).toList();
        List<Integer> droppedPriorities = o.recorder().dropped.stream().map(s -> Integer.parseInt(s.substring(1)) % 5).toList();
        if (o.channel().capabilities().contains(dev.sluice.Capability.PER_KEY_ORDER)) {
            assertThat(keptPriorities).as("highest priority sent first").isSortedAccordingTo((a, b) -> b - a);
        }
        assertThat(keptPriorities.stream().mapToInt(Integer::intValue).min().orElseThrow())
                .as("no survivor has a lower priority than a dropped message")
                .isGreaterThanOrEqualTo(droppedPriorities.stream().mapToInt(Integer::intValue).max().orElseThrow());
        assertEveryDropReported(o, DropReason.OVERFLOW_PRIORITY);
    }
}
