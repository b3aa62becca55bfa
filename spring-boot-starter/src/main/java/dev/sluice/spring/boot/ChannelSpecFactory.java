package dev.sluice.spring.boot;

import dev.sluice.BacklogLimit;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Overflow;
import dev.sluice.ProducerPolicy;
import dev.sluice.RateLimit;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Turns the properties of one channel into a {@link ChannelSpec}, one step at a time, so that a
 * value the Sluice API refuses fails with the full property name, the value and the API's reason
 * ({@code sluice.channels.orders.producer.soft-limit = 12000: softLimit (12000) must not exceed
 * capacity (10000)}). Spring Boot's failure analyzer prints it as the start-up error.
 */
public final class ChannelSpecFactory {

    private ChannelSpecFactory() {
    }

    /**
     * @param name the channel's name under {@code sluice.channels}
     * @throws InvalidConfigurationPropertyValueException naming the first bad property and its value
     */
    public static ChannelSpec create(String name, SluiceProperties.Channel channel) {
        String prefix = "sluice.channels." + name + ".";
        if (channel.getUri() == null || channel.getUri().isBlank()) {
            throw new InvalidConfigurationPropertyValueException(prefix + "uri", channel.getUri(),
                    "every channel needs a broker URI, e.g. redis://127.0.0.1:6379/" + name + " or mem://local/" + name);
        }
        ChannelSpec spec = step(prefix + "uri", channel.getUri(), () -> ChannelSpec.of(channel.getUri()));
        if (channel.getConnectTimeout() != null) {
            ChannelSpec s = spec;
            spec = step(prefix + "connect-timeout", channel.getConnectTimeout(), () -> s.connectTimeout(channel.getConnectTimeout()));
        }
        if (channel.getCloseTimeout() != null) {
            ChannelSpec s = spec;
            spec = step(prefix + "close-timeout", channel.getCloseTimeout(), () -> s.closeTimeout(channel.getCloseTimeout()));
        }
        for (Map.Entry<String, String> e : channel.getNativeSettings().entrySet()) {
            ChannelSpec s = spec;
            spec = step(prefix + "native-settings." + e.getKey(), e.getValue(), () -> s.nativeSetting(e.getKey(), e.getValue()));
        }
        spec = spec.producer(producer(prefix + "producer.", channel.getProducer()));
        spec = spec.consumer(consumer(prefix + "consumer.", channel.getConsumer()));
        BacklogLimit backlog = backlog(prefix + "backlog.", channel.getBacklog());
        if (backlog != null) {
            spec = spec.backlog(backlog);
        }
        return spec;
    }

    private static ProducerPolicy producer(String prefix, SluiceProperties.Producer p) {
        ProducerPolicy policy = p.getCapacity() == null ? ProducerPolicy.defaults()
                : step(prefix + "capacity", p.getCapacity(), () -> ProducerPolicy.buffer(p.getCapacity()));
        if (p.getSoftLimit() != null) {
            ProducerPolicy q = policy;
            policy = step(prefix + "soft-limit", p.getSoftLimit(), () -> q.softLimit(p.getSoftLimit()));
        }
        if (p.getLowWatermark() != null) {
            ProducerPolicy q = policy;
            policy = step(prefix + "low-watermark", p.getLowWatermark(), () -> q.lowWatermark(p.getLowWatermark()));
        }
        if (p.getMaxWait() != null && p.getOverflow() != null && p.getOverflow() != SluiceProperties.OverflowPolicy.BLOCK) {
            throw new InvalidConfigurationPropertyValueException(prefix + "max-wait", p.getMaxWait(),
                    "max-wait applies only to overflow=block, and overflow is " + p.getOverflow());
        }
        if (p.getOverflow() != null || p.getMaxWait() != null) {
            SluiceProperties.OverflowPolicy kind = p.getOverflow() == null ? SluiceProperties.OverflowPolicy.BLOCK : p.getOverflow();
            Overflow overflow = switch (kind) {
                case BLOCK -> step(prefix + "max-wait", p.getMaxWait(),
                        () -> Overflow.block(p.getMaxWait() == null ? Duration.ofSeconds(30) : p.getMaxWait()));
                case DROP_NEWEST -> Overflow.dropNewest();
                case DROP_OLDEST -> Overflow.dropOldest();
                case DROP_RANDOM -> Overflow.dropRandom();
                case DROP_BY_PRIORITY -> Overflow.dropByPriority();
                case FAIL -> Overflow.fail();
            };
            policy = policy.onOverflow(overflow);
        }
        if (p.getMaxInFlight() != null) {
            ProducerPolicy q = policy;
            policy = step(prefix + "max-in-flight", p.getMaxInFlight(), () -> q.maxInFlight(p.getMaxInFlight()));
        }
        RateLimit rate = rateLimit(prefix + "rate-limit.", p.getRateLimit());
        if (rate != null) {
            policy = policy.rateLimit(rate);
        }
        if (p.getBypassRateLimitAtOrAbove() != null) {
            ProducerPolicy q = policy;
            policy = step(prefix + "bypass-rate-limit-at-or-above", p.getBypassRateLimitAtOrAbove(),
                    () -> q.bypassRateLimitAtOrAbove(p.getBypassRateLimitAtOrAbove()));
        }
        if (p.getShedBelowPriority() != null) {
            ProducerPolicy q = policy;
            policy = step(prefix + "shed-below-priority", p.getShedBelowPriority(), () -> q.shedBelowPriority(p.getShedBelowPriority()));
        }
        if (p.getSendRetries() != null) {
            ProducerPolicy q = policy;
            policy = step(prefix + "send-retries", p.getSendRetries(), () -> q.sendRetries(p.getSendRetries()));
        }
        return policy;
    }

