package dev.sluice.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.conformance.provision.ProvisionedBroker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code rabbitmqctl list_queues} on the broker's node, vhost {@code /}: what the broker itself reports. */
final class ListQueues {

    private ListQueues() {
    }

    /** @return one line per queue, tab-separated {@code columns} ({@code name} first if asked), no headers */
    static List<String> of(ProvisionedBroker broker, String... columns) throws Exception {
        List<String> command = new ArrayList<>(List.of("rabbitmqctl", "-q"));
        broker.node().ifPresent(node -> command.addAll(List.of("-n", node)));
        command.addAll(List.of("list_queues", "-p", "/"));
        command.addAll(List.of(columns));
        command.add("--no-table-headers");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("rabbitmqctl finished").isTrue();
        assertThat(p.exitValue()).as("rabbitmqctl: " + out).isZero();
        return out.lines().toList();
    }
}
