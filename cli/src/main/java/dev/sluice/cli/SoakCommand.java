package dev.sluice.cli;

import dev.sluice.conformance.InMemoryKitBroker;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.brokers.KitBrokers;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import dev.sluice.conformance.results.ResultsFile;
import dev.sluice.conformance.soak.Soak;
import dev.sluice.conformance.soak.SoakResult;
import dev.sluice.conformance.soak.SoakSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code sluice soak}: for each broker in turn, a producer with the block policy and
 * at-least-once consumers run while a seeded schedule injects the broker's faults and consumer
 * crashes; prints each broker's ledger, writes the ledgers to {@code --out}, a section with the
 * ledger and a timeline per broker to the report folder, and the figures to the results file.
 * Exit code 1 when a ledger fails, with the reasons printed.
 */
final class SoakCommand {

    private final SoakOptions options;
    private final PrintStream out;
    private final PrintStream err;

    SoakCommand(SoakOptions options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    /** A broker to soak and what closing it stops. */
    private record Target(KitBroker kit, String source, AutoCloseable stop) {
    }

    int run() throws UnreachableBrokerException {
        Instant started = Instant.now();
        out.println("sluice soak: seed " + options.seed() + " (repeat with --seed " + options.seed() + ")");
        List<String> brokers = options.brokers().isEmpty() ? SoakOptions.KINDS : options.brokers();
        List<SoakResult> results = new ArrayList<>();
        for (String b : brokers) {
            Target t = target(b);
            try {
                SoakSettings settings = SoakSettings.of(options.faults(), options.duration(), options.seed()).withRate(options.rate());
                SoakResult r = new Soak(t.kit(), t.source(), settings, out::println).run();
                results.add(r);
                out.print(r.summary());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("sluice: interrupted");
                return Main.EXIT_FAILED;
            } finally {
                try {
                    t.stop().close();
                } catch (Exception e) {
                    err.println("sluice: stopping " + b + ": " + e.getMessage());
                }
            }
        }
        boolean passed = results.stream().allMatch(SoakResult::passed);
        try {
            write(results, started);
        } catch (IOException e) {
            err.println("sluice: cannot write the soak's results: " + e.getMessage());
            return Main.EXIT_FAILED;
        }
        for (SoakResult r : results) {
            if (!r.passed()) {
                out.println("FAILED on " + r.broker() + ": " + String.join("; ", r.failures()));
            }
        }
        out.println(passed ? "every ledger holds" : "some ledgers FAILED");
        return passed ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    private void write(List<SoakResult> results, Instant started) throws IOException {
        Path outFile = options.out();
        if (outFile.toAbsolutePath().getParent() != null) {
            Files.createDirectories(outFile.toAbsolutePath().getParent());
        }
        StringBuilder json = new StringBuilder("[\n");
        for (int i = 0; i < results.size(); i++) {
            json.append("  ").append(results.get(i).toJson()).append(i + 1 < results.size() ? ",\n" : "\n");
        }
        Files.writeString(outFile, json.append("]\n").toString(), StandardCharsets.UTF_8);
        Report report = new Report(List.of(), results, started, Duration.between(started, Instant.now()));
        report.write(options.reportDir());
        for (SoakResult r : results) {
            String caseName = r.broker() + ", seed " + r.settings().seed() + ", " + r.faults().size() + " faults";
            String cap = "<= " + r.settings().duplicateCapPerFault();
            List<ResultsFile.Figure> figures = new ArrayList<>(List.of(
                    new ResultsFile.Figure("faults", r.faults().size(), null),
                    new ResultsFile.Figure("faults by kind " + r.faultsByKind().toString().toLowerCase(Locale.ROOT), r.faults().size(), null),
                    new ResultsFile.Figure("accepted", r.count().accepted(), null),
                    new ResultsFile.Figure("lost", r.lost(), "== 0"),
                    new ResultsFile.Figure("unreported drops", Math.abs(r.count().droppedReports() - r.pressure().dropped()), "== 0"),
                    new ResultsFile.Figure("duplicates total", r.duplicates(), null),
                    new ResultsFile.Figure("duplicates per fault, max", r.duplicatesMax(), cap),
                    new ResultsFile.Figure("duplicates per fault, p50", r.duplicatesPercentile(50), cap),
                    new ResultsFile.Figure("duplicates per fault, p99", r.duplicatesPercentile(99), cap),
                    new ResultsFile.Figure("leaked threads", r.leakedThreads().size(), "== 0"),
                    new ResultsFile.Figure("heap growth (MiB)", (r.heapAfterBytes() - r.heapBeforeBytes()) / 1048576.0,
                            "<= " + SoakSettings.HEAP_GROWTH_LIMIT_BYTES / 1048576)));
            if (r.socketsBefore() >= 0) {
                figures.add(new ResultsFile.Figure("connections left open", Math.max(0, r.socketsAfter() - r.socketsBefore()), "== 0"));
            }
            r.recoveryByKind().forEach((kind, millis) -> figures.add(
                    new ResultsFile.Figure("recovery, " + kind.name().toLowerCase(Locale.ROOT) + ", max (ms)", millis, null)));
            ResultsFile.upsert(options.results(), "Soak", caseName, figures);
        }
        out.println("ledgers: " + outFile.toAbsolutePath() + "; report: " + options.reportDir().resolve("report.html").toAbsolutePath()
                + "; figures: " + options.results().toAbsolutePath());
    }

    /** A kind name as {@code sluice check} gets it, or a URI reached as {@code --broker} in check. */
    private Target target(String broker) throws UnreachableBrokerException {
        if (broker.equals("mem") || broker.startsWith("mem:")) {
            return new Target(new InMemoryKitBroker(), "in memory", () -> { });
        }
        if (SoakOptions.KINDS.contains(broker)) {
            BrokerKind kind = BrokerKind.valueOf(broker.toUpperCase(Locale.ROOT));
            out.println("getting " + kind.id() + " ...");
            BrokerProvisioner.Provisioning p = BrokerProvisioner.provision(kind);
            if (p.broker().isEmpty()) {
                throw new UnreachableBrokerException("no " + kind.id() + " broker could be had: " + p.reason(), null);
            }
            ProvisionedBroker b = p.broker().get();
            try {
                KitBroker kit = KitBrokers.of(b);
                return new Target(kit, b.source(), () -> {
                    ((AutoCloseable) kit).close();
                    b.close();
                });
            } catch (Exception e) {
                try {
                    b.close();
                } catch (Exception ignored) {
                    // the attach failure is what is reported
                }
                throw new UnreachableBrokerException("cannot attach to " + kind.id() + ": " + e.getMessage(), e);
            }
        }
        NamedBroker named = NamedBroker.reach(URI.create(broker));
        return new Target(named.kit(), named.source(), named.stop());
    }
}
