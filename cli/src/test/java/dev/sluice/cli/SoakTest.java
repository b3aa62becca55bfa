package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.conformance.InMemoryKitBroker;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.brokers.KitBrokers;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import dev.sluice.conformance.soak.Soak;
import dev.sluice.conformance.soak.SoakResult;
import dev.sluice.conformance.soak.SoakSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The short soak CI runs on every broker (issue 15, item 7): ten faults per broker (about 25 s,
 * a minute on RabbitMQ, whose restarts are a node's stop and start), then the ledger. Kafka and SQS come from {@link BrokerProvisioner#shared}; Redis and
 * RabbitMQ from {@link BrokerProvisioner#pathServer} — a server the kit starts, so the schedule
 * includes restarts there too. A missing broker is skipped with the reason, or fails under
 * {@code -Dsluice.brokers.required}, as every kit test.
 */
class SoakTest {

    /** The seed of the CI soak; a failure prints it, and {@code ./sluice soak --seed 15} repeats the schedule. */
    static final long SEED = 15;

    /**
     * Ten faults at 50 messages a second, two members with an in-flight cap of 10 and a member
     * process, a send window of 10; within 60 s, which ten faults take where a restart is a
     * RabbitMQ node's stop and start (about 11 s each); elsewhere they take 20–30 s.
     */
    static SoakSettings shortSoak() {
        return new SoakSettings(10, Duration.ofSeconds(60), SEED, 50, 50 * 190, 2, 10, 10, Duration.ofMillis(500),
                Duration.ofMillis(2_000), Duration.ofMillis(200), Duration.ofMillis(1_000), Duration.ofSeconds(60), true, true);
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"mem", "kafka", "rabbitmq", "sqs", "redis"})
    @DisplayName("a short soak loses nothing, repeats at most the in-flight caps per fault, reconciles with the channel and leaks no thread")
    void shortSoakHolds(String kind) throws Exception {
        KitBroker kit;
        AutoCloseable close;
        String source;
        if (kind.equals("mem")) {
            kit = new InMemoryKitBroker();
            close = () -> { };
            source = "in memory";
        } else {
            BrokerKind k = BrokerKind.valueOf(kind.toUpperCase(Locale.ROOT));
            // Redis and RabbitMQ: a server the kit starts from the PATH, so that restarts are in the schedule.
            ProvisionedBroker broker = k == BrokerKind.REDIS || k == BrokerKind.RABBITMQ
                    ? BrokerProvisioner.pathServer(k) : BrokerProvisioner.shared(k);
            kit = KitBrokers.of(broker);
            close = (AutoCloseable) kit;
            source = broker.source();
        }
        SoakResult r;
        try {
            r = new Soak(kit, source, shortSoak(), System.out::println).run();
        } finally {
            close.close();
        }
        System.out.print(r.summary());
        assertThat(r.faults()).as("faults caused").hasSizeGreaterThanOrEqualTo(5);
        assertThat(r.count().accepted()).as("messages accepted").isGreaterThan(200);
        assertThat(r.lost()).as("lost (ids " + r.count().firstMissing() + ")").isZero();
        assertThat(r.duplicatesPerFault()).as("duplicates per fault").allMatch(d -> d <= r.settings().duplicateCapPerFault());
        assertThat(r.leakedThreads()).as("leaked threads").isEmpty();
        assertThat(r.pressure().producerReconciles()).as("the producer's counters reconcile").isTrue();
        assertThat(r.failures()).as("the ledger, seed " + SEED).isEmpty();
    }

    /** One run of the command: its exit code and what it printed. */
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("bad soak arguments exit with 2 and name the argument and its value")
    void badArguments() {
        Run faults = run("soak", "--faults", "-1");
        assertThat(faults.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(faults.err()).contains("--faults '-1' must be a whole number above 0");
        Run broker = run("soak", "--broker", "x");
        assertThat(broker.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(broker.err()).contains("unknown --broker 'x'").contains("mem, kafka, rabbitmq, sqs, redis");
        assertThat(run("soak", "--duration", "soon").err()).contains("--duration 'soon' must be a positive time");
        assertThat(run("soak", "--seed", "x1").err()).contains("--seed 'x1' must be a whole number");
    }

    @Test
    @DisplayName("soak on mem:// prints the seed and the ledger, writes the ledger, the report section with a timeline, and the figures")
    void soakWritesItsResults(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("figures.json");
        Files.writeString(results, "[\n  {\"benchmark\": \"Other\", \"case\": \"c\", \"metric\": \"m\", \"value\": 1, \"target\": null, \"date\": \"2026-01-01\"}\n]\n");
        Run r = run("soak", "--broker", "mem", "--faults", "3", "--duration", "10s", "--seed", "3", "--report", dir.toString(),
                "--out", dir.resolve("ledger.json").toString(), "--results", results.toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Main.EXIT_OK);
        assertThat(r.out()).contains("seed 3").contains("lost 0").contains("ledger holds");
        assertThat(Files.readString(dir.resolve("ledger.json"))).contains("\"broker\":\"mem\"").contains("\"seed\":3")
                .contains("\"lost\":0").contains("\"faultsByKind\"");
        String html = Files.readString(dir.resolve("report.html"));
        assertThat(html).contains("<h2>Soak</h2>").contains("<svg").contains("<polyline").contains("fault 1 ").doesNotContain("<script");
        assertThat(Files.readString(dir.resolve("results.json"))).contains("\"soaks\":[{");
        String figures = Files.readString(results);
        assertThat(figures).contains("{\"benchmark\": \"Other\", \"case\": \"c\"")
                .contains("{\"benchmark\": \"Soak\", \"case\": \"mem, seed 3, 3 faults\", \"metric\": \"lost\", \"value\": 0, \"target\": \"== 0\"");
    }
}
