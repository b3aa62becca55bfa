package dev.sluice.channel;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Delivery;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.Sluice;
import dev.sluice.mem.InMemoryBroker;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

/**
 * The official Reactive Streams TCK against the consumer's {@link Flow.Publisher} view on the
 * in-memory adapter (run by the TestNG engine on the JUnit Platform).
 *
 * <p>A consumer's publisher is infinite: it completes when the consumer is closed. For the TCK's
 * "a stream of exactly N elements", each publisher here reads a destination holding N messages
 * and its consumer is closed once the subscriber has seen and acked all N; the acking and the
 * close are what an application does, the signals the TCK checks all come from the consumer.
 * Counts beyond {@code FINITE_LIMIT} get an endless stream fed while it is read.
 */
public class ConsumerPublisherTckTest extends FlowPublisherVerification<Delivery> {

    /** Up to this many elements are sent before subscribing; more means an endless stream. */
    private static final long FINITE_LIMIT = 10_000;

    private final String brokerName = "tck-" + UUID.randomUUID();
    private final List<BackpressureChannel> channels = new CopyOnWriteArrayList<>();

    public ConsumerPublisherTckTest() {
        super(new TestEnvironment(2_000, 500));
    }

    @Override
    public Flow.Publisher<Delivery> createFlowPublisher(long elements) {
        BackpressureChannel ch = Sluice.open(ChannelSpec.of("mem://" + brokerName + "/q-" + UUID.randomUUID())
                .consumer(ConsumerPolicy.pull(16).maxInFlight(64)).closeTimeout(Duration.ofSeconds(5)));
        channels.add(ch);
        boolean endless = elements > FINITE_LIMIT;
        if (endless) {
            feedUntilClosed(ch);
        } else {
            for (long i = 0; i < elements; i++) {
                ch.producer().send(Message.of("m" + i));
            }
        }
        MessageConsumer consumer = ch.consumer("tck");
        Flow.Publisher<Delivery> view = consumer.publisher();
        return subscriber -> view.subscribe(new Flow.Subscriber<>() {
            {
                Objects.requireNonNull(subscriber, "subscriber"); // rule 1.9, before any signal
            }

            private final AtomicLong seen = new AtomicLong();

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscriber.onSubscribe(s);
                if (elements == 0) {
                    CompletableFuture.runAsync(consumer::close);
                }
            }

            @Override
            public void onNext(Delivery d) {
                d.ack();
                subscriber.onNext(d);
                if (!endless && seen.incrementAndGet() == elements) {
                    CompletableFuture.runAsync(consumer::close);
                }
            }

            @Override
            public void onError(Throwable t) {
                subscriber.onError(t);
            }

            @Override
            public void onComplete() {
                subscriber.onComplete();
            }
        });
    }

    /** An endless stream: a daemon thread sends until the channel closes (the buffer bounds it). */
    private static void feedUntilClosed(BackpressureChannel ch) {
        Thread feeder = new Thread(() -> {
            try {
                for (long i = 0; ; i++) {
                    ch.producer().send(Message.of("m" + i));
                }
            } catch (IllegalStateException closed) {
                // the channel closed: the stream ends
            }
        }, "tck-feeder");
        feeder.setDaemon(true);
        feeder.start();
    }

    @Override
    public Flow.Publisher<Delivery> createFailedFlowPublisher() {
        BackpressureChannel ch = Sluice.open("mem://" + brokerName + "/failed-" + UUID.randomUUID());
        channels.add(ch);
        MessageConsumer consumer = ch.consumer("tck");
        consumer.close(); // a closed consumer refuses subscribers with onError
        return consumer.publisher();
    }

    @AfterClass
    public void closeChannels() {
        channels.forEach(BackpressureChannel::close);
        InMemoryBroker.remove(brokerName);
    }
}
