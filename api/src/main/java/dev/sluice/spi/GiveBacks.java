package dev.sluice.spi;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * For brokers that count every delivery, even one given back unhandled
 * ({@link BrokerDelivery#release()}): how many times this process gave each message back, so the
 * attempt an adapter reports can leave those out (SQS {@code ApproximateReceiveCount}, RabbitMQ's
 * {@code redelivered} flag). Keyed by the broker's message id; the most recent
 * {@value #CAPACITY} messages are remembered. A message given back by another process is not
 * known here and counts as the broker counts it. Thread-safe.
 */
public final class GiveBacks {

    static final int CAPACITY = 100_000;

    private final Map<String, Integer> counts = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > CAPACITY;
        }
    };

    /** The message was given back once more. */
    public synchronized void gaveBack(String messageId) {
        counts.merge(messageId, 1, Integer::sum);
    }

    /** @return the broker's count less the give-backs, at least 1 */
    public synchronized int attempt(String messageId, int brokerCount) {
        Integer given = counts.get(messageId);
        return given == null ? brokerCount : Math.max(1, brokerCount - given);
    }

    /**
     * Takes one give-back off the books, for a broker that only says whether a message was
     * delivered before (RabbitMQ's {@code redelivered}).
     *
     * @return true when this process had given the message back: its redelivery is not an attempt
     */
    public synchronized boolean takeOne(String messageId) {
        Integer given = counts.get(messageId);
        if (given == null) {
            return false;
        }
        if (given == 1) {
            counts.remove(messageId);
        } else {
            counts.put(messageId, given - 1);
        }
        return true;
    }

    /** The message is settled for good (acked, dead-lettered): nothing to compensate any more. */
    public synchronized void forget(String messageId) {
        counts.remove(messageId);
    }
}
