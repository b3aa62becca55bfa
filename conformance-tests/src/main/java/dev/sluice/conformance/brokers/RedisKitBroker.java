package dev.sluice.conformance.brokers;

import dev.sluice.conformance.BrokerProbe;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.ProxiedKitBroker;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.StreamGroupInfo;

/**
 * The kit's Redis: channels go through the fault proxy; the probe talks to Redis directly and
 * reads its own figures ({@code XINFO GROUPS} lag, {@code XPENDING}); broker pressure is the real
 * maxmemory alarm ({@code CONFIG SET maxmemory}), restored afterwards. On a {@code redis-server}
 * the kit started from the PATH it also restarts the server (append-only file, same port) and
 * sends payloads over its {@code proto-max-bulk-len}.
 */
public final class RedisKitBroker extends ProxiedKitBroker implements BrokerProbe {

    /** Kit runs claim a dead member's entries after 2 s instead of the default 30 s. */
    private static final long CLAIM_IDLE_MS = 2_000;

    private String maxmemoryBefore;

    public RedisKitBroker(ProvisionedBroker broker) throws IOException {
        super(broker);
    }

    private Jedis direct() {
        return new Jedis(new HostAndPort(broker.host(), broker.port()),
                redis.clients.jedis.DefaultJedisClientConfig.builder().autoNegotiateProtocol(false).build());
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public String uri(String destination) {
        return proxiedBaseUri() + "/" + destination + "?claimIdleMs=" + CLAIM_IDLE_MS;
    }

    @Override
    public BrokerProbe probe() {
        return this;
    }

    @Override
    public java.util.Optional<dev.sluice.conformance.ForeignClient> foreign() {
        return java.util.Optional.of(new RedisForeignClient(destination -> direct()));
    }

    @Override
    public OptionalLong ready(String destination, String group) {
        try (Jedis j = direct()) {
            return ready(j, destination, group);
        }
    }

    @Override
    public OptionalLong unacked(String destination, String group) {
        try (Jedis j = direct()) {
            return unacked(j, destination, group);
        }
    }

    /** @return the entries of {@code destination} not yet delivered to {@code group}, read on {@code j} (its server holds the stream) */
    static OptionalLong ready(Jedis j, String destination, String group) {
        if (!j.exists(destination)) {
            return OptionalLong.of(0);
        }
        long length = j.xlen(destination);
        for (StreamGroupInfo g : j.xinfoGroups(destination)) {
            if (g.getName().equals(group)) {
                Object lag = g.getGroupInfo().get("lag");
                return OptionalLong.of(lag instanceof Long l ? l : Math.max(0, length - g.getPending()));
            }
        }
        return OptionalLong.of(length);
    }

    /** @return the entries {@code group} holds pending on {@code destination}, read on {@code j} */
    static OptionalLong unacked(Jedis j, String destination, String group) {
        if (!j.exists(destination)) {
            return OptionalLong.of(0);
        }
        for (StreamGroupInfo g : j.xinfoGroups(destination)) {
            if (g.getName().equals(group)) {
                return OptionalLong.of(g.getPending());
            }
        }
        return OptionalLong.of(0);
    }

    @Override
    public OptionalLong backlog(String destination, String group) {
        return ready(destination, group);
    }

    /** Under its alarm the broker answers every send with an error (OOM command not allowed). */
    @Override
    public boolean refusesSendsUnderPressure() {
        return true;
    }

    @Override
    public Set<Fault> faults() {
        Set<Fault> faults = EnumSet.copyOf(super.faults()); // a restart on a server the kit started
        faults.add(Fault.BROKER_PRESSURE);
        return faults;
    }

    @Override
    public void inject(Fault fault) throws Exception {
        if (fault == Fault.BROKER_PRESSURE) {
            try (Jedis j = direct()) {
                maxmemoryBefore = j.configGet("maxmemory").get("maxmemory");
                j.configSet("maxmemory", "1"); // every write is refused: OOM command not allowed
            }
        } else {
            super.inject(fault);
        }
    }

    @Override
    public void heal(Fault fault) throws Exception {
        if (fault == Fault.BROKER_PRESSURE) {
            if (maxmemoryBefore != null) {
                try (Jedis j = direct()) {
                    j.configSet("maxmemory", maxmemoryBefore);
                }
                maxmemoryBefore = null;
            }
        } else {
            super.heal(fault);
        }
    }

    @Override
    public Optional<String> unreachableUri() {
        return Optional.of("redis://127.0.0.1:1/unreachable");
    }

    @Override
    public void deleteDestination(String destination) {
        try (Jedis j = direct()) {
            j.del(destination, destination + ".dlq");
        }
    }
}
