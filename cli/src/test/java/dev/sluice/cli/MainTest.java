package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.resps.ScanResult;

/** The command line as a user meets it: exit codes, error messages, the report and the demo. */
class MainTest {

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
    @DisplayName("bad arguments exit with 2 and a usage message that names the bad argument")
    void badArguments() {
        Run none = run();
        assertThat(none.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(none.err()).contains("no command given").contains("usage: sluice check");

        assertThat(run("chek").err()).contains("unknown command 'chek'");
        Run unknown = run("check", "--bogus");
        assertThat(unknown.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(unknown.err()).contains("unknown argument '--bogus' for check").contains("usage:");

        Run scheme = run("check", "--broker", "ftp://127.0.0.1/x");
        assertThat(scheme.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(scheme.err()).contains("--broker 'ftp://127.0.0.1/x' has scheme 'ftp'");

        assertThat(run("check", "--broker").err()).contains("--broker needs a value");
        assertThat(run("check", "--scale=-1").err()).contains("--scale '-1' must be a positive number");
        assertThat(run("demo", "--broker", "mem", "--strategy", "sometimes").err())
                .contains("--strategy 'sometimes' is none of block, drop-newest, drop-oldest, drop-random");
        assertThat(run("demo").err()).contains("demo needs --broker URI");
        assertThat(run("demo", "--broker", "mem", "--count", "0").err()).contains("--count '0' must be a whole number above 0");
    }

    @Test
    @DisplayName("an unreachable broker is a one-line error and exit code 3, within the connect timeout")
    void unreachableBroker() {
        long start = System.nanoTime();
        Run r = run("check", "--broker", "redis://127.0.0.1:1");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(NamedBroker.CONNECT_TIMEOUT.plusSeconds(2));
        assertThat(r.code()).isEqualTo(Main.EXIT_UNREACHABLE);
        assertThat(r.err().strip()).doesNotContain("\n").startsWith("sluice: redis://127.0.0.1:1 is unreachable");
        assertThat(r.out()).isEmpty();
    }

    @Test
    @DisplayName("check against mem:// passes every family it runs and writes report.md, report.html with charts, and results.json")
    void checkWritesTheReport(@TempDir Path dir) throws Exception {
        Run r = run("check", "--broker", "mem", "--report", dir.toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Main.EXIT_OK);
        assertThat(r.out()).contains("1 delivery").contains("18 bad input").contains("every scenario that ran passed")
                .contains("how each strategy maps").contains("BACKLOG_DROP_OLDEST");
        String json = Files.readString(dir.resolve("results.json"));
        assertThat(json).startsWith("{\"schemaVersion\":\"1\"").contains("\"broker\":\"mem\"").contains("\"passed\":true")
                .contains("\"status\":\"PASS\"").doesNotContain("\"status\":\"FAIL\"");
        String html = Files.readString(dir.resolve("report.html"));
        assertThat(html).contains("<svg").contains("producer buffer").contains("3 producer drop")
                .doesNotContain("<script", "<link", "src=\"http"); // self-contained
        assertThat(Files.readString(dir.resolve("report.md"))).contains("| 1 delivery | PASS |");
    }

    @Test
    @DisplayName("check against a running Redis touches only the streams it creates, and removes them")
    void checkTouchesOnlyItsOwnDestinations(@TempDir Path dir) throws Exception {
        ProvisionedBroker redis = BrokerProvisioner.shared(BrokerKind.REDIS);
        String mine = "user-stream-" + UUID.randomUUID();
        try (Jedis j = new Jedis(redis.host(), redis.port())) {
            StreamEntryID id = j.xadd(mine, XAddParams.xAddParams(), java.util.Map.of("k", "v"));
            Set<String> before = keys(j);

            Run r = run("check", "--broker", redis.uri().toString(), "--report", dir.toString());

            assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Main.EXIT_OK);
            assertThat(keys(j)).as("keys left behind").isEqualTo(before);
            assertThat(j.xlen(mine)).isEqualTo(1);
            assertThat(j.xrange(mine, (StreamEntryID) null, (StreamEntryID) null).get(0).getID()).isEqualTo(id);
        } finally {
            try (Jedis j = new Jedis(redis.host(), redis.port())) {
                j.del(mine);
            }
        }
    }

    private static Set<String> keys(Jedis j) {
        Set<String> keys = new HashSet<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = j.scan(cursor, new ScanParams().count(1_000));
            keys.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return keys;
    }

    @Test
    @DisplayName("demo runs a fast producer against a slow consumer to the end, and its counters reconcile")
    void demo() {
        for (String strategy : List.of("block", "drop-oldest")) {
            Run r = run("demo", "--broker", "mem", "--strategy", strategy, "--count", "400", "--consume-per-second", "1000");
            assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Main.EXIT_OK);
            assertThat(r.out()).contains("offered ").contains("| buffer ").contains("done: offered 400")
                    .contains("counters reconcile: true");
        }
    }
}
