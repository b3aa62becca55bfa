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
 * @param brokerUri      the URI of the broker and vhost, without the destination, for the client library
 * @param vhost          the vhost, decoded
 * @param destination    the queue (queue mode) or the exchange (exchange mode)
 * @param mode           how groups map onto the broker
 * @param requiredGroups the groups whose queues are declared at open; empty in queue mode
 * @param queueType      the type of the queues the channel declares
 * @param maxMessageSize the broker's largest message, in bytes
 */
record RabbitMqEndpoint(URI brokerUri, String vhost, String destination, GroupMode mode, List<String> requiredGroups,
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
    }

    static RabbitMqEndpoint of(ChannelSpec spec) {
        spec.requireKnownParameters(Set.of(GROUPS, REQUIRED_GROUPS, QUEUE_TYPE, MAX_MESSAGE_SIZE));
        URI uri = spec.uri();
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") names no host; expected amqp://host:5672/vhost/destination");
        }
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
            URI broker = new URI(uri.getScheme() + "://" + (uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@")
                    + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + "/"
                    + java.net.URLEncoder.encode(vhost, StandardCharsets.UTF_8));
            return new RabbitMqEndpoint(broker, vhost, destination, mode, required, queueType(spec), maxMessageSize(spec));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") is not a broker address: " + e.getMessage(), e);
        }
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

    /** @return host and port, for messages */
    String address() {
        return brokerUri.getHost() + ":" + (brokerUri.getPort() > 0 ? brokerUri.getPort() : 5672);
    }
}
