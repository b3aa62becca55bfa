package dev.sluice.conformance.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.BackpressureChannel;
import dev.sluice.BacklogLimit;
import dev.sluice.BrokerUnavailableException;
import dev.sluice.ChannelSpec;
import dev.sluice.DestinationConflictException;
import dev.sluice.Message;
import dev.sluice.ProducerPolicy;
import dev.sluice.SendResult;
import dev.sluice.Sluice;
import dev.sluice.UnsupportedSchemeException;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.ScenarioFamily;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Family 18: an invalid spec, an unknown scheme, a payload over the broker's limit, an
 * unreachable broker, mismatched destination settings: each a clear error, nothing half-sent.
 */
public abstract class BadInputScenarios extends ScenarioFamily {

    protected BadInputScenarios(Supplier<KitBroker> broker) {
        super(broker);
    }

    @Test
    @DisplayName("refuses an invalid spec when it is built, naming the parameter and the value")
    void invalidSpec() throws Exception {
        assertThatThrownBy(() -> spec(fresh("bad")).producer(ProducerPolicy.buffer(10).softLimit(11)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("softLimit (11) must not exceed capacity (10)");
    }

    @Test
    @DisplayName("refuses an unknown scheme with the list of installed schemes, this broker's among them")
    void unknownScheme() throws Exception {
        String scheme = URI.create(broker.uri("x")).getScheme();
        assertThatThrownBy(() -> Sluice.open("nosuchbroker://127.0.0.1/x"))
                .isInstanceOf(UnsupportedSchemeException.class)
                .hasMessageContaining("'nosuchbroker'")
                .hasMessageContaining(scheme);
    }

    @Test
    @DisplayName("refuses an unknown URI parameter, naming it, instead of ignoring it")
    void unknownUriParameter() {
        String uri = broker.uri(fresh("typo"));
        String misspelt = uri + (uri.contains("?") ? "&" : "?") + "maxInFlihgt=10";
        assertThatThrownBy(() -> broker.open(dev.sluice.ChannelSpec.of(misspelt)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'maxInFlihgt'");
    }

    @Test
    @DisplayName("refuses a native setting the broker's client does not know, naming it, instead of ignoring it")
    void unknownNativeSetting() {
        assertThatThrownBy(() -> broker.open(spec(fresh("native")).nativeSetting("no.such.setting", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no.such.setting");
    }

    @Test
    @DisplayName("answers TOO_LARGE for a payload over the broker's limit and sends nothing")
    void payloadTooLarge() throws Exception {
        assumeTrue(broker.maxPayloadBytes().isPresent(), broker::whyNoPayloadLimit);
        String destination = fresh("large");
        BackpressureChannel ch = open(spec(destination));
        SendResult r = ch.producer().send(Message.of(new byte[broker.maxPayloadBytes().getAsInt() + 1]));
        assertThat(r).isEqualTo(SendResult.TOO_LARGE);
        assertThat(ch.producer().send(Message.of("small")).isAccepted()).isTrue();
        assertThat(ch.producer().flush(broker.patience())).isTrue();
        probe().ready(destination, group).ifPresent(n ->
                assertThat(probe().ready(destination, group).getAsLong()).as("only the small message arrived").isEqualTo(1));
        assertThat(ch.pressure().producer().rejected()).isEqualTo(1);
    }

    @Test
    @DisplayName("fails to open an unreachable broker within the connect timeout, with a clear error")
    void unreachableBroker() throws Exception {
        Optional<String> uri = broker.unreachableUri();
        assumeTrue(uri.isPresent(), broker.name() + " cannot be unreachable: it has no network address");
        Duration timeout = Duration.ofSeconds(3);
        long start = System.nanoTime();
        assertThatThrownBy(() -> broker.open(ChannelSpec.of(uri.get()).connectTimeout(timeout)).close())
                .isInstanceOf(BrokerUnavailableException.class)
                .hasMessageContaining(URI.create(uri.get()).getHost());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("time to fail").isLessThan(timeout.plusSeconds(5));
    }

    @Test
    @DisplayName("refuses to open a destination that exists with other settings, showing both")
    void mismatchedDestinationSettings() throws Exception {
        assumeTrue(broker.storesDestinationSettings(),
                broker.name() + " keeps no backlog setting on a destination that a second open could conflict with");
        String destination = fresh("mismatch");
        List<BacklogLimit> limits = broker.conflictingLimits();
        open(spec(destination).backlog(limits.get(0)));
        assertThatThrownBy(() -> open(spec(destination).backlog(limits.get(1))))
                .isInstanceOf(DestinationConflictException.class)
                .hasMessageContaining("10")
                .hasMessageContaining("20");
    }
}
