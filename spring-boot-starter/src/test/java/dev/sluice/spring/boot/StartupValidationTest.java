package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.BackpressureChannel;
import dev.sluice.Overflow;
import dev.sluice.flow.OverflowStrategy;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

@DisplayName("Channels from properties")
class StartupValidationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class));

    @Test
    @DisplayName("become one BackpressureChannel bean per channel, named after it, with the configured policies")
    void beansPerChannel() {
        runner.withPropertyValues(
                "sluice.channels.orders.uri=mem://startup-test/orders",
                "sluice.channels.orders.producer.capacity=100",
                "sluice.channels.orders.producer.soft-limit=80",
                "sluice.channels.orders.producer.overflow=drop-oldest",
                "sluice.channels.orders.producer.rate-limit.per-second=50",
                "sluice.channels.orders.consumer.batch-size=5",
                "sluice.channels.orders.consumer.max-in-flight=10",
                "sluice.channels.orders.consumer.pause-at=0.8",
                "sluice.channels.orders.consumer.resume-at=0.2",
                "sluice.channels.orders.backlog.max-length=1000",
                "sluice.channels.orders.backlog.when-full=reject-newest",
                "sluice.channels.payments.uri=mem://startup-test/payments")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBeansOfType(BackpressureChannel.class)).containsOnlyKeys("orders", "payments");
                    BackpressureChannel orders = context.getBean("orders", BackpressureChannel.class);
                    assertThat(orders.spec().producer().capacity()).isEqualTo(100);
                    assertThat(orders.spec().producer().softLimit()).isEqualTo(80);
                    assertThat(orders.spec().producer().overflow()).isEqualTo(Overflow.dropOldest());
                    assertThat(orders.spec().producer().overflow().strategy()).isEqualTo(OverflowStrategy.DROP_OLDEST);
                    assertThat(orders.spec().producer().rateLimit()).hasValueSatisfying(r -> assertThat(r.perSecond()).isEqualTo(50.0));
                    assertThat(orders.spec().consumer().maxInFlight()).isEqualTo(10);
                    assertThat(orders.spec().consumer().pauseAt()).isEqualTo(0.8);
                    assertThat(orders.spec().consumer().resumeAt()).isEqualTo(0.2);
                    assertThat(orders.spec().backlog()).hasValueSatisfying(
                            b -> assertThat(b.whenFull()).isEqualTo(dev.sluice.BacklogLimit.WhenFull.REJECT_NEWEST));
                });
    }

    @Test
    @DisplayName("fail the start with the property and the value when the API refuses a value")
    void badValueNamesTheProperty() {
        runner.withPropertyValues(
                "sluice.channels.orders.uri=mem://startup-test/orders",
                "sluice.channels.orders.producer.capacity=10000",
                "sluice.channels.orders.producer.soft-limit=12000")
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable failure = rootOf(context.getStartupFailure(), InvalidConfigurationPropertyValueException.class);
                    assertThat(failure).isInstanceOf(InvalidConfigurationPropertyValueException.class);
                    InvalidConfigurationPropertyValueException e = (InvalidConfigurationPropertyValueException) failure;
                    assertThat(e.getName()).isEqualTo("sluice.channels.orders.producer.soft-limit");
                    assertThat(e.getValue()).isEqualTo(12000);
                    assertThat(e.getReason()).isEqualTo("softLimit (12000) must not exceed capacity (10000)");
                });
    }

    @Test
    @DisplayName("fail the start naming the uri property when a channel has none")
    void missingUri() {
        runner.withPropertyValues("sluice.channels.orders.producer.capacity=10")
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable failure = rootOf(context.getStartupFailure(), InvalidConfigurationPropertyValueException.class);
                    assertThat(((InvalidConfigurationPropertyValueException) failure).getName()).isEqualTo("sluice.channels.orders.uri");
                });
    }

    @Test
    @DisplayName("fail the start naming the property for a setting that needs another one")
    void dependentSetting() {
        runner.withPropertyValues("sluice.channels.orders.uri=mem://startup-test/orders",
                        "sluice.channels.orders.backlog.when-full=reject-newest")
                .run(context -> {
                    Throwable failure = rootOf(context.getStartupFailure(), InvalidConfigurationPropertyValueException.class);
                    assertThat(((InvalidConfigurationPropertyValueException) failure).getName())
                            .isEqualTo("sluice.channels.orders.backlog.when-full");
                    assertThat(failure.getMessage()).contains("REJECT_NEWEST").contains("max-length");
                });
    }

    @Test
    @DisplayName("fail the start naming the uri and the installed schemes for an unknown scheme")
    void unknownScheme() {
        runner.withPropertyValues("sluice.channels.orders.uri=nats://127.0.0.1/orders")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("nats").hasMessageContaining("mem");
                });
    }

    static Throwable rootOf(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return c;
            }
        }
        return t;
    }
}
