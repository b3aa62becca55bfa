package dev.sluice.example.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The example service on a random loopback port, driven over real HTTP: an overload is answered
 * with 429 and Retry-After, the health turns DEGRADED while the slow listener falls behind and
 * recovers after, and the Sluice meters are in the Prometheus scrape.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "server.address=127.0.0.1",
        "sluice.channels.orders.uri=mem://orders-e2e/orders",
        "orders.handling-time=100ms"})
@DirtiesContext // close the server and the listener when the class is done
@DisplayName("The orders service under overload")
class OrdersServiceEndToEndTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> order(int n) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"order\":" + n + "}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("answers 429 with Retry-After, turns DEGRADED, recovers, and shows it all in /actuator/prometheus")
    void overload() throws Exception {
        JsonNode before = JSON.readTree(get("/actuator/health").body());
        assertThat(before.path("components").path("sluice").path("components").path("orders").path("status").asString())
                .isEqualTo("UP");

        List<HttpResponse<String>> responses = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            responses.add(order(i));
        }
        List<HttpResponse<String>> accepted = responses.stream().filter(r -> r.statusCode() == 202).toList();
        List<HttpResponse<String>> refused = responses.stream().filter(r -> r.statusCode() == 429).toList();
        assertThat(accepted.size() + refused.size()).as("every answer is 202 or 429").isEqualTo(150);
        assertThat(accepted).as("the burst is taken").hasSizeGreaterThanOrEqualTo(40);
        assertThat(refused).as("the overload is refused").hasSizeGreaterThanOrEqualTo(50);
        for (HttpResponse<String> r : refused) {
            assertThat(r.headers().firstValue("Retry-After")).hasValueSatisfying(
                    v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
            assertThat(JSON.readTree(r.body()).path("channel").asString()).isEqualTo("orders");
        }

        // The listener handles 10 a second: the backlog passes backlog-degraded-at (10).
        HttpResponse<String> degraded = get("/actuator/health");
        assertThat(degraded.statusCode()).as("DEGRADED still serves: HTTP 200").isEqualTo(200);
        JsonNode health = JSON.readTree(degraded.body());
        JsonNode orders = health.path("components").path("sluice").path("components").path("orders");
        assertThat(health.path("status").asString()).isEqualTo("DEGRADED");
        assertThat(orders.path("status").asString()).isEqualTo("DEGRADED");
        assertThat(orders.path("details").path("backlog").asLong()).isGreaterThanOrEqualTo(10);
        assertThat(orders.path("details").has("consumerInFlight")).isTrue();
        assertThat(orders.path("details").has("pausedReasons")).isTrue();

        String scrape = get("/actuator/prometheus").body();
        String tags = "broker=\"mem\",channel=\"orders\",destination=\"orders\"";
        assertThat(scrape)
                .contains("sluice_producer_offered_messages_total{" + tags + "} " + accepted.size() + ".0")
                .contains("sluice_producer_sends_messages_total{" + tags + ",result=\"accepted\"} " + accepted.size() + ".0")
                .containsPattern("sluice_broker_backlog_messages\\{" + tags + "} [1-9][0-9]*\\.0")
                .containsPattern("sluice_consumer_handler_seconds_count\\{" + tags + ",group=\"fulfilment\",outcome=\"success\"} [1-9]")
                .contains("sluice_consumer_in_flight_messages{" + tags + "}")
                .contains("sluice_consumer_paused{" + tags + ",reason=\"backpressure\"}")
                .contains("sluice_dropped_messages_total{" + tags + ",reason=\"overflow_newest\"} 0.0")
                .containsPattern("http_server_requests_seconds_count\\{[^}]*status=\"429\"[^}]*} " + refused.size());

        // Once the listener has caught up, the channel is UP again.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                JSON.readTree(get("/actuator/health").body()).path("status").asString().equals("UP"));
    }
}
