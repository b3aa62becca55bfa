package dev.sluice.benchmarks;

import dev.sluice.flow.BoundedBuffer;
import dev.sluice.flow.Offer;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.MpmcArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * The bounded buffer against ArrayBlockingQueue, LinkedBlockingQueue and a JCTools bounded MPMC
 * queue: transfers per second through a queue of 1 024, one producer and one consumer, then two
 * and two. Non-blocking offer/poll with a spin on full/empty, so no thread is left parked when an
 * iteration ends; every implementation is driven the same way.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BufferBenchmark {

    private static final Integer ELEMENT = 42;
    private static final int CAPACITY = 1_024;

    @Param({"sluice", "ArrayBlockingQueue", "LinkedBlockingQueue", "JCTools-MpmcArrayQueue"})
    public String impl;

    private Transfer queue;

    /** The two operations every implementation offers. */
    interface Transfer {
        boolean offer(Integer e);

        Integer poll();
    }

    @Setup(Level.Iteration)
    public void setUp() {
        queue = switch (impl) {
            case "sluice" -> {
                BoundedBuffer<Integer> b = BoundedBuffer.blocking(CAPACITY);
                yield new Transfer() {
                    @Override
                    public boolean offer(Integer e) {
                        return b.offer(e).status() == Offer.Status.ACCEPTED;
                    }

                    @Override
                    public Integer poll() {
                        return b.poll();
                    }
                };
            }
            case "ArrayBlockingQueue" -> of(new ArrayBlockingQueue<>(CAPACITY));
            case "LinkedBlockingQueue" -> of(new LinkedBlockingQueue<>(CAPACITY));
            case "JCTools-MpmcArrayQueue" -> of(new MpmcArrayQueue<>(CAPACITY));
            default -> throw new IllegalArgumentException("impl (" + impl + ") is unknown");
        };
    }

    private static Transfer of(Queue<Integer> q) {
        return new Transfer() {
            @Override
            public boolean offer(Integer e) {
                return q.offer(e);
            }

            @Override
            public Integer poll() {
                return q.poll();
            }
        };
    }

    @Benchmark
    @Group("p1c1")
    @GroupThreads(1)
    public void produce1(Control control) {
        while (!queue.offer(ELEMENT) && !control.stopMeasurement) {
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Group("p1c1")
    @GroupThreads(1)
    public Integer consume1(Control control) {
        Integer e;
        while ((e = queue.poll()) == null && !control.stopMeasurement) {
            Thread.onSpinWait();
        }
        return e;
    }

    @Benchmark
    @Group("p2c2")
    @GroupThreads(2)
    public void produce2(Control control) {
        while (!queue.offer(ELEMENT) && !control.stopMeasurement) {
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Group("p2c2")
    @GroupThreads(2)
    public Integer consume2(Control control) {
        Integer e;
        while ((e = queue.poll()) == null && !control.stopMeasurement) {
            Thread.onSpinWait();
        }
        return e;
    }
}
