package dev.sluice.sqs;

import dev.sluice.ChannelSpec;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Where a channel's queue is: {@code sqs://host[:port]/queue?region=us-east-1}. The endpoint is
 * {@code https://host:port}, or {@code http://} for a loopback host (ElasticMQ, LocalStack) or
 * with {@code secure=false}. Credentials come from the SDK's default chain; a loopback endpoint
 * without any uses placeholder ones, as local SQS servers accept anything. Query parameters:
 * <ul>
 *   <li>{@code region}: the AWS region; default {@code us-east-1};
 *   <li>{@code visibilityTimeout}: seconds, for a queue this channel creates; default 30.
 * </ul>
 */
record SqsEndpoint(URI endpoint, Region region, String queue, int visibilityTimeoutSeconds, boolean visibilityGiven,
                   boolean local) {

    static SqsEndpoint of(ChannelSpec spec) {
        spec.requireKnownParameters(java.util.Set.of("region", "visibilityTimeout", "secure"));
        if (!spec.nativeSettings().isEmpty()) {
            throw new IllegalArgumentException("native settings " + spec.nativeSettings().keySet() + " are not known to sqs://:"
                    + " it takes none; its settings are URI parameters");
        }
        URI uri = spec.uri();
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") names no host; expected sqs://host:port/queue?region=...");
        }
        String queue = spec.destination().orElseThrow(() -> new IllegalArgumentException(
                "uri (" + spec.redactedUri() + ") names no queue; expected sqs://host:port/queue?region=..."));
        if (queue.contains("/")) {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") names queue '" + queue + "', which has a '/'");
        }
        boolean local = isLoopback(uri.getHost());
        boolean secure = spec.queryParameter("secure").map(v -> !v.equals("false")).orElse(!local);
        String region = spec.queryParameter("region").orElse("us-east-1");
        int visibility = spec.queryParameter("visibilityTimeout").map(v -> {
            try {
                int s = Integer.parseInt(v);
                if (s >= 0 && s <= 43_200) {
                    return s;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("visibilityTimeout (" + v + ") must be whole seconds from 0 to 43200");
        }).orElse(30);
        URI endpoint = URI.create((secure ? "https://" : "http://") + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : ""));
        return new SqsEndpoint(endpoint, Region.of(region), queue, visibility,
                spec.queryParameter("visibilityTimeout").isPresent(), local);
    }

    private static boolean isLoopback(String host) {
        try {
            return host.equals("localhost") || InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** @return a client for this endpoint, its calls bounded by {@code timeout} */
    SqsClient client(Duration timeout) {
        AwsCredentialsProvider credentials = local && System.getenv("AWS_ACCESS_KEY_ID") == null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("sluice", "sluice"))
                : DefaultCredentialsProvider.builder().build();
        return SqsClient.builder()
                .endpointOverride(endpoint)
                .region(region)
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(timeout)
                        .socketTimeout(Duration.ofSeconds(25).plus(timeout)) // long polls last up to 20 s
                        .build())
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(25).plus(timeout)))
                .build();
    }

    /** @return this endpoint with the visibility timeout an existing queue has */
    SqsEndpoint withVisibility(int seconds) {
        return new SqsEndpoint(endpoint, region, queue, seconds, visibilityGiven, local);
    }

    boolean fifo() {
        return queue.endsWith(".fifo");
    }
}
