package dev.sluice.conformance.soak;

import dev.sluice.conformance.Fault;
import java.util.Optional;

/**
 * What a soak's fault schedule can do: every {@link Fault} a {@link dev.sluice.conformance.KitBroker}
 * offers, plus a consumer crash, which the soak causes itself.
 */
public enum SoakFault {
    /** {@link Fault#CUT_CONNECTIONS}: every client connection is cut; clients reconnect. */
    CUT_CONNECTIONS(Fault.CUT_CONNECTIONS),
    /** {@link Fault#STALL}: the broker stops answering for the hold time. */
    STALL(Fault.STALL),
    /** {@link Fault#RESTART}: the broker stops and starts again, keeping what it stored. */
    RESTART(Fault.RESTART),
    /** {@link Fault#BROKER_PRESSURE}: the broker's own alarm for the hold time. */
    BROKER_PRESSURE(Fault.BROKER_PRESSURE),
    /**
     * A consumer group member dies in-process mid-handling: from that instant none of its handlers
     * returns (they hang, so nothing more is acked), its channel is closed without waiting for
     * them (a close timeout of a few milliseconds) and a new member is started in its place.
     * Not a SIGKILL of a child JVM: see {@link #CONSUMER_KILL}.
     */
    CONSUMER_CRASH(null),
    /**
     * The group member running in a JVM of its own ({@link SoakMember}) is killed with SIGKILL
     * while its handlers hold deliveries: nothing of it closes, the broker times its session
     * out (Kafka's session timeout, RabbitMQ's and Redis's closed socket, SQS's visibility
     * timeout) and a new member process takes its place. Offered on brokers another process can
     * reach (not {@code mem://}).
     */
    CONSUMER_KILL(null);

    private final Fault kitFault;

    SoakFault(Fault kitFault) {
        this.kitFault = kitFault;
    }

    /** @return the kit broker's fault this is, or empty for a consumer crash or kill */
    public Optional<Fault> kitFault() {
        return Optional.ofNullable(kitFault);
    }

    /** @return the soak fault for a kit broker's fault */
    public static SoakFault of(Fault fault) {
        return switch (fault) {
            case CUT_CONNECTIONS -> CUT_CONNECTIONS;
            case STALL -> STALL;
            case RESTART -> RESTART;
            case BROKER_PRESSURE -> BROKER_PRESSURE;
        };
    }
}
