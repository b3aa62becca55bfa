package dev.sluice.spring.boot;

import dev.sluice.micrometer.SluiceMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer meters for every channel the starter declares: a {@link SluiceMetrics} binder, which
 * Spring Boot binds to the application's {@link MeterRegistry} (Actuator's metrics
 * auto-configuration binds every {@code MeterBinder} bean). Nothing is measured while no registry
 * is bound. Off with {@code sluice.metrics.enabled=false}.
 */
@AutoConfiguration(before = SluiceAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, SluiceMetrics.class})
@ConditionalOnProperty(prefix = "sluice.metrics", name = "enabled", matchIfMissing = true)
public class SluiceMetricsAutoConfiguration {

    /** The meters of every starter channel, tagged channel, broker, destination (and group). */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    SluiceMetrics sluiceMetrics() {
        return new SluiceMetrics();
    }
}
