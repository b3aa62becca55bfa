package dev.sluice.conformance.broken;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.ChannelSpec;
import dev.sluice.Delivery;
import dev.sluice.HealthStatus;
import dev.sluice.MessageConsumer;
import dev.sluice.MessageHandler;
import dev.sluice.MessageProducer;
import dev.sluice.PauseReason;
import dev.sluice.PressureListener;
import dev.sluice.PressureState;
import dev.sluice.StrategyMapping;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/** A channel whose consumers' {@code pause()} returns at once and takes effect 300 ms later: the defect. */
final class LatePausingChannel implements BackpressureChannel {

    private final BackpressureChannel inner;

    LatePausingChannel(BackpressureChannel inner) {
        this.inner = inner;
    }

    @Override
    public MessageProducer producer() {
        return inner.producer();
    }

    @Override
    public MessageConsumer consumer(String group) {
        MessageConsumer c = inner.consumer(group);
        return new MessageConsumer() {
            @Override
            public void start(MessageHandler handler) {
                c.start(handler);
            }

            @Override
            public Flow.Publisher<Delivery> publisher() {
                return c.publisher();
            }

            @Override
            public void pause(PauseReason reason) {
                CompletableFuture.runAsync(() -> c.pause(reason), CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
            }

            @Override
            public void resume(PauseReason reason) {
                c.resume(reason);
            }

            @Override
            public Set<PauseReason> pausedReasons() {
                return c.pausedReasons();
            }

            @Override
            public int inFlight() {
                return c.inFlight();
            }

            @Override
            public String group() {
                return c.group();
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    @Override
    public PressureState pressure() {
        return inner.pressure();
    }

    @Override
    public HealthStatus health() {
        return inner.health();
    }

    @Override
    public Optional<Duration> retryAfter() {
        return inner.retryAfter();
    }

    @Override
    public List<StrategyMapping> mapping() {
        return inner.mapping();
    }

    @Override
    public Set<Capability> capabilities() {
        return inner.capabilities();
    }

    @Override
    public ChannelSpec spec() {
        return inner.spec();
    }

    @Override
    public AutoCloseable addListener(PressureListener listener) {
        return inner.addListener(listener);
    }

    @Override
    public void close() {
        inner.close();
    }
}
