package dev.sluice.conformance.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FaultProxyTest {

    private ServerSocket echoServer;
    private Thread echo;
    private FaultProxy proxy;

    @BeforeEach
    void startEchoServer() throws IOException {
        echoServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        echo = new Thread(() -> {
            while (!echoServer.isClosed()) {
                try {
                    Socket s = echoServer.accept();
                    Thread t = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // client went away
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        echo.setDaemon(true);
        echo.start();
        proxy = FaultProxy.start("127.0.0.1", echoServer.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echoServer.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(proxy.host(), proxy.port());
        s.setSoTimeout(5_000);
        return s;
    }

    private static String roundTrip(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        byte[] reply = s.getInputStream().readNBytes(text.length());
        return new String(reply, StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("relays bytes both ways on loopback")
    void relays() throws IOException {
        assertThat(proxy.host()).isEqualTo("127.0.0.1");
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "hello")).isEqualTo("hello");
            assertThat(proxy.openConnections()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a stall holds the bytes with the connection open, and resume delivers them")
    void stallHoldsBytes() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "before")).isEqualTo("before");
            proxy.stall();
            s.setSoTimeout(300);
            s.getOutputStream().write("held".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            proxy.resume();
            s.setSoTimeout(5_000);
            assertThat(new String(s.getInputStream().readNBytes(4), StandardCharsets.UTF_8)).isEqualTo("held");
        }
    }

    @Test
    @DisplayName("a cut closes open connections, and new ones go through")
    void cutClosesConnections() throws IOException {
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "x")).isEqualTo("x");
            proxy.cutConnections();
            assertThatThrownBy(() -> {
                s.getOutputStream().write(1);
                if (s.getInputStream().read() >= 0) {
                    throw new AssertionError("still connected");
                }
                throw new IOException("closed by the proxy");
            }).isInstanceOf(IOException.class);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openConnections() == 0);
        try (Socket again = connect()) {
            assertThat(roundTrip(again, "again")).isEqualTo("again");
        }
    }

    @Test
    @DisplayName("refusing closes every new connection at once")
    void refuses() throws IOException {
        proxy.refuseConnections(true);
        try (Socket s = connect()) {
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        proxy.refuseConnections(false);
        try (Socket s = connect()) {
            assertThat(roundTrip(s, "ok")).isEqualTo("ok");
        }
    }

    @Test
    @DisplayName("slow delays each chunk by at least the delay")
    void slowDelays() throws IOException {
        try (Socket s = connect()) {
            proxy.slow(Duration.ofMillis(150));
            long start = System.nanoTime();
            assertThat(roundTrip(s, "slow")).isEqualTo("slow");
            // up and down, each delayed
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }
}
