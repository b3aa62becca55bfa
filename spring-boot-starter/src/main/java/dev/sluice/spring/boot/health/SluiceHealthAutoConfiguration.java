package dev.sluice.spring.boot.health;

import dev.sluice.BackpressureChannel;
import dev.sluice.spring.boot.SluiceAutoConfiguration;
import dev.sluice.spring.boot.SluiceProperties;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * A health indicator per channel, grouped under {@code sluice}: {@code /actuator/health/sluice}
 * and {@code /actuator/health/sluice/<channel>}. Off with
 * {@code management.health.sluice.enabled=false}.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnEnabledHealthIndicator("sluice")
public class SluiceHealthAutoConfiguration {

    /** One {@link ChannelHealthIndicator} per channel bean, by bean name. */
    @Bean
    CompositeHealthContributor sluiceHealthContributor(Map<String, BackpressureChannel> channels, SluiceProperties properties) {
        Map<String, ChannelHealthIndicator> indicators = new LinkedHashMap<>();
        channels.forEach((name, channel) -> {
            SluiceProperties.Channel config = properties.getChannels().get(name);
            Long at = config == null ? null : config.getHealth().getBacklogDegradedAt();
            indicators.put(name, new ChannelHealthIndicator(channel, at == null ? Long.MAX_VALUE : at));
        });
        return CompositeHealthContributor.fromMap(indicators);
    }
}
