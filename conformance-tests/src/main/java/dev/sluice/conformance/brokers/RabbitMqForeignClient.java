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

/** amqp-client as a plain application uses it: publish to the queue through the default exchange, basic.get to read. */
final class RabbitMqForeignClient implements ForeignClient {

    private final Connection connection;

    RabbitMqForeignClient(Connection connection) {
        this.connection = connection;
    }

    @Override
    public void write(String destination, NativeMessage m) throws Exception {
        Channel ch = connection.createChannel();
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
        Channel ch = connection.createChannel();
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
