package dev.sluice.cli;

import dev.sluice.BacklogLimit;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ProducerPolicy;
import dev.sluice.RateLimit;
import dev.sluice.StrategyMapping;
import dev.sluice.cli.Results.BrokerRun;
import dev.sluice.cli.Results.Scenario;
import dev.sluice.conformance.InMemoryKitBroker;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.KitScale;
import dev.sluice.conformance.brokers.KitBrokers;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@code sluice check}: gets each broker (named, or provisioned as the kit does), runs every
 * scenario family against it with a progress line, reads how each strategy maps onto it, prints
 * the matrix and writes the report folder.
 */
final class CheckCommand {

    private final CheckOptions options;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean interactive;

    /** A broker to check: how to get its kit broker, and what to stop afterwards. */
    private record Target(String name, String source, String uri, KitBroker kit, AutoCloseable stop, String unavailable) {
    }

    CheckCommand(CheckOptions options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
        this.interactive = out == System.out && System.console() != null;
    }

    int run() throws UnreachableBrokerException {
        System.setProperty(KitScale.PROPERTY, Double.toString(options.scale()));
        Instant started = Instant.now();
        List<Target> targets = options.brokers().isEmpty() ? everyBroker() : named();
        List<BrokerRun> runs = new ArrayList<>();
        for (Target t : targets) {
            runs.add(check(t));
        }
        Report report = new Report(runs, started, Duration.between(started, Instant.now()));
        printSummary(runs, report);
        try {
            report.write(options.reportDir());
            out.println("report: " + options.reportDir().resolve("report.html").toAbsolutePath()
                    + " (also report.md, results.json)");
        } catch (IOException e) {
            err.println("sluice: cannot write the report to " + options.reportDir() + ": " + e.getMessage());
            return Main.EXIT_FAILED;
        }
        return report.passed() ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    /** The brokers named with {@code --broker}; the first that does not answer ends the command. */
    private List<Target> named() throws UnreachableBrokerException {
        List<Target> targets = new ArrayList<>();
        for (URI uri : options.brokers()) {
            NamedBroker b = NamedBroker.reach(uri);
            targets.add(new Target(b.kit().name(), b.source(), b.uri(), b.kit(), b.stop(), null));
        }
        return targets;
    }

    /** Every broker the kit can get, as its tests do, and mem://. */
    private List<Target> everyBroker() {
        List<Target> targets = new ArrayList<>();
        for (BrokerKind kind : BrokerKind.values()) {
            progressLine("getting " + kind.id() + " ...");
            BrokerProvisioner.Provisioning p = BrokerProvisioner.provision(kind);
            if (p.broker().isPresent()) {
                targets.add(kitFor(p.broker().get()));
            } else {
                targets.add(new Target(kind.id(), null, null, null, () -> { }, p.reason()));
            }
        }
        targets.add(new Target("mem", "in memory", "mem://", new InMemoryKitBroker(), () -> { }, null));
        return targets;
    }

    private Target kitFor(ProvisionedBroker broker) {
        try {
            KitBroker kit = KitBrokers.of(broker);
            return new Target(kit.name(), broker.source(), NamedBroker.redact(broker.uri()), kit, () -> {
                ((AutoCloseable) kit).close();
                broker.close();
            }, null);
        } catch (Exception e) {
            return new Target(broker.kind().id(), broker.source(), NamedBroker.redact(broker.uri()), null, broker,
                    "the kit could not attach to it: " + e.getMessage());
        }
    }

    private BrokerRun check(Target t) {
        if (t.unavailable() != null) {
            progressDone("[" + t.name() + "] not available: " + t.unavailable());
            close(t);
            return new BrokerRun(t.name(), t.source(), t.uri(), List.of(), List.of(), null, t.unavailable());
        }
        progressDone("[" + t.name() + "] " + t.source() + " at " + t.uri());
        String[] lastFamily = {""};
        List<Scenario> scenarios = KitRun.run(t.kit(), p -> {
            String line = "[" + p.broker() + "] " + p.family() + " — " + p.done() + "/" + p.total() + " done"
                    + (p.failed() > 0 ? ", " + p.failed() + " failed" : "");
            if (interactive) {
                progressLine(line);
            } else if (!p.family().equals(lastFamily[0])) {
                lastFamily[0] = p.family();
                out.println(line);
            }
        });
        List<StrategyMapping> mapping = List.of();
        String mappingError = null;
        try {
            mapping = mapping(t.kit());
        } catch (RuntimeException e) {
            mappingError = e.toString();
        }
        BrokerRun run = new BrokerRun(t.name(), t.source(), t.uri(), scenarios, mapping, mappingError, null);
        progressDone("[" + t.name() + "] " + run.count(Results.Status.PASS) + " passed, " + run.count(Results.Status.FAIL)
                + " failed, " + run.count(Results.Status.SKIP) + " skipped");
        close(t);
        return run;
    }

    private void close(Target t) {
        try {
            t.stop().close();
        } catch (Exception e) {
            err.println("sluice: stopping " + t.name() + ": " + e.getMessage());
        }
    }

    /**
     * How every strategy maps: read from two channels on fresh destinations, one with a
     * drop-oldest length limit, a maximum age and a rate limit, one with reject-newest; both
     * destinations are removed afterwards.
     */
    static List<StrategyMapping> mapping(KitBroker kit) {
        String a = "sluice-mapping-" + UUID.randomUUID().toString().substring(0, 8);
        String b = "sluice-mapping-" + UUID.randomUUID().toString().substring(0, 8);
        List<StrategyMapping> rows = new ArrayList<>();
        try {
            try (BackpressureChannel ch = kit.open(ChannelSpec.of(kit.uri(a))
                    .producer(ProducerPolicy.buffer(100).rateLimit(RateLimit.tokenBucket(100)))
                    .backlog(BacklogLimit.maxLength(1_000).dropOldest().andMaxAge(Duration.ofHours(1))))) {
                rows.addAll(ch.mapping());
            }
            try (BackpressureChannel ch = kit.open(ChannelSpec.of(kit.uri(b)).backlog(BacklogLimit.maxLength(1_000).rejectNewest()))) {
                ch.mapping().stream().filter(m -> m.strategy() == StrategyMapping.Strategy.BACKLOG_REJECT_NEWEST).forEach(rows::add);
            }
            return rows;
        } finally {
            for (String d : List.of(a, b)) {
                try {
                    kit.deleteDestination(d);
                } catch (Exception ignored) {
                    // reported by the kit's own clean-up checks, not here
                }
            }
        }
    }

    private void printSummary(List<BrokerRun> runs, Report report) {
        Matrix matrix = new Matrix(runs);
        out.println();
        out.print(matrix.text());
        for (Matrix.Note n : matrix.notes) {
            out.println("  [" + n.number() + "] " + n.status() + " " + n.broker() + " — " + n.scenario() + ": " + n.reason());
        }
        for (BrokerRun r : runs) {
            if (r.unavailable() != null) {
                out.println("  " + r.broker() + ": not available: " + r.unavailable());
            }
        }
        for (BrokerRun r : runs) {
            if (r.unavailable() != null || r.mapping().isEmpty()) {
                continue;
            }
            out.println();
            out.println(r.broker() + ": how each strategy maps");
            for (StrategyMapping m : r.mapping()) {
                out.printf("  %-22s %-11s %s%n", m.strategy(), m.mechanism(), m.detail());
            }
        }
        out.println();
        out.println(report.passed() ? "every scenario that ran passed" : "some scenarios FAILED");
    }

    private void progressLine(String line) {
        if (interactive) {
            String shown = line.length() > 100 ? line.substring(0, 100) : line;
            out.print("\r" + shown + " ".repeat(Math.max(0, 100 - shown.length())));
            out.flush();
        }
    }

    private void progressDone(String line) {
        if (interactive) {
            out.print("\r" + " ".repeat(100) + "\r");
        }
        out.println(line);
    }

}
