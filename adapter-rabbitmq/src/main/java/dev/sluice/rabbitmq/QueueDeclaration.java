package dev.sluice.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import dev.sluice.BacklogLimit;
import dev.sluice.ChannelSpec;
import dev.sluice.DestinationConflictException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Declares the queue (durable) with the arguments the spec asks for — {@code x-max-length} and
 * {@code x-overflow} for a maximum length, {@code x-message-ttl} for a maximum age, and then a
 * dead-letter exchange routing what the broker drops to {@code <queue>.dropped} — and the
 * dead-letter queue for messages that failed {@code maxAttempts} times.
 *
 * <p>Queue arguments cannot change once declared. A spec that sets a backlog limit on a queue that
 * exists with other arguments fails with a {@link DestinationConflictException} that shows both; a
 * spec that sets none uses the queue as it is.
 */
record QueueDeclaration(String queue, String deadLetterQueue, Map<String, Object> arguments) {

    static QueueDeclaration of(ChannelSpec spec, String queue) {
        String dlq = spec.consumer().deadLetter().orElse(queue + ".dlq");
        Map<String, Object> args = new LinkedHashMap<>();
        spec.backlog().ifPresent(limit -> {
            // What the broker drops for the limit is dead-lettered to a queue of its own, so that
            // the channel can count and report every drop.
            args.put("x-dead-letter-exchange", "");
            args.put("x-dead-letter-routing-key", droppedQueue(queue));
            limit.maxLength().ifPresent(n -> {
                args.put("x-max-length", n);
                args.put("x-overflow", limit.whenFull() == BacklogLimit.WhenFull.DROP_OLDEST ? "drop-head" : "reject-publish");
            });
            limit.maxAge().ifPresent(age -> args.put("x-message-ttl", age.toMillis()));
        });
        return new QueueDeclaration(queue, dlq, args);
    }

    /** @return the queue that receives what the broker drops from {@code queue} for its backlog limit */
    static String droppedQueue(String queue) {
        return queue + ".dropped";
    }

    /** @return true when the queue has a backlog limit whose drops are reported through {@link #droppedQueue} */
    boolean reportsDrops() {
        return arguments.containsKey("x-dead-letter-routing-key");
    }

    /**
     * Declares the dead-letter queue, the dropped queue and the queue, on a new channel. A queue
     * that exists with other arguments closes the channel it was declared on, so a fresh one takes
     * its place. {@link RabbitMqTopology} calls this again after a reconnect.
     *
     * @return the channel to go on with, for the caller to close
     */
    Channel declare(Connection connection, boolean argumentsRequired) throws IOException {
        return declare(connection, connection.createChannel(), argumentsRequired, true);
    }

    /**
     * Declares as {@link #declare(Connection, boolean)} does, on {@code ch}.
     *
     * @param withDeadLetterQueue false when dead letters go to an exchange (a named dead-letter
     *                            destination in exchange mode) rather than to a queue
     * @return the channel to go on with: {@code ch}, or a fresh one when a refused declare closed it
     */
    Channel declare(Connection connection, Channel ch, boolean argumentsRequired, boolean withDeadLetterQueue)
            throws IOException {
        if (withDeadLetterQueue) {
            ch = declareOne(connection, ch, deadLetterQueue, Map.of(), false);
        }
        if (reportsDrops()) {
            ch = declareOne(connection, ch, droppedQueue(queue), Map.of(), false);
        }
        return declareOne(connection, ch, queue, arguments, argumentsRequired);
    }

    /**
     * Declares a durable topic exchange, or uses it as it is when it exists as one; an exchange
     * of that name of another type or durability is a {@link DestinationConflictException}.
     *
     * @return the channel to go on with: {@code ch}, unless the broker refused the declare
     */
    static Channel declareExchange(Channel ch, String exchange) throws IOException {
        try {
            ch.exchangeDeclare(exchange, com.rabbitmq.client.BuiltinExchangeType.TOPIC, true);
            return ch;
        } catch (IOException e) {
            String reason = reasonOf(e);
            if (reason != null && reason.contains("PRECONDITION_FAILED")) {
                throw new DestinationConflictException(exchange, "another exchange (the broker says: " + reason + ")",
                        "a durable topic exchange");
            }
            closeQuietly(ch);
            throw e;
        }
    }

    private static Channel declareOne(Connection connection, Channel ch, String name, Map<String, Object> args,
                                      boolean required) throws IOException {
        try {
            ch.queueDeclare(name, true, false, false, args);
            return ch;
        } catch (IOException e) {
            String reason = reasonOf(e);
            if (reason == null || !reason.contains("PRECONDITION_FAILED")) {
                closeQuietly(ch);
                throw e;
            }
            if (required) {
                throw new DestinationConflictException(name, "other arguments (the broker says: " + reason + ")",
                        "arguments " + args);
            }
            Channel fresh = connection.createChannel(); // the refused declare closed the first channel
            fresh.queueDeclarePassive(name); // it exists: used as it is
            return fresh;
        }
    }

    private static String reasonOf(IOException e) {
        Throwable t = e;
        while (t != null) {
            if (t instanceof ShutdownSignalException s) {
                return String.valueOf(s.getReason() instanceof com.rabbitmq.client.AMQP.Channel.Close c ? c.getReplyText() : s.getMessage());
            }
            t = t.getCause();
        }
        return e.getMessage();
    }

    private static void closeQuietly(Channel ch) {
        try {
            // Only an open channel: amqp-client forgets a channel by its number, which a new
            // channel may have taken once the broker closed this one.
            if (ch.isOpen()) {
                ch.abort();
            }
        } catch (IOException | RuntimeException ignored) {
            // already closed by the broker
        }
    }
}
