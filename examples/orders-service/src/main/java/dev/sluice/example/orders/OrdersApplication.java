package dev.sluice.example.orders;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An orders service: {@code POST /orders} sends each order through the Sluice channel
 * {@code orders}, and {@link Fulfilment} handles them slowly. Under load the channel's rate limit
 * and the 429 filter answer {@code 429 Too Many Requests} with {@code Retry-After}, the backlog
 * grows and {@code /actuator/health} turns DEGRADED, and {@code /actuator/prometheus} shows it
 * all. The channel is {@code mem://} (no broker needed) unless {@code ORDERS_URI} names one,
 * e.g. {@code redis://127.0.0.1:6379/orders}.
 */
@SpringBootApplication
public class OrdersApplication {

    public static void main(String[] args) {
        SpringApplication.run(OrdersApplication.class, args);
    }
}
