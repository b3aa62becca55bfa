package dev.sluice;

import dev.sluice.flow.PressureLevel;
import java.util.Set;

/**
 * A snapshot of a channel's pressure, taken without blocking.
 *
 * @param level           the producer buffer's level (NORMAL / SOFT / HARD)
 * @param buffered        messages in the producer buffer
 * @param bufferCapacity  the producer buffer's capacity
 * @param producerInFlight messages sent to the broker and not yet confirmed
 * @param consumerInFlight deliveries handed out and not yet settled, over all consumers
 * @param consumerInFlightCap the per-consumer in-flight cap
 * @param brokerBlocked   whether the broker signalled pressure (alarm, blocked connection, OOM)
 * @param backlog         the broker's backlog (depth or lag) as last read, or -1 when unknown
 * @param brokerDropped   messages the broker dropped for its backlog limit (trimmed, refused, expired), as reported to the channel
 * @param pausedReasons   the pause reasons held by any consumer of the channel
 * @param producer        the producer's counters
 * @param consumer        the consumers' counters
 * @param consumerInFlightLimit the in-flight cap now: an adaptive limit's current value (the lowest
 *                        over the channel's consumers), else the fixed cap
 * @param producerRate    the producer's rate limit now, in messages a second (an adaptive rate's
 *                        current value), or 0 when the producer has no rate limit
 */
public record PressureState(PressureLevel level, int buffered, int bufferCapacity, int producerInFlight,
                            int consumerInFlight, int consumerInFlightCap, boolean brokerBlocked, long backlog,
                            long brokerDropped, Set<PauseReason> pausedReasons, ProducerCounters producer, ConsumerCounters consumer,
                            int consumerInFlightLimit, double producerRate) {

    public PressureState {
        pausedReasons = Set.copyOf(pausedReasons);
    }

    /** A snapshot without adaptive limits: the in-flight limit is the cap, no producer rate. */
    public PressureState(PressureLevel level, int buffered, int bufferCapacity, int producerInFlight,
                         int consumerInFlight, int consumerInFlightCap, boolean brokerBlocked, long backlog,
                         long brokerDropped, Set<PauseReason> pausedReasons, ProducerCounters producer, ConsumerCounters consumer) {
        this(level, buffered, bufferCapacity, producerInFlight, consumerInFlight, consumerInFlightCap, brokerBlocked, backlog,
                brokerDropped, pausedReasons, producer, consumer, consumerInFlightCap, 0);
    }

    /**
     * What became of every message offered to the producer. They reconcile:
     * {@code offered == confirmed + failed + inFlight + dropped + rejected + buffered} — exactly
     * once {@link dev.sluice.MessageProducer#flush(java.time.Duration) flush} returned true and no
     * other send runs; the counters are read one after another, so a snapshot taken while a confirm
     * is being counted may count that message in flight as well (it leaves in flight a moment after).
     *
     * @param offered   every send
     * @param confirmed confirmed by the broker
     * @param failed    sent to the broker and refused or failed there
     * @param inFlight  sent to the broker, awaiting its confirm
     * @param dropped   dropped by the policy (newest, displaced, random, by priority, shed, unsent at close), each reported
     * @param rejected  refused before the buffer: rate limited, timed out, too large, refused by {@code fail}
     * @param buffered  waiting in the buffer
     * @param bufferedBytes the {@linkplain ProducerPolicy#footprint(Message) footprints} of the buffered
     *                  messages when the buffer has a {@linkplain ProducerPolicy#maxBytes(long) byte bound},
     *                  else 0 (read just after the other counters, not in the same instant)
     */
    public record ProducerCounters(long offered, long confirmed, long failed, long inFlight, long dropped,
                                   long rejected, long buffered, long bufferedBytes) {

        /** Counters without a byte count (a buffer bounded by count only). */
        public ProducerCounters(long offered, long confirmed, long failed, long inFlight, long dropped,
                                long rejected, long buffered) {
            this(offered, confirmed, failed, inFlight, dropped, rejected, buffered, 0);
        }

        /** @return true when every offered message is accounted for exactly once */
        public boolean reconciles() {
            return offered == confirmed + failed + inFlight + dropped + rejected + buffered;
        }
    }

    /**
     * What became of every delivery. They {@linkplain #reconciles() reconcile} exactly once no
     * delivery is being settled; the counters are read one after another, so a snapshot taken while
     * a delivery settles may count it in flight as well as in its outcome for a moment.
     *
     * @param received     deliveries taken from the broker
     * @param acked        acked
     * @param nacked       nacked for redelivery (an attempt counted)
     * @param released     given back without an attempt counted (a pause or a close took them before a handler did)
     * @param deadLettered sent to the dead letter destination after {@code maxAttempts}
     * @param inFlight     received and not yet settled
     * @param malformed    received but not decodable as Sluice writes it (delivered raw or dead-lettered, and counted there too)
     * @param errors       fetch failures the consumer reported and recovered from
     */
    public record ConsumerCounters(long received, long acked, long nacked, long released, long deadLettered, long inFlight,
                                   long malformed, long errors) {
        /** @return true when {@code received == acked + nacked + released + deadLettered + inFlight} */
        public boolean reconciles() {
            return received == acked + nacked + released + deadLettered + inFlight;
        }
    }
}
