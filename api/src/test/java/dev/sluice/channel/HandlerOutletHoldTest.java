package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.spi.BrokerDelivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link HandlerOutlet#hold()} gives back, by the time it returns, every delivery no handler has
 * taken — also of a run handed to a thread that has not begun it yet (the first run of a thread
 * that is only being started, or a run its thread has just taken off the queue).
 */
class HandlerOutletHoldTest {

    private static final int RUN = 8;

    @Test
    @DisplayName("a run on its way to its thread is given back by the time hold() returns")
    void runInTransitGivenBack() throws Exception {
        // The window between a run's hand-over and its thread beginning it is short: many fresh
        // outlets, each held right after its first run was handed over.
        for (int attempt = 0; attempt < 300; attempt++) {
            AtomicInteger released = new AtomicInteger();
            AtomicInteger handled = new AtomicInteger();
            CountDownLatch finish = new CountDownLatch(1);
            HandlerOutlet outlet = new HandlerOutlet("hold-test", 1, d -> {
                handled.incrementAndGet();
                finish.await();
            }, null);
            try {
                outlet.accept(run(released));
                outlet.hold();
                int releasedAtReturn = released.get();
                // At most one handler started (the gate was read open just before the hold); the rest went back.
                assertThat(releasedAtReturn).as("given back when hold() returned (attempt %d)", attempt)
                        .isGreaterThanOrEqualTo(RUN - 1);
                finish.countDown();
                assertThat(handled.get() + released.get()).as("every delivery handled or given back, once").isLessThanOrEqualTo(RUN);
            } finally {
                finish.countDown();
                outlet.shutdownNow();
            }
        }
    }

    private static List<SettlingDelivery> run(AtomicInteger released) {
        List<SettlingDelivery> run = new ArrayList<>();
        for (int i = 0; i < RUN; i++) {
            run.add(new SettlingDelivery(new Fake("m" + i), ConsumerPolicy.pull(RUN), new SettlingDelivery.Settlement() {
                @Override
                public void acked(long handedOutNanos) {
                }

                @Override
                public void nacked(long handedOutNanos) {
                }

                @Override
                public void deadLettered() {
                }

                @Override
                public void released(boolean signalled) {
                    released.incrementAndGet();
                }

                @Override
                public void retryLater(dev.sluice.RetryLater signal) {
                }
            }));
        }
        return run;
    }

    private record Fake(String id) implements BrokerDelivery {
        @Override
        public Message message() {
            return Message.of(id);
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public void ack() {
        }

        @Override
        public void nack(Duration delay) {
        }

        @Override
        public void release() {
        }

        @Override
        public void deadLetter(String reason) {
        }
    }
}
