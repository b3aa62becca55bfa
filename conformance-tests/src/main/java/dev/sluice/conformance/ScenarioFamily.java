package dev.sluice.conformance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.BackpressureChannel;
import dev.sluice.Capability;
import dev.sluice.ChannelSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The base of every scenario family: resolves the broker before each test, hands out fresh
 * destination names, tracks the channels a test opens, and after each test heals every fault,
 * closes the channels and deletes the destinations, even when the test failed.
 */
public abstract class ScenarioFamily {

    private final Supplier<KitBroker> brokerSupplier;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private final List<String> destinations = new ArrayList<>();

    /** The broker under test, resolved before each test. */
    protected KitBroker broker;

    /**
     * The consumer group of this test: a name no other test (and no application sharing the
     * broker) uses, removed from the broker after the test where groups outlive destinations.
     */
    protected final String group = "sluice-group-" + UUID.randomUUID().toString().substring(0, 8);

    protected ScenarioFamily(Supplier<KitBroker> broker) {
        this.brokerSupplier = Objects.requireNonNull(broker, "broker");
    }

    @BeforeEach
    void resolveBroker() {
        broker = brokerSupplier.get();
        assumeTrue(broker != null, "no broker was supplied for this run");
    }

    @AfterEach
    void cleanUp() throws Exception {
        Exception first = null;
        for (Fault f : broker.faults()) {
            try {
                broker.heal(f);
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        Collections.reverse(opened);
        for (AutoCloseable c : opened) {
            try {
                c.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        try {
            broker.settle(); // a send held by a stall must not recreate a destination after its deletion
        } catch (Exception e) {
            first = first == null ? e : first;
        }
        for (String d : destinations) {
            try {
                broker.deleteDestination(d);
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        for (String g : groups()) {
            try {
                broker.deleteGroup(g);
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** @return the consumer groups a test of this family may use: {@link #group} and {@code group + "-ops"} */
    protected List<String> groups() {
        return List.of(group, group + "-ops");
    }

    /** @return a destination name no other test uses, deleted after the test */
    protected String fresh(String base) {
        String name = "sluice-" + base + "-" + UUID.randomUUID().toString().substring(0, 8);
        destinations.add(name);
        return name;
    }

    /** @return a spec for the destination with the kit's default timeouts */
    protected ChannelSpec spec(String destination) {
        return spec(destination, 1);
    }

    /** @return a spec for a destination that {@code members} members of one group consume at once */
    protected ChannelSpec spec(String destination, int members) {
        return ChannelSpec.of(broker.uri(destination, members, groups()))
                .connectTimeout(Duration.ofSeconds(15))
                .closeTimeout(Duration.ofSeconds(10));
    }

    /** Opens a channel that is closed after the test. */
    protected BackpressureChannel open(ChannelSpec spec) {
        BackpressureChannel ch = broker.open(spec);
        opened.add(ch);
        return ch;
    }

    /** Registers something to close after the test, before the channels opened earlier. */
    protected <T extends AutoCloseable> T closeLater(T closeable) {
        opened.add(closeable);
        return closeable;
    }

    /** @return an Awaitility wait bounded by the broker's patience */
    protected ConditionFactory await() {
        return Awaitility.await().atMost(broker.patience()).pollInterval(Duration.ofMillis(10));
    }

    /** @return a wait bounded by the broker's patience whose failure says what was awaited */
    protected ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(broker.patience()).pollInterval(Duration.ofMillis(10));
    }

    /**
     * Waits until the consumer's counters reconcile, and names them when they do not: a delivery's
     * outcome is counted a moment before it leaves in flight, on the thread that settles it, so a
     * read right after an awaited count may catch one delivery in both.
     */
    protected void awaitConsumerReconciles(BackpressureChannel ch) {
        await("the consumer's counters reconcile").untilAsserted(() -> {
            dev.sluice.PressureState.ConsumerCounters c = ch.pressure().consumer();
            org.assertj.core.api.Assertions.assertThat(c.reconciles()).as("consumer counters %s", c).isTrue();
        });
    }

    /**
     * Sends {@code prefix + i} for {@code i} from {@code first} on until a send is not accepted (at
     * most {@code max} sends), and asserts that it {@code TIMED_OUT}: the block policy waited its
     * whole time, nothing was refused otherwise.
     *
     * @param during what holds the producer, for the failure message
     * @return how many of these sends were accepted
     */
    protected static int sendUntilTimedOut(BackpressureChannel ch, String prefix, int first, int max, String during) {
        int i = first;
        dev.sluice.SendResult last;
        do {
            last = ch.producer().send(dev.sluice.Message.of(prefix + i++));
        } while (last.isAccepted() && i - first < max);
        org.assertj.core.api.Assertions.assertThat(last.status()).as("the block policy " + during)
                .isEqualTo(dev.sluice.SendResult.Status.TIMED_OUT);
        return i - first - 1;
    }

    /** @return {@code base} scaled by {@link KitScale} */
    protected static int scaled(int base) {
        return KitScale.of(base);
    }

    protected BrokerProbe probe() {
        return broker.probe();
    }

    /** Skips the test, saying why, unless the channel declares the capability. */
    protected static void assumeCapability(BackpressureChannel ch, Capability capability, String why) {
        assumeTrue(ch.capabilities().contains(capability), why);
    }

    /** Skips the test, with the broker's reason, unless it can cause the fault. */
    protected void assumeFault(Fault fault) {
        assumeTrue(broker.faults().contains(fault), () -> broker.whyNot(fault));
    }

    /**
     * Asserts that {@code actual} holds exactly {@code expected}: in that order where the broker
     * keeps order ({@link Capability#PER_KEY_ORDER}), in any order where it does not (standard
     * SQS queues).
     */
    protected static void assertSameMessages(BackpressureChannel ch, java.util.List<String> actual, java.util.List<String> expected) {
        if (ch.capabilities().contains(Capability.PER_KEY_ORDER)) {
            org.assertj.core.api.Assertions.assertThat(actual).containsExactlyElementsOf(expected);
        } else {
            org.assertj.core.api.Assertions.assertThat(actual).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    /** @return the figure, or skips the test saying that the broker cannot tell it */
    protected static long brokerFigure(OptionalLong figure, String what) {
        assumeTrue(figure.isPresent(), "the broker cannot report " + what);
        return figure.getAsLong();
    }
}
