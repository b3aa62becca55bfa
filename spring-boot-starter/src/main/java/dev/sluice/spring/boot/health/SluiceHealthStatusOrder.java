package dev.sluice.spring.boot.health;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Teaches Actuator the {@value ChannelHealthIndicator#DEGRADED_CODE} status: sets
 * {@code management.endpoint.health.status.order} to {@code DOWN, OUT_OF_SERVICE, DEGRADED, UP,
 * UNKNOWN} as a default of the lowest precedence, so that an application that sets its own order
 * keeps it. Without it Actuator's aggregator ignores an unknown status and a degraded channel
 * would show as UNKNOWN in the aggregate.
 */
public class SluiceHealthStatusOrder implements EnvironmentPostProcessor {

    static final String ORDER = "management.endpoint.health.status.order";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty(ORDER) || environment.containsProperty(ORDER + "[0]")) {
            return;
        }
        environment.getPropertySources().addLast(new MapPropertySource("sluiceHealthStatusOrder",
                Map.of(ORDER, "DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN")));
    }
}
