package dev.sluice.example.orders;

import dev.sluice.BackpressureChannel;
import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.spring.boot.web.TooManyRequests;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Takes orders over HTTP and sends them through the {@code orders} channel. */
@RestController
public class OrderController {

    private final BackpressureChannel orders;

    public OrderController(@Qualifier("orders") BackpressureChannel orders) {
        this.orders = orders;
    }

    /**
     * @return 202 with the order's id when the channel took it; 429 with {@code Retry-After} when
     *     it refused (rate limited, buffer full, broker blocked)
     */
    @PostMapping("/orders")
    public ResponseEntity<?> place(@RequestBody String order) {
        String id = UUID.randomUUID().toString();
        SendResult result = orders.producer().send(Message.of(order).key(id).header("order-id", id));
        if (!result.isAccepted()) {
            return TooManyRequests.response("orders", orders, result);
        }
        return ResponseEntity.accepted().body(Map.of("id", id, "status", "accepted"));
    }
}
