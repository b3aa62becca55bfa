package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The README's quickstart, as written there, runs. */
class QuickstartTest {

    @Test
    @DisplayName("the README quickstart opens a channel, sends, consumes and reports")
    void quickstartRuns() {
        List<String> printed = new CopyOnWriteArrayList<>();
        ChannelSpec spec = ChannelSpec.of("mem://demo/orders")
                .producer(ProducerPolicy.buffer(10_000).softLimit(8_000)
                        .onOverflow(Overflow.block(Duration.ofSeconds(2)))
                        .rateLimit(RateLimit.tokenBucket(5_000).burst(500)))
                .consumer(ConsumerPolicy.pull(50).maxInFlight(200).pauseAt(0.8).resumeAt(0.4).maxAttempts(5))
                .backlog(BacklogLimit.maxLength(1_000_000).dropOldest());

        try (BackpressureChannel ch = Sluice.open(spec)) {
            SendResult r = ch.producer().send(Message.of("hello").key("customer-17").priority(7));
            assertThat(r).isEqualTo(SendResult.ACCEPTED);

            ch.consumer("billing").start(delivery -> printed.add(delivery.message().payloadAsString()));
            await().atMost(Duration.ofSeconds(10)).until(() -> printed.contains("hello"));

            PressureState p = ch.pressure();
            HealthStatus h = ch.health();
            assertThat(p.producer().offered()).isEqualTo(1);
            assertThat(h.state()).isEqualTo(HealthStatus.State.UP);
            assertThat(ch.mapping()).isNotEmpty();
        }
    }
}
