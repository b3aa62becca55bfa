package dev.sluice.rabbitmq;

import dev.sluice.ChannelSpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where a channel's queue is: {@code amqp://user:password@host:port/vhost/queue} (or
 * {@code amqps://}); with one path segment, {@code amqp://host/queue}, the vhost is {@code /}.
 * The vhost is URL-encoded as RabbitMQ's own URIs have it ({@code %2F} for {@code /}).
 *
 * @param brokerUri the URI of the broker and vhost, without the queue, for the client library
 * @param vhost     the vhost, decoded
 * @param queue     the queue
 */
record RabbitMqEndpoint(URI brokerUri, String vhost, String queue) {

    static RabbitMqEndpoint of(ChannelSpec spec) {
        spec.requireKnownParameters(java.util.Set.of());
        URI uri = spec.uri();
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") names no host; expected amqp://host:5672/vhost/queue");
        }
        String raw = uri.getRawPath() == null ? "" : uri.getRawPath();
        String[] segments = raw.startsWith("/") ? raw.substring(1).split("/", -1) : raw.split("/", -1);
        String vhost;
        String queue;
        if (segments.length == 1 && !segments[0].isEmpty()) {
            vhost = "/";
            queue = decode(segments[0]);
        } else if (segments.length == 2 && !segments[1].isEmpty()) {
            vhost = segments[0].isEmpty() ? "/" : decode(segments[0]);
            queue = decode(segments[1]);
        } else {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") names no queue; expected amqp://host:5672/vhost/queue");
        }
        try {
            URI broker = new URI(uri.getScheme() + "://" + (uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo() + "@")
                    + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + "/"
                    + java.net.URLEncoder.encode(vhost, StandardCharsets.UTF_8));
            return new RabbitMqEndpoint(broker, vhost, queue);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") is not a broker address: " + e.getMessage(), e);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** @return host and port, for messages */
    String address() {
        return brokerUri.getHost() + ":" + (brokerUri.getPort() > 0 ? brokerUri.getPort() : 5672);
    }
}
