package dev.sluice.spring.boot.listener;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as the handler of a consumer group on a channel:
 *
 * <pre>{@code
 * @SluiceListener(channel = "orders", group = "billing")
 * void bill(String order) { ... }   // return = ack, throw = nack (redelivered, dead-lettered after maxAttempts)
 * }</pre>
 *
 * <p>The method takes one parameter: a {@link dev.sluice.Delivery}, a {@link dev.sluice.Message},
 * the payload as a {@code String} (UTF-8) or as a {@code byte[]}. Consumers start when the
 * application context has been refreshed, and stop on shutdown before the channels close; a
 * stop waits for running handlers to finish and settle (up to the channel's close timeout).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface SluiceListener {

    /** @return the channel's name under {@code sluice.channels} (its bean name) */
    String channel();

    /** @return the consumer group; each group receives every message */
    String group();

    /** @return how many members of the group this method runs as (each with the policy's concurrency); at least 1 */
    int consumers() default 1;
}
