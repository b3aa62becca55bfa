package dev.sluice.conformance.brokers;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.sluice.conformance.BrokerProbe;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.ProxiedKitBroker;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The kit's RabbitMQ: channels go through the fault proxy; the probe reads the broker itself —
 * ready messages from {@code queue.declare-ok} on a direct connection, unacknowledged ones from
 * {@code rabbitmqctl list_queues}; broker pressure is the real memory alarm, set and cleared with
 * {@code rabbitmqctl set_vm_memory_high_watermark}. On a node the kit started from the PATH it
 * also stops and starts the whole node (its durable queues survive) and sends payloads over its
 * {@code max_message_size}.
 */
public final class RabbitMqKitBroker extends ProxiedKitBroker implements BrokerProbe {

    private final ConnectionFactory factory;
    private Connection direct; // guarded by this; opened again when a restart or a cut closed it
    private final String vhost;

    public RabbitMqKitBroker(ProvisionedBroker broker) throws Exception {
        super(broker);
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(broker.uri());
        // Named, so that a thread census (the soak's) can tell the kit's own client threads from the channels'.
        java.util.concurrent.atomic.AtomicInteger threads = new java.util.concurrent.atomic.AtomicInteger();
        // amqp-client renames a connection's main loop thread ("AMQP Connection host:port") after
        // the factory made it, so the thread takes its name back once it runs: a connection
        // opened again after a restart is then no stranger to the census either.
        f.setThreadFactory(r -> {
            String name = "sluice-kit-probe-rabbitmq-" + threads.incrementAndGet();
            Thread t = new Thread(() -> {
                Thread.currentThread().setName(name);
                r.run();
            }, name);
            t.setDaemon(true);
            return t;
        });
        // Opened again on use rather than recovered in the background: right after a restart the
        // probe must not meet a connection still waiting out its recovery interval.
        f.setAutomaticRecoveryEnabled(false);
        this.factory = f;
        this.direct = f.newConnection("sluice-kit-probe");
        String rawPath = broker.uri().getRawPath();
        this.vhost = rawPath == null || rawPath.length() <= 1
                ? "/" : java.net.URLDecoder.decode(rawPath.substring(1), StandardCharsets.UTF_8);
    }

    @Override
    public String name() {
        return "rabbitmq";
    }

    @Override
    public String uri(String destination) {
        // A node the kit started has a max_message_size a test can reach; the channel is told it.
        return proxiedBaseUri() + "/" + destination
                + (broker.maxPayloadBytes().isPresent() ? "?maxMessageSize=" + broker.maxPayloadBytes().getAsInt() : "");
    }

    @Override
    public BrokerProbe probe() {
        return this;
    }

    @Override
    public java.util.Optional<dev.sluice.conformance.ForeignClient> foreign() {
        return java.util.Optional.of(new RabbitMqForeignClient(this::direct, vhost, this::rabbitmqctl));
    }

    @Override
    public OptionalLong ready(String destination, String group) {
        try {
            Channel ch = direct().createChannel();
            try {
                return OptionalLong.of(ch.queueDeclarePassive(destination).getMessageCount());
            } finally {
                if (ch.isOpen()) {
                    ch.close();
                }
            }
        } catch (IOException e) {
            return OptionalLong.of(0); // no such queue yet
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public OptionalLong unacked(String destination, String group) {
        List<String> lines = rabbitmqctl("list_queues", "-p", vhost, "name", "messages_unacknowledged", "--no-table-headers");
        for (String line : lines) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length == 2 && cols[0].equals(destination)) {
                return OptionalLong.of(Long.parseLong(cols[1]));
            }
        }
        return OptionalLong.of(0);
    }

    @Override
    public OptionalLong backlog(String destination, String group) {
        return ready(destination, group);
    }

    @Override
    public Set<Fault> faults() {
        Set<Fault> faults = EnumSet.copyOf(super.faults()); // a full node restart on a node the kit started
        faults.add(Fault.BROKER_PRESSURE);
        return faults;
    }

    @Override
    public void inject(Fault fault) throws Exception {
        if (fault == Fault.BROKER_PRESSURE) {
            rabbitmqctl("set_vm_memory_high_watermark", "0.000001");
        } else {
            super.inject(fault);
        }
    }

    @Override
    public void heal(Fault fault) throws Exception {
        if (fault == Fault.BROKER_PRESSURE) {
            if (broker.running()) { // a stopped node starts again with the default watermark
                rabbitmqctl("set_vm_memory_high_watermark", "0.4"); // the default, as .ci/run sets it
            }
        } else {
            super.heal(fault);
        }
    }

    @Override
    public Optional<String> unreachableUri() {
        return Optional.of("amqp://guest:guest@127.0.0.1:1/%2F/unreachable");
    }

    /**
     * The node's {@code max_message_size} when the kit started it (its URIs tell the channel,
     * {@code maxMessageSize}); empty on a shared server, whose limit the kit does not know.
     */
    @Override
    public OptionalInt maxPayloadBytes() {
        return broker.maxPayloadBytes();
    }

    @Override
    public boolean storesDestinationSettings() {
        return true;
    }

    @Override
    public void deleteDestination(String destination) throws Exception {
        Channel ch = direct().createChannel();
        ch.queueDelete(destination);
        ch.queueDelete(destination + ".dlq");
        ch.queueDelete(destination + ".dropped");
        ch.close();
    }

    /** @return the probe's own connection, opened again if a restart or a cut closed it */
    private synchronized Connection direct() {
        if (!direct.isOpen()) {
            try {
                direct = factory.newConnection("sluice-kit-probe");
            } catch (IOException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("the kit's probe cannot reach " + broker + ": " + e.getMessage(), e);
            }
        }
        return direct;
    }

    @Override
    public void close() {
        super.close();
        synchronized (this) {
            if (direct.isOpen()) {
                try {
                    direct.close(2_000);
                } catch (IOException | com.rabbitmq.client.AlreadyClosedException ignored) {
                    // gone meanwhile
                }
            }
        }
    }

    /** Runs {@code rabbitmqctl} against the node under test: the one the kit started, or the machine's own. */
    List<String> rabbitmqctl(String... args) {
        List<String> command = new java.util.ArrayList<>();
        command.add("rabbitmqctl");
        command.add("-q");
        broker.node().ifPresent(node -> {
            command.add("-n");
            command.add(node);
        });
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
            return out.lines().toList();
        } catch (IOException e) {
            throw new IllegalStateException("rabbitmqctl is needed to read the broker's unacked count: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
