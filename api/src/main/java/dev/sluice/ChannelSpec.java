package dev.sluice;

import dev.sluice.flow.Ticker;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything needed to open a {@link BackpressureChannel}: the broker URI, which also names the
 * destination ({@code redis://127.0.0.1:6379/orders?group=billing}), the producer and consumer
 * policies, an optional broker-side backlog limit, timeouts, and native client settings passed
 * through untouched so that no knob of the client is out of reach.
 *
 * <p>Immutable and thread-safe; every step returns a new spec and validates its argument at
 * once, with an {@link IllegalArgumentException} that names the parameter and shows the value.
 */
public final class ChannelSpec {

    private final URI uri;
    private final ProducerPolicy producer;
    private final ConsumerPolicy consumer;
    private final BacklogLimit backlog;
    private final Duration connectTimeout;
    private final Duration closeTimeout;
    private final Map<String, String> nativeSettings;
    private final Ticker ticker;

    private ChannelSpec(URI uri, ProducerPolicy producer, ConsumerPolicy consumer, BacklogLimit backlog,
                        Duration connectTimeout, Duration closeTimeout, Map<String, String> nativeSettings,
                        Ticker ticker) {
        this.ticker = ticker;
        this.uri = uri;
        this.producer = producer;
        this.consumer = consumer;
        this.backlog = backlog;
        this.connectTimeout = connectTimeout;
        this.closeTimeout = closeTimeout;
        this.nativeSettings = nativeSettings;
    }

    /**
     * @param uri an absolute URI whose scheme picks the adapter ({@code kafka}, {@code amqp},
     *            {@code amqps}, {@code sqs}, {@code redis}, {@code rediss}, {@code mem})
     * @throws IllegalArgumentException when it does not parse or has no scheme
     */
    public static ChannelSpec of(String uri) {
        Objects.requireNonNull(uri, "uri");
        try {
            return of(new URI(uri));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("uri (" + uri + ") is not a valid URI: " + e.getReason(), e);
        }
    }

    /** @see #of(String) */
    public static ChannelSpec of(URI uri) {
        Objects.requireNonNull(uri, "uri");
        if (uri.getScheme() == null) {
            throw new IllegalArgumentException("uri (" + uri + ") has no scheme; expected e.g. kafka://host:9092/topic");
        }
        return new ChannelSpec(uri, ProducerPolicy.defaults(), ConsumerPolicy.defaults(), null,
                Duration.ofSeconds(10), Duration.ofSeconds(30), Map.of(), Ticker.system());
    }

    public ChannelSpec producer(ProducerPolicy producer) {
        Objects.requireNonNull(producer, "producer");
        return new ChannelSpec(uri, producer, consumer, backlog, connectTimeout, closeTimeout, nativeSettings, ticker);
    }

    public ChannelSpec consumer(ConsumerPolicy consumer) {
        Objects.requireNonNull(consumer, "consumer");
        consumer.validate();
        return new ChannelSpec(uri, producer, consumer, backlog, connectTimeout, closeTimeout, nativeSettings, ticker);
    }

    public ChannelSpec backlog(BacklogLimit backlog) {
        Objects.requireNonNull(backlog, "backlog");
        return new ChannelSpec(uri, producer, consumer, backlog, connectTimeout, closeTimeout, nativeSettings, ticker);
    }

    /** @param timeout how long opening the channel may take before it fails; positive */
    public ChannelSpec connectTimeout(Duration timeout) {
        Validation.positive("connectTimeout", timeout);
        return new ChannelSpec(uri, producer, consumer, backlog, timeout, closeTimeout, nativeSettings, ticker);
    }

    /** @param timeout how long {@code close()} waits for buffered sends and running handlers; not negative */
    public ChannelSpec closeTimeout(Duration timeout) {
        Validation.notNegative("closeTimeout", timeout);
        return new ChannelSpec(uri, producer, consumer, backlog, connectTimeout, timeout, nativeSettings, ticker);
    }

    /** Passes one setting to the native client unchanged (e.g. {@code linger.ms} for Kafka). */
    public ChannelSpec nativeSetting(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isBlank()) {
            throw new IllegalArgumentException("nativeSetting name (\"" + name + "\") must not be blank");
        }
        Map<String, String> copy = new LinkedHashMap<>(nativeSettings);
        copy.put(name, value);
        return new ChannelSpec(uri, producer, consumer, backlog, connectTimeout, closeTimeout,
                Collections.unmodifiableMap(copy), ticker);
    }

    /**
     * The clock of the channel's rate limiters and producer waits: {@link Ticker#system()}
     * by default; a {@link dev.sluice.flow.ManualTicker} lets a test (on {@code mem://}, say) move
     * time itself instead of waiting.
     */
    public ChannelSpec ticker(Ticker ticker) {
        Objects.requireNonNull(ticker, "ticker");
        return new ChannelSpec(uri, producer, consumer, backlog, connectTimeout, closeTimeout, nativeSettings, ticker);
    }

    /** @return the clock of the channel's rate limiters and producer waits */
    public Ticker ticker() {
        return ticker;
    }

    public URI uri() {
        return uri;
    }

    /** @return the URI's scheme in lower case */
    public String scheme() {
        return uri.getScheme().toLowerCase(Locale.ROOT);
    }

    /**
     * @return the destination named by the URI's path without its leading slash (topic, queue,
     *     stream), or empty when the path names none
     */
    public Optional<String> destination() {
        String path = uri.getPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            return Optional.empty();
        }
        return Optional.of(path.startsWith("/") ? path.substring(1) : path);
    }

    /** @return the value of one query parameter of the URI ({@code ?group=billing}), if present */
    public Optional<String> queryParameter(String name) {
        String query = uri.getQuery();
        if (query == null) {
            return Optional.empty();
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return Optional.of(eq < 0 ? "" : pair.substring(eq + 1));
            }
        }
        return Optional.empty();
    }

    /**
     * Refuses a URI parameter the adapter does not know, so that a typo never passes silently.
     *
     * @param known the parameters the adapter reads
     * @throws IllegalArgumentException naming the unknown parameter and listing the known ones
     */
    public void requireKnownParameters(java.util.Set<String> known) {
        String query = uri.getQuery();
        if (query == null || query.isEmpty()) {
            return;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (!known.contains(key)) {
                throw new IllegalArgumentException("uri parameter '" + key + "' is not known to " + scheme() + "://; "
                        + (known.isEmpty() ? "it takes none" : "known: " + String.join(", ", new java.util.TreeSet<>(known))));
            }
        }
    }

    public ProducerPolicy producer() {
        return producer;
    }

    public ConsumerPolicy consumer() {
        return consumer;
    }

    public Optional<BacklogLimit> backlog() {
        return Optional.ofNullable(backlog);
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** @return the native client settings, unmodifiable */
    public Map<String, String> nativeSettings() {
        return nativeSettings;
    }

    @Override
    public String toString() {
        return "ChannelSpec[" + redactedUri() + ", " + producer + ", " + consumer
                + (backlog == null ? "" : ", " + backlog) + "]";
    }

    /**
     * @return the URI with any password replaced by {@code ***}, for messages and logs; user
     *     information without a colon ({@code redis://secret@host}, which Redis reads as a password)
     *     is hidden whole
     */
    public String redactedUri() {
        String info = uri.getRawUserInfo();
        String authority = uri.getRawAuthority();
        if (info == null && authority != null && authority.contains("@")) {
            info = authority.substring(0, authority.lastIndexOf('@')); // a host list (redis-cluster://a:1,b:2) is no server authority
        }
        if (info == null || info.isEmpty()) {
            return uri.toString();
        }
        String hidden = info.contains(":") ? info.substring(0, info.indexOf(':')) + ":***" : "***";
        return uri.toString().replace(info + "@", hidden + "@");
    }
}
