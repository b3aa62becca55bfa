package dev.sluice.conformance.brokers;

import dev.sluice.conformance.Fault;
import dev.sluice.conformance.ProxiedKitBroker;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The kit's Kafka. Channels reach it through the fault proxy, on a listener that advertises the
 * proxy's port (so every connection, not only the bootstrap, passes the proxy); the probe's
 * admin client talks to the broker directly: the group's committed offsets against the end
 * offsets. The broker's own pressure is a client quota on request time
 * ({@code request_percentage}) that makes the broker throttle every client: a byte-rate quota
 * ({@code producer_byte_rate}) far below the traffic throttles for a time proportional to the
 * excess, unbounded — after one second of a soak's traffic over 16 B/s the client stayed muted
 * for many minutes after the quota was removed — while a request quota's throttle is bounded
 * by the quota window. Each test gets a topic with one partition per member it runs.
 */
public final class KafkaKitBroker extends ProxiedKitBroker implements KafkaKit {

    private final KafkaAdmin direct;

    public KafkaKitBroker(ProvisionedBroker broker) throws IOException {
        super(broker);
        this.direct = new KafkaAdmin(broker.host() + ":" + broker.port());
    }

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public String uri(String destination) {
        return uri(destination, 1);
    }

    @Override
    public String uri(String destination, int members) {
        // Without a route through the proxy, clients would go around it after the bootstrap.
        String hostPort = broker.proxyRoute().isPresent() ? proxy.host() + ":" + proxy.port() : broker.host() + ":" + broker.port();
        return "kafka://" + hostPort + "/" + destination + "?partitions=" + Math.max(1, members);
    }

    private KafkaForeignClient foreign;

    @Override
    public synchronized Optional<dev.sluice.conformance.ForeignClient> foreign() {
        if (foreign == null) {
            foreign = new KafkaForeignClient(broker.host() + ":" + broker.port());
        }
        return Optional.of(foreign);
    }

    @Override
    public Set<Fault> faults() {
        Set<Fault> faults = EnumSet.of(Fault.BROKER_PRESSURE);
        if (broker.proxyRoute().isPresent()) {
            faults.addAll(super.faults());
        } else if (broker.restartable()) {
            faults.add(Fault.RESTART);
        }
        return faults;
    }

    @Override
    public String whyNot(Fault fault) {
        if ((fault == Fault.STALL || fault == Fault.CUT_CONNECTIONS) && broker.proxyRoute().isEmpty()) {
            return "Kafka clients connect to the address the broker advertises after the bootstrap, and this broker ("
                    + broker.source() + ") advertises its own: no proxy can stand between them";
        }
        return super.whyNot(fault);
    }

    @Override
    public void inject(Fault fault) throws Exception {
        if (fault == Fault.BROKER_PRESSURE) {
            direct.throttleEveryClient(true);
        } else {
            super.inject(fault);
        }
    }

    @Override
    public void heal(Fault fault) throws Exception {
        if (fault == Fault.BROKER_PRESSURE) {
            direct.throttleEveryClient(false);
        } else {
            super.heal(fault);
        }
    }

    @Override
    public OptionalLong ready(String destination, String group) {
        return direct.ready(destination, group);
    }

    @Override
    public Optional<String> whyNoMaxAgeExpiry() {
        return broker.source().contains("in-process")
                ? Optional.empty()
                : Optional.of("the broker deletes expired segments every log.retention.check.interval.ms (5 min by default),"
                        + " past the kit's patience; the adapter sets retention.ms, which the broker enforces then");
    }

    @Override
    public OptionalInt maxPayloadBytes() {
        return OptionalInt.of(1_048_576); // the producer's max.request.size: a bigger payload never fits a request
    }

    @Override
    public void deleteDestination(String destination) {
        direct.deleteDestination(destination);
    }

    @Override
    public void deleteGroup(String group) throws Exception {
        direct.deleteGroup(group);
    }

    @Override
    public void close() {
        super.close();
        synchronized (this) {
            if (foreign != null) {
                foreign.close();
            }
        }
        direct.close();
    }
}
