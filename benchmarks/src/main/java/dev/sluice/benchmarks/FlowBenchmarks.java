package dev.sluice.benchmarks;

import dev.sluice.conformance.results.ResultsFile;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.ListStatistics;

/**
 * Runs the flow-primitive JMH benchmarks the way their ratios need, prints the ratios with error
 * bars and records them in {@code results.json} ({@link ResultsFile}).
 *
 * <p>On a shared two-core machine the load of other processes changes from minute to minute, so
 * the compared implementations are interleaved: each round runs one fork of every implementation
 * of a case, in an order that rotates from round to round, and the iterations of all rounds are
 * pooled per implementation. The error shown is the 99.9 % confidence half-width of the pooled
 * mean (as JMH prints it), and the ratio's error is propagated from both; the per-round ratios
 * (min / median / max) are shown as well.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.FlowBenchmarks
 * [tokenbucket|buffer|all] [rounds=3] [warm-up iterations=5] [measurement iterations=10]}
 * (iterations of 1 s).
 */
public final class FlowBenchmarks {

    private FlowBenchmarks() {
    }

    /** One case: the same benchmark with the same parameters for every implementation. */
    record Case(String benchmark, String name, Map<String, String> implToRegex, Map<String, String> params, String sluice) {
    }

    public static void main(String[] args) throws RunnerException {
        String which = args.length > 0 ? args[0] : "all";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int warmups = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int iterations = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        List<Case> cases = new ArrayList<>();
        if (which.equals("all") || which.equals("tokenbucket")) {
            cases.addAll(tokenBucketCases());
        }
        if (which.equals("all") || which.equals("buffer")) {
            cases.addAll(bufferCases());
        }
        List<String> summary = new ArrayList<>();
        for (Case c : cases) {
            summary.add(run(c, rounds, warmups, iterations));
        }
        System.out.println();
        System.out.printf("%d rounds x (%d warm-up + %d measured) x 1 s per implementation, interleaved%n", rounds, warmups, iterations);
        summary.forEach(System.out::println);
    }

    static List<Case> tokenBucketCases() {
        List<Case> out = new ArrayList<>();
        for (String threads : List.of("", "2Threads")) {
            for (String rate : List.of("1000000000", "1000")) {
                Map<String, String> impls = new LinkedHashMap<>();
                for (String impl : List.of("sluiceTokenBucket", "bucket4j", "resilience4j", "guava")) {
                    impls.put(impl, RateLimiterBenchmark.class.getName() + "\\." + impl + threads + "$");
                }
                String name = (threads.isEmpty() ? "1 thread" : "2 threads") + ", rate " + (rate.equals("1000") ? "1000/s (nearly all refused)" : "1e9/s (permits always there)");
                out.add(new Case("RateLimiterBenchmark", name, impls, Map.of("rate", rate), "sluiceTokenBucket"));
            }
        }
        return out;
    }

    static List<Case> bufferCases() {
        List<Case> out = new ArrayList<>();
        for (String group : List.of("p1c1", "p2c2")) {
            Map<String, String> impls = new LinkedHashMap<>();
            for (String impl : List.of("sluice", "ArrayBlockingQueue")) {
                impls.put(impl, BufferBenchmark.class.getName() + "\\." + group + "$");
            }
            String name = group.equals("p1c1") ? "1 producer / 1 consumer" : "2 producers / 2 consumers";
            out.add(new Case("BufferBenchmark", name, impls, Map.of(), "sluice"));
        }
        return out;
    }

    private static String run(Case c, int rounds, int warmups, int iterations) throws RunnerException {
        List<String> impls = new ArrayList<>(c.implToRegex().keySet());
        Map<String, ListStatistics> pooled = new LinkedHashMap<>();
        Map<String, List<Double>> perRound = new LinkedHashMap<>();
        for (String impl : impls) {
            pooled.put(impl, new ListStatistics());
            perRound.put(impl, new ArrayList<>());
        }
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < impls.size(); k++) {
                String impl = impls.get((k + round) % impls.size()); // rotate the order
                ChainedOptionsBuilder opt = new OptionsBuilder()
                        .include(c.implToRegex().get(impl))
                        .forks(1).warmupIterations(warmups).measurementIterations(iterations)
                        .warmupTime(TimeValue.seconds(1)).measurementTime(TimeValue.seconds(1));
                c.params().forEach(opt::param);
                if (c.benchmark().equals("BufferBenchmark")) {
                    opt.param("impl", impl);
                }
                Collection<RunResult> results = new Runner(opt.build()).run();
                double sum = 0;
                int n = 0;
                for (RunResult rr : results) {
                    for (BenchmarkResult br : rr.getBenchmarkResults()) {
                        for (IterationResult ir : br.getIterationResults()) {
                            pooled.get(impl).addValue(ir.getPrimaryResult().getScore());
                            sum += ir.getPrimaryResult().getScore();
                            n++;
                        }
                    }
                }
                perRound.get(impl).add(n == 0 ? Double.NaN : sum / n);
            }
        }
        String best = null;
        for (String impl : impls) {
            if (!impl.equals(c.sluice()) && (best == null || pooled.get(impl).getMean() > pooled.get(best).getMean())) {
                best = impl;
            }
        }
        ListStatistics s = pooled.get(c.sluice());
        ListStatistics b = pooled.get(best);
        double ratio = s.getMean() / b.getMean();
        double ratioError = ratio * Math.hypot(s.getMeanErrorAt(0.999) / s.getMean(), b.getMeanErrorAt(0.999) / b.getMean());
        List<Double> roundRatios = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double bestInRound = 0;
            for (String impl : impls) {
                if (!impl.equals(c.sluice())) {
                    bestInRound = Math.max(bestInRound, perRound.get(impl).get(r));
                }
            }
            roundRatios.add(perRound.get(c.sluice()).get(r) / bestInRound);
        }
        List<Double> sorted = new ArrayList<>(roundRatios);
        sorted.sort(Double::compare);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s, %s: sluice / %s = %.2f ± %.2f (rounds: min %.2f / median %.2f / max %.2f);",
                c.benchmark(), c.name(), best, ratio, ratioError, sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1)));
        for (String impl : impls) {
            ListStatistics st = pooled.get(impl);
            line.append(String.format(Locale.ROOT, " %s %.2f ± %.2f", impl, st.getMean(), st.getMeanErrorAt(0.999)));
            ResultsFile.record(c.benchmark(), c.name(), impl + " (ops/µs)", st.getMean(), null);
            ResultsFile.record(c.benchmark(), c.name(), impl + " error 99.9 % (ops/µs)", st.getMeanErrorAt(0.999), null);
        }
        String metric = c.benchmark().equals("BufferBenchmark") ? "sluice / ArrayBlockingQueue" : "sluice / best of Bucket4j, Resilience4j, Guava";
        ResultsFile.record(c.benchmark(), c.name(), metric, ratio, ">= 1.00");
        ResultsFile.record(c.benchmark(), c.name(), metric + " error 99.9 %", ratioError, null);
        ResultsFile.record(c.benchmark(), c.name(), metric + " min of rounds", sorted.get(0), null);
        ResultsFile.record(c.benchmark(), c.name(), metric + " max of rounds", sorted.get(sorted.size() - 1), null);
        System.out.println(line);
        return line.toString();
    }
}
