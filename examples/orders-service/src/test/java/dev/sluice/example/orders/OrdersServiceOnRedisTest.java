package dev.sluice.example.orders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import redis.clients.jedis.Jedis;

/**
 * The example switched to Redis Streams, as the README shows, against the Redis on this machine
 * ({@code SLUICE_REDIS_URI}, default {@code redis://127.0.0.1:6379}): an order posted over HTTP
 * is written to the stream, fulfilled by the listener and acked on the broker.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "server.address=127.0.0.1", "orders.handling-time=10ms"})
@DirtiesContext // close the server and the listener when the class is done
@DisplayName("The orders service on Redis")
class OrdersServiceOnRedisTest {

    private static final URI REDIS = URI.create(System.getenv().getOrDefault("SLUICE_REDIS_URI", "redis://127.0.0.1:6379"));
    private static final String STREAM = "sluice-example-orders-" + UUID.randomUUID();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("sluice.channels.orders.uri", () -> "redis://" + REDIS.getHost() + ":" + REDIS.getPort() + "/" + STREAM);
    }

    @AfterAll
    static void deleteStream() {
        try (Jedis jedis = new Jedis(REDIS.getHost(), REDIS.getPort())) {
            jedis.del(STREAM);
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    Fulfilment fulfilment;

    @Test
    @DisplayName("takes orders over HTTP, writes them to the stream and fulfils them")
    void ordersThroughRedis() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/orders"))
                    .POST(HttpRequest.BodyPublishers.ofString("order " + i)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> fulfilment.fulfilled() == 5);
        try (Jedis jedis = new Jedis(REDIS.getHost(), REDIS.getPort())) {
            assertThat(jedis.xinfoGroups(STREAM)).singleElement()
                    .satisfies(g -> assertThat(g.getName()).isEqualTo("fulfilment"));
            await().atMost(Duration.ofSeconds(5)).until(() -> jedis.xpending(STREAM, "fulfilment").getTotal() == 0);
        }
        String health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/sluice/orders"))
                .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(health).contains("redis://").contains("\"status\":\"UP\"");
    }
}
