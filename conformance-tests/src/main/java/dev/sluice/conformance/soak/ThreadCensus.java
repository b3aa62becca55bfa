package dev.sluice.conformance.soak;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The live threads of this JVM, and which of them are not the soak's to answer for: threads of a
 * broker running inside this JVM (in-process Kafka, ElasticMQ's Pekko) and the JVM's own shared
 * pools, which come and go by themselves. A thread alive after the soak that was not alive
 * before it, and is neither, is a leak.
 */
public final class ThreadCensus {

    /**
     * Names of threads that belong to an in-process broker (Kafka KRaft, ElasticMQ/Pekko) or to the
     * JVM's shared machinery. Matched against the whole name.
     */
    static final Pattern NOT_OURS = Pattern.compile(String.join("|",
            // in-process Kafka (KRaft broker and controller)
            "kafka-.*", "data-plane-.*", "controller-.*", "broker-.*", "raft-.*", "ExpirationReaper-.*",
            "LogDirFailureHandler", "feature-zk-node-event-process-thread", "quorum-controller-.*",
            "metrics-meter-tick-thread-.*", "executor-.*", "kafka-log-cleaner-thread-.*", "group-coordinator-.*",
            "share-coordinator-.*", "transaction-log-manager-.*", "TxnMarkerSenderThread-.*", "ReplicaFetcherThread-.*",
            "node-.*-.*", "AddPartitionsToTxnSenderThread-.*", "client-metrics-reaper", "ProducerStateManager.*",
            "KafkaRaftServer.*", "Kafka.*Handler.*", "RemoteLogManager.*", "kafka-scheduler-.*",
            "PersisterStateManager", "persister-state-manager-reaper", "share-group-lock-timeout-reaper", "SensorExpiryThread",
            // ElasticMQ (Pekko) in this JVM
            ".*pekko.*", ".*elasticmq.*",
            // the kit broker's own clients (its probe), which live as long as the kit broker
            "sluice-kit-.*",
            // the JVM's own shared pools and housekeeping
            "ForkJoinPool.commonPool-worker-.*", "CompletableFutureDelayScheduler", "Common-Cleaner", "Attach Listener", "process reaper.*",
            "Signal Dispatcher", "Finalizer", "Reference Handler", "Notification Thread", "JFR.*", "Awaitility-.*",
            "surefire-.*", "junit-.*"));

    /**
     * Client threads that match {@link #NOT_OURS} by name but belong to the channels under test
     * (kafka-clients' own threads): always counted.
     */
    static final Pattern CLIENTS = Pattern.compile(
            "kafka-producer-network-thread.*|kafka-coordinator-heartbeat-thread.*|kafka-admin-client-thread.*");

    /** A point in time: the live threads by id, and the heap in use after a collection. */
    public record Snapshot(Map<Long, String> threads, long heapUsedBytes) {
        /** @return how many live threads */
        public int count() {
            return threads.size();
        }

        /** @return how many live threads the soak answers for (not a broker's, not the JVM's) */
        public int countOurs() {
            return (int) threads.values().stream().filter(ours()).count();
        }
    }

    private ThreadCensus() {
    }

    static Predicate<String> ours() {
        return name -> CLIENTS.matcher(name).matches() || !NOT_OURS.matcher(name).matches();
    }

    /** @return the live threads now and the heap used after a full collection */
    public static Snapshot take() {
        Map<Long, String> threads = Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .collect(Collectors.toMap(Thread::getId, Thread::getName, (a, b) -> a));
        return new Snapshot(Map.copyOf(threads), heapAfterGc());
    }

    /** @return each live thread named in {@code names} with the top frames of its stack, for a leak report */
    public static List<String> describe(List<String> names) {
        List<String> out = new java.util.ArrayList<>();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (names.contains(t.getName())) {
                StringBuilder s = new StringBuilder(t.getName()).append(" (").append(t.getState()).append(")");
                for (int i = Math.max(0, stack.length - 4); i < stack.length; i++) {
                    s.append(i == Math.max(0, stack.length - 4) ? ": ... " : " < ").append(stack[i].getClassName()).append('.').append(stack[i].getMethodName());
                }
                out.add(s.toString());
            }
        });
        return out;
    }

    /** @return the threads alive in {@code after} that were not in {@code before}, leaving out those not ours */
    public static List<String> newThreads(Snapshot before, Snapshot after) {
        Set<Long> old = before.threads().keySet();
        return after.threads().entrySet().stream()
                .filter(e -> !old.contains(e.getKey()))
                .map(Map.Entry::getValue)
                .filter(ours())
                .sorted()
                .toList();
    }

    /** @return the threads alive in {@code after} that were not in {@code before} and are a broker's or the JVM's */
    public static List<String> newThreadsNotOurs(Snapshot before, Snapshot after) {
        Set<Long> old = before.threads().keySet();
        return after.threads().entrySet().stream()
                .filter(e -> !old.contains(e.getKey()))
                .map(Map.Entry::getValue)
                .filter(ours().negate())
                .sorted()
                .toList();
    }

    private static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        // Two collections: the first may only queue finalizable objects.
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
