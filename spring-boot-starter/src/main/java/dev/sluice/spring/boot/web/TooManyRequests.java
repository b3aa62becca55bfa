package dev.sluice.spring.boot.web;

import dev.sluice.BackpressureChannel;
import dev.sluice.SendResult;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/**
 * HTTP 429 Too Many Requests with a {@code Retry-After} for a channel that refused, for a
 * controller that sends and wants to answer the refusal:
 *
 * <pre>{@code
 * SendResult r = orders.producer().send(Message.of(body));
 * return r.isAccepted() ? ResponseEntity.accepted().build() : TooManyRequests.response("orders", orders, r);
 * }</pre>
 *
 * <p>{@code Retry-After} is in whole seconds, rounded up and at least 1: the rate limiter's wait
 * for {@code RATE_LIMITED}, otherwise {@link BackpressureChannel#retryAfter()}, otherwise 1.
 */
public final class TooManyRequests {

    private TooManyRequests() {
    }

    /** @return the seconds to send in {@code Retry-After} for a refusal, at least 1 */
    public static long retryAfterSeconds(BackpressureChannel channel, SendResult result) {
        Duration wait = result != null && result.status() == SendResult.Status.RATE_LIMITED ? result.retryAfter() : Duration.ZERO;
        if (wait.isZero() || wait.isNegative()) {
            wait = channel.retryAfter().orElse(Duration.ofSeconds(1));
        }
        long millis = wait.toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }

    /**
     * @param result the refusal, or null when the channel refused before a send (the filter)
     * @return 429 with {@code Retry-After} and a body naming the channel, the reason and the wait
     */
    public static ResponseEntity<Map<String, Object>> response(String channelName, BackpressureChannel channel, SendResult result) {
        long seconds = retryAfterSeconds(channel, result);
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
                .body(body(channelName, result == null ? "REFUSED" : result.status().name(), seconds));
    }

    static Map<String, Object> body(String channelName, String reason, long seconds) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", HttpStatus.TOO_MANY_REQUESTS.value());
        body.put("error", "Too Many Requests");
        body.put("channel", channelName);
        body.put("reason", reason);
        body.put("retryAfterSeconds", seconds);
        return body;
    }
}
