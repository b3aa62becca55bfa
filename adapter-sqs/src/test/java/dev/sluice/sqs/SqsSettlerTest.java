package dev.sluice.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.Sluice;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import dev.sluice.conformance.proxy.HttpFaultProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Settlements off the handler thread, against ElasticMQ behind the kit's HTTP front, which holds
 * the {@code DeleteMessageBatch} requests it is told to: what SQS itself then holds is checked
 * with a client that goes to the server directly.
 */
class SqsSettlerTest {

    private static final String DELETES = "AmazonSQS.DeleteMessageBatch";

    private final ProvisionedBroker sqs = BrokerProvisioner.shared(BrokerKind.SQS);
    private HttpFaultProxy front;
    private SqsClient direct;
    private SqsClient viaFront;
    private String queue;
    private String url;

    @BeforeEach
    void setUp() throws Exception {
        front = HttpFaultProxy.start(sqs.host(), sqs.port());
        queue = "sluice-settle-" + UUID.randomUUID().toString().substring(0, 8);
        direct = SqsEndpoint.of(ChannelSpec.of("sqs://" + sqs.host() + ":" + sqs.port() + "/" + queue)).client(Duration.ofSeconds(5));
        viaFront = SqsEndpoint.of(ChannelSpec.of("sqs://" + front.host() + ":" + front.port() + "/" + queue)).client(Duration.ofSeconds(5));
        url = direct.createQueue(r -> r.queueName(queue)).queueUrl();
    }

    @AfterEach
    void tearDown() {
        viaFront.close();
        direct.close();
        front.close();
    }

    /** @return receipt handles of {@code n} messages sent and received (invisible for 60 s) */
    private List<String> received(int n) {
        for (int i = 0; i < n; i++) {
            int k = i;
            direct.sendMessage(r -> r.queueUrl(url).messageBody("m" + k));
        }
        List<String> receipts = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            direct.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).visibilityTimeout(60))
                    .messages().forEach(m -> receipts.add(m.receiptHandle()));
            return receipts.size() == n;
        });
        return receipts;
    }

    private long held(QueueAttributeName name) {
        return Long.parseLong(direct.getQueueAttributes(r -> r.queueUrl(url).attributeNames(name)).attributes().get(name));
    }

    @Test
    @DisplayName("a delete SQS does not answer within the attempt timeout is sent again, and the message is gone from SQS")
    void unansweredDeleteIsRetried() {
        String receipt = received(1).get(0);
        front.answer(DELETES, HttpFaultProxy.Answer.delay(Duration.ofSeconds(10)));
        AtomicInteger done = new AtomicInteger();
        try (SqsSettler settler = new SqsSettler(viaFront, url, Duration.ofSeconds(1), queue)) {
            settler.delete(receipt, done::incrementAndGet);
            await().atMost(Duration.ofSeconds(5)).until(() -> settler.requests() == 1);
            front.relayAll(); // the attempt under way stays held; the next one is relayed
            await().atMost(Duration.ofSeconds(4)).until(() -> done.get() == 1);
            assertThat(settler.answered()).isEqualTo(1);
            assertThat(settler.givenUp()).isZero();
            assertThat(settler.requests()).as("attempts").isEqualTo(2);
        }
        assertThat(held(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).as("invisible on SQS").isZero();
        assertThat(held(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).as("visible on SQS").isZero();
    }

    @Test
    @DisplayName("acks that queue while a request is out go in the next requests, at most 10 to a DeleteMessageBatch")
    void queuedAcksAreMerged() {
        List<String> receipts = received(25);
        front.answer(DELETES, HttpFaultProxy.Answer.delay(Duration.ofMillis(500)));
        AtomicInteger done = new AtomicInteger();
        try (SqsSettler settler = new SqsSettler(viaFront, url, Duration.ofSeconds(5), queue)) {
            settler.delete(receipts.get(0), done::incrementAndGet);
            await().atMost(Duration.ofSeconds(5)).until(() -> settler.requests() == 1);
            receipts.subList(1, 25).forEach(r -> settler.delete(r, done::incrementAndGet));
            await().atMost(Duration.ofSeconds(10)).until(() -> done.get() == 25);
            assertThat(settler.answered()).isEqualTo(25);
            assertThat(settler.requests()).as("requests: the first, then 10 + 10 + 4").isEqualTo(4);
        }
        assertThat(held(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).as("invisible on SQS").isZero();
    }

    @Test
    @DisplayName("a delete never answered is given up after three bounded attempts, and the message stays on SQS to come back")
    void deleteNeverAnsweredIsGivenUp() {
        String receipt = received(1).get(0);
        front.answer(DELETES, HttpFaultProxy.Answer.delay(Duration.ofSeconds(30)));
        AtomicInteger done = new AtomicInteger();
        try (SqsSettler settler = new SqsSettler(viaFront, url, Duration.ofMillis(300), queue)) {
            settler.delete(receipt, done::incrementAndGet);
            await().atMost(Duration.ofSeconds(5)).until(() -> done.get() == 1);
            assertThat(settler.givenUp()).isEqualTo(1);
            assertThat(settler.answered()).isZero();
            assertThat(settler.requests()).as("attempts").isEqualTo(SqsSettler.MAX_ATTEMPTS);
        }
        assertThat(held(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).as("still held by SQS").isEqualTo(1);
    }

    @Test
    @DisplayName("a visibility change outside 0..43200 seconds is refused, naming the value")
    void badVisibilityIsRefused() {
        try (SqsSettler settler = new SqsSettler(viaFront, url, Duration.ofSeconds(1), queue)) {
            assertThatThrownBy(() -> settler.changeVisibility("r", 43_201, () -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seconds (43201)");
        }
        assertThatThrownBy(() -> new SqsSettler(viaFront, url, Duration.ZERO, queue))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attemptTimeout (PT0S)");
    }

    @Test
    @DisplayName("while deletes wait for SQS the consumer holds no more than the cap, as SQS counts, and every message is deleted")
    void inFlightCapHoldsWhileDeletesWait() {
        String uri = "sqs://" + front.host() + ":" + front.port() + "/" + queue + "?region=us-east-1&visibilityTimeout=30";
        LongAccumulator mostInvisible = new LongAccumulator(Math::max, 0);
        int cap = 2;
        int n = 12;
        try (BackpressureChannel ch = Sluice.open(ChannelSpec.of(uri).consumer(ConsumerPolicy.pull(1).maxInFlight(cap)))) {
            for (int i = 0; i < n; i++) {
                direct.sendMessage(r -> r.queueUrl(url).messageBody("m"));
            }
            front.answer(DELETES, HttpFaultProxy.Answer.delay(Duration.ofMillis(400)));
            AtomicInteger handled = new AtomicInteger();
            ch.consumer("g").start(d -> handled.incrementAndGet());
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                mostInvisible.accumulate(held(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
                return ch.pressure().consumer().acked() == n
                        && held(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE) == 0
                        && held(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES) == 0;
            });
            assertThat(handled.get()).isEqualTo(n);
        }
        assertThat(mostInvisible.get()).as("most messages SQS held invisible at once").isBetween(1L, (long) cap);
    }
}
