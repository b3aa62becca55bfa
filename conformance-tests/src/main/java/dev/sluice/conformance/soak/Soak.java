package dev.sluice.conformance.soak;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.flow.DropReason;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.PressureListener;
import dev.sluice.PressureState;
import dev.sluice.ProducerPolicy;
import dev.sluice.SendResult;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.KitBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A soak: one producer with the {@code block} overflow policy and a group of at-least-once
 * consumers run against one broker while a {@link FaultSchedule} drawn from a seed injects the
 * faults the {@link KitBroker} offers (each held a random short time, then healed) and crashes
 * consumers; every message carries its id (header {@value #ID_HEADER}), and a {@link Ledger}
 * checks at the end that nothing accepted was lost, that every drop was reported, that the
 * duplicates each fault caused stay within {@link SoakSettings#duplicateCapPerFault()}, that the
 * channels' counters reconcile with the ledger, and that no thread leaked and the heap stayed flat.
 *
 * <p>Stops by itself: after {@link SoakSettings#maxFaults()} faults or {@link SoakSettings#duration()},
 * whichever comes first, then drains for at most {@link SoakSettings#drain()}. Uses one fresh
 * destination and group, deleted at the end. Not thread-safe: one {@link #run} at a time.
 */
public final class Soak {

    /** The header that carries each message's id. */
    public static final String ID_HEADER = "soak-id";

    private static final long WORK_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    /** Messages sent this long after a fault healed still count towards its recovery time. */
    static final long RECOVERY_WINDOW_MILLIS = 1_000;

    private final KitBroker broker;
    private final String source;
    private final SoakSettings settings;
    private final Consumer<String> log;
    private final String destination = "sluice-soak-" + UUID.randomUUID().toString().substring(0, 8);
    private final String group = "soak-" + UUID.randomUUID().toString().substring(0, 8);

    private Ledger ledger;
    private long startNanos;
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private final List<PressureState.ConsumerCounters> closedMembers = new CopyOnWriteArrayList<>();
    private final AtomicLong handledByKilled = new AtomicLong();
    private volatile ProcessMember process;
    private int groupSize;
    private volatile boolean stopProducing;
    private volatile RuntimeException producerFailure;

    /**
     * @param broker   the broker to soak
     * @param source   how the broker was obtained, for the report
     * @param settings how long, how many faults, which seed
     * @param log      receives a line per fault and phase (progress)
     */
    public Soak(KitBroker broker, String source, SoakSettings settings, Consumer<String> log) {
        this.broker = Objects.requireNonNull(broker, "broker");
        this.source = Objects.requireNonNull(source, "source");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** @return the faults the schedule draws from on this broker: the kit broker's, and consumer crashes if enabled */
    public List<SoakFault> kinds() {
        List<SoakFault> kinds = new ArrayList<>();
        for (Fault f : Fault.values()) {
            if (broker.faults().contains(f)) {
                kinds.add(SoakFault.of(f));
            }
        }
        if (settings.consumerCrashes()) {
            kinds.add(SoakFault.CONSUMER_CRASH);
        }
        if (settings.consumerKills() && broker.servesOtherProcesses()) {
            kinds.add(SoakFault.CONSUMER_KILL);
        }
        return kinds;
    }

    /** One group member on a channel of its own, so that a crash can take its connections with it. */
    private final class Member {
        final BackpressureChannel channel;
        final CountDownLatch dead = new CountDownLatch(1);
        volatile boolean crashed;

        Member() {
            ChannelSpec spec = ChannelSpec.of(broker.uri(destination, groupSize))
                    .consumer(ConsumerPolicy.pull(settings.consumerInFlight()).maxInFlight(settings.consumerInFlight())
                            .maxAttempts(1_000))
                    .closeTimeout(Duration.ofMillis(20));
            for (var s : broker.memberSettings().entrySet()) {
                spec = spec.nativeSetting(s.getKey(), s.getValue());
            }
            channel = broker.open(spec);
            channel.consumer(group).start(d -> {
                if (crashed) {
                    die();
                }
                LockSupport.parkNanos(WORK_NANOS); // the handler's work
                if (crashed) {
                    die(); // crashed mid-handling: it never returns, so nothing is acked
                }
                String id = d.message().headers().get(ID_HEADER);
                long parsed = parse(id);
                if (parsed < 0) {
                    ledger.unreadable();
                } else {
                    record(parsed);
                }
            });
        }

        private void die() throws InterruptedException {
            dead.await();
            throw new IllegalStateException("this member crashed");
        }

        PressureState.ConsumerCounters counters() {
            return channel.pressure().consumer();
        }
    }

    /** What a handler does with an id it finished: the ledger's record. */
    void record(long id) {
        ledger.handled(id);
    }

    private static long parse(String id) {
        if (id == null) {
            return -1;
        }
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Runs the soak and returns its ledger; never throws for what a broker does (a fault that
     * cannot be injected is a failure in the ledger).
     *
     * @throws InterruptedException if interrupted
     */
    public SoakResult run() throws InterruptedException {
        List<SoakFault> kinds = kinds();
        FaultSchedule schedule = new FaultSchedule(kinds, settings.seed(), settings.gapMin().toMillis(), settings.gapMax().toMillis(),
                settings.holdMin().toMillis(), settings.holdMax().toMillis());
        log.accept("[" + broker.name() + "] soak seed " + settings.seed() + ": up to " + settings.maxFaults() + " faults of " + kinds
                + " within " + settings.duration().toSeconds() + " s, " + settings.ratePerSecond() + " msg/s");
        ThreadCensus.Snapshot before = ThreadCensus.take();
        int brokerPort = java.net.URI.create(broker.uri(destination)).getPort();
        java.util.Set<String> socketsBefore = OpenSockets.connectionsTo(brokerPort);
        ledger = new Ledger(settings.maxMessages());
        Instant startedAt = Instant.now();
        startNanos = System.nanoTime();
        List<String> failures = new ArrayList<>();
        List<SoakResult.FaultRecord> faults = new ArrayList<>();
        List<SoakResult.Second> timeline = new CopyOnWriteArrayList<>();

        boolean kills = kinds.contains(SoakFault.CONSUMER_KILL);
        groupSize = settings.members() + (kills ? 1 : 0);
        BackpressureChannel producerChannel = broker.open(ChannelSpec.of(broker.uri(destination, groupSize))
                .producer(ProducerPolicy.buffer(1_000).maxInFlight(settings.producerInFlight())
                        .onOverflow(Overflow.block(Duration.ofSeconds(60))).sendRetries(1_000))
                .closeTimeout(Duration.ofSeconds(30)));
        producerChannel.addListener(new PressureListener() {
            @Override
            public void onDropped(Message message, DropReason reason) {
                long id = parse(message.headers().get(ID_HEADER));
                ledger.dropped(id);
            }
        });
        for (int i = 0; i < settings.members(); i++) {
            members.add(new Member());
        }
        if (kills) {
            try {
                startProcessMember();
            } catch (java.io.IOException e) {
                failures.add(e.getMessage());
            }
        }
        AtomicLong acceptedCount = new AtomicLong();
        Thread producer = new Thread(() -> produce(producerChannel, acceptedCount), "sluice-soak-producer");
        producer.start();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "sluice-soak-sampler"));
        long[] last = new long[3];
        sampler.scheduleAtFixedRate(() -> {
            try {
                long handled = ledger.handledEvents();
                long accepted = acceptedCount.get();
                long dups = ledger.duplicateCount();
                int inFlight = 0;
                for (Member m : members) {
                    try {
                        inFlight += m.channel.pressure().consumerInFlight();
                    } catch (RuntimeException closed) {
                        // a member closed in a crash
                    }
                }
                timeline.add(new SoakResult.Second(timeline.size() + 1, handled - last[0], accepted - last[1], dups - last[2], inFlight,
                        producerChannel.pressure().backlog()));
                last[0] = handled;
                last[1] = accepted;
                last[2] = dups;
            } catch (RuntimeException e) {
                // a sample missed; the next one covers its second
            }
        }, 1, 1, TimeUnit.SECONDS);

        // The faults.
        long deadline = startNanos + settings.duration().toNanos();
        while (faults.size() < settings.maxFaults() && System.nanoTime() < deadline) {
            FaultSchedule.Planned p = schedule.next();
            pause(Math.min(p.gapMillis(), Math.max(0, (deadline - System.nanoTime()) / 1_000_000)));
            if (System.nanoTime() >= deadline) {
                break;
            }
            long injected = millis();
            String error = null;
            try {
                cause(p);
            } catch (Exception e) {
                error = e.toString();
                failures.add("fault " + p.index() + " (" + p.kind() + ") could not be caused or healed: " + e);
            }
            faults.add(new SoakResult.FaultRecord(p.index(), p.kind(), injected, millis(), error));
            log.accept("[" + broker.name() + "] fault " + (p.index() + 1) + " " + p.kind() + " held " + p.holdMillis() + " ms"
                    + (error == null ? "" : ": " + error) + " — handled " + ledger.handledEvents() + ", duplicates "
                    + ledger.duplicateCount());
        }
        pause(settings.gapMax().toMillis()); // the last fault's effects show before the producer stops

        // Drain: stop sending, let every accepted message arrive.
        stopProducing = true;
        producer.join(Duration.ofSeconds(90).toMillis());
        if (producer.isAlive()) {
            failures.add("the producer did not stop within 90 s of being told to (a send blocked longer than its maxWait)");
            producer.interrupt();
        }
        try {
            if (!producerChannel.producer().flush(settings.drain())) {
                failures.add("the producer did not confirm what it had buffered within " + settings.drain().toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            throw e;
        }
        long drainDeadline = System.nanoTime() + settings.drain().toNanos();
        while (ledger.unsettled() > 0 && System.nanoTime() < drainDeadline) {
            pause(100);
        }
        pause(500); // late duplicates (a redelivery already on its way) still count
        sampler.shutdownNow();
        sampler.awaitTermination(5, TimeUnit.SECONDS);

        // The channels' own figures once the consumers have settled what they hold, then close everything.
        long settleDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (members.stream().anyMatch(m -> m.channel.pressure().consumerInFlight() > 0) && System.nanoTime() < settleDeadline) {
            pause(50);
        }
        PressureState p = producerChannel.pressure();
        long acked = 0;
        long nacked = 0;
        long deadLettered = 0;
        ProcessMember lastProcess = process;
        if (lastProcess != null) {
            ProcessMember.Counters c = lastProcess.stop(Duration.ofSeconds(30));
            if (c == null) {
                failures.add("the member process " + lastProcess.pid() + " did not stop within 30 s of being told to");
                handledByKilled.addAndGet(lastProcess.handled());
            } else {
                acked += c.acked();
                nacked += c.nacked();
                deadLettered += c.deadLettered();
            }
        }
        for (PressureState.ConsumerCounters c : closedMembers) {
            acked += c.acked();
            nacked += c.nacked();
            deadLettered += c.deadLettered();
        }
        for (Member m : members) {
            PressureState.ConsumerCounters c = m.counters();
            acked += c.acked();
            nacked += c.nacked();
            deadLettered += c.deadLettered();
        }
        SoakResult.Pressure pressure = new SoakResult.Pressure(p.producer().offered(), p.producer().confirmed(), p.producer().failed(),
                p.producer().dropped(), p.producer().rejected(), p.producer().inFlight(), p.producer().buffered(),
                p.producer().reconciles(), acked, nacked, deadLettered);
        for (Member m : members) {
            m.channel.close();
            m.dead.countDown();
        }
        producerChannel.close();
        try {
            broker.settle();
            broker.deleteDestination(destination);
            broker.deleteGroup(group);
        } catch (Exception e) {
            log.accept("[" + broker.name() + "] cleaning up " + destination + ": " + e);
        }
        long took = millis();

        // Threads: give closed clients a bounded while to end theirs.
        ThreadCensus.Snapshot after = ThreadCensus.take();
        long threadDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!ThreadCensus.newThreads(before, after).isEmpty() && System.nanoTime() < threadDeadline) {
            pause(250);
            after = ThreadCensus.take();
        }
        List<String> leaked = ThreadCensus.newThreads(before, after);
        java.util.Set<String> socketsAfter = OpenSockets.connectionsTo(brokerPort);
        while (socketsBefore != null && !socketsBefore.containsAll(socketsAfter) && System.nanoTime() < threadDeadline) {
            pause(250);
            socketsAfter = OpenSockets.connectionsTo(brokerPort);
        }
        List<String> leakedSockets = new ArrayList<>();
        if (socketsBefore != null) {
            leakedSockets.addAll(socketsAfter);
            leakedSockets.removeAll(socketsBefore);
        }

        Ledger.Count count = ledger.count();
        List<Ledger.Duplicate> dups = ledger.duplicates();
        int[] perFault = new int[faults.size()];
        long unattributed = 0;
        for (Ledger.Duplicate d : dups) {
            int f = attribute(faults, (d.firstNanos() - startNanos) / 1_000_000, (d.againNanos() - startNanos) / 1_000_000);
            if (f < 0) {
                unattributed++;
            } else {
                perFault[f]++;
            }
        }
        List<Integer> perFaultList = java.util.Arrays.stream(perFault).boxed().toList();
        List<Long> waits = new ArrayList<>();
        for (SoakResult.FaultRecord f : faults) {
            long from = startNanos + TimeUnit.MILLISECONDS.toNanos(f.injectedAtMillis());
            long to = startNanos + TimeUnit.MILLISECONDS.toNanos(f.healedAtMillis() + RECOVERY_WINDOW_MILLIS);
            long wait = ledger.longestWait(from, to);
            waits.add(wait < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(wait));
        }

        // The verdict.
        if (producerFailure != null) {
            failures.add("a send threw instead of answering: " + producerFailure);
        }
        if (count.missing() > 0) {
            failures.add(count.missing() + " lost: accepted, never handled, never reported dropped (ids " + count.firstMissing() + ")");
        }
        if (count.droppedReports() != p.producer().dropped() + p.brokerDropped()) {
            failures.add("drops reported to the listener (" + count.droppedReports() + ") differ from the channel's drop counters ("
                    + (p.producer().dropped() + p.brokerDropped()) + ")");
        }
        if (count.unknown() > 0) {
            failures.add(count.unknown() + " deliveries carried no id of this soak");
        }
        int cap = settings.duplicateCapPerFault();
        for (int i = 0; i < perFault.length; i++) {
            if (perFault[i] > cap) {
                failures.add("fault " + i + " (" + faults.get(i).kind() + ") caused " + perFault[i] + " duplicates, above the cap of " + cap);
            }
        }
        if (unattributed > 0) {
            failures.add(unattributed + " duplicates with no fault before them");
        }
        long sentAnswered = count.accepted() + count.refused();
        if (p.producer().offered() != sentAnswered) {
            failures.add("the producer's offered (" + p.producer().offered() + ") differs from the sends the soak made (" + sentAnswered + ")");
        }
        if (p.producer().rejected() != count.refused()) {
            failures.add("the producer's rejected (" + p.producer().rejected() + ") differs from the sends refused (" + count.refused() + ")");
        }
        if (!p.producer().reconciles()) {
            failures.add("the producer's counters do not reconcile: " + p.producer());
        }
        if (p.producer().confirmed() + p.producer().failed() + p.producer().dropped() != count.accepted()) {
            failures.add("confirmed + failed + dropped (" + p.producer().confirmed() + " + " + p.producer().failed() + " + "
                    + p.producer().dropped() + ") differs from accepted (" + count.accepted() + ")");
        }
        long handledAckable = ledger.handledEvents() - handledByKilled.get(); // a killed process acked an unknown part of its own
        if (acked != handledAckable) {
            failures.add("the consumers acked " + acked + " deliveries but handlers finished " + handledAckable
                    + (handledByKilled.get() > 0 ? " (not counting the " + handledByKilled.get() + " of killed member processes)" : ""));
        }
        if (!leakedSockets.isEmpty()) {
            failures.add(leakedSockets.size() + " connections to the broker's port " + brokerPort
                    + " leaked (open after every channel closed, not before): " + leakedSockets);
        }
        if (!leaked.isEmpty()) {
            failures.add(leaked.size() + " threads leaked: " + ThreadCensus.describe(leaked));
        }
        if (after.heapUsedBytes() - before.heapUsedBytes() > SoakSettings.HEAP_GROWTH_LIMIT_BYTES) {
            failures.add("the heap grew by " + (after.heapUsedBytes() - before.heapUsedBytes()) / 1048576 + " MiB (limit "
                    + SoakSettings.HEAP_GROWTH_LIMIT_BYTES / 1048576 + " MiB)");
        }
        return new SoakResult(broker.name(), source, settings, startedAt, took, List.copyOf(faults), count, dups.size(), perFaultList,
                unattributed, List.copyOf(waits), pressure, new SoakResult.Threads(before.count(), before.countOurs()),
                new SoakResult.Threads(after.count(), after.countOurs()), leaked, ThreadCensus.newThreadsNotOurs(before, after).size(),
                before.heapUsedBytes(), after.heapUsedBytes(), socketsBefore == null ? -1 : socketsBefore.size(),
                socketsAfter == null ? -1 : socketsAfter.size(), List.copyOf(timeline), List.copyOf(failures));
    }

    /**
     * The fault a duplicate belongs to: the first fault caused after the id was first handled and
     * no later than it was handled again (it interrupted the ack); else the last fault caused
     * before the first handling (a send repeated after it); -1 when no fault came before.
     */
    static int attribute(List<SoakResult.FaultRecord> faults, long firstMillis, long againMillis) {
        int lastBefore = -1;
        for (int i = 0; i < faults.size(); i++) {
            long at = faults.get(i).injectedAtMillis();
            if (at > firstMillis && at <= againMillis) {
                return i;
            }
            if (at <= firstMillis) {
                lastBefore = i;
            }
        }
        return lastBefore;
    }

    private void cause(FaultSchedule.Planned p) throws Exception {
        if (p.kind() == SoakFault.CONSUMER_CRASH) {
            crash(members.get((int) (Math.floorMod(settings.seed() + p.index(), members.size()))));
            return;
        }
        if (p.kind() == SoakFault.CONSUMER_KILL) {
            kill();
            return;
        }
        Fault f = p.kind().kitFault().orElseThrow();
        try {
            broker.inject(f);
            pause(p.holdMillis());
        } finally {
            broker.heal(f);
        }
    }

    private void crash(Member m) {
        m.crashed = true; // from now on none of its handlers returns
        members.remove(m);
        PressureState.ConsumerCounters before = m.counters();
        m.channel.close(); // does not wait for the hung handlers (20 ms), drops the member's connections
        PressureState.ConsumerCounters closed;
        try {
            closed = m.counters();
        } catch (RuntimeException e) {
            closed = before;
        }
        closedMembers.add(closed);
        m.dead.countDown(); // the hung handlers throw; their deliveries stay unacked
        members.add(new Member());
    }

    /** Starts the group member that runs in a JVM of its own. */
    private void startProcessMember() throws java.io.IOException, InterruptedException {
        process = ProcessMember.start(broker.uri(destination, groupSize), group, settings.consumerInFlight(), broker.memberSettings(),
                this::record,
                () -> ledger.unreadable(), Duration.ofSeconds(60));
    }

    /**
     * Kills the member process with SIGKILL wherever its handlers are — what it printed before it
     * died is in the ledger — and starts another in its place.
     */
    private void kill() throws Exception {
        ProcessMember victim = process;
        if (victim == null) {
            throw new IllegalStateException("no member process is running (it did not start)");
        }
        process = null;
        victim.kill();
        handledByKilled.addAndGet(victim.handled());
        startProcessMember();
    }

    private void produce(BackpressureChannel ch, AtomicLong accepted) {
        long intervalNanos = 1_000_000_000L / settings.ratePerSecond();
        long next = System.nanoTime();
        for (long id = 0; id < ledger.capacity() && !stopProducing; id++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // the soak's pacing
            }
            next = Math.max(next + intervalNanos, System.nanoTime() - 1_000_000_000L);
            ledger.sent(id);
            SendResult r;
            try {
                r = ch.producer().send(Message.of("soak message " + id).header(ID_HEADER, Long.toString(id)));
            } catch (RuntimeException e) {
                producerFailure = e; // send never throws for what the broker does: this is misuse or a defect
                return;
            }
            boolean ok = r.status() == SendResult.Status.ACCEPTED;
            ledger.answered(id, ok);
            if (ok) {
                accepted.incrementAndGet();
            }
        }
    }

    private long millis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** The soak's schedule: waits between faults and while a fault is held. Not synchronisation. */
    private static void pause(long millis) throws InterruptedException {
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }
}
