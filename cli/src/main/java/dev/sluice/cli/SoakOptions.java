package dev.sluice.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The arguments of {@code sluice soak}.
 *
 * @param brokers   each {@code --broker}: a kind ({@code mem}, {@code kafka}, {@code rabbitmq}, {@code sqs},
 *                  {@code redis}, got as {@code sluice check} gets it) or a URI; empty: every kind
 * @param faults    faults per broker ({@code --faults})
 * @param duration  the longest the fault phase lasts per broker ({@code --duration})
 * @param seed      the fault schedule's seed ({@code --seed}; random and printed when not given)
 * @param rate      messages a second the producer offers ({@code --rate})
 * @param reportDir where report.html, report.md and results.json go ({@code --report})
 * @param out       the JSON ledgers ({@code --out})
 * @param results   the benchmarks-style results file the figures are upserted in ({@code --results})
 */
record SoakOptions(List<String> brokers, int faults, Duration duration, long seed, int rate, Path reportDir, Path out,
                   Path results) {

    static final List<String> KINDS = List.of("mem", "kafka", "rabbitmq", "sqs", "redis");

    static SoakOptions parse(List<String> args) throws UsageException {
        List<String> brokers = new ArrayList<>();
        int faults = 20;
        Duration duration = null;
        Long seed = null;
        int rate = 200;
        Path report = Path.of("sluice-report");
        Path out = null;
        Path results = null;
        Arguments a = new Arguments(args);
        while (a.hasNext()) {
            String name = a.next();
            switch (name) {
                case "--broker" -> brokers.add(broker(a.value(name)));
                case "--faults" -> faults = (int) Math.min(100_000, a.positiveWhole(name));
                case "--duration" -> duration = duration(name, a.value(name));
                case "--seed" -> {
                    String v = a.value(name);
                    try {
                        seed = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new UsageException("--seed '" + v + "' must be a whole number");
                    }
                }
                case "--rate" -> rate = (int) Math.min(100_000, a.positiveWhole(name));
                case "--report" -> report = Path.of(a.value(name));
                case "--out" -> out = Path.of(a.value(name));
                case "--results" -> results = Path.of(a.value(name));
                default -> throw new UsageException("unknown argument '" + name + "' for soak");
            }
        }
        if (duration == null) {
            duration = Duration.ofSeconds(Math.max(60, faults * 5L)); // room for the faults at ~2.5 s each, and a bound
        }
        if (seed == null) {
            seed = ThreadLocalRandom.current().nextLong(1, 1_000_000);
        }
        if (out == null) {
            out = report.resolve("soak.json");
        }
        if (results == null) {
            results = java.nio.file.Files.isDirectory(Path.of("benchmarks")) ? Path.of("benchmarks", "results.json") : Path.of("results.json");
        }
        return new SoakOptions(List.copyOf(brokers), faults, duration, seed, rate, report, out, results);
    }

    /** A kind name, or a URI with a broker's scheme. */
    static String broker(String value) throws UsageException {
        String lower = value.toLowerCase(Locale.ROOT);
        if (KINDS.contains(lower)) {
            return lower;
        }
        if (!value.contains("://")) {
            throw new UsageException("unknown --broker '" + value + "': expected one of " + String.join(", ", KINDS)
                    + ", or a URI (kafka://, amqp://, sqs://, redis://)");
        }
        return CheckOptions.brokerUri(value).toString();
    }

    /** {@code 90}, {@code 90s}, {@code 10m} or {@code 1h}. */
    static Duration duration(String name, String value) throws UsageException {
        String v = value.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (v.endsWith("s")) {
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            unit = 60;
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("h")) {
            unit = 3600;
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Long.parseLong(v);
            if (n > 0 && n <= 7 * 24 * 3600 / unit) {
                return Duration.ofSeconds(n * unit);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(name + " '" + value + "' must be a positive time: 90, 90s, 10m or 1h (at most a week)");
    }
}
