package dev.sluice.spring.boot.web;

import dev.sluice.BackpressureChannel;
import dev.sluice.spring.boot.SluiceAutoConfiguration;
import dev.sluice.spring.boot.SluiceProperties;
import jakarta.servlet.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * In a servlet application, the {@link BackpressureFilter} for every channel with
 * {@code sluice.channels.<name>.http.paths}; registered only when at least one channel names paths.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({Filter.class, OncePerRequestFilter.class})
public class SluiceWebAutoConfiguration {

    /** The filter, early in the chain (after Boot's request observation, so 429s are measured). */
    @Bean
    FilterRegistrationBean<BackpressureFilter> sluiceBackpressureFilter(SluiceProperties properties,
                                                                        Map<String, BackpressureChannel> channels) {
        List<BackpressureFilter.Guard> guards = new ArrayList<>();
        properties.getChannels().forEach((name, config) -> {
            BackpressureChannel channel = channels.get(name);
            if (channel != null && !config.getHttp().getPaths().isEmpty()) {
                guards.add(new BackpressureFilter.Guard(name, channel, config.getHttp().getPaths()));
            }
        });
        FilterRegistrationBean<BackpressureFilter> registration = new FilterRegistrationBean<>(new BackpressureFilter(guards));
        registration.setName("sluiceBackpressureFilter");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 50);
        registration.setEnabled(!guards.isEmpty());
        return registration;
    }
}
