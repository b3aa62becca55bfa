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
}
