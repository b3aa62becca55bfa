package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.Message;
import dev.sluice.ProducerPolicy;
import dev.sluice.SendResult;
import dev.sluice.flow.ManualTicker;
import dev.sluice.flow.Ticker;
import dev.sluice.spi.BrokerSender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gate hands the sender runs: bounded by the send window and the sender's maxRun, settled once per run. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GatedProducerRunsTest {

    /** A sender that answers each run when the test says so, and records what it was handed. */
    private static final class HeldSender implements BrokerSender {
        final List<List<Message>> runs = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<List<SendResult>>> answers = new CopyOnWriteArrayList<>();
        private final int maxRun;

        HeldSender(int maxRun) {
            this.maxRun = maxRun;
        }

        @Override
        public CompletionStage<List<SendResult>> send(List<Message> run) {
            runs.add(List.copyOf(run));
            CompletableFuture<List<SendResult>> answer = new CompletableFuture<>();
            answers.add(answer);
            return answer;
        }

        @Override
        public int maxRun() {
            return maxRun;
        }

        @Override
        public int maxPayloadBytes() {
            return Integer.MAX_VALUE;
        }

        void answer(int run, Function<Message, SendResult> outcome) {
            answers.get(run).complete(runs.get(run).stream().map(outcome).toList());
        }
    }

    private static GatedProducer producer(ProducerPolicy policy, BrokerSender sender) {
        return new GatedProducer("runs", policy, sender, new ListenerSet(), Ticker.system());
    }

    @Test
    @DisplayName("a run never holds more than the free send permits or the sender's maxRun, and a settled run frees its permits")
    void runsAreBoundedByTheWindowAndMaxRun() throws Exception {
        HeldSender sender = new HeldSender(4);
        GatedProducer p = producer(ProducerPolicy.buffer(100).maxInFlight(6), sender);
        p.brokerBlocked(true); // nothing is handed out until all twenty wait in the buffer
        for (int i = 0; i < 20; i++) {
            assertThat(p.send(Message.of("m" + i)).isAccepted()).isTrue();
        }
        p.brokerBlocked(false);
        // The window of 6 fills as a run of 4 (maxRun) and a run of 2; nothing more goes out.
        await().until(() -> sender.runs.size() == 2);
        assertThat(sender.runs.get(0)).hasSize(4);
        assertThat(sender.runs.get(1)).hasSize(2);
        assertThat(p.inFlight()).isEqualTo(6);
        assertThat(p.buffered()).isEqualTo(14);

        sender.answer(0, m -> SendResult.ACCEPTED); // frees 4 permits: one run of 4 goes
        await().until(() -> sender.runs.size() == 3);
        assertThat(sender.runs.get(2)).hasSize(4);
        assertThat(p.inFlight()).isEqualTo(6);
        await("every run answered and confirmed").until(() -> answerAll(sender) && p.counters().confirmed() == 20);
        assertThat(sender.runs).allSatisfy(r -> assertThat(r).hasSizeLessThanOrEqualTo(4));
        List<String> order = new ArrayList<>();
        sender.runs.forEach(r -> r.forEach(m -> order.add(new String(m.payload()))));
        assertThat(order).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "m" + i).toList());
        assertThat(p.flush(Duration.ofSeconds(5))).isTrue();
        assertThat(p.counters().reconciles()).isTrue();
        assertThat(p.counters().confirmed()).isEqualTo(20);
        p.close(Duration.ofSeconds(1));
    }

    @Test
    @DisplayName("only the messages of a run that failed are sent again; the others complete with the run")
    void onlyFailedMessagesAreRetried() throws Exception {
        HeldSender sender = new HeldSender(10);
        GatedProducer p = producer(ProducerPolicy.buffer(100).maxInFlight(10).sendRetries(3), sender);
        p.brokerBlocked(true);
        List<CompletableFuture<SendResult>> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            results.add(p.sendAsync(Message.of("m" + i)).toCompletableFuture());
        }
        p.brokerBlocked(false);
        await().until(() -> sender.runs.size() == 1);
        assertThat(sender.runs.get(0)).hasSize(4);
        int firstRuns = 1;
        sender.answer(0, m -> new String(m.payload()).equals("m2")
                ? SendResult.failed(new IllegalStateException("connection lost")) : SendResult.ACCEPTED);
        await().until(() -> results.get(0).isDone() && results.get(1).isDone() && results.get(3).isDone());
        assertThat(results.get(2)).isNotDone();
        await().until(() -> sender.runs.size() == firstRuns + 1);
        assertThat(sender.runs.get(firstRuns)).extracting(m -> new String(m.payload())).containsExactly("m2");
        assertThat(p.inFlight()).isEqualTo(1);
        sender.answer(firstRuns, m -> SendResult.ACCEPTED);
        assertThat(results.get(2).get(5, TimeUnit.SECONDS).status()).isEqualTo(SendResult.Status.ACCEPTED);
        assertThat(p.flush(Duration.ofSeconds(5))).isTrue();
        assertThat(p.counters().confirmed()).isEqualTo(4);
        assertThat(p.counters().reconciles()).isTrue();
        p.close(Duration.ofSeconds(1));
    }

    @Test
    @DisplayName("while the broker is blocked and nothing is in flight, one message goes out as a probe; never a second while it is out")
    void aBlockedBrokerGetsOneProbeAtATime() throws Exception {
        HeldSender sender = new HeldSender(10);
        ManualTicker ticker = new ManualTicker();
        GatedProducer p = new GatedProducer("probe", ProducerPolicy.buffer(100).maxInFlight(10).sendRetries(0),
                sender, new ListenerSet(), ticker);
        p.brokerBlocked(true); // a broker that says it is over only by accepting a send again
        for (int i = 0; i < 5; i++) {
            p.send(Message.of("m" + i));
        }
        long blockedAt = ticker.nanoTime();
        await().until(() -> sender.runs.size() == 1);
        assertThat(ticker.nanoTime() - blockedAt).as("the probe waited its second").isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
        assertThat(sender.runs.get(0)).extracting(m -> new String(m.payload())).containsExactly("m0");
        await().during(Duration.ofMillis(300)).until(() -> sender.runs.size() == 1); // one probe out: no other
        sender.answer(0, m -> SendResult.failed(new IllegalStateException("throttled")));
        await().until(() -> sender.runs.size() == 2); // refused: the next probe a second later
        sender.answer(1, m -> SendResult.ACCEPTED);
        p.brokerBlocked(false); // what the adapter reports on an accepted send
        await("the rest sent and answered").until(() -> answerAll(sender) && p.buffered() == 0 && p.inFlight() == 0);
        assertThat(p.flush(Duration.ofSeconds(5))).isTrue();
        assertThat(p.counters().confirmed()).isEqualTo(4);
        assertThat(p.counters().failed()).isEqualTo(1);
        assertThat(p.counters().reconciles()).isTrue();
        p.close(Duration.ofSeconds(1));
    }

    /** Accepts every run not answered yet; @return true, to be used in an await condition. */
    private static boolean answerAll(HeldSender sender) {
        for (int run = 0; run < sender.answers.size(); run++) {
            if (!sender.answers.get(run).isDone()) {
                sender.answer(run, m -> SendResult.ACCEPTED);
            }
        }
        return true;
    }
}
