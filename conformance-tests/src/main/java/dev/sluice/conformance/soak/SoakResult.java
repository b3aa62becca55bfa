package dev.sluice.conformance.soak;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ledger of one soak on one broker: what was sent, accepted, handled, lost and repeated,
 * which faults were caused, what the channel's own counters said, and the threads and heap
 * before and after. {@link #failures()} says why it failed, empty when it passed.
 *
 * @param broker           the kit broker's name
 * @param source           how the broker was obtained
 * @param settings         how the soak ran
 * @param startedAt        when it started
 * @param durationMillis   how long it took, drain included
 * @param faults           every fault caused, in order
 * @param count            the ledger's totals
 * @param duplicates       handlings beyond the first, in total
 * @param duplicatesPerFault the duplicates attributed to each fault, in the order of {@code faults}
 * @param duplicatesUnattributed duplicates with no fault before them
 * @param recoveryPerFaultMillis for each fault, the longest a message sent while it was held (or
 *                         in the second after it healed) waited for its first handling — how long
 *                         the consumers took to get messages through again; -1 when none was handled
 * @param pressure         the producer channel's counters and the consumers' acks
 * @param threadsBefore    live threads before (all, and those the soak answers for)
 * @param threadsAfter     live threads after the channels closed
 * @param leakedThreads    names of threads alive after that were not before, not a broker's or the JVM's
 * @param brokerThreadsNew how many new threads after belong to an in-process broker or the JVM (not counted as leaks)
 * @param heapBeforeBytes  heap in use after a GC, before
 * @param heapAfterBytes   heap in use after a GC, after
 * @param socketsBefore    this process's connections to the broker's port before, -1 where the system does not show them
 * @param socketsAfter     its connections to the broker's port after every channel closed
 * @param timeline         one sample a second
 * @param failures         why the ledger fails; empty when it passes
 */
public record SoakResult(String broker, String source, SoakSettings settings, Instant startedAt, long durationMillis,
                         List<FaultRecord> faults, Ledger.Count count, long duplicates, List<Integer> duplicatesPerFault,
                         long duplicatesUnattributed, List<Long> recoveryPerFaultMillis, Pressure pressure, Threads threadsBefore, Threads threadsAfter,
                         List<String> leakedThreads, int brokerThreadsNew, long heapBeforeBytes, long heapAfterBytes,
                         int socketsBefore, int socketsAfter, List<Second> timeline, List<String> failures) {

    /**
     * One fault as it happened, in milliseconds from the soak's start.
     *
     * @param error what went wrong injecting or healing it, or null
     */
    public record FaultRecord(int index, SoakFault kind, long injectedAtMillis, long healedAtMillis, String error) {
    }

    /**
     * The channels' own counters at the end: the producer's and the consumers' acks summed over
     * every member (crashed ones as they were when closed).
     */
    public record Pressure(long offered, long confirmed, long failed, long dropped, long rejected, long inFlight, long buffered,
                           boolean producerReconciles, long consumerAcked, long consumerNacked, long consumerDeadLettered) {
    }

    /** @param all every live thread; @param ours those that are not a broker's or the JVM's */
    public record Threads(int all, int ours) {
    }

    /** One second of the soak: handled and accepted in it, duplicates in it, and in-flight and backlog at its end. */
    public record Second(int second, long handled, long accepted, long duplicates, int inFlight, long backlog) {
    }

    /** @return true when the ledger holds: nothing lost, drops all reported, duplicates within the cap, no leaks */
    public boolean passed() {
        return failures.isEmpty();
    }

    /** @return how many faults of each kind were caused */
    public Map<SoakFault, Long> faultsByKind() {
        Map<SoakFault, Long> m = new java.util.EnumMap<>(SoakFault.class);
        for (FaultRecord f : faults) {
            m.merge(f.kind(), 1L, Long::sum);
        }
        return m;
    }

    /** @return the largest number of duplicates one fault caused */
    public long duplicatesMax() {
        return duplicatesPerFault.stream().mapToLong(Integer::longValue).max().orElse(0);
    }

    /** @return the {@code p}-th percentile (nearest rank) of duplicates per fault */
    public long duplicatesPercentile(double p) {
        if (duplicatesPerFault.isEmpty()) {
            return 0;
        }
        List<Integer> sorted = duplicatesPerFault.stream().sorted().toList();
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** @return the longest recovery (see {@link #recoveryPerFaultMillis()}) per kind of fault, in milliseconds */
    public Map<SoakFault, Long> recoveryByKind() {
        Map<SoakFault, Long> m = new java.util.EnumMap<>(SoakFault.class);
        for (FaultRecord f : faults) {
            m.merge(f.kind(), recoveryPerFaultMillis.get(f.index()), Math::max);
        }
        return m;
    }

    /** @return the lost messages: accepted, never handled, never reported dropped */
    public long lost() {
        return count.missing();
    }

    /** @return a few lines for a terminal */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "[%s] seed %d, %d faults %s in %.1f s%n", broker, settings.seed(), faults.size(),
                faultsByKind(), durationMillis / 1000.0));
        s.append(String.format(Locale.ROOT, "  sent %d, accepted %d, refused %d, handled %d (distinct), lost %d, dropped %d (reported %d)%n",
                count.sent(), count.accepted(), count.refused(), count.handledDistinct(), lost(), count.droppedReported(),
                pressure.dropped()));
        s.append(String.format(Locale.ROOT, "  duplicates %d: per fault max %d, p50 %d, p99 %d (cap %d per fault), before any fault %d%n",
                duplicates, duplicatesMax(), duplicatesPercentile(50), duplicatesPercentile(99), settings.duplicateCapPerFault(),
                duplicatesUnattributed));
        s.append("  recovery (longest wait of a message sent during a fault, by kind, ms): ").append(recoveryByKind()).append('\n');
        s.append(String.format(Locale.ROOT, "  threads %d -> %d (ours %d -> %d, leaked %d%s), connections %d -> %d, heap %.1f -> %.1f MiB%n",
                threadsBefore.all(), threadsAfter.all(), threadsBefore.ours(), threadsAfter.ours(), leakedThreads.size(),
                leakedThreads.isEmpty() ? "" : " " + leakedThreads, socketsBefore, socketsAfter, heapBeforeBytes / 1048576.0,
                heapAfterBytes / 1048576.0));
        s.append(passed() ? "  ledger holds" : "  LEDGER FAILS: " + String.join("; ", failures)).append('\n');
        return s.toString();
    }

    /** @return the ledger as one JSON object (stable field names) */
    public String toJson() {
        StringBuilder j = new StringBuilder("{");
        field(j, "broker", q(broker));
        field(j, "source", q(source));
        field(j, "seed", settings.seed());
        field(j, "startedAt", q(startedAt.toString()));
        field(j, "durationMillis", durationMillis);
        field(j, "passed", passed());
        StringBuilder byKind = new StringBuilder("{");
        faultsByKind().forEach((k, v) -> byKind.append(byKind.length() > 1 ? "," : "").append(q(k.name())).append(':').append(v));
        field(j, "faultsByKind", byKind.append('}'));
        field(j, "faults", faults.size());
        field(j, "sent", count.sent());
        field(j, "accepted", count.accepted());
        field(j, "refused", count.refused());
        field(j, "handled", count.handledDistinct());
        field(j, "handledEvents", count.handledDistinct() + duplicates);
        field(j, "lost", lost());
        field(j, "lostIds", count.firstMissing().toString());
        field(j, "droppedReported", count.droppedReported());
        field(j, "droppedByChannel", pressure.dropped());
        field(j, "duplicates", "{\"total\":" + duplicates + ",\"max\":" + duplicatesMax() + ",\"p50\":" + duplicatesPercentile(50)
                + ",\"p99\":" + duplicatesPercentile(99) + ",\"capPerFault\":" + settings.duplicateCapPerFault()
                + ",\"beforeAnyFault\":" + duplicatesUnattributed + ",\"perFault\":" + duplicatesPerFault + "}");
        StringBuilder recovery = new StringBuilder("{");
        recoveryByKind().forEach((k, v) -> recovery.append(recovery.length() > 1 ? "," : "").append(q(k.name())).append(':').append(v));
        field(j, "recoveryMillisByKind", recovery.append('}'));
        field(j, "pressure", String.format(Locale.ROOT,
                "{\"offered\":%d,\"confirmed\":%d,\"failed\":%d,\"dropped\":%d,\"rejected\":%d,\"inFlight\":%d,\"buffered\":%d,"
                        + "\"reconciles\":%b,\"consumerAcked\":%d,\"consumerNacked\":%d,\"consumerDeadLettered\":%d}",
                pressure.offered(), pressure.confirmed(), pressure.failed(), pressure.dropped(), pressure.rejected(),
                pressure.inFlight(), pressure.buffered(), pressure.producerReconciles(), pressure.consumerAcked(),
                pressure.consumerNacked(), pressure.consumerDeadLettered()));
        field(j, "threads", "{\"before\":" + threadsBefore.all() + ",\"after\":" + threadsAfter.all() + ",\"oursBefore\":"
                + threadsBefore.ours() + ",\"oursAfter\":" + threadsAfter.ours() + ",\"brokerOrJvmNew\":" + brokerThreadsNew
                + ",\"leaked\":[" + String.join(",", leakedThreads.stream().map(SoakResult::q).toList()) + "]}");
        field(j, "heap", "{\"beforeBytes\":" + heapBeforeBytes + ",\"afterBytes\":" + heapAfterBytes + "}");
        field(j, "connections", "{\"before\":" + socketsBefore + ",\"after\":" + socketsAfter + "}");
        StringBuilder fl = new StringBuilder("[");
        for (FaultRecord f : faults) {
            fl.append(fl.length() > 1 ? "," : "").append("{\"index\":").append(f.index()).append(",\"kind\":").append(q(f.kind().name()))
                    .append(",\"injectedAtMillis\":").append(f.injectedAtMillis()).append(",\"healedAtMillis\":").append(f.healedAtMillis())
                    .append(",\"duplicates\":").append(duplicatesPerFault.get(f.index()))
                    .append(",\"recoveryMillis\":").append(recoveryPerFaultMillis.get(f.index()))
                    .append(",\"error\":").append(f.error() == null ? "null" : q(f.error())).append('}');
        }
        field(j, "faultLog", fl.append(']'));
        StringBuilder tl = new StringBuilder("[");
        for (Second s : timeline) {
            tl.append(tl.length() > 1 ? "," : "").append('[').append(s.second()).append(',').append(s.handled()).append(',')
                    .append(s.accepted()).append(',').append(s.duplicates()).append(',').append(s.inFlight()).append(',')
                    .append(s.backlog()).append(']');
        }
        field(j, "timelineFields", "[\"second\",\"handled\",\"accepted\",\"duplicates\",\"inFlight\",\"backlog\"]");
        field(j, "timeline", tl.append(']'));
        field(j, "failures", "[" + String.join(",", failures.stream().map(SoakResult::q).toList()) + "]");
        return j.append('}').toString();
    }

    private static void field(StringBuilder j, String name, Object value) {
        if (j.length() > 1) {
            j.append(',');
        }
        j.append(q(name)).append(':').append(value);
    }

    static String q(String s) {
        return dev.sluice.conformance.results.ResultsFile.quote(s);
    }
}
