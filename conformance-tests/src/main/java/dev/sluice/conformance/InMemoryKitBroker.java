package dev.sluice.conformance;

import dev.sluice.mem.InMemoryBroker;
import java.util.EnumSet;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * The kit's broker for {@code mem://}: a fresh {@link InMemoryBroker} whose faults are its own
 * controls ({@code block}, {@code stall}, {@code cutConnections}) and whose probe reads its queues.
 */
public class InMemoryKitBroker implements KitBroker, BrokerProbe {

    private final String brokerName = "kit-" + UUID.randomUUID();
    private final InMemoryBroker broker = InMemoryBroker.named(brokerName);
    /** How long a stall lasts before channels are told the broker cannot be reached, as a real adapter's timeout would. */
    static final long STALL_NOTICED_MILLIS = 1_000;
    private volatile java.util.concurrent.CompletableFuture<Void> stalledTimeout;

    @Override
    public String name() {
        return "mem";
    }

    @Override
    public String uri(String destination) {
        return "mem://" + brokerName + "/" + destination;
    }

    /** @return the broker behind the URIs, for tests that need to reach it */
    public InMemoryBroker broker() {
        return broker;
    }

    @Override
    public BrokerProbe probe() {
        return this;
    }

    @Override
    public OptionalLong ready(String destination, String group) {
        return OptionalLong.of(broker.ready(destination, group));
    }

    @Override
    public OptionalLong unacked(String destination, String group) {
        return OptionalLong.of(broker.pending(destination, group));
    }

    @Override
    public OptionalLong backlog(String destination, String group) {
        return OptionalLong.of(broker.ready(destination, group));
    }

    /** The in-memory broker lives in this JVM: a member process could not reach it. */
    @Override
    public boolean servesOtherProcesses() {
        return false;
    }

    @Override
    public Set<Fault> faults() {
        return EnumSet.allOf(Fault.class);
    }

    @Override
    public void inject(Fault fault) {
        switch (fault) {
            case BROKER_PRESSURE -> broker.block("memory alarm (InMemoryBroker.block)");
            case STALL -> {
                broker.stall();
                // What a real broker's adapter finds out once its calls time out: a while later.
                stalledTimeout = java.util.concurrent.CompletableFuture.runAsync(() -> broker.reachable(false),
                        java.util.concurrent.CompletableFuture.delayedExecutor(STALL_NOTICED_MILLIS,
                                java.util.concurrent.TimeUnit.MILLISECONDS));
            }
            case CUT_CONNECTIONS -> broker.cutConnections();
            case RESTART -> { // down until healed, as a real server between its stop and its start
                broker.cutConnections();
                broker.stall();
                broker.reachable(false);
            }
        }
    }

    @Override
    public void heal(Fault fault) {
        switch (fault) {
            case BROKER_PRESSURE -> broker.unblock();
            case STALL -> {
                java.util.concurrent.CompletableFuture<Void> timeout = stalledTimeout;
                if (timeout != null) {
                    timeout.cancel(false);
                    stalledTimeout = null;
                }
                broker.unstall();
                broker.reachable(true);
            }
            case CUT_CONNECTIONS -> { }
            case RESTART -> {
                broker.unstall();
                broker.reachable(true);
            }
        }
    }

    @Override
    public OptionalInt maxPayloadBytes() {
        return OptionalInt.of(broker.maxPayloadBytes());
    }

    @Override
    public boolean storesDestinationSettings() {
        return true;
    }
}
