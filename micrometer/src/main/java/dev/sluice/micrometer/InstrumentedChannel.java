package dev.sluice.micrometer;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.ChannelSpec;
import dev.sluice.Delivery;
import dev.sluice.HealthStatus;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.MessageHandler;
import dev.sluice.MessageProducer;
import dev.sluice.PauseReason;
import dev.sluice.PressureListener;
import dev.sluice.PressureState;
import dev.sluice.SendResult;
import dev.sluice.StrategyMapping;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The view {@link ChannelMetrics#instrument()} returns: every call goes to the channel; while a
 * registry is bound, {@code send} results are counted, {@code sendAsync} is timed to its
 * completion, and handlers given to {@code consumer(group).start} are timed with their outcome.
 */
final class InstrumentedChannel implements BackpressureChannel {

    private final BackpressureChannel channel;
    private final ChannelMetrics metrics;
    private final MessageProducer producer;

    InstrumentedChannel(BackpressureChannel channel, ChannelMetrics metrics) {
        this.channel = channel;
        this.metrics = metrics;
        this.producer = new Producer(channel.producer());
    }

    @Override
    public MessageProducer producer() {
        return producer;
    }

    @Override
    public MessageConsumer consumer(String group) {
        return new Consumer(channel.consumer(group));
    }

    @Override
    public PressureState pressure() {
        return channel.pressure();
    }

    @Override
    public HealthStatus health() {
        return channel.health();
    }

    @Override
    public Optional<Duration> retryAfter() {
        return channel.retryAfter();
    }

    @Override
    public List<StrategyMapping> mapping() {
        return channel.mapping();
    }

    @Override
    public Set<Capability> capabilities() {
        return channel.capabilities();
    }

    @Override
    public ChannelSpec spec() {
        return channel.spec();
    }

    @Override
    public AutoCloseable addListener(PressureListener listener) {
        return channel.addListener(listener);
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public String toString() {
        return channel.toString();
    }

    private final class Producer implements MessageProducer {
        private final MessageProducer producer;

        Producer(MessageProducer producer) {
            this.producer = producer;
        }

        @Override
        public SendResult send(Message message) {
            SendResult result = producer.send(message);
            if (metrics.isBound()) {
                metrics.recordSend(result);
            }
            return result;
        }

        @Override
        public CompletionStage<SendResult> sendAsync(Message message) {
            if (!metrics.isBound()) {
                return producer.sendAsync(message);
            }
            long start = System.nanoTime();
            CompletionStage<SendResult> stage = producer.sendAsync(message);
            stage.whenComplete((r, e) -> metrics.recordConfirm(r != null ? r.status() : SendResult.Status.FAILED,
                    System.nanoTime() - start));
            return stage;
        }

        @Override
        public boolean flush(Duration timeout) throws InterruptedException {
            return producer.flush(timeout);
        }
    }

    private final class Consumer implements MessageConsumer {
        private final MessageConsumer consumer;

        Consumer(MessageConsumer consumer) {
            this.consumer = consumer;
        }

        @Override
        public void start(MessageHandler handler) {
            String group = consumer.group();
            consumer.start(delivery -> timed(group, handler, delivery));
        }

        private void timed(String group, MessageHandler handler, Delivery delivery) throws Exception {
            if (!metrics.isBound()) {
                handler.handle(delivery);
                return;
            }
            long start = System.nanoTime();
            String outcome = ChannelMetrics.OUTCOME_ERROR;
            try {
                handler.handle(delivery);
                outcome = ChannelMetrics.OUTCOME_SUCCESS;
            } catch (dev.sluice.RetryLater later) {
                outcome = ChannelMetrics.OUTCOME_RETRY_LATER; // a downstream said "not now": not a consumer error
                throw later;
            } finally {
                metrics.recordHandler(group, outcome, System.nanoTime() - start);
            }
        }

        @Override
        public Flow.Publisher<Delivery> publisher() {
            return consumer.publisher();
        }

        @Override
        public void pause(PauseReason reason) {
            consumer.pause(reason);
        }

        @Override
        public AutoCloseable holdWhileUnhealthy(java.util.function.BooleanSupplier healthy, Duration every) {
            return consumer.holdWhileUnhealthy(healthy, every);
        }

        @Override
        public void resume(PauseReason reason) {
            consumer.resume(reason);
        }

        @Override
        public Set<PauseReason> pausedReasons() {
            return consumer.pausedReasons();
        }

        @Override
        public int inFlight() {
            return consumer.inFlight();
        }

        @Override
        public String group() {
            return consumer.group();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
