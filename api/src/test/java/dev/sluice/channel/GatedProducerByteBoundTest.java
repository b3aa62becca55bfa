package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.PressureListener;
import dev.sluice.PressureState;
import dev.sluice.ProducerPolicy;
import dev.sluice.SendResult;
import dev.sluice.Sluice;
import dev.sluice.flow.DropReason;
import dev.sluice.mem.InMemoryBroker;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The producer's byte bound, through a channel on the in-memory broker. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatedProducerByteBoundTest {

    private static final Duration BOUND = Duration.ofSeconds(20);

    private final String brokerName = "bytes-" + UUID.randomUUID();
    private final InMemoryBroker broker = InMemoryBroker.named(brokerName);

    @AfterEach
    void removeBroker() {
        broker.unstall();
        InMemoryBroker.remove(brokerName);
    }

    private static Message kib(int i) {
        return Message.of(new byte[1_024]).key("k" + i);
    }

    @Test
    @DisplayName("drops the oldest by bytes long before the count is reached, counts the bytes, and the counters reconcile")
    void dropOldestByBytes() throws Exception {
        long footprint = ProducerPolicy.footprint(kib(0));
        assertThat(footprint).isGreaterThan(1_024 + 16);
        long maxBytes = 5 * footprint + footprint / 2; // room for five, not six
        List<DropReason> drops = new CopyOnWriteArrayList<>();
        ChannelSpec spec = ChannelSpec.of("mem://" + brokerName + "/q").closeTimeout(Duration.ofSeconds(5))
                .producer(ProducerPolicy.buffer(1_000).maxBytes(maxBytes).maxInFlight(1).onOverflow(Overflow.dropOldest()));
        try (BackpressureChannel ch = Sluice.open(spec)) {
            ch.addListener(new PressureListener() {
                @Override
                public void onDropped(Message message, DropReason reason) {
                    drops.add(reason);
                }
            });
            broker.stall();
            ch.producer().send(kib(0));
            await().atMost(BOUND).until(() -> ch.pressure().producerInFlight() == 1);
            for (int i = 1; i <= 20; i++) {
                assertThat(ch.producer().send(kib(i)).isAccepted()).isTrue();
            }
            PressureState.ProducerCounters c = ch.pressure().producer();
            assertThat(c.buffered()).isEqualTo(5);
            assertThat(c.bufferedBytes()).isEqualTo(5 * footprint).isLessThanOrEqualTo(maxBytes);
            assertThat(c.dropped()).isEqualTo(15);
            assertThat(drops).hasSize(15).containsOnly(DropReason.OVERFLOW_OLDEST);
            assertThat(c.reconciles()).isTrue();
            broker.unstall();
            assertThat(ch.producer().flush(BOUND)).isTrue();
            assertThat(ch.pressure().producer().bufferedBytes()).isZero();
        }
    }

    @Test
    @DisplayName("blocks by bytes, and refuses a message bigger than the whole bound as TOO_LARGE")
    void blockByBytes() throws Exception {
        long footprint = ProducerPolicy.footprint(kib(0));
        ChannelSpec spec = ChannelSpec.of("mem://" + brokerName + "/q").closeTimeout(Duration.ofSeconds(5))
                .producer(ProducerPolicy.buffer(1_000).maxBytes(2 * footprint).maxInFlight(1)
                        .onOverflow(Overflow.block(Duration.ofMillis(50))));
        try (BackpressureChannel ch = Sluice.open(spec)) {
            broker.stall();
            ch.producer().send(kib(0));
            await().atMost(BOUND).until(() -> ch.pressure().producerInFlight() == 1);
            assertThat(ch.producer().send(kib(1)).status()).isEqualTo(SendResult.Status.ACCEPTED);
            assertThat(ch.producer().send(kib(2)).status()).isEqualTo(SendResult.Status.ACCEPTED);
            assertThat(ch.producer().send(kib(3)).status()).isEqualTo(SendResult.Status.TIMED_OUT);
            assertThat(ch.producer().send(Message.of(new byte[(int) (3 * footprint)])).status())
                    .isEqualTo(SendResult.Status.TOO_LARGE);
            assertThat(ch.pressure().producer().reconciles()).isTrue();
            broker.unstall();
            assertThat(ch.producer().flush(BOUND)).isTrue();
        }
    }

    @Test
    @DisplayName("the footprint counts payload, key and headers on top of a fixed overhead")
    void footprintCountsEverything() {
        long bare = ProducerPolicy.footprint(Message.of(new byte[0]));
        assertThat(bare).isGreaterThanOrEqualTo(128);
        assertThat(ProducerPolicy.footprint(Message.of(new byte[1_000]))).isEqualTo(bare + 1_000);
        assertThat(ProducerPolicy.footprint(Message.of(new byte[0]).key("abcdefgh"))).isEqualTo(bare + 24 + 24);
        assertThat(ProducerPolicy.footprint(Message.of(new byte[0]).header("a", "b")))
                .isGreaterThan(bare + 2 * (24 + 24) + 40);
    }
}
