package dev.sluice.conformance.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OpenSocketsTest {

    @Test
    @DisplayName("counts this process's connections to a port while they are open, and none after they close")
    void countsConnectionsToAPort() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "the census reads /proc, which this system does not have");
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            assertThat(OpenSockets.connectionsTo(port)).isEmpty();
            try (Socket a = new Socket(InetAddress.getLoopbackAddress(), port); Socket b = new Socket(InetAddress.getLoopbackAddress(), port);
                 Socket acceptedA = server.accept(); Socket acceptedB = server.accept()) {
                // the accepted ends have the port as their local port, not their remote one: not counted
                assertThat(OpenSockets.connectionsTo(port)).hasSize(2)
                        .allSatisfy(c -> assertThat(c).contains("-> " + port));
            }
            assertThat(OpenSockets.connectionsTo(port)).isEmpty();
        }
    }
}
