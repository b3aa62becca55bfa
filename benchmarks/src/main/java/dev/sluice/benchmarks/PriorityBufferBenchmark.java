package dev.sluice.benchmarks;

import dev.sluice.flow.BoundedBuffer;
import dev.sluice.flow.DropHandler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The priority buffer at a standing depth against the naive priority queue that sorts its list on
 * every insert: one operation is one insert and one removal of the highest priority, with the
 * buffer kept at {@code depth}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(1)
public class PriorityBufferBenchmark {

    record Item(int priority, long seq) {
    }

    private static final Comparator<Item> HIGHEST_FIRST =
            Comparator.comparingInt(Item::priority).reversed().thenComparingLong(Item::seq);

    @Param({"100", "10000", "100000"})
    public int depth;

    private BoundedBuffer<Item> sluice;
    private List<Item> sortedList;
    private final SplittableRandom random = new SplittableRandom(1);
    private long seq;

    @Setup(Level.Iteration)
    public void setUp() {
        sluice = BoundedBuffer.priority(depth + 1, Item::priority, DropHandler.ignore());
        sortedList = new ArrayList<>(depth + 1);
        for (int i = 0; i < depth; i++) {
            Item item = next();
            sluice.offer(item);
            sortedList.add(item);
        }
        sortedList.sort(HIGHEST_FIRST);
    }

    private Item next() {
        return new Item(random.nextInt(10), seq++);
    }

    @Benchmark
    public Item sluicePriorityBuffer() {
        sluice.offer(next());
        return sluice.poll();
    }

    /** The seed's pattern: append, sort the whole list, take the head. */
    @Benchmark
    public Item sortOnEveryInsert() {
        sortedList.add(next());
        sortedList.sort(HIGHEST_FIRST);
        return sortedList.remove(0);
    }
}
