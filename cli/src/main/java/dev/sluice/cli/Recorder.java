package dev.sluice.cli;

import dev.sluice.BackpressureChannel;
import dev.sluice.PressureState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Samples the state of every channel a scenario opens, every {@value #PERIOD_MILLIS} ms, from the
 * moment it is opened until the scenario ends: buffer fill, consumer in-flight, broker backlog,
 * drops, pauses and broker blocks. At most {@value #MAX_SAMPLES} samples per channel.
 */
final class Recorder implements AutoCloseable {

    static final long PERIOD_MILLIS = 50;
    static final int MAX_SAMPLES = 2_400;

    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-check-sampler");
        t.setDaemon(true);
        return t;
    });
    private final List<Recording> active = new CopyOnWriteArrayList<>();
    private long scenarioStart = System.nanoTime();

    private final class Recording {
        final String label;
        final BackpressureChannel channel;
        final List<Results.Sample> samples = new ArrayList<>();
        final ScheduledFuture<?> task;

        Recording(String label, BackpressureChannel channel) {
            this.label = label;
            this.channel = channel;
            this.task = sampler.scheduleAtFixedRate(this::sample, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        }

        private void sample() {
            if (samples.size() >= MAX_SAMPLES) {
                return;
            }
            try {
                PressureState p = channel.pressure();
                samples.add(new Results.Sample((System.nanoTime() - scenarioStart) / 1_000_000, p.buffered(), p.bufferCapacity(),
                        p.consumerInFlight(), p.backlog(), p.producer().dropped() + p.brokerDropped(),
                        !p.pausedReasons().isEmpty(), p.brokerBlocked()));
            } catch (RuntimeException e) {
                task.cancel(false); // closed
            }
        }
    }

    /** A scenario begins: its clock starts. */
    synchronized void begin() {
        scenarioStart = System.nanoTime();
    }

    /** Records {@code channel} until {@link #end()}. */
    void watch(String label, BackpressureChannel channel) {
        active.add(new Recording(label, channel));
    }

    /** The scenario ended: stops every recording and hands them over. */
    List<Results.Timeline> end() {
        List<Results.Timeline> timelines = new ArrayList<>();
        for (Recording r : active) {
            r.task.cancel(false);
        }
        // A sample running now finishes before its list is read: the next task on the sampler
        // thread runs after it.
        try {
            sampler.submit(() -> { }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            Thread.currentThread().interrupt();
        }
        for (Recording r : active) {
            timelines.add(new Results.Timeline(r.label, List.copyOf(r.samples)));
        }
        active.clear();
        return timelines;
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
