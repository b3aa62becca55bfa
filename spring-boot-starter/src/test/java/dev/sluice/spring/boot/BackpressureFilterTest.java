package dev.sluice.spring.boot;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.Message;
import dev.sluice.ProducerPolicy;
import dev.sluice.RateLimit;
import dev.sluice.SendResult;
import dev.sluice.Sluice;
import dev.sluice.spring.boot.web.BackpressureFilter;
import dev.sluice.spring.boot.web.TooManyRequests;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

@DisplayName("The 429 filter and helper")
class BackpressureFilterTest {

    // One token an hour: the first send takes it, then the channel refuses for about an hour.
    private final BackpressureChannel channel = Sluice.open(ChannelSpec.of("mem://filter-" + UUID.randomUUID() + "/orders")
            .producer(ProducerPolicy.buffer(10).rateLimit(RateLimit.tokenBucket(1, Duration.ofHours(1)).burst(1))));

    @AfterEach
    void close() {
        channel.close();
    }

    @RestController
    class Orders {
        @PostMapping("/orders")
        ResponseEntity<?> order(@RequestBody String body) {
            SendResult r = channel.producer().send(Message.of(body));
            return r.isAccepted() ? ResponseEntity.accepted().build() : TooManyRequests.response("orders", channel, r);
        }

        @GetMapping("/status")
        String status() {
            return "fine";
        }
    }

    private MockMvc mvc(BackpressureFilter filter) {
        return MockMvcBuilders.standaloneSetup(new Orders()).addFilters(filter).build();
    }

    @Test
    @DisplayName("lets requests through while the channel accepts, then answers 429 with Retry-After on the guarded paths only")
    void guardsItsPaths() throws Exception {
        MockMvc mvc = mvc(new BackpressureFilter(List.of(new BackpressureFilter.Guard("orders", channel, List.of("/orders/**")))));
        mvc.perform(post("/orders").content("first")).andExpect(status().isAccepted());

        mvc.perform(post("/orders").content("second"))
                .andExpect(status().isTooManyRequests())
                .andExpect(header().string("Retry-After", org.hamcrest.Matchers.matchesPattern("3[56][0-9][0-9]")))
                .andExpect(jsonPath("$.channel").value("orders"))
                .andExpect(jsonPath("$.reason").value("REFUSED"));
        mvc.perform(get("/status")).andExpect(status().isOk()).andExpect(content().string("fine"));
    }

    @Test
    @DisplayName("the helper answers a refused send with 429, the rate limiter's wait as Retry-After and the status as reason")
    void helperAnswersARefusal() throws Exception {
        MockMvc mvc = mvc(new BackpressureFilter(List.of()));
        mvc.perform(post("/orders").content("first")).andExpect(status().isAccepted());
        mvc.perform(post("/orders").content("second"))
                .andExpect(status().isTooManyRequests())
                .andExpect(header().string("Retry-After", org.hamcrest.Matchers.matchesPattern("3[56][0-9][0-9]")))
                .andExpect(jsonPath("$.reason").value("RATE_LIMITED"))
                .andExpect(jsonPath("$.retryAfterSeconds").isNumber());
    }
}
