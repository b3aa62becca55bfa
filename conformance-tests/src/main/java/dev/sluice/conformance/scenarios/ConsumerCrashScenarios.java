package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.Received;
import dev.sluice.conformance.ScenarioFamily;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Family 11: unacked messages of a consumer that dies reach another member of the group. */
public abstract class ConsumerCrashScenarios extends ScenarioFamily {

    protected ConsumerCrashScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("the unacked messages of a member whose handlers hang and whose connection goes reach another member")
    void unackedReachAnotherMember() throws Exception {
        int n = 5;
        String destination = fresh("crash");
        // A handler thread per message: every one of them is in a hung handler, none merely waiting.
        ChannelSpec crashSpec = spec(destination).consumer(ConsumerPolicy.pull(n).maxInFlight(n).concurrency(n));
        BackpressureChannel survivor = open(crashSpec);
        BackpressureChannel doomed = open(crashSpec.closeTimeout(Duration.ofMillis(50)));
        CountDownLatch never = closeLater(new Latch()).latch;
        doomed.consumer(group).start(d -> never.await());
        for (int i = 0; i < n; i++) {
            survivor.producer().send(Message.of("m" + i));
        }
        await().until(() -> doomed.pressure().consumerInFlight() == n);
        probe().unacked(destination, group).ifPresent(u ->
                await().until(() -> probe().unacked(destination, group).getAsLong() == n));

        doomed.close(); // gives up on the hung handlers and drops its connection, as a crash does
        Received rescued = new Received();
        survivor.consumer(group).start(rescued);
        await().until(() -> rescued.distinct().size() == n);
        assertThat(rescued.attempts).allMatch(a -> !a.endsWith("@1"), "redelivered, so not a first attempt");
    }

    /** Releases a hung handler when the test ends. */
    private static final class Latch implements AutoCloseable {
        final CountDownLatch latch = new CountDownLatch(1);

        @Override
        public void close() {
            latch.countDown();
        }
    }
}
