package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SluiceDiscoveryTest {

    @Test
    @DisplayName("finds the in-memory adapter through ServiceLoader")
    void findsInstalledAdapters() {
        assertThat(Sluice.installedSchemes()).contains("mem");
    }

    @Test
    @DisplayName("an unknown scheme fails with a message that names it and lists the installed schemes")
    void unknownSchemeListsInstalled() {
        assertThatThrownBy(() -> Sluice.open("nope://host/queue"))
                .isInstanceOf(UnsupportedSchemeException.class)
                .hasMessage("no adapter for scheme 'nope'; installed schemes: mem")
                .satisfies(e -> assertThat(((UnsupportedSchemeException) e).scheme()).isEqualTo("nope"));
    }

    @Test
    @DisplayName("the scheme is matched without regard to case")
    void schemeIsCaseInsensitive() {
        try (BackpressureChannel ch = Sluice.open("MEM://discovery/q")) {
            assertThat(ch.spec().scheme()).isEqualTo("mem");
        }
    }

    @Test
    @DisplayName("an unknown URI parameter is refused with its name and the known ones, never ignored")
    void unknownUriParameterIsRefused() {
        assertThatThrownBy(() -> Sluice.open("mem://discovery/q?grop=billing"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("uri parameter 'grop' is not known to mem://; it takes none");
        assertThatThrownBy(() -> ChannelSpec.of("kafka://h:9092/t?partitions=3&grop=b")
                .requireKnownParameters(java.util.Set.of("partitions", "group")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("uri parameter 'grop' is not known to kafka://; known: group, partitions");
        ChannelSpec.of("kafka://h:9092/t?partitions=3&group=b").requireKnownParameters(java.util.Set.of("partitions", "group"));
    }
}
