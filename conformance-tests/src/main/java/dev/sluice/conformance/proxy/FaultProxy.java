package dev.sluice.conformance.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP proxy on loopback in front of a broker, which the kit tells to misbehave: {@link #stall()}
 * stops relaying bytes while connections stay open (a broker that stopped answering),
 * {@link #slow(Duration)} delays every chunk, {@link #cutConnections()} closes every open
 * connection (clients reconnect through the proxy), {@link #refuseConnections(boolean)} closes
 * new connections at once (a broker that is down).
 *
 * <p>It listens on 127.0.0.1 only. Each connection takes two relay threads, daemon threads that
 * end with the connection. Thread-safe; {@link #close()} ends everything.
 */
public final class FaultProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition flowing = lock.newCondition();
    private boolean stalled;
    private volatile long delayNanos;
    private volatile boolean refusing;
    private volatile boolean closed;

    private FaultProxy(String targetHost, int targetPort, int listenPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        this.server.setReuseAddress(true);
        this.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
        this.acceptor = new Thread(this::acceptLoop, "fault-proxy-" + targetPort);
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /**
     * Starts a proxy on a free loopback port in front of {@code targetHost:targetPort}.
     *
     * @throws IOException if no port can be bound
     */
    public static FaultProxy start(String targetHost, int targetPort) throws IOException {
        return start(targetHost, targetPort, 0);
    }

    /**
     * Starts a proxy on loopback port {@code listenPort} (0 for any free one) in front of
     * {@code targetHost:targetPort}: a broker that advertises an address to its clients (Kafka)
     * is told the proxy's port before it starts.
     *
     * @throws IOException if the port cannot be bound
     */
    public static FaultProxy start(String targetHost, int targetPort, int listenPort) throws IOException {
        Objects.requireNonNull(targetHost, "targetHost");
        if (targetPort < 1 || targetPort > 65_535) {
            throw new IllegalArgumentException("targetPort (" + targetPort + ") must be between 1 and 65535");
        }
        if (listenPort < 0 || listenPort > 65_535) {
            throw new IllegalArgumentException("listenPort (" + listenPort + ") must be between 0 and 65535");
        }
        return new FaultProxy(targetHost, targetPort, listenPort);
    }

    /** @return the host clients connect to: always 127.0.0.1 */
    public String host() {
        return server.getInetAddress().getHostAddress();
    }

    /** @return the port clients connect to */
    public int port() {
        return server.getLocalPort();
    }

    /** Stops relaying in both directions; connections stay open and bytes wait. */
    public void stall() {
        lock.lock();
        try {
            stalled = true;
        } finally {
            lock.unlock();
        }
    }

    /** Relays again, at full speed, what waited during a stall. */
    public void resume() {
        lock.lock();
        try {
            stalled = false;
            flowing.signalAll();
        } finally {
            lock.unlock();
        }
        delayNanos = 0;
    }

    /** Delays every chunk relayed by {@code delay}; zero for full speed. */
    public void slow(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay (" + delay + ") must not be negative");
        }
        delayNanos = delay.toNanos();
    }

    /** Closes every open connection in both directions, as a network cut does. New connections are accepted. */
    public void cutConnections() {
        for (Link link : links) {
            link.close();
        }
    }

    /** While on, every new connection is closed at once, as when the broker is down. */
    public void refuseConnections(boolean refuse) {
        this.refusing = refuse;
    }

    /** @return connections open through the proxy now */
    public int openConnections() {
        return links.size();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (refusing) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
                Link link = new Link(client, upstream);
                links.add(link);
                link.start();
            } catch (IOException e) {
                closeQuietly(client); // the target is down: the client sees the connection close
            }
        }
    }

    /** Waits while stalled, then applies the slow-down. */
    private void awaitFlow() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (stalled && !closed) {
                flowing.await();
            }
        } finally {
            lock.unlock();
        }
        long delay = delayNanos;
        if (delay > 0) {
            LockSupport.parkNanos(delay); // the injected latency itself
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        resume();
        cutConnections();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing is all we wanted
        }
    }

    @Override
    public String toString() {
        return "FaultProxy[127.0.0.1:" + port() + " -> " + targetHost + ":" + targetPort + "]";
    }

    /** One client connection and its upstream connection, relayed both ways. */
    private final class Link {
        private final Socket client;
        private final Socket upstream;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() throws IOException {
            // A relay must not add latency of its own: with Nagle's algorithm on, the second of two
            // writes (an HTTP body after its head) waits up to 40 ms for the peer's delayed ACK.
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            relay(client.getInputStream(), upstream.getOutputStream(), "up");
            relay(upstream.getInputStream(), client.getOutputStream(), "down");
        }

        private void relay(InputStream in, OutputStream out, String direction) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[16 * 1024];
                try {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        awaitFlow();
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // the connection ended, or was cut
                } finally {
                    close();
                }
            }, "fault-proxy-" + targetPort + "-" + direction);
            t.setDaemon(true);
            t.start();
        }

        void close() {
            if (links.remove(this)) {
                try {
                    client.setSoLinger(true, 0); // a reset, as a cut network gives
                } catch (SocketException ignored) {
                    // already closed
                }
                closeQuietly(client);
                closeQuietly(upstream);
            }
        }
    }
}
