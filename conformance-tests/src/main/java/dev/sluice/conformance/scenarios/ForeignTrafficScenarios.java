package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.Message;
import dev.sluice.conformance.ForeignClient;
import dev.sluice.conformance.ForeignClient.NativeMessage;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.ScenarioFamily;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Family 19: brokers are shared with applications that never heard of Sluice. What a plain
 * producer writes reaches a Sluice consumer whole, and what Sluice writes is what a plain
 * consumer expects.
 */
public abstract class ForeignTrafficScenarios extends ScenarioFamily {

    protected ForeignTrafficScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    private ForeignClient foreign() {
        assumeTrue(broker.foreign().isPresent(), broker.name() + " has no wire format of its own: nothing is foreign to it");
        return broker.foreign().get();
    }

    @Test
    @DisplayName("a plain producer's messages reach a Sluice consumer with payload, headers and fields intact")
    void plainProducerToSluiceConsumer() throws Exception {
        ForeignClient foreign = foreign();
        String destination = fresh("foreign-in");
        BackpressureChannel ch = open(ChannelSpec.of(foreign.uri(broker, destination)));
        List<Message> received = new CopyOnWriteArrayList<>();
        List<Object> natives = new CopyOnWriteArrayList<>();
        ch.consumer(group).start(d -> {
            received.add(d.message());
            d.unwrap(Object.class).ifPresent(natives::add);
        });
        int n = 3;
        for (int i = 0; i < n; i++) {
            foreign.write(destination, new NativeMessage(("{\"order\":" + i + "}").getBytes(StandardCharsets.UTF_8), null,
                    Map.of("trace-id", "t-" + i, "type", "created")));
        }
        // The handler records the native object after the message.
        await("every plain message delivered").until(() -> received.size() == n && natives.size() == n);
        for (Message m : received) {
            String body = m.payloadAsString();
            assertThat(body).matches("\\{\"order\":[0-9]\\}");
            String i = body.substring(9, 10);
            assertThat(m.headers()).as("headers of " + body).containsEntry("trace-id", "t-" + i).containsEntry("type", "created");
        }
        assertThat(natives).as("the broker client's own object behind every delivery (Delivery.unwrap)").hasSize(n);
        await("every plain message acked").until(() -> ch.pressure().consumer().acked() == n);
        assertThat(ch.pressure().consumer().malformed()).as("a plain message is not malformed").isZero();
    }

    @Test
    @DisplayName("a Sluice producer's messages are what a plain consumer expects: the payload is the native body")
    void sluiceProducerToPlainConsumer() throws Exception {
        ForeignClient foreign = foreign();
        String destination = fresh("foreign-out");
        BackpressureChannel ch = open(ChannelSpec.of(foreign.uri(broker, destination)));
        int n = 3;
        for (int i = 0; i < n; i++) {
            ch.producer().send(Message.of("{\"order\":" + i + "}").header("trace-id", "t-" + i));
        }
        assertThat(ch.producer().flush(broker.patience())).isTrue();
        List<NativeMessage> read = foreign.read(destination, n, broker.patience());
        assertThat(read).hasSize(n);
        for (NativeMessage m : read) {
            String body = new String(m.body(), StandardCharsets.UTF_8);
            assertThat(body).as("the native body").matches("\\{\"order\":[0-9]\\}");
            String i = body.substring(9, 10);
            // Headers travel as native headers (Kafka, AMQP) or as attributes / fields named h.<name> (SQS, Redis).
            assertThat(m.headers()).as("native headers of " + body)
                    .anySatisfy((name, value) -> {
                        assertThat(name).isIn("trace-id", "h.trace-id");
                        assertThat(value).isEqualTo("t-" + i);
                    });
        }
    }
}
