package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.PressureState;
import dev.sluice.ProducerPolicy;
import dev.sluice.conformance.EventRecorder;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import dev.sluice.flow.DropReason;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 17: on close, buffered messages are sent or reported, in-flight handlers finish and ack. */
public abstract class GracefulCloseScenarios extends ScenarioFamily {

    protected GracefulCloseScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("sends everything still buffered before it closes")
    void sendsBufferedOnClose() throws Exception {
        int n = scaled(200);
        String destination = fresh("close");
        BackpressureChannel ch = open(spec(destination).producer(ProducerPolicy.buffer(n).maxInFlight(5)));
        BackpressureChannel reader = open(spec(destination));
        Received received = new Received();
        reader.consumer(group).start(received);
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        ch.close();
        PressureState.ProducerCounters c = ch.pressure().producer();
        assertThat(c.confirmed()).isEqualTo(n);
        assertThat(c.buffered()).isZero();
        await().until(() -> received.distinct().size() == n);
    }

    @Test
    @DisplayName("lets a running handler finish and ack before it closes, so nothing is delivered again")
    void runningHandlerFinishesAndAcks() throws Exception {
        String destination = fresh("drain");
        BackpressureChannel ch = open(spec(destination));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        ch.consumer(group).start(d -> {
            started.countDown();
            finish.await();
        });
        ch.producer().send(Message.of("slow"));
        await().until(() -> started.getCount() == 0);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(ch::close);
        await().during(Duration.ofMillis(200)).until(() -> !closing.isDone());
        finish.countDown();
        closing.get();
        assertThat(ch.pressure().consumer().acked()).isEqualTo(1);
        probe().unacked(destination, group).ifPresent(u -> assertThat(probe().unacked(destination, group).getAsLong()).isZero());

        BackpressureChannel again = open(spec(destination));
        Received redelivered = new Received();
        again.consumer(group).start(redelivered);
        await().during(Duration.ofMillis(500)).until(() -> redelivered.count() == 0);
    }

    @Test
    @DisplayName("reports what it could not send before the close timeout, and the counters reconcile")
    void reportsUnsentOnClose() throws Exception {
        assumeFault(Fault.STALL);
        BackpressureChannel ch = open(spec(fresh("unsent")).closeTimeout(Duration.ofMillis(200))
                .producer(ProducerPolicy.buffer(20).maxInFlight(2).sendRetries(0))
                .consumer(ConsumerPolicy.defaults()));
        EventRecorder recorder = new EventRecorder();
        ch.addListener(recorder);
        Received received = new Received();
        ch.consumer(group).start(received);
        ProducerBlockScenarios.warmUp(ch, received);
        broker.inject(Fault.STALL);
        for (int i = 0; i < 10; i++) {
            ch.producer().send(Message.of("m" + i));
        }
        ch.close();
        PressureState.ProducerCounters c = ch.pressure().producer();
        assertThat(c.reconciles()).isTrue();
        assertThat(c.buffered()).isZero();
        long unsent = recorder.dropReasons.stream().filter(r -> r == DropReason.UNSENT_AT_CLOSE).count();
        assertThat(unsent).isEqualTo(10 - 2);
        assertThat(c.dropped()).isEqualTo(unsent);
        assertThat(c.inFlight() + c.failed() + c.confirmed()).as("the two held by the broker").isEqualTo(1 + 2);
    }
}
