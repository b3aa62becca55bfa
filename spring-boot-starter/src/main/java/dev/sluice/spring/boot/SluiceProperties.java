package dev.sluice.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code sluice.*} properties: one entry under {@code sluice.channels} per channel, keyed by
 * the channel's name (which is also its bean name). Every policy setting left out keeps the
 * Sluice API's default; every value is checked at start-up and a bad one fails the start with
 * the property's name and value.
 *
 * <pre>
 * sluice:
 *   channels:
 *     orders:
 *       uri: redis://127.0.0.1:6379/orders
 *       producer: { capacity: 1000, soft-limit: 800, overflow: drop-newest, rate-limit: { per-second: 200, burst: 50 } }
 *       consumer: { batch-size: 10, max-in-flight: 20, max-attempts: 5 }
 *       backlog: { max-length: 100000, when-full: drop-oldest }
 *       health: { backlog-degraded-at: 500 }
 *       http: { paths: [/orders] }
 * </pre>
 */
@ConfigurationProperties("sluice")
public class SluiceProperties {

    /** The channels, by name; each becomes a BackpressureChannel bean of that name. */
    private Map<String, Channel> channels = new LinkedHashMap<>();

    /** Metrics settings. */
    private final Metrics metrics = new Metrics();

    public Map<String, Channel> getChannels() {
        return channels;
    }

