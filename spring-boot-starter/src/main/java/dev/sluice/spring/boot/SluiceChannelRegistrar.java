package dev.sluice.spring.boot;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.Sluice;
import dev.sluice.micrometer.SluiceMetrics;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Registers one {@link BackpressureChannel} bean per entry of {@code sluice.channels}, named
 * after the channel. The specs are built and checked while the bean definitions are registered,
 * so a bad property fails the start before any channel connects. A channel is opened when its
 * bean is created and closed (gracefully: buffered sends, running handlers) when the context
 * closes. When a {@link SluiceMetrics} bean exists, the channel is registered with it and the
 * bean is its {@linkplain dev.sluice.micrometer.ChannelMetrics#instrument() instrumented view}.
 */
public class SluiceChannelRegistrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware, BeanFactoryAware {

    private static final boolean MICROMETER_PRESENT = ClassUtils.isPresent(
            "io.micrometer.core.instrument.MeterRegistry", SluiceChannelRegistrar.class.getClassLoader());

    private Environment environment;
    private BeanFactory beanFactory;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
        this.beanFactory = beanFactory;
    }

    @Override
    public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
        for (Map.Entry<String, ChannelSpec> e : specs(environment).entrySet()) {
            String name = e.getKey();
            ChannelSpec spec = e.getValue();
            RootBeanDefinition definition = new RootBeanDefinition(BackpressureChannel.class, () -> open(name, spec));
            definition.setDestroyMethodName("close");
            definition.setRole(AbstractBeanDefinition.ROLE_APPLICATION);
            definition.setDescription("Sluice channel " + name + " (" + spec.redactedUri() + ")");
            registry.registerBeanDefinition(name, definition);
        }
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {
    }

    /**
     * @return the spec of every channel in {@code sluice.channels}, by name, in declaration order
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
     *     naming the first bad property
     */
    static Map<String, ChannelSpec> specs(Environment environment) {
        SluiceProperties properties = Binder.get(environment)
                .bind("sluice", Bindable.of(SluiceProperties.class)).orElseGet(SluiceProperties::new);
        Map<String, ChannelSpec> specs = new LinkedHashMap<>();
        properties.getChannels().forEach((name, channel) -> specs.put(name, ChannelSpecFactory.create(name, channel)));
        return specs;
    }

    private BackpressureChannel open(String name, ChannelSpec spec) {
        BackpressureChannel channel = Sluice.open(spec);
        if (!MICROMETER_PRESENT) {
            return channel;
        }
        SluiceMetrics metrics = beanFactory.getBeanProvider(SluiceMetrics.class).getIfAvailable();
        return metrics == null ? channel : metrics.register(name, channel).instrument();
    }
}
