package dev.sluice.spring.boot;

import dev.sluice.BackpressureChannel;
import dev.sluice.spring.boot.listener.SluiceListenerBeanPostProcessor;
import dev.sluice.spring.boot.listener.SluiceListenerContainer;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The core of the starter: one {@link BackpressureChannel} bean per {@code sluice.channels.<name>}
 * and the consumers of the {@code @SluiceListener} methods.
 */
@AutoConfiguration
@ConditionalOnClass(BackpressureChannel.class)
@EnableConfigurationProperties(SluiceProperties.class)
public class SluiceAutoConfiguration {

    /** Registers the channel beans; static, so that it runs before the other beans are created. */
    @Bean
    static SluiceChannelRegistrar sluiceChannelRegistrar() {
        return new SluiceChannelRegistrar();
    }

    /** Finds the {@code @SluiceListener} methods. */
    @Bean
    static SluiceListenerBeanPostProcessor sluiceListenerBeanPostProcessor() {
        return new SluiceListenerBeanPostProcessor();
    }

    /** Starts and stops the listener consumers with the context. */
    @Bean
    SluiceListenerContainer sluiceListenerContainer(BeanFactory beanFactory) {
        return new SluiceListenerContainer(beanFactory);
    }
}
