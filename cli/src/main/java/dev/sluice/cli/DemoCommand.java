package dev.sluice.cli;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.MessageConsumer;
import dev.sluice.Overflow;
import dev.sluice.PressureState;
import dev.sluice.ProducerPolicy;
import dev.sluice.RateLimit;
import dev.sluice.SendResult;
import dev.sluice.conformance.KitBroker;
import dev.sluice.flow.RateLimiter;
import dev.sluice.flow.Ticker;
import java.io.PrintStream;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code sluice demo}: a producer offering {@code --count} messages ten times faster than a
 * consumer limited to {@code --consume-per-second}, on a fresh destination of the broker (removed
 * afterwards), showing buffer, in-flight, backlog, drops and pauses four times a second until
 * every message is handled or accounted for.
 */
final class DemoCommand {

    private static final int BUFFER = 100;
    private static final int IN_FLIGHT = 20;

    private final DemoOptions options;
    private final PrintStream out;
    private final PrintStream err;

    DemoCommand(DemoOptions options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    int run() throws UnreachableBrokerException {
        NamedBroker broker = NamedBroker.reach(options.broker());
        KitBroker kit = broker.kit();
        AutoCloseable stop = broker.stop();
        String destination = "sluice-demo-" + UUID.randomUUID().toString().substring(0, 8);
        String group = "sluice-demo-group-" + destination.substring(destination.length() - 8);
        try {
            return demo(kit, destination, group);
        } finally {
            try {
                kit.deleteDestination(destination);
                kit.deleteGroup(group);
                stop.close();
            } catch (Exception e) {
                err.println("sluice: cleaning up " + destination + ": " + e.getMessage());
            }
        }
    }

    private Overflow overflow() {
        return switch (options.strategy()) {
            case "drop-newest" -> Overflow.dropNewest();
            case "drop-oldest" -> Overflow.dropOldest();
            case "drop-random" -> Overflow.dropRandom();
            default -> Overflow.block(Duration.ofSeconds(1));
        };
    }

    /** A rate without a burst worth showing: a tenth of a second's worth. */
    private static RateLimit steady(long perSecond) {
        return RateLimit.tokenBucket(perSecond).burst(Math.max(1, perSecond / 10));
    }

    private int demo(KitBroker kit, String destination, String group) {
        ChannelSpec spec = ChannelSpec.of(kit.uri(destination))
                .producer(ProducerPolicy.buffer(BUFFER).onOverflow(overflow()))
                .consumer(ConsumerPolicy.pull(10).maxInFlight(IN_FLIGHT).rateLimit(steady(options.consumePerSecond())))
                .connectTimeout(NamedBroker.CONNECT_TIMEOUT);
        out.println("demo on " + kit.name() + " (" + destination + "): " + options.count() + " messages, strategy "
                + options.strategy() + ", buffer " + BUFFER + ", consumer " + options.consumePerSecond() + "/s, in flight <= " + IN_FLIGHT);
        AtomicLong handled = new AtomicLong();
        AtomicLong timedOut = new AtomicLong();
        try (BackpressureChannel ch = kit.open(spec)) {
            MessageConsumer consumer = ch.consumer(group);
            consumer.start(d -> handled.incrementAndGet());
            RateLimiter pace = steady(10 * options.consumePerSecond()).newLimiter(Ticker.system());
            Thread producer = new Thread(() -> {
                for (long i = 0; i < options.count(); i++) {
                    try {
                        pace.acquire(1, Duration.ofDays(1));
                    } catch (InterruptedException e) {
                        return;
                    }
                    SendResult r = ch.producer().send(Message.of("m" + i));
                    if (r.status() == SendResult.Status.TIMED_OUT) {
                        timedOut.incrementAndGet();
                    }
                }
            }, "sluice-demo-producer");
            producer.setDaemon(true);
            producer.start();
            long lastChange = System.nanoTime();
            long lastHandled = -1;
            while (true) {
                boolean producerDone = !producer.isAlive(); // before the state, so the state is at least as new
                PressureState p = ch.pressure();
                long offered = p.producer().offered();
                out.printf("offered %d/%d | buffer %d/%d | in flight %d/%d | backlog %s | dropped %d | timed out %d | handled %d | paused %s%n",
                        offered, options.count(), p.buffered(), p.bufferCapacity(), p.consumerInFlight(), p.consumerInFlightCap(),
                        p.backlog() < 0 ? "?" : Long.toString(p.backlog()), p.producer().dropped() + p.brokerDropped(), timedOut.get(),
                        handled.get(), p.pausedReasons().isEmpty() ? "no" : p.pausedReasons().toString());
                if (producerDone && handled.get() >= p.producer().confirmed() && p.buffered() == 0 && p.producerInFlight() == 0) {
                    break;
                }
                if (handled.get() != lastHandled) {
                    lastHandled = handled.get();
                    lastChange = System.nanoTime();
                } else if (System.nanoTime() - lastChange > Duration.ofSeconds(30).toNanos()) {
                    err.println("sluice: nothing handled for 30 s; stopping the demo");
                    return Main.EXIT_FAILED;
                }
                try {
                    Thread.sleep(250); // the display's refresh period
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Main.EXIT_FAILED;
                }
            }
            PressureState p = ch.pressure();
            out.println("done: offered " + p.producer().offered() + ", confirmed " + p.producer().confirmed() + ", handled "
                    + handled.get() + ", dropped " + p.producer().dropped() + ", refused " + p.producer().rejected()
                    + " (counters reconcile: " + p.producer().reconciles() + ")");
            return Main.EXIT_OK;
        }
    }
}
