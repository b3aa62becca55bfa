package dev.sluice.mem;

import dev.sluice.Message;
import dev.sluice.flow.DropReason;
import dev.sluice.flow.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A broker that lives in the JVM, named by the host of a {@code mem://} URI
 * ({@code mem://orders-test/orders} opens destination {@code orders} on broker
 * {@code orders-test}). It is a real broker for unit tests: consumer groups, redelivery with
 * delivery counts, dead letters, backlog limits (maximum length with drop-oldest or
 * reject-newest, maximum age), and a backlog figure, with the same semantics the adapters give
 * on Kafka, RabbitMQ, SQS and Redis.
 *
 * <p>It also lets a test do to it what real brokers do under load, and look inside it:
 * {@link #block(String)} raises the broker-pressure alarm (sends are held, unconfirmed, and every
 * channel is told), {@link #stall()} holds confirms silently, {@link #pending(String, String)} and
 * {@link #ready(String, String)} read what the broker holds. Thread-safe.
 */
public final class InMemoryBroker {

    private static final Map<String, InMemoryBroker> BROKERS = new ConcurrentHashMap<>();

    private final String name;
    private final Ticker ticker;
    private final Map<String, Destination> destinations = new ConcurrentHashMap<>();
    private final List<MemSession> sessions = new CopyOnWriteArrayList<>();
    private final Object faultLock = new Object();
    private volatile int maxPayloadBytes = 1 << 20;
    private String blockedReason;
    private boolean stalled;

    private InMemoryBroker(String name, Ticker ticker) {
        this.name = name;
        this.ticker = ticker;
    }

    /** @return the broker of that name, created on first use */
    public static InMemoryBroker named(String name) {
        Objects.requireNonNull(name, "name");
        return BROKERS.computeIfAbsent(name, n -> new InMemoryBroker(n, Ticker.system()));
    }

    /**
     * Forgets the broker of that name and everything it holds; channels still open on it keep
     * working on the old instance until closed.
     */
    public static void remove(String name) {
        BROKERS.remove(name);
    }

    public String name() {
        return name;
    }

    /** @param bytes the largest payload accepted; larger ones are {@code TOO_LARGE} */
    public void maxPayloadBytes(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxPayloadBytes (" + bytes + ") must not be negative");
        }
        this.maxPayloadBytes = bytes;
    }

    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /**
     * Raises the broker's pressure alarm, as RabbitMQ's memory alarm or Redis at maxmemory: sends
     * are held without confirm, and every open channel is told it is blocked.
     */
    public void block(String reason) {
        Objects.requireNonNull(reason, "reason");
        synchronized (faultLock) {
            blockedReason = reason;
        }
        sessions.forEach(s -> s.events().brokerBlocked(reason));
    }

    /** Clears the alarm: held sends complete, channels are told. */
    public void unblock() {
        synchronized (faultLock) {
            blockedReason = null;
        }
        sessions.forEach(s -> s.events().brokerUnblocked());
        releaseHeld();
    }

    /** Holds every confirm from now on, without an alarm: a broker that has stopped answering. */
    public void stall() {
        synchronized (faultLock) {
            stalled = true;
        }
    }

    /**
     * Tells every open channel that the broker cannot be reached ({@code true}) or answers again:
     * what a real broker's adapter finds out when its calls time out. A stall alone is silent.
     */
    public void reachable(boolean reachable) {
        sessions.forEach(s -> {
            if (reachable) {
                s.events().reachable();
            } else {
                s.events().unreachable("the in-memory broker does not answer");
            }
        });
    }

    /** Answers again: held sends are stored and confirmed in order. */
    public void unstall() {
        synchronized (faultLock) {
            stalled = false;
        }
        releaseHeld();
    }

    /**
     * Drops every connection, as a network cut or a broker restart does: sends waiting for a
     * confirm fail, and every delivered but unacked message goes back to its group for
     * redelivery. The channels recover at once, as clients with automatic recovery do; an ack
     * that arrives for a message given back this way is ignored, so that message is delivered
     * again (at-least-once).
     */
    public void cutConnections() {
        sessions.forEach(MemSession::cut);
    }

    /** @return true while sends are held (blocked or stalled) */
    boolean holdsSends() {
        synchronized (faultLock) {
            return stalled || blockedReason != null;
        }
    }

    String blockedReason() {
        synchronized (faultLock) {
            return blockedReason;
        }
    }

    private void releaseHeld() {
        sessions.forEach(MemSession::releaseHeldSends);
    }

    /** @return messages of {@code destination} waiting for {@code group} (not yet delivered) */
    public int ready(String destination, String group) {
        return read(destination, 0, d -> d.ready(group));
    }

    /** @return messages of {@code destination} delivered to {@code group} and not yet acked */
    public int pending(String destination, String group) {
        return read(destination, 0, d -> d.pending(group));
    }

    /** @return the backlog of {@code destination}: ready messages of its fullest group */
    public long depth(String destination) {
        return read(destination, 0L, Destination::maxReady);
    }

    /** Reads a destination under its lock, after removing (and reporting) what has expired. */
    private <T> T read(String destination, T absent, java.util.function.Function<Destination, T> figure) {
        Destination d = destinations.get(destination);
        if (d == null) {
            return absent;
        }
        List<Message> expired = new ArrayList<>();
        d.lock.lock();
        try {
            d.expire(ticker.nanoTime(), expired);
            return figure.apply(d);
        } finally {
            d.lock.unlock();
            reportDrops(destination, expired, DropReason.BACKLOG_EXPIRED);
        }
    }

    Destination destination(String destination) {
        return destinations.computeIfAbsent(destination, n -> new Destination(n, ticker));
    }

    MemSession attach(MemSession session) {
        sessions.add(session);
        String reason = blockedReason();
        if (reason != null) {
            session.events().brokerBlocked(reason);
        }
        return session;
    }

    void detach(MemSession session) {
        sessions.remove(session);
    }

    /** A broker-side drop is news for every channel on the destination. */
    void reportDrops(String destination, List<Message> messages, DropReason reason) {
        for (Message m : messages) {
            for (MemSession s : sessions) {
                if (s.destinationName().equals(destination)) {
                    s.events().dropped(m, reason);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "InMemoryBroker[" + name + ", " + destinations.size() + " destinations]";
    }
}
