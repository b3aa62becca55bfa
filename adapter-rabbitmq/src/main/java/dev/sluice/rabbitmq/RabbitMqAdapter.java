package dev.sluice.rabbitmq;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.sluice.BrokerUnavailableException;
import dev.sluice.ChannelSpec;
import dev.sluice.spi.BrokerAdapter;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerSession;
import java.io.IOException;
import java.util.Set;

/**
 * The adapter for RabbitMQ, {@code amqp://user:password@host:5672/vhost/queue} and
 * {@code amqps://}, through amqp-client. Registered through {@link java.util.ServiceLoader}; does
 * no I/O until a channel is opened.
 *
 * <p>By default the destination is one queue that every consumer shares, so that an existing
 * queue named like the destination is consumed as it is ({@code groups=queue}); a channel then
 * refuses a second consumer group. With {@code ?groups=exchange} the destination is a durable
 * topic exchange and each group a durable queue {@code <destination>.<group>} bound to it: each
 * group receives every message and its members share them ({@code Capability.INDEPENDENT_GROUPS}).
 * {@code requiredGroups=billing,audit} declares those groups' queues at open; sends are
 * {@code mandatory}, so a message sent while no group queue is bound is refused
 * ({@code REJECTED}), never lost as if sent.
 *
 * <p>A cluster is named by its nodes, {@code amqp://user:password@host1:5672,host2:5672,host3:5672/vhost/queue}
 * (see {@link RabbitMqEndpoint}): each connection goes to one node that answers and recovers to
 * another when its node stops; with {@code ?queueType=quorum} the queues are replicated on the
 * cluster's nodes and outlive a node's loss.
 */
public final class RabbitMqAdapter implements BrokerAdapter {

    @Override
    public String name() {
        return "rabbitmq";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("amqp", "amqps");
    }

    @Override
    public BrokerSession connect(ChannelSpec spec, BrokerEvents events) {
        RabbitMqEndpoint endpoint = RabbitMqEndpoint.of(spec);
        ConnectionFactory factory = new ConnectionFactory();
        try {
            factory.setUri(endpoint.brokerUri());
        } catch (Exception e) {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") is not a RabbitMQ address: " + e.getMessage(), e);
        }
        int timeout = (int) Math.min(Integer.MAX_VALUE, spec.connectTimeout().toMillis());
        factory.setConnectionTimeout(timeout);
        factory.setHandshakeTimeout(timeout);
        factory.setAutomaticRecoveryEnabled(true);
        // Connections and channels recover automatically; what was declared and consumed does
        // not, on purpose: RabbitMqTopology declares everything again after a reconnect the way
        // opening did (a refused declare included), and each consumer registers itself again
        // after that. amqp-client's replay could only repeat declarations on the channel that
        // made them, logging an ERROR for every one whose channel is gone.
        factory.setTopologyRecoveryEnabled(false);
        factory.setNetworkRecoveryInterval(500);
        factory.setRequestedHeartbeat(10);
        factory.setChannelRpcTimeout(Math.max(timeout, 5_000)); // a stalled broker must not hold an RPC for minutes
        spec.nativeSettings().forEach((k, v) -> apply(factory, k, v));
        Connection publishing = null;
        Connection consuming = null;
        try {
            publishing = connect(factory, endpoint, "sluice-publish-" + endpoint.destination());
            consuming = connect(factory, endpoint, "sluice-consume-" + endpoint.destination());
            RabbitMqTopology topology = RabbitMqTopology.declare(spec, endpoint, consuming);
            RabbitMqPublisher publisher = new RabbitMqPublisher(publishing, topology.sendRoute(), events, endpoint.maxMessageSize());
            return new RabbitMqSession(spec, endpoint, publishing, consuming, publisher, topology, events);
        } catch (IOException | java.util.concurrent.TimeoutException e) {
            closeQuietly(publishing);
            closeQuietly(consuming);
            if (e instanceof com.rabbitmq.client.AuthenticationFailureException
                    || e instanceof com.rabbitmq.client.PossibleAuthenticationFailureException) {
                throw new BrokerUnavailableException("RabbitMQ at " + endpoint.address() + " refused the login of user '"
                        + factory.getUsername() + "': " + e.getMessage(), e);
            }
            if (publishing == null || consuming == null) {
                throw BrokerUnavailableException.of("RabbitMQ at " + endpoint.address(),
                        java.time.Duration.ofMillis(timeout), e);
            }
            throw new dev.sluice.SluiceException("cannot prepare " + (endpoint.mode() == RabbitMqEndpoint.GroupMode.QUEUE
                    ? "queue '" : "exchange '") + endpoint.destination() + "' on " + endpoint.address() + ": " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(publishing);
            closeQuietly(consuming);
            throw e;
        }
    }

    /**
     * One broker's URI: that broker. A cluster's: one of its nodes, tried in a random order, and
     * automatic recovery goes to any of them that answers when the node goes away.
     */
    private static Connection connect(ConnectionFactory factory, RabbitMqEndpoint endpoint, String name)
            throws IOException, java.util.concurrent.TimeoutException {
        return endpoint.cluster() ? factory.newConnection(endpoint.addresses(), name) : factory.newConnection(name);
    }

    /**
     * A native setting onto amqp-client's {@code ConnectionFactory}: {@code requestedHeartbeat},
     * {@code channelRpcTimeout}, {@code networkRecoveryInterval}, {@code requestedChannelMax},
     * {@code requestedFrameMax} (numbers), and {@code clientProperty.<name>} (shown by the broker
     * for the connection). Anything else is refused by name.
     */
    private static void apply(ConnectionFactory factory, String name, String value) {
        if (name.startsWith("clientProperty.") && name.length() > "clientProperty.".length()) {
            factory.getClientProperties().put(name.substring("clientProperty.".length()), value);
            return;
        }
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 && java.util.Set.of("requestedHeartbeat", "channelRpcTimeout", "networkRecoveryInterval",
                "requestedChannelMax", "requestedFrameMax").contains(name)) {
            throw new IllegalArgumentException("native setting " + name + " (" + value + ") must be a whole number, 0 or more");
        }
        switch (name) {
            case "requestedHeartbeat" -> factory.setRequestedHeartbeat(n);
            case "channelRpcTimeout" -> factory.setChannelRpcTimeout(n);
            case "networkRecoveryInterval" -> factory.setNetworkRecoveryInterval(n);
            case "requestedChannelMax" -> factory.setRequestedChannelMax(n);
            case "requestedFrameMax" -> factory.setRequestedFrameMax(n);
            default -> throw new IllegalArgumentException("native setting '" + name + "' is not known to amqp://; known:"
                    + " channelRpcTimeout, clientProperty.<name>, networkRecoveryInterval, requestedChannelMax,"
                    + " requestedFrameMax, requestedHeartbeat");
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.abort(2_000);
            } catch (RuntimeException ignored) {
                // nothing more to do
            }
        }
    }
}
