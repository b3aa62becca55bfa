package dev.sluice.spring.boot.listener;

import dev.sluice.BackpressureChannel;
import dev.sluice.Delivery;
import dev.sluice.Message;
import dev.sluice.MessageHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds {@link SluiceListener} methods on beans and registers them with the
 * {@link SluiceListenerContainer}. A method whose channel does not exist, whose group is blank or
 * whose parameter is not one of the supported types fails the start with a message naming the
 * method and the value.
 */
public class SluiceListenerBeanPostProcessor implements BeanPostProcessor, BeanFactoryAware {

    private BeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
        this.beanFactory = beanFactory;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Class<?> type = AopUtils.getTargetClass(bean);
        Map<Method, SluiceListener> methods = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<SluiceListener>) m -> AnnotatedElementUtils.findMergedAnnotation(m, SluiceListener.class));
        for (Map.Entry<Method, SluiceListener> e : methods.entrySet()) {
            register(bean, e.getKey(), e.getValue());
        }
        return bean;
    }

    private void register(Object bean, Method method, SluiceListener annotation) {
        String where = "@SluiceListener on " + method.getDeclaringClass().getName() + "." + method.getName();
        if (annotation.group().isBlank()) {
            throw new IllegalStateException(where + ": group (\"" + annotation.group() + "\") must not be blank");
        }
        if (annotation.consumers() < 1) {
            throw new IllegalStateException(where + ": consumers (" + annotation.consumers() + ") must be at least 1");
        }
        if (!beanFactory.containsBean(annotation.channel())
                || !beanFactory.isTypeMatch(annotation.channel(), BackpressureChannel.class)) {
            String known = beanFactory instanceof ListableBeanFactory l
                    ? Arrays.toString(l.getBeanNamesForType(BackpressureChannel.class, false, false)) : "?";
            throw new IllegalStateException(where + ": channel (\"" + annotation.channel()
                    + "\") is no channel; declare it as sluice.channels." + annotation.channel() + ".uri (channels: " + known + ")");
        }
        if (method.getParameterCount() != 1) {
            throw new IllegalStateException(where + ": takes " + method.getParameterCount()
                    + " parameters; it must take one: Delivery, Message, String or byte[]");
        }
        Function<Delivery, Object> argument = argument(method.getParameterTypes()[0], where);
        Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
        ReflectionUtils.makeAccessible(invocable);
        MessageHandler handler = delivery -> {
            try {
                invocable.invoke(bean, argument.apply(delivery));
            } catch (InvocationTargetException ex) {
                Throwable cause = ex.getCause();
                if (cause instanceof Exception exception) {
                    throw exception;
                }
                throw (Error) cause;
            }
        };
        beanFactory.getBean(SluiceListenerContainer.class).register(new SluiceListenerContainer.Endpoint(
                annotation.channel(), annotation.group(), annotation.consumers(), handler, where));
    }

    private static Function<Delivery, Object> argument(Class<?> type, String where) {
        if (type == Delivery.class) {
            return d -> d;
        }
        if (type == Message.class) {
            return Delivery::message;
        }
        if (type == String.class) {
            return d -> d.message().payloadAsString();
        }
        if (type == byte[].class) {
            return d -> d.message().payload();
        }
        throw new IllegalStateException(where + ": parameter type (" + type.getName()
                + ") is not supported; use Delivery, Message, String or byte[]");
    }
}
