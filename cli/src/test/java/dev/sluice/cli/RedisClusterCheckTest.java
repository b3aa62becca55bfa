package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.RedisClusterServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.util.JedisClusterCRC16;

/** {@code sluice check --broker redis-cluster://...}: the kit against a Redis Cluster a user runs. */
class RedisClusterCheckTest {

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
    @DisplayName("check runs every family against a running Redis Cluster named by its seeds, faults included, and the report names the cluster")
    void checkAgainstACluster(@TempDir Path dir) throws Exception {
        Optional<String> why = RedisClusterServers.whyNot();
        if (why.isPresent() && BrokerProvisioner.required().contains(BrokerKind.REDIS)) {
            throw new IllegalStateException("redis is required (-D" + BrokerProvisioner.REQUIRED_PROPERTY + ") but " + why.get());
        }
        assumeTrue(why.isEmpty(), () -> why.orElse(""));
        try (RedisClusterServers cluster = RedisClusterServers.start(Duration.ofSeconds(30))) {
            // Two of the six nodes as seeds, as a user would name them: the kit finds the others.
            String seeds = "127.0.0.1:" + cluster.ports().get(0) + ",127.0.0.1:" + cluster.ports().get(1);
            String uri = "redis-cluster://" + seeds;
            String mine = "user-stream-" + UUID.randomUUID();
            try (Jedis master = master(cluster, mine)) {
                master.xadd(mine, XAddParams.xAddParams(), Map.of("k", "v"));
            }

            Run r = run("check", "--broker", uri, "--report", dir.toString(), "--scale", "0.5");

            assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Main.EXIT_OK);
            assertThat(r.out()).contains("[redis-cluster] --broker at " + uri)
                    .contains("redis-cluster: how each strategy maps").contains("every scenario that ran passed");
            // The faults the kit causes with node commands ran, on a cluster it did not start: a stall
            // (CLIENT PAUSE), the maxmemory alarm (CONFIG SET), connection cuts (CLIENT KILL).
            for (String family : List.of("2 producer block", "3 producer drop", "14 broker pressure", "17 graceful close")) {
                assertThat(familyRow(r.out(), family)).as(family).endsWith(" PASS");
            }
            // Only the restarts are skipped there: the kit never stops a user's nodes.
            assertThat(familyRow(r.out(), "16 connection cut and broker restart")).contains("PASS (2 skipped)");
            assertThat(r.out()).contains("was named by a user: the kit never stops or restarts its nodes");
            String json = Files.readString(dir.resolve("results.json"));
            assertThat(json).contains("\"broker\":\"redis-cluster\"").contains("\"uri\":\"" + uri + "\"")
                    .contains("\"status\":\"PASS\"").doesNotContain("\"status\":\"FAIL\"")
                    .doesNotContain("no redis").doesNotContain("not available");
            assertThat(Files.readString(dir.resolve("report.md"))).contains("redis-cluster");
            // Closing the kit's view of a user's cluster stops none of its nodes, and the kit's streams are gone.
            assertThat(cluster.ports()).allMatch(cluster::running);
            try (Jedis master = master(cluster, mine)) {
                assertThat(master.xlen(mine)).as("the user's stream").isEqualTo(1);
            }
            assertThat(keysOnMasters(cluster)).as("keys on the masters after the check: the user's stream only").isEqualTo(1);
        }
    }

    private static Jedis master(RedisClusterServers cluster, String key) {
        int slot = JedisClusterCRC16.getSlot(key);
        try (Jedis any = new Jedis("127.0.0.1", cluster.ports().get(0))) {
            for (Object range : any.clusterSlots()) {
                List<?> r = (List<?>) range;
                if ((Long) r.get(0) <= slot && slot <= (Long) r.get(1)) {
                    return new Jedis("127.0.0.1", ((Long) ((List<?>) r.get(2)).get(1)).intValue());
                }
            }
        }
        throw new AssertionError("no master serves slot " + slot);
    }

    private static long keysOnMasters(RedisClusterServers cluster) {
        long keys = 0;
        for (int port : cluster.ports()) {
            try (Jedis j = new Jedis("127.0.0.1", port)) {
                if (j.info("replication").contains("role:master")) {
                    keys += j.dbSize();
                }
            }
        }
        return keys;
    }

    private static String familyRow(String out, String family) {
        return out.lines().filter(l -> l.startsWith(family)).findFirst()
                .orElseThrow(() -> new AssertionError("no matrix row '" + family + "' in:\n" + out));
    }

    @Test
    @DisplayName("a seed that does not answer is a one-line error naming that seed, exit code 3, within the connect timeout")
    void unreachableSeed() throws Exception {
        try (ServerSocket answering = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String up = "127.0.0.1:" + answering.getLocalPort();
            long start = System.nanoTime();
            Run r = run("check", "--broker", "redis-cluster://" + up + ",127.0.0.1:1/orders");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(NamedBroker.CONNECT_TIMEOUT.plusSeconds(2));
            assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Main.EXIT_UNREACHABLE);
            assertThat(r.err().strip()).doesNotContain("\n")
                    .startsWith("sluice: redis-cluster://" + up + ",127.0.0.1:1/orders is unreachable: seed 127.0.0.1:1 (")
                    .contains("does not answer (1 of 2 answered)");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    @DisplayName("a seed list without a seed is a usage error naming --broker")
    void noSeed() {
        Run r = run("check", "--broker", "redis-cluster:///orders");
        assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).contains("--broker 'redis-cluster:///orders' names no seed; expected redis-cluster://host1:7000,host2:7001");
    }

    @Test
    @DisplayName("credentials before a seed list are hidden in what the report shows")
    void credentialsHidden() {
        String shown = NamedBroker.redact(URI.create("redis-cluster://app:s3cret@10.0.0.1:7000,10.0.0.2:7001/x"));
        assertThat(shown).isEqualTo("redis-cluster://***@10.0.0.1:7000,10.0.0.2:7001/x");
    }
}