    public void setChannels(Map<String, Channel> channels) {
        this.channels = channels;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    /** {@code sluice.metrics.*}. */
    public static class Metrics {
        /** Whether the channels' Micrometer meters are bound when a MeterRegistry is present. */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** {@code sluice.channels.<name>.*}: one channel. */
    public static class Channel {
        /** The broker URI, which names the destination: kafka://, amqp://, sqs://, redis://, mem://. Required. */
        private String uri;
        /** How long opening the channel may take before the start fails. */
        private Duration connectTimeout;
        /** How long closing waits for buffered sends and running handlers. */
        private Duration closeTimeout;
        /** Settings passed to the native client unchanged (e.g. linger.ms for Kafka). */
        private Map<String, String> nativeSettings = new LinkedHashMap<>();
        /** The producer policy. */
        private final Producer producer = new Producer();
        /** The consumer policy. */
        private final Consumer consumer = new Consumer();
        /** The broker-side backlog limit; none unless max-length or max-age is set. */
        private final Backlog backlog = new Backlog();
        /** Health indicator settings. */
        private final Health health = new Health();
        /** HTTP 429 filter settings. */
        private final Http http = new Http();

        public String getUri() {
            return uri;
        }

        public void setUri(String uri) {
            this.uri = uri;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getCloseTimeout() {
            return closeTimeout;
        }

        public void setCloseTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
        }

        public Map<String, String> getNativeSettings() {
            return nativeSettings;
        }

        public void setNativeSettings(Map<String, String> nativeSettings) {
            this.nativeSettings = nativeSettings;
        }

        public Producer getProducer() {
            return producer;
        }

        public Consumer getConsumer() {
            return consumer;
        }

        public Backlog getBacklog() {
            return backlog;
        }

        public Health getHealth() {
            return health;
        }

        public Http getHttp() {
            return http;
        }
    }

    /** What the producer does when its buffer is full. */
    public enum OverflowPolicy {
        /** send waits for room up to max-wait, then TIMED_OUT. */
        BLOCK,
        /** The new message is refused (REJECTED) and reported as dropped. */
        DROP_NEWEST,
        /** The oldest buffered message is dropped (DISPLACED). */
        DROP_OLDEST,
        /** A random message among the buffered and the new one is dropped. */
        DROP_RANDOM,
        /** The lowest priority is dropped. */
        DROP_BY_PRIORITY,
        /** The new message is refused (REJECTED) and stays the caller's. */
        FAIL
    }

    /** {@code sluice.channels.<name>.producer.*}. */
    public static class Producer {
        /** Messages the producer buffer holds (default 10000). */
        private Integer capacity;
        /** Buffered count at which pressure becomes SOFT and health DEGRADED (default: the capacity). */
        private Integer softLimit;
        /** Buffered count at which pressure returns to NORMAL (default: half the soft limit). */
        private Integer lowWatermark;
        /** What happens when the buffer is full (default block). */
        private OverflowPolicy overflow;
        /** How long send blocks for room under overflow=block (default 30s). */
        private Duration maxWait;
        /** Messages sent to the broker and not yet confirmed (default 1000). */
        private Integer maxInFlight;
        /** Messages at or above this priority skip the rate limit (0-255). */
        private Integer bypassRateLimitAtOrAbove;
        /** Messages below this priority are shed at the soft limit (0-255). */
        private Integer shedBelowPriority;
        /** How often a send failed at the broker is retried (default 10). */
        private Integer sendRetries;
        /** An optional token-bucket rate limit on sends. */
        private final RateLimit rateLimit = new RateLimit();

        public Integer getCapacity() {
            return capacity;
        }

        public void setCapacity(Integer capacity) {
            this.capacity = capacity;
        }

        public Integer getSoftLimit() {
            return softLimit;
        }

        public void setSoftLimit(Integer softLimit) {
            this.softLimit = softLimit;
        }

        public Integer getLowWatermark() {
            return lowWatermark;
        }

        public void setLowWatermark(Integer lowWatermark) {
            this.lowWatermark = lowWatermark;
        }

        public OverflowPolicy getOverflow() {
            return overflow;
        }

        public void setOverflow(OverflowPolicy overflow) {
            this.overflow = overflow;
        }

        public Duration getMaxWait() {
            return maxWait;
        }

        public void setMaxWait(Duration maxWait) {
            this.maxWait = maxWait;
        }

        public Integer getMaxInFlight() {
            return maxInFlight;
        }

        public void setMaxInFlight(Integer maxInFlight) {
            this.maxInFlight = maxInFlight;
        }

        public Integer getBypassRateLimitAtOrAbove() {
            return bypassRateLimitAtOrAbove;
        }

        public void setBypassRateLimitAtOrAbove(Integer bypassRateLimitAtOrAbove) {
            this.bypassRateLimitAtOrAbove = bypassRateLimitAtOrAbove;
        }

        public Integer getShedBelowPriority() {
            return shedBelowPriority;
        }

        public void setShedBelowPriority(Integer shedBelowPriority) {
            this.shedBelowPriority = shedBelowPriority;
        }

        public Integer getSendRetries() {
            return sendRetries;
        }

        public void setSendRetries(Integer sendRetries) {
            this.sendRetries = sendRetries;
        }

        public RateLimit getRateLimit() {
            return rateLimit;
        }
    }

    /** A token bucket: {@code per-second} sustained, {@code burst} at once after a quiet spell. */
    public static class RateLimit {
        /** Messages per second; no rate limit unless set. */
        private Long perSecond;
        /** Bucket capacity (default: one second's worth). */
        private Long burst;

        public Long getPerSecond() {
            return perSecond;
        }

        public void setPerSecond(Long perSecond) {
            this.perSecond = perSecond;
        }

        public Long getBurst() {
            return burst;
        }

        public void setBurst(Long burst) {
            this.burst = burst;
        }
    }

    /** {@code sluice.channels.<name>.consumer.*}. */
    public static class Consumer {
        /** Messages one fetch asks for (default 50). */
        private Integer batchSize;
        /** Deliveries handed out and not yet acked, per consumer (default: the batch size). */
        private Integer maxInFlight;
        /** Fraction of max-in-flight at which fetching pauses (default 1.0). */
        private Double pauseAt;
        /** Fraction of max-in-flight at which fetching resumes (default 0.5). */
        private Double resumeAt;
        /** Handler threads per consumer (default 1). */
        private Integer concurrency;
        /** Deliveries of a message before it is dead-lettered (default 5). */
        private Integer maxAttempts;
        /** Delay before a nacked message is delivered again, where the broker allows (default 0). */
        private Duration redeliveryDelay;
        /** How long one fetch waits for data (default 500ms). */
        private Duration pollTimeout;
        /** The dead-letter destination (default: named by the adapter). */
        private String deadLetter;
        /** An optional token-bucket rate limit on handler invocations. */
        private final RateLimit rateLimit = new RateLimit();

        public Integer getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(Integer batchSize) {
            this.batchSize = batchSize;
        }

        public Integer getMaxInFlight() {
            return maxInFlight;
        }

        public void setMaxInFlight(Integer maxInFlight) {
            this.maxInFlight = maxInFlight;
        }

        public Double getPauseAt() {
            return pauseAt;
        }

        public void setPauseAt(Double pauseAt) {
            this.pauseAt = pauseAt;
        }

        public Double getResumeAt() {
            return resumeAt;
        }

        public void setResumeAt(Double resumeAt) {
            this.resumeAt = resumeAt;
        }

        public Integer getConcurrency() {
            return concurrency;
        }

        public void setConcurrency(Integer concurrency) {
            this.concurrency = concurrency;
        }

        public Integer getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(Integer maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getRedeliveryDelay() {
            return redeliveryDelay;
        }

        public void setRedeliveryDelay(Duration redeliveryDelay) {
            this.redeliveryDelay = redeliveryDelay;
        }

        public Duration getPollTimeout() {
            return pollTimeout;
        }

        public void setPollTimeout(Duration pollTimeout) {
            this.pollTimeout = pollTimeout;
        }

        public String getDeadLetter() {
            return deadLetter;
        }

        public void setDeadLetter(String deadLetter) {
            this.deadLetter = deadLetter;
        }

        public RateLimit getRateLimit() {
            return rateLimit;
        }
    }

    /** What the broker does with a message beyond the maximum length. */
    public enum WhenFull {
        /** The oldest messages are removed to make room. */
        DROP_OLDEST,
        /** The new message is refused. */
        REJECT_NEWEST
    }

    /** {@code sluice.channels.<name>.backlog.*}. */
    public static class Backlog {
        /** Maximum messages waiting at the broker. */
        private Long maxLength;
        /** What happens beyond max-length (default drop-oldest). */
        private WhenFull whenFull;
        /** Keep the length exactly where the broker trims approximately by default. */
        private Boolean exact;
        /** Maximum age of a waiting message. */
        private Duration maxAge;

        public Long getMaxLength() {
            return maxLength;
        }

        public void setMaxLength(Long maxLength) {
            this.maxLength = maxLength;
        }

        public WhenFull getWhenFull() {
            return whenFull;
        }

        public void setWhenFull(WhenFull whenFull) {
            this.whenFull = whenFull;
        }

        public Boolean getExact() {
            return exact;
        }

        public void setExact(Boolean exact) {
            this.exact = exact;
        }

        public Duration getMaxAge() {
            return maxAge;
        }

        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }
    }

    /** {@code sluice.channels.<name>.health.*}. */
    public static class Health {
        /**
         * Broker backlog (depth or lag) at or above which the channel's health is DEGRADED even
         * while the producer is below its soft limit; none unless set.
         */
        private Long backlogDegradedAt;

        public Long getBacklogDegradedAt() {
            return backlogDegradedAt;
        }

        public void setBacklogDegradedAt(Long backlogDegradedAt) {
            this.backlogDegradedAt = backlogDegradedAt;
        }
    }

    /** {@code sluice.channels.<name>.http.*}. */
    public static class Http {
        /**
         * Servlet URL patterns (/orders, /orders/*) answered with 429 Too Many Requests and
         * Retry-After while the channel refuses (rate limited, buffer full, broker blocked).
         */
        private List<String> paths = new ArrayList<>();

        public List<String> getPaths() {
            return paths;
        }

        public void setPaths(List<String> paths) {
            this.paths = paths;
        }
    }
}
