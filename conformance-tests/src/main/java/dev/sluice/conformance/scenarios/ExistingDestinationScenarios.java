package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.BacklogLimit;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.DestinationConflictException;
import dev.sluice.conformance.ForeignClient;
import dev.sluice.conformance.ForeignClient.NativeMessage;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.ScenarioFamily;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Family 24: opening never alters an existing destination. An application that never heard of
 * Sluice made the destination with settings of its own, wrote to it and (where the broker keeps
 * groups) read part of it in a group of its own; a channel on it is used as it is, or refuses
 * with a {@code DestinationConflictException} that names both values. Either way the broker
 * reports afterwards exactly the settings, entries and group state it reported before.
 */
public abstract class ExistingDestinationScenarios extends ScenarioFamily {

    private static final int MESSAGES = 3;

    /** The application's own consumer group on the destination, removed after the test with the kit's. */
    private final String appGroup = group + "-app";

    protected ExistingDestinationScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Override
    protected List<String> groups() {
        return List.of(group, group + "-ops", appGroup);
    }

    private ForeignClient foreign() {
        assumeTrue(broker.foreign().isPresent(),
                broker.name() + " has no native client of its own: no application can have made a destination on it");
        return broker.foreign().get();
    }

    /** Makes the application's destination and returns its settings as the broker reports them. */
    private Map<String, String> createExisting(ForeignClient foreign, String destination, List<String> payloads) throws Exception {
        List<NativeMessage> messages = payloads.stream()
                .map(p -> new NativeMessage(p.getBytes(StandardCharsets.UTF_8), "k-" + p, Map.of("type", "created")))
                .toList();
        assumeTrue(foreign.createExisting(destination, appGroup, messages),
                broker.name() + "'s plain client in this kit cannot make a destination with settings of its own");
        Map<String, String> before = foreign.settings(destination, appGroup).orElse(null);
        assumeTrue(before != null, broker.name() + " cannot report a destination's settings to the kit");
        assertThat(before).as("the application's destination as the broker reports it").isNotEmpty();
        return before;
    }

    private static List<String> payloads() {
        return IntStream.range(0, MESSAGES).mapToObj(i -> "{\"order\":" + i + "}").toList();
    }

    private ChannelSpec defaultSpec(ForeignClient foreign, String destination) {
        return ChannelSpec.of(foreign.existingUri(broker, destination))
                .connectTimeout(Duration.ofSeconds(15))
                .closeTimeout(Duration.ofSeconds(10));
    }

    @Test
    @DisplayName("an application's destination is used as it is: open, consume and close leave its settings, entries and groups unchanged")
    void usedAsItIs() throws Exception {
        ForeignClient foreign = foreign();
        String destination = fresh("existing");
        List<String> payloads = payloads();
        Map<String, String> before = createExisting(foreign, destination, payloads);

        List<String> received = new CopyOnWriteArrayList<>();
        BackpressureChannel ch = broker.open(defaultSpec(foreign, destination));
        try {
            ch.consumer(group).start(d -> received.add(d.message().payloadAsString()));
            await("the application's messages handled").until(() -> received.size() >= MESSAGES);
            await("the application's messages acked").until(() -> ch.pressure().consumer().acked() >= MESSAGES);
        } finally {
            ch.close();
        }
        assertThat(received).as("what the channel handled").containsExactlyInAnyOrderElementsOf(payloads);
        assertThat(foreign.settings(destination, appGroup)).as("the destination as the broker reports it after open, consume and close")
                .hasValue(before);
    }

    @Test
    @DisplayName("a maximum age other than the destination's own is refused naming both values, or the destination is used as it is; either way it is unchanged")
    void otherRetentionRefusedOrIgnored() throws Exception {
        ForeignClient foreign = foreign();
        String destination = fresh("existing-age");
        Map<String, String> before = createExisting(foreign, destination, payloads());
        Duration asked = ForeignClient.EXISTING_RETENTION.dividedBy(2);
        ChannelSpec spec = defaultSpec(foreign, destination).backlog(BacklogLimit.maxAge(asked));
        if (broker.storesDestinationSettings()) {
            // Both values in the broker's own unit, seconds or milliseconds: 7200 / 7200000 and 3600 / 3600000.
            assertThatThrownBy(() -> broker.open(spec).close())
                    .isInstanceOf(DestinationConflictException.class)
                    .hasMessageContaining(destination)
                    .hasMessageContaining(Long.toString(ForeignClient.EXISTING_RETENTION.toSeconds()))
                    .hasMessageContaining(Long.toString(asked.toSeconds()));
        } else {
            broker.open(spec).close();
        }
        assertThat(foreign.settings(destination, appGroup)).as("the destination as the broker reports it after the open")
                .hasValue(before);
    }
}
