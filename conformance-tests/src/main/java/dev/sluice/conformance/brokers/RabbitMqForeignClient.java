package dev.sluice.conformance.brokers;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.sluice.conformance.ForeignClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * amqp-client as a plain application uses it: publish to the queue through the default exchange,
 * basic.get to read, and a durable queue of its own declared with arguments
 * ({@code x-max-length}, {@code x-message-ttl}). What a queue was declared with is read back with
 * {@code rabbitmqctl list_queues}: AMQP has no way to ask.
 */
final class RabbitMqForeignClient implements ForeignClient {

    /** The application's own {@code x-max-length}: room for what the kit writes, and not a kit value. */
    static final int EXISTING_MAX_LENGTH = 7;
    /** The queue properties {@link #settings} reads, in {@code rabbitmqctl list_queues} terms. */
    private static final List<String> PROPERTIES = List.of("durable", "auto_delete", "exclusive", "type", "policy", "arguments");

    private final java.util.function.Supplier<Connection> connection;
    private final String vhost;
    private final Function<String[], List<String>> rabbitmqctl;

    /**
     * @param rabbitmqctl runs {@code rabbitmqctl} with the given arguments against the node under
     *     test and returns its output lines
     */
    RabbitMqForeignClient(java.util.function.Supplier<Connection> connection, String vhost, Function<String[], List<String>> rabbitmqctl) {
        this.connection = connection;
        this.vhost = vhost;
        this.rabbitmqctl = rabbitmqctl;
    }

    /** A durable queue declared with {@code x-max-length} and {@code x-message-ttl}; no groups: a queue has none. */
    @Override
    public boolean createExisting(String destination, String appGroup, List<NativeMessage> messages) throws Exception {
        if (messages.size() > EXISTING_MAX_LENGTH) {
            throw new IllegalArgumentException("messages (" + messages.size() + ") must not exceed the queue's x-max-length ("
                    + EXISTING_MAX_LENGTH + ")");
        }
        Channel ch = connection.get().createChannel();
        try {
            ch.queueDeclare(destination, true, false, false, Map.of("x-max-length", EXISTING_MAX_LENGTH,
                    "x-message-ttl", EXISTING_RETENTION.toMillis()));
        } finally {
            ch.close();
        }
        for (NativeMessage m : messages) {
            write(destination, m);
        }
        return true;
    }

    /** The queue's durability, exclusivity, type, policy and arguments, as {@code rabbitmqctl list_queues} shows them. */
    @Override
    public Optional<Map<String, String>> settings(String destination, String appGroup) {
        List<String> command = new ArrayList<>(List.of("list_queues", "-p", vhost, "name"));
        command.addAll(PROPERTIES);
        command.add("--no-table-headers");
        for (String line : rabbitmqctl.apply(command.toArray(String[]::new))) {
            String[] cols = line.split("\t", -1);
            if (cols.length == PROPERTIES.size() + 1 && cols[0].equals(destination)) {
                Map<String, String> settings = new LinkedHashMap<>();
                for (int i = 0; i < PROPERTIES.size(); i++) {
                    settings.put(PROPERTIES.get(i), cols[i + 1]);
                }
                return Optional.of(settings);
            }
        }
        return Optional.of(Map.of("queue", "absent"));
    }

    @Override
    public void write(String destination, NativeMessage m) throws Exception {
        Channel ch = connection.get().createChannel();
        try {
            ch.confirmSelect();
            Map<String, Object> headers = new LinkedHashMap<>(m.headers());
            ch.basicPublish("", destination, new AMQP.BasicProperties.Builder().headers(headers).build(), m.body());
            if (!ch.waitForConfirms(15_000)) {
                throw new IllegalStateException("the broker refused the foreign message");
            }
        } finally {
            ch.close();
        }
    }

    /** AMQP properties are typed and Sluice reads only what they say: there is nothing a producer can corrupt. */
    @Override
    public Optional<String> writeMalformed(String destination, byte[] body) {
        return Optional.empty();
    }

    @Override
    public List<NativeMessage> read(String destination, int count, Duration within) throws Exception {
        List<NativeMessage> out = new ArrayList<>();
        Channel ch = connection.get().createChannel();
        try {
            long deadline = System.nanoTime() + within.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                GetResponse r = ch.basicGet(destination, true);
                if (r == null) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000_000); // polling an empty queue
                    continue;
                }
                Map<String, String> headers = new LinkedHashMap<>();
                if (r.getProps().getHeaders() != null) {
                    r.getProps().getHeaders().forEach((k, v) -> headers.put(k, String.valueOf(v)));
                }
                out.add(new NativeMessage(r.getBody(), null, headers));
            }
        } finally {
            ch.close();
        }
        return out;
    }
}