    private static ConsumerPolicy consumer(String prefix, SluiceProperties.Consumer c) {
        ConsumerPolicy policy = c.getBatchSize() == null ? ConsumerPolicy.defaults()
                : step(prefix + "batch-size", c.getBatchSize(), () -> ConsumerPolicy.pull(c.getBatchSize()));
        if (c.getMaxInFlight() != null) {
            ConsumerPolicy q = policy;
            policy = step(prefix + "max-in-flight", c.getMaxInFlight(), () -> q.maxInFlight(c.getMaxInFlight()));
        }
        // resume-at first when it is lowered, pause-at first when it is raised: either order must reach any valid pair.
        if (c.getResumeAt() != null && c.getResumeAt() < policy.resumeAt()) {
            policy = resumeAt(prefix, c, policy);
        }
        if (c.getPauseAt() != null) {
            ConsumerPolicy q = policy;
            policy = step(prefix + "pause-at", c.getPauseAt(), () -> q.pauseAt(c.getPauseAt()));
        }
        if (c.getResumeAt() != null && c.getResumeAt() != policy.resumeAt()) {
            policy = resumeAt(prefix, c, policy);
        }
        if (c.getConcurrency() != null) {
            ConsumerPolicy q = policy;
            policy = step(prefix + "concurrency", c.getConcurrency(), () -> q.concurrency(c.getConcurrency()));
        }
        if (c.getMaxAttempts() != null) {
            ConsumerPolicy q = policy;
            policy = step(prefix + "max-attempts", c.getMaxAttempts(), () -> q.maxAttempts(c.getMaxAttempts()));
        }
        if (c.getRedeliveryDelay() != null) {
            ConsumerPolicy q = policy;
            policy = step(prefix + "redelivery-delay", c.getRedeliveryDelay(), () -> q.redeliveryDelay(c.getRedeliveryDelay()));
        }
        if (c.getPollTimeout() != null) {
            ConsumerPolicy q = policy;
            policy = step(prefix + "poll-timeout", c.getPollTimeout(), () -> q.pollTimeout(c.getPollTimeout()));
        }
        if (c.getDeadLetter() != null) {
            ConsumerPolicy q = policy;
            policy = step(prefix + "dead-letter", c.getDeadLetter(), () -> q.deadLetter(c.getDeadLetter()));
        }
        RateLimit rate = rateLimit(prefix + "rate-limit.", c.getRateLimit());
        if (rate != null) {
            policy = policy.rateLimit(rate);
        }
        return policy;
    }

    private static ConsumerPolicy resumeAt(String prefix, SluiceProperties.Consumer c, ConsumerPolicy policy) {
        return step(prefix + "resume-at", c.getResumeAt(), () -> policy.resumeAt(c.getResumeAt()));
    }

    private static RateLimit rateLimit(String prefix, SluiceProperties.RateLimit r) {
        if (r.getPerSecond() == null) {
            if (r.getBurst() != null) {
                throw new InvalidConfigurationPropertyValueException(prefix + "burst", r.getBurst(),
                        "burst needs " + prefix + "per-second");
            }
            return null;
        }
        RateLimit rate = step(prefix + "per-second", r.getPerSecond(), () -> RateLimit.tokenBucket(r.getPerSecond()));
        if (r.getBurst() != null) {
            RateLimit q = rate;
            rate = step(prefix + "burst", r.getBurst(), () -> q.burst(r.getBurst()));
        }
        return rate;
    }

    private static BacklogLimit backlog(String prefix, SluiceProperties.Backlog b) {
        if (b.getMaxLength() == null) {
            if (b.getWhenFull() != null || b.getExact() != null) {
                String property = b.getWhenFull() != null ? "when-full" : "exact";
                Object value = b.getWhenFull() != null ? b.getWhenFull() : b.getExact();
                throw new InvalidConfigurationPropertyValueException(prefix + property, value,
                        property + " needs " + prefix + "max-length");
            }
            return b.getMaxAge() == null ? null : step(prefix + "max-age", b.getMaxAge(), () -> BacklogLimit.maxAge(b.getMaxAge()));
        }
        BacklogLimit limit = step(prefix + "max-length", b.getMaxLength(), () -> BacklogLimit.maxLength(b.getMaxLength()));
        if (b.getWhenFull() == SluiceProperties.WhenFull.REJECT_NEWEST) {
            limit = limit.rejectNewest();
        }
        if (Boolean.TRUE.equals(b.getExact())) {
            limit = limit.exact();
        }
        if (b.getMaxAge() != null) {
            BacklogLimit q = limit;
            limit = step(prefix + "max-age", b.getMaxAge(), () -> q.andMaxAge(b.getMaxAge()));
        }
        return limit;
    }

    private static <T> T step(String property, Object value, Supplier<T> apply) {
        try {
            return apply.get();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidConfigurationPropertyValueException(property, value, e.getMessage());
        }
    }
}
