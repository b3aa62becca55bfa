package dev.sluice.rabbitmq;

import dev.sluice.ChannelSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a channel's destination is: {@code amqp://user:password@host:port/vhost/destination} (or
 * {@code amqps://}); with one path segment, {@code amqp://host/destination}, the vhost is {@code /}.
 * The vhost is URL-encoded as RabbitMQ's own URIs have it ({@code %2F} for {@code /}).
 *
 * <p>A cluster: {@code amqp://user:password@host1:5672,host2:5672,host3:5672/vhost/destination},
 * every node (or any several) separated by commas, each with its port (5672, or 5671 for
 * {@code amqps://}, when absent), names or IPv4 addresses (no IPv6 literal in a list); user,
 * password, vhost and TLS are the same for all. Each of the
 * channel's connections goes to one of them, tried in a random order (amqp-client's
 * {@code newConnection(List<Address>)}), and a connection that a node's stop closes recovers to
 * another one that answers. Quorum queues ({@code queueType=quorum}) are what keeps the messages
 * when a node goes: the cluster decides how many replicas a new one gets (every node of the
 * cluster by default; {@code default_quorum_initial_group_size} in the server's
 * {@code advanced.config}); the channel sets no {@code x-quorum-initial-group-size}, a queue
 * argument that could never change after the declaration and would conflict with the queues
 * other applications declared.
 *
 * <p>Two URI parameters choose how consumer groups map onto RabbitMQ ({@link GroupMode}):
 * {@code groups=queue} (the default: the destination is one queue that every consumer shares) or
 * {@code groups=exchange} (the destination is an exchange, each group a queue bound to it), and,
 * in exchange mode only, {@code requiredGroups=billing,audit}: the groups whose queues are
 * declared when the channel opens, so that nothing sent before their consumers start is lost.
 *
 * <p>A third, {@code queueType=quorum}, declares every queue that holds the channel's messages
 * (the queue, each group's queue, the dead-letter queue) as a quorum queue ({@link QueueType}).
 *
 * <p>{@code maxMessageSize=1048576} tells the channel the broker's {@code max_message_size} (in
 * bytes; RabbitMQ's default, 128 MiB, when absent), which RabbitMQ never tells a client: a larger
 * payload is answered TOO_LARGE and never sent, where the broker would close the channel.
 *
 * @param brokerUri      the URI of the (first) broker and vhost, without the destination, for the client library
 * @param addresses      every host and port the URI names; one but for a cluster
 * @param vhost          the vhost, decoded
 * @param destination    the queue (queue mode) or the exchange (exchange mode)
 * @param mode           how groups map onto the broker
 * @param requiredGroups the groups whose queues are declared at open; empty in queue mode
 * @param queueType      the type of the queues the channel declares
 * @param maxMessageSize the broker's largest message, in bytes
 */
record RabbitMqEndpoint(URI brokerUri, List<com.rabbitmq.client.Address> addresses, String vhost, String destination, GroupMode mode, List<String> requiredGroups,
                        QueueType queueType, int maxMessageSize) {

    /** The URI parameter that chooses the {@link GroupMode}. */
    static final String GROUPS = "groups";
    /** The URI parameter that names the groups declared at open (exchange mode). */
    static final String REQUIRED_GROUPS = "requiredGroups";
    /** The URI parameter that chooses the {@link QueueType}. */
    static final String QUEUE_TYPE = "queueType";
    /** The URI parameter that gives the broker's {@code max_message_size}. */
    static final String MAX_MESSAGE_SIZE = "maxMessageSize";
    /** RabbitMQ's default {@code max_message_size}: 128 MiB. */
    static final int DEFAULT_MAX_MESSAGE_SIZE = 128 * 1024 * 1024;

    /** The type of the queues a channel declares. */
    enum QueueType {
        /**
         * {@code queueType=classic}, the default: queues are declared without {@code x-queue-type},
         * so the broker's default (classic) applies; an existing quorum queue of that name is a
         * conflict, since a classic-queue consumer cannot read it (global {@code basic.qos}).
         */
        CLASSIC("classic"),
        /**
         * {@code queueType=quorum}: {@code x-queue-type=quorum}, durable; the broker counts
         * deliveries ({@code x-delivery-count}) and dead-letters past {@code x-delivery-limit}.
         * An existing queue of that name of another type is a conflict.
         */
        QUORUM("quorum");

        private final String value;

        QueueType(String value) {
            this.value = value;
        }

        /** @return the value of the {@code queueType} URI parameter */
        String value() {
            return value;
        }
    }

    /** How consumer groups map onto RabbitMQ. */
    enum GroupMode {
        /**
         * {@code groups=queue}, the default: the destination is one durable queue named like it, as
         * an existing queue of that name is consumed today; every consumer shares it whatever its
         * group, so a channel refuses a second group.
         */
        QUEUE("queue"),
        /**
         * {@code groups=exchange}: the destination is a durable topic exchange; each group gets a
         * durable queue {@code <destination>.<group>} bound to it with {@code #} (the layout of
         * Spring Cloud Stream's RabbitMQ binder), so each group receives every message and its
         * members share them.
         */
        EXCHANGE("exchange");

        private final String value;

        GroupMode(String value) {
            this.value = value;
        }

        /** @return the value of the {@code groups} URI parameter */
        String value() {
            return value;
        }
    }

    RabbitMqEndpoint {
        requiredGroups = List.copyOf(requiredGroups);
        addresses = List.copyOf(addresses);
    }

    static RabbitMqEndpoint of(ChannelSpec spec) {
        spec.requireKnownParameters(Set.of(GROUPS, REQUIRED_GROUPS, QUEUE_TYPE, MAX_MESSAGE_SIZE));
        URI uri = spec.uri();
        List<com.rabbitmq.client.Address> addresses = addresses(spec);
        String raw = uri.getRawPath() == null ? "" : uri.getRawPath();
        String[] segments = raw.startsWith("/") ? raw.substring(1).split("/", -1) : raw.split("/", -1);
        String vhost;
        String destination;
        if (segments.length == 1 && !segments[0].isEmpty()) {
            vhost = "/";
            destination = decode(segments[0]);
        } else if (segments.length == 2 && !segments[1].isEmpty()) {
            vhost = segments[0].isEmpty() ? "/" : decode(segments[0]);
            destination = decode(segments[1]);
        } else {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") names no queue; expected amqp://host:5672/vhost/destination");
        }
        GroupMode mode = mode(spec);
        List<String> required = requiredGroups(spec, mode);
        try {
            com.rabbitmq.client.Address first = addresses.get(0);
            String host = first.getHost().contains(":") ? "[" + first.getHost() + "]" : first.getHost();
            URI broker = new URI(uri.getScheme() + "://" + (userInfo(uri) == null ? "" : userInfo(uri) + "@")
                    + host + ":" + first.getPort() + "/"
                    + java.net.URLEncoder.encode(vhost, StandardCharsets.UTF_8));
            return new RabbitMqEndpoint(broker, addresses, vhost, destination, mode, required, queueType(spec), maxMessageSize(spec));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") is not a broker address: " + e.getMessage(), e);
        }
    }

    private static String userInfo(URI uri) {
        if (uri.getRawUserInfo() != null) {
            return uri.getRawUserInfo();
        }
        String authority = uri.getRawAuthority(); // a host list is no server authority: java.net.URI leaves it whole
        int at = authority == null ? -1 : authority.lastIndexOf('@');
        return at < 0 ? null : authority.substring(0, at);
    }

    /**
     * The host and port of one broker ({@code amqp://host:5672/...}) or of several
     * ({@code amqp://host1:5672,host2:5673/...}).
     */
    private static List<com.rabbitmq.client.Address> addresses(ChannelSpec spec) {
        URI uri = spec.uri();
        int defaultPort = "amqps".equals(spec.scheme()) ? 5671 : 5672;
        String expected = "expected amqp://host:5672/vhost/destination, or amqp://host1:5672,host2:5672/vhost/destination for a cluster";
        if (uri.getHost() != null) {
            return List.of(new com.rabbitmq.client.Address(uri.getHost().replaceAll("^\\[|\\]$", ""),
                    uri.getPort() > 0 ? uri.getPort() : defaultPort));
        }
        String authority = uri.getRawAuthority();
        String hosts = authority == null ? "" : authority.substring(authority.lastIndexOf('@') + 1);
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") names no host; " + expected);
        }
        List<com.rabbitmq.client.Address> addresses = new ArrayList<>();
        for (String part : hosts.split(",", -1)) {
            // A name or an IPv4 address: java.net.URI takes no IPv6 literal in a list of hosts.
            int colon = part.indexOf(':');
            String host = colon < 0 ? part : part.substring(0, colon);
            if (host.isEmpty() || !host.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") has " + (host.isEmpty() ? "an empty host"
                        : "a host that is no host name or address ('" + host + "')") + " in its host list '" + hosts + "'; " + expected);
            }
            int port = colon < 0 ? defaultPort : port(spec, host, part.substring(colon + 1));
            addresses.add(new com.rabbitmq.client.Address(host, port));
        }
        return List.copyOf(addresses);
    }

    private static int port(ChannelSpec spec, String host, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 1 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("uri (" + spec.redactedUri() + "): the port of host " + host + " (" + value
                + ") must be a whole number from 1 to 65535");
    }

    private static GroupMode mode(ChannelSpec spec) {
        String value = spec.queryParameter(GROUPS).orElse(GroupMode.QUEUE.value());
        for (GroupMode m : GroupMode.values()) {
            if (m.value().equals(value)) {
                return m;
            }
        }
        throw new IllegalArgumentException("uri parameter " + GROUPS + " (" + value + ") must be 'queue' (one queue that every"
                + " consumer shares, the default) or 'exchange' (an exchange with a queue per group)");
    }

    private static QueueType queueType(ChannelSpec spec) {
        String value = spec.queryParameter(QUEUE_TYPE).orElse(QueueType.CLASSIC.value());
        for (QueueType t : QueueType.values()) {
            if (t.value().equals(value)) {
                return t;
            }
        }
        throw new IllegalArgumentException("uri parameter " + QUEUE_TYPE + " (" + value + ") must be 'classic' (the default)"
                + " or 'quorum' (replicated queues; the broker counts deliveries and dead-letters past x-delivery-limit)");
    }

    private static int maxMessageSize(ChannelSpec spec) {
        String value = spec.queryParameter(MAX_MESSAGE_SIZE).orElse(Integer.toString(DEFAULT_MAX_MESSAGE_SIZE));
        try {
            int bytes = Integer.parseInt(value);
            if (bytes >= 1 && bytes <= 512 * 1024 * 1024) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("uri parameter " + MAX_MESSAGE_SIZE + " (" + value + ") must be a whole number of bytes"
                + " from 1 to 536870912 (RabbitMQ's max_message_size; 134217728 when absent)");
    }

    /** @return true when the channel's queues are quorum queues */
    boolean quorum() {
        return queueType == QueueType.QUORUM;
    }

    private static List<String> requiredGroups(ChannelSpec spec, GroupMode mode) {
        java.util.Optional<String> value = spec.queryParameter(REQUIRED_GROUPS);
        if (value.isEmpty()) {
            return List.of();
        }
        if (mode != GroupMode.EXCHANGE) {
            throw new IllegalArgumentException("uri parameter " + REQUIRED_GROUPS + " (" + value.get() + ") needs " + GROUPS
                    + "=exchange: in queue mode the destination is one queue, declared at open anyway");
        }
        Set<String> groups = new LinkedHashSet<>();
        for (String g : value.get().split(",", -1)) {
            String group = g.trim(); // the query is decoded already
            if (group.isEmpty()) {
                throw new IllegalArgumentException("uri parameter " + REQUIRED_GROUPS + " (" + value.get()
                        + ") names an empty group; expected group names separated by commas");
            }
            groups.add(group);
        }
        return new ArrayList<>(groups);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** @return the queue that group {@code group} consumes: the destination itself, or {@code <destination>.<group>} */
    String queueOf(String group) {
        return mode == GroupMode.QUEUE ? destination : destination + "." + group;
    }

    /** @return host and port, or every host and port of a cluster separated by commas, for messages */
    String address() {
        return addresses.stream().map(a -> a.getHost() + ":" + a.getPort()).collect(java.util.stream.Collectors.joining(","));
    }

    /** @return true when the URI names several brokers (the nodes of a cluster) */
    boolean cluster() {
        return addresses.size() > 1;
    }
}
