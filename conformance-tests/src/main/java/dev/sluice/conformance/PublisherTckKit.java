package dev.sluice.conformance;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Delivery;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
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
 * The official Reactive Streams TCK (its required and optional rules) against a consumer's
 * {@link java.util.concurrent.Flow.Publisher} view on a real broker. An adapter runs it with a
 * subclass that supplies its {@link KitBroker}; the TestNG engine runs it on the JUnit Platform
 * (test dependency {@code org.junit.support:testng-engine}):
 *
 * <pre>{@code
 * public class RedisPublisherTckTest extends PublisherTckKit {
 *     public RedisPublisherTckTest() {
 *         super(5_000, () -> new RedisKitBroker(BrokerProvisioner.shared(BrokerKind.REDIS)));
 *     }
 * }
 * }</pre>
 *
 * <p>A consumer's publisher is infinite: it completes when the consumer is closed. For the TCK's
 * "a stream of exactly N elements", each publisher reads a fresh destination holding N messages
 * and its consumer is closed once the subscriber has seen and acked all N; the acking and the
 * close are what an application does, the signals the TCK checks all come from the consumer.
 * Longer streams are fed while they are read, at a bounded rate.
 */
public abstract class PublisherTckKit extends FlowPublisherVerification<Delivery> {

    /** Up to this many elements are sent before subscribing; more means an endless stream. */
    private static final long FINITE_LIMIT = 1_000;
    /** The pace of an endless stream's feeder, so the broker is never flooded. */
    private static final int FEED_PER_SECOND = 2_000;

    private final String prefix = "tck-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<BackpressureChannel> channels = new CopyOnWriteArrayList<>();
    private final List<String> destinations = new CopyOnWriteArrayList<>();

    /** Makes the broker the first time it is needed; it may throw (no broker to be had). */
    @FunctionalInterface
    public interface BrokerFactory {
        KitBroker make() throws Exception;
    }

    private final BrokerFactory factory;
    private KitBroker broker;

    /**
     * @param defaultTimeoutMillis how long the TCK waits for an expected signal: the broker's
     *     time to start a consumer and deliver (a Kafka group join takes seconds)
     * @param broker makes the broker the publishers read from; closed after the run when it is
     *     {@link AutoCloseable}
     */
    protected PublisherTckKit(long defaultTimeoutMillis, BrokerFactory broker) {
        super(new TestEnvironment(defaultTimeoutMillis, 500));
        this.factory = broker;
    }

    /** @return the broker the publishers read from */
    protected synchronized KitBroker broker() {
        if (broker == null) {
            try {
                broker = factory.make();
            } catch (Exception e) {
                throw new IllegalStateException("cannot reach the broker under test: " + e.getMessage(), e);
            }
        }
        return broker;
    }

    @Override
    public Flow.Publisher<Delivery> createFlowPublisher(long elements) {
        String destination = prefix + "-" + destinations.size();
        destinations.add(destination);
        boolean endless = elements > FINITE_LIMIT;
        ChannelSpec spec = ChannelSpec.of(broker().uri(destination))
                .consumer(ConsumerPolicy.pull(16).maxInFlight(64))
                .closeTimeout(Duration.ofSeconds(5));
        BackpressureChannel ch = broker().open(spec);
        channels.add(ch);
        if (endless) {
            feedUntilClosed(ch);
        } else {
            for (long i = 0; i < elements; i++) {
                ch.producer().send(Message.of("m" + i));
            }
            try {
                if (!ch.producer().flush(broker().patience())) {
                    throw new IllegalStateException("the broker did not confirm " + elements + " messages in " + broker().patience());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        // A group of its own: a Kafka member of a shared group would wait for the last
        // publisher's member to leave before it is assigned anything.
        MessageConsumer consumer = ch.consumer(destination);
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

    /** An endless stream: a daemon thread sends, paced, until the channel closes. */
    private static void feedUntilClosed(BackpressureChannel ch) {
        Thread feeder = new Thread(() -> {
            try {
                for (long i = 0; ; i++) {
                    ch.producer().send(Message.of("m" + i));
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000_000L / FEED_PER_SECOND);
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
        String destination = prefix + "-failed";
        destinations.add(destination);
        BackpressureChannel ch = broker().open(ChannelSpec.of(broker().uri(destination)));
        channels.add(ch);
        MessageConsumer consumer = ch.consumer(destination);
        consumer.close(); // a closed consumer refuses subscribers with onError
        return consumer.publisher();
    }

    @AfterClass(alwaysRun = true)
    public synchronized void closeChannels() throws Exception {
        channels.forEach(BackpressureChannel::close);
        if (broker == null) {
            return;
        }
        broker.settle();
        for (String d : destinations) {
            broker.deleteDestination(d);
            broker.deleteGroup(d);
        }
        if (broker instanceof AutoCloseable c) {
            c.close();
        }
        broker = null;
    }
}
