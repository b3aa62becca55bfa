package dev.sluice.example.orders;

import dev.sluice.Delivery;
import dev.sluice.spring.boot.listener.SluiceListener;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Fulfils orders, slowly on purpose ({@code orders.handling-time}, 200 ms by default): the
 * consumer side that cannot keep up, so that the backlog grows while the service is loaded.
 */
@Component
public class Fulfilment {

    private static final Logger log = LoggerFactory.getLogger(Fulfilment.class);

    private final Duration handlingTime;
    private final AtomicLong fulfilled = new AtomicLong();

    public Fulfilment(@Value("${orders.handling-time:200ms}") Duration handlingTime) {
        this.handlingTime = handlingTime;
    }

    /** Returning acks the order; an exception would nack it for redelivery. */
    @SluiceListener(channel = "orders", group = "fulfilment")
    public void fulfil(Delivery delivery) throws InterruptedException {
        Thread.sleep(handlingTime.toMillis()); // the slow work this example is about
        long n = fulfilled.incrementAndGet();
        if (n % 50 == 0) {
            log.info("fulfilled {} orders (last {})", n, delivery.message().headers().get("order-id"));
        }
    }

    /** @return orders fulfilled so far */
    public long fulfilled() {
        return fulfilled.get();
    }
}
