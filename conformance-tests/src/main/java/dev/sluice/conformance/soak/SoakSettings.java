package dev.sluice.conformance.soak;

import java.time.Duration;
import java.util.Objects;

/**
 * How a soak runs. It stops by itself at whichever comes first of {@code maxFaults} faults and
 * {@code duration}, and sends at most {@code maxMessages} messages.
 *
 * @param maxFaults        faults to cause, at least 1
 * @param duration         the longest the fault phase lasts
 * @param seed             the fault schedule's seed
 * @param ratePerSecond    messages the producer offers per second
 * @param maxMessages      the most messages sent (the ledger's size)
 * @param members          consumer group members running at once
 * @param consumerInFlight each member's in-flight cap (and pull batch)
 * @param producerInFlight the producer's send window (unconfirmed messages)
 * @param gapMin           shortest wait before a fault
 * @param gapMax           longest wait before a fault
 * @param holdMin          shortest hold of a fault
 * @param holdMax          longest hold of a fault
 * @param drain            the longest the soak waits, after the last fault, for every accepted message to be handled
 * @param consumerCrashes  whether the schedule includes consumer crashes (in-process)
 * @param consumerKills    whether one more member runs in a child JVM and the schedule includes
 *                         killing it with SIGKILL (on brokers another process can reach)
 */
public record SoakSettings(int maxFaults, Duration duration, long seed, int ratePerSecond, int maxMessages, int members,
                           int consumerInFlight, int producerInFlight, Duration gapMin, Duration gapMax, Duration holdMin,
                           Duration holdMax, Duration drain, boolean consumerCrashes,
                           boolean consumerKills) {

    /** Heap growth over the soak above which the ledger fails. */
    public static final long HEAP_GROWTH_LIMIT_BYTES = 64L << 20;

    public SoakSettings {
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(gapMin, "gapMin");
        Objects.requireNonNull(gapMax, "gapMax");
        Objects.requireNonNull(holdMin, "holdMin");
        Objects.requireNonNull(holdMax, "holdMax");
        Objects.requireNonNull(drain, "drain");
        atLeast("maxFaults", maxFaults, 1);
        atLeast("ratePerSecond", ratePerSecond, 1);
        atLeast("maxMessages", maxMessages, 1);
        atLeast("members", members, 1);
        atLeast("consumerInFlight", consumerInFlight, 1);
        atLeast("producerInFlight", producerInFlight, 1);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration (" + duration + ") must be positive");
        }
        if (gapMin.isNegative() || gapMax.compareTo(gapMin) < 0) {
            throw new IllegalArgumentException("gapMax (" + gapMax + ") must not be below gapMin (" + gapMin + ")");
        }
        if (holdMin.isNegative() || holdMax.compareTo(holdMin) < 0) {
            throw new IllegalArgumentException("holdMax (" + holdMax + ") must not be below holdMin (" + holdMin + ")");
        }
    }

    private static void atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " (" + value + ") must be at least " + min);
        }
    }

    /**
     * A soak of {@code maxFaults} faults lasting at most {@code duration}: 200 messages a second,
     * two members with an in-flight cap of 10 each, a send window of 10, 0.5–2 s between faults,
     * faults held 0.2–1 s, up to 60 s to drain, consumer crashes and kills of a member process included.
     */
    public static SoakSettings of(int maxFaults, Duration duration, long seed) {
        int rate = 200;
        long seconds = Math.max(1, duration.toSeconds());
        int maxMessages = (int) Math.min(20_000_000L, rate * (seconds + 120));
        return new SoakSettings(maxFaults, duration, seed, rate, maxMessages, 2, 10, 10, Duration.ofMillis(500),
                Duration.ofMillis(2_000), Duration.ofMillis(200), Duration.ofMillis(1_000), Duration.ofSeconds(60), true, true);
    }

    /** @return these settings at another rate (the ledger resized to match) */
    public SoakSettings withRate(int perSecond) {
        long seconds = Math.max(1, duration.toSeconds());
        int max = (int) Math.min(20_000_000L, (long) Math.max(1, perSecond) * (seconds + 120));
        return new SoakSettings(maxFaults, duration, seed, perSecond, max, members, consumerInFlight, producerInFlight, gapMin,
                gapMax, holdMin, holdMax, drain, consumerCrashes, consumerKills);
    }

    /**
     * @return the most duplicates one fault may cause: every member's in-flight cap (handled,
     *     ack lost), the member process's included, plus the producer's send window (stored,
     *     confirm lost, sent again)
     */
    public int duplicateCapPerFault() {
        return (members + (consumerKills ? 1 : 0)) * consumerInFlight + producerInFlight;
    }
}
