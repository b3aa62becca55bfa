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
 * <p>A quorum queue ({@code queueType=quorum}) also gets {@code x-queue-type=quorum}, and so does
 * its dead-letter queue ({@code .dropped} stays classic: what reaches it is reported and gone at
 * once). Without a backlog limit, the quorum queue dead-letters natively: {@code x-delivery-limit}
 * is {@code maxAttempts - 1} (the broker dead-letters a message returned once more than that),
 * the dead-letter exchange routes to the dead-letter queue (or, in exchange mode, to the named
 * dead-letter exchange with the group's queue as routing key), with
 * {@code x-dead-letter-strategy=at-least-once}, which needs {@code x-overflow=reject-publish}.
 * With a backlog limit the queue's one dead-letter exchange reports the limit's drops, as on a
 * classic queue, and dead letters are published by the adapter.
 *
 * <p>Queue arguments cannot change once declared. A spec that sets a backlog limit on a queue
 * that exists with other arguments fails with a {@link DestinationConflictException} that shows
 * both; a spec that sets none uses the queue as it is — a quorum queue without the delivery limit
 * and dead-letter exchange asked for then dead-letters as a classic one does — unless it is of
 * the other type (a quorum queue where a classic one is asked for, or the reverse): that is a
 * conflict too, since a consumer of one type cannot read the other.
 *
 * @param deadLetterArguments the arguments of the dead-letter queue
 * @param quorum              true for a quorum queue
 * @param usedAsIs            set when the queue existed with other arguments and is used as it is
 */
record QueueDeclaration(String queue, String deadLetterQueue, Map<String, Object> arguments,
                        Map<String, Object> deadLetterArguments, boolean quorum,
                        java.util.concurrent.atomic.AtomicBoolean usedAsIs) {

    /** The queue type argument. */
    static final String QUEUE_TYPE = "x-queue-type";
    /** How many times a quorum queue lets a message go back before it dead-letters it. */
    static final String DELIVERY_LIMIT = "x-delivery-limit";

    /** @return the declaration of a classic queue {@code queue} */
    static QueueDeclaration of(ChannelSpec spec, String queue) {
        return of(spec, queue, false, null);
    }

    /**
     * @param nativeDeadLetterExchange the exchange a quorum queue dead-letters to natively, with
     *                                 {@code queue} as routing key; null for the default exchange
     *                                 and the dead-letter queue as routing key
     */
    static QueueDeclaration of(ChannelSpec spec, String queue, boolean quorum, String nativeDeadLetterExchange) {
        String dlq = spec.consumer().deadLetter().orElse(queue + ".dlq");
        Map<String, Object> args = new LinkedHashMap<>();
        if (quorum) {
            args.put(QUEUE_TYPE, "quorum");
        }
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
        if (quorum && spec.backlog().isEmpty()) {
            args.put(DELIVERY_LIMIT, spec.consumer().maxAttempts() - 1);
            args.put("x-dead-letter-exchange", nativeDeadLetterExchange == null ? "" : nativeDeadLetterExchange);
            args.put("x-dead-letter-routing-key", nativeDeadLetterExchange == null ? dlq : queue);
            args.put("x-dead-letter-strategy", "at-least-once");
            args.put("x-overflow", "reject-publish"); // at-least-once needs it; without x-max-length it refuses nothing
        }
        return new QueueDeclaration(queue, dlq, args, quorum ? Map.of(QUEUE_TYPE, "quorum") : Map.of(), quorum,
                new java.util.concurrent.atomic.AtomicBoolean());
    }

    /** @return true when the broker dead-letters what failed {@code maxAttempts} times (a quorum queue's delivery limit) */
    boolean nativeDeadLetter() {
        return arguments.containsKey(DELIVERY_LIMIT) && !usedAsIs.get();
    }

    /** @return the queue that receives what the broker drops from {@code queue} for its backlog limit */
    static String droppedQueue(String queue) {
        return queue + ".dropped";
    }

    /** @return true when the queue has a backlog limit whose drops are reported through {@link #droppedQueue} */
    boolean reportsDrops() {
        return droppedQueue(queue).equals(arguments.get("x-dead-letter-routing-key"));
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
            ch = declareOne(connection, ch, deadLetterQueue, deadLetterArguments, false, false);
        }
        if (reportsDrops()) {
            ch = declareOne(connection, ch, droppedQueue(queue), Map.of(), false, false);
        }
        Channel next = declareOne(connection, ch, queue, arguments, argumentsRequired, true);
        usedAsIs.set(next != ch);
        return next;
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

    /**
     * @param required     a queue with other arguments is a conflict
     * @param typeRequired a queue of the other type is a conflict (the queue the channel
     *                     consumes; a dead-letter queue of either type only receives)
     */
    private static Channel declareOne(Connection connection, Channel ch, String name, Map<String, Object> args,
                                      boolean required, boolean typeRequired) throws IOException {
        try {
            ch.queueDeclare(name, true, false, false, args);
            return ch;
        } catch (IOException e) {
            String reason = reasonOf(e);
            if (reason == null || !reason.contains("PRECONDITION_FAILED")) {
                closeQuietly(ch);
                throw e;
            }
            String otherType = typeRequired ? typeDifference(connection, name, args, reason) : null;
            if (otherType != null) {
                throw new DestinationConflictException(name, "another queue type (the broker says: " + otherType + ")",
                        "a " + args.getOrDefault(QUEUE_TYPE, "classic") + " queue (uri parameter queueType="
                                + args.getOrDefault(QUEUE_TYPE, "classic") + ")");
            }
            if (required) {
                throw new DestinationConflictException(name, "other arguments (the broker says: "
                        + limitDifference(connection, name, args, reason) + ")", "arguments " + args);
            }
            Channel fresh = connection.createChannel(); // the refused declare closed the first channel
            fresh.queueDeclarePassive(name); // it exists: used as it is
            return fresh;
        }
    }

    /** The arguments a backlog limit sets: the values a conflict should show. */
    private static final java.util.Set<String> LIMIT_ARGUMENTS = java.util.Set.of("x-max-length", "x-overflow", "x-message-ttl");
    /**
     * RabbitMQ's refusal of a declare: the first argument that differs, and both values — each
     * {@code none}, {@code '3600000'} (both of one type) or {@code the value '7' of type 'signedint'}.
     */
    private static final java.util.regex.Pattern INEQUIVALENT = java.util.regex.Pattern.compile(
            "inequivalent arg '([^']+)'.*?received (none|'[^']*'|the value '[^']*' of type '[^']+')"
                    + " but current is (none|'([^']*)'|the value '([^']*)' of type '([^']+)')");

    /**
     * The refusal that names a backlog-limit argument the spec asks for, with both values, when
     * the broker named another one first (it checks a quorum queue's dead-letter exchange before
     * its {@code x-message-ttl}); falls back to {@code reason}.
     */
    private static String limitDifference(Connection connection, String name, Map<String, Object> args, String reason) {
        java.util.Set<String> limits = new java.util.HashSet<>(LIMIT_ARGUMENTS);
        limits.retainAll(args.keySet());
        String named = refusalNaming(connection, name, new LinkedHashMap<>(args), reason, limits);
        return named == null ? reason : named;
    }

    /**
     * Whether the existing queue {@code name} is of another type than {@code args} asks for (none:
     * classic), when a declare with all of them was refused: the broker names only the first
     * argument that differs, and checks the type after most.
     *
     * @return the refusal that names {@code x-queue-type}, or null when the type is the same
     */
    private static String typeDifference(Connection connection, String name, Map<String, Object> args, String reason) {
        Map<String, Object> typeOnly = new LinkedHashMap<>();
        if (args.containsKey(QUEUE_TYPE)) {
            typeOnly.put(QUEUE_TYPE, args.get(QUEUE_TYPE));
        }
        return refusalNaming(connection, name, typeOnly, reason, java.util.Set.of(QUEUE_TYPE));
    }

    /**
     * Declares {@code probe} on channels of their own, each time taking the existing value of the
     * argument the broker named last (or leaving it out where the queue has none), until the
     * broker names one of {@code wanted} or the declare goes through. Each declare that goes
     * through is equivalent to the queue as it is and changes nothing.
     *
     * @param reason the broker's refusal so far
     * @return the refusal that names one of {@code wanted}, or null when none of them differs (or
     *     the refusals cannot be read)
     */
    private static String refusalNaming(Connection connection, String name, Map<String, Object> probe, String reason,
                                        java.util.Set<String> wanted) {
        String last = reason;
        for (int i = 0; i < 16; i++) {
            java.util.regex.Matcher m = INEQUIVALENT.matcher(last);
            if (!m.find()) {
                return null;
            }
            String key = m.group(1);
            if (wanted.contains(key)) {
                return last;
            }
            if (m.group(3).equals("none")) {
                probe.remove(key);
            } else {
                Object existing = m.group(4) != null ? sameType(probe.get(key), m.group(4)) : switch (m.group(6)) {
                    case "longstr" -> m.group(5);
                    case "signedint" -> Integer.valueOf(m.group(5));
                    case "long" -> Long.valueOf(m.group(5));
                    case "bool" -> Boolean.valueOf(m.group(5));
                    default -> null;
                };
                if (existing == null) {
                    return null;
                }
                probe.put(key, existing);
            }
            Channel ch = null;
            try {
                ch = connection.createChannel();
                ch.queueDeclare(name, true, false, false, probe);
                return null;
            } catch (IOException | RuntimeException e) {
                last = e instanceof IOException io ? reasonOf(io) : null;
                if (last == null || !last.contains("PRECONDITION_FAILED")) {
                    return null;
                }
            } finally {
                if (ch != null) {
                    closeQuietly(ch);
                }
            }
        }
        return null;
    }

    /** @return {@code value} as the type of {@code like} (the broker shows a value of the same type bare), or null */
    private static Object sameType(Object like, String value) {
        try {
            if (like instanceof Integer) {
                return Integer.valueOf(value);
            }
            if (like instanceof Long) {
                return Long.valueOf(value);
            }
            if (like instanceof Boolean) {
                return Boolean.valueOf(value);
            }
            return like instanceof String ? value : null;
        } catch (NumberFormatException e) {
            return null;
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
