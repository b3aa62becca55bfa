package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.ProducerPolicy;
import dev.sluice.SendResult;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 16: a connection cut or broker restart mid-stream loses nothing; duplicates are bounded by the in-flight caps. */
public abstract class ConnectionFaultScenarios extends ScenarioFamily {

    private static final int PRODUCER_IN_FLIGHT = 5;
    private static final int CONSUMER_IN_FLIGHT = 5;

    protected ConnectionFaultScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("loses nothing when every connection is cut mid-stream, and repeats at most what was in flight")
    void survivesConnectionCut() throws Exception {
        runThrough(Fault.CUT_CONNECTIONS);
    }

    @Test
    @DisplayName("loses nothing when the broker restarts mid-stream, and repeats at most what was in flight")
    void survivesBrokerRestart() throws Exception {
        runThrough(Fault.RESTART);
    }

    @Test
    @DisplayName("health is DOWN with the cause while the broker does not answer, and not DOWN once it answers again")
    void healthFollowsReachability() throws Exception {
        healthThrough(Fault.STALL);
    }

    @Test
    @DisplayName("health is DOWN with the cause while a restarting broker is down, and not DOWN once it is back")
    void healthFollowsRestart() throws Exception {
        healthThrough(Fault.RESTART);
    }

    /**
     * Injects the fault and holds it: health must go DOWN with the cause the listeners got and a
     * Retry-After, stay DOWN while the fault lasts, and leave DOWN once healed, the channel then
     * sending and receiving again; listeners hear of the outage once and of the return once.
     */
    private void healthThrough(Fault fault) throws Exception {
        assumeFault(fault);
        String destination = fresh("reach");
        BackpressureChannel ch = open(spec(destination));
        List<String> events = new CopyOnWriteArrayList<>();
        List<String> causes = new CopyOnWriteArrayList<>();
        ch.addListener(new dev.sluice.PressureListener() {
            @Override
            public void onBrokerUnreachable(String cause) {
                causes.add(cause);
                events.add("unreachable");
            }

            @Override
            public void onBrokerReachable() {
                events.add("reachable");
            }
        });
        Received received = new Received();
        ch.consumer(group).start(received);
        await("UP before the fault").until(() -> ch.health().state() == dev.sluice.HealthStatus.State.UP);
        broker.inject(fault);
        await("DOWN while the broker does not answer").until(() -> ch.health().state() == dev.sluice.HealthStatus.State.DOWN);
        dev.sluice.HealthStatus down = ch.health();
        // Health turns DOWN before the listeners are called (a listener that reads health sees the
        // outage), so the call to them may still be under way here.
        await("the outage told to listeners").until(() -> !causes.isEmpty());
        // The cause in health is the latest the adapter gave; listeners hear the first.
        assertThat(down.detail()).as("the cause in health").matches("(?s).*cannot be reached: \\S.*");
        assertThat(causes).as("the cause told to listeners").hasSize(1).allMatch(c -> !c.isBlank());
        assertThat(ch.retryAfter()).as("a Retry-After for callers refused meanwhile").isPresent();
        assertThat(events).as("no return told while the broker is still down").containsExactly("unreachable");
        broker.heal(fault);
        await("not DOWN once it answers again").until(() -> ch.health().state() != dev.sluice.HealthStatus.State.DOWN);
        await("both transitions told to listeners").until(() -> events.equals(List.of("unreachable", "reachable")));
        assertThat(ch.producer().send(Message.of("after")).isAccepted()).as("a send after the broker is back").isTrue();
        await("the channel receives again").until(() -> received.distinct().contains("after"));
    }

    private void runThrough(Fault fault) throws Exception {
        assumeFault(fault);
        int n = scaled(200);
        BackpressureChannel ch = open(spec(fresh("fault"))
                .producer(ProducerPolicy.buffer(50).maxInFlight(PRODUCER_IN_FLIGHT).onOverflow(Overflow.block(broker.patience())))
                .consumer(ConsumerPolicy.pull(CONSUMER_IN_FLIGHT).maxInFlight(CONSUMER_IN_FLIGHT)));
        Received received = new Received();
        ch.consumer(group).start(received);
        List<SendResult> results = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < n; i++) {
                results.add(ch.producer().send(Message.of("m" + i)));
            }
        });
        await().until(() -> received.count() >= n / 4);
        broker.inject(fault);
        broker.heal(fault);
        producer.get(broker.patience().toMillis(), TimeUnit.MILLISECONDS);
        assertThat(results).hasSize(n).allMatch(r -> r.status() == SendResult.Status.ACCEPTED);
        assertThat(ch.producer().flush(broker.patience())).as("every send confirmed after the fault").isTrue();

        await().until(() -> received.distinct().size() == n);
        assertThat(ch.pressure().producer().failed()).as("sends lost").isZero();
        assertThat(received.duplicates()).as("duplicates").isLessThanOrEqualTo(PRODUCER_IN_FLIGHT + CONSUMER_IN_FLIGHT);
    }
}
