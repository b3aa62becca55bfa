package dev.sluice.conformance.brokers;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.sluice.conformance.BrokerProbe;
import dev.sluice.conformance.KitBroker;
import dev.sluice.conformance.provision.RabbitMqClusterServers;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kit's 3-node RabbitMQ cluster ({@link RabbitMqClusterServers}) with quorum queues: channels
 * open {@code amqp://guest:guest@<every node>/%2F/<queue>?queueType=quorum}, so each of their
 * connections lands on one node and recovers to another. The probe reads the broker from the
 * nodes that run: ready messages with a passive declare over a plain amqp-client connection,
 * messages handed out and not settled (and every message the queue holds) from the queue's Raft
 * leader ({@code rabbitmqctl eval} of a read of its state), the leader and the replicas with
 * {@code ra:members}, and which node holds a channel's connection from the connections' client
 * properties. Its fault is the node's own: {@link #stop(String)} stops one node whole, until
 * {@link #start(String, Duration)} or {@link #restartStopped(Duration)}. Thread-safe.
 */
public final class RabbitMqClusterKitBroker implements KitBroker, BrokerProbe, AutoCloseable {

    private static final Duration CTL_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern LEADER_AND_MEMBERS = Pattern.compile("\\{'?([^',{}]+)'?,(\\d+)}");

    private final RabbitMqClusterServers cluster;
    private final Map<String, Connection> plain = new ConcurrentHashMap<>();

    /** @param cluster a running cluster; closed with this broker */
    public RabbitMqClusterKitBroker(RabbitMqClusterServers cluster) {
        this.cluster = cluster;
    }

    /** @return the cluster the channels run on */
    public RabbitMqClusterServers cluster() {
        return cluster;
    }

    @Override
    public String name() {
        return "rabbitmq-cluster (queueType=quorum)";
    }

    @Override
    public String uri(String destination) {
        return "amqp://guest:guest@" + cluster.hosts() + "/%2F/" + destination + "?queueType=quorum&maxMessageSize=1048576";
    }

    @Override
    public BrokerProbe probe() {
        return this;
    }

    /** A node's stop, a new leader's election and a connection's recovery take seconds each. */
    @Override
    public Duration patience() {
        return Duration.ofSeconds(60);
    }

    /** Ready messages, from a passive declare on a running node. */
    @Override
    public OptionalLong ready(String destination, String group) {
        IOException last = null;
        for (String node : cluster.runningNodes()) {
            try {
                Channel ch = connection(node).createChannel();
                try {
                    return OptionalLong.of(ch.queueDeclarePassive(destination).getMessageCount());
                } finally {
                    if (ch.isOpen()) {
                        ch.close();
                    }
                }
            } catch (IOException e) {
                last = e;
                forget(node);
            } catch (java.util.concurrent.TimeoutException e) {
                forget(node);
            }
        }
        throw new IllegalStateException("no running node answered a passive declare of " + destination, last);
    }

    /** Messages handed to consumers and not settled, as the queue's leader holds them now; empty when it cannot be asked. */
    @Override
    public OptionalLong unacked(String destination, String group) {
        return leaderQuery(destination, "rabbit_fifo:query_messages_checked_out/1");
    }

    @Override
    public OptionalLong backlog(String destination, String group) {
        return ready(destination, group);
    }

    /** @return every message the queue holds (ready and handed out), as its leader says; empty when it cannot be asked */
    public OptionalLong total(String destination) {
        return leaderQuery(destination, "rabbit_fifo:query_messages_total/1");
    }

    /**
     * @return the queue's leader and how many replicas it has, as {@code ra:members} answers on a
     *     running node now
     * @throws IOException when no running node can tell (no leader yet, say)
     */
    public LeaderAndMembers leader(String destination) throws IOException {
        String expression = lookup(destination) + " {Name, _} = amqqueue:get_pid(Q),"
                + " {ok, Members, {_, Leader}} = ra:members([{Name, N} || N <- rabbit_nodes:all_running()]),"
                + " {Leader, length(Members)}.";
        String out = String.join(" ", eval(expression));
        Matcher m = LEADER_AND_MEMBERS.matcher(out);
        if (!m.find()) {
            throw new IOException("no leader of " + destination + " yet: " + out);
        }
        return new LeaderAndMembers(m.group(1), Integer.parseInt(m.group(2)));
    }

    /**
     * @return the nodes whose replica of the queue runs now ({@code rabbitmqctl list_queues name online},
     *     which asks each replica's node)
     */
    public Set<String> online(String destination) throws IOException {
        for (String line : cluster.rabbitmqctl(anyRunning(), CTL_TIMEOUT, "list_queues", "name", "online", "--no-table-headers")) {
            String[] cols = line.trim().split("\\s+", 2);
            if (cols.length == 2 && cols[0].equals(destination)) {
                Set<String> nodes = new LinkedHashSet<>();
                for (String node : cluster.nodes()) {
                    if (cols[1].contains(node)) {
                        nodes.add(node);
                    }
                }
                return nodes;
            }
        }
        return Set.of();
    }

    /** The leader of a quorum queue and the number of its replicas. */
    public record LeaderAndMembers(String leader, int members) {
    }

    /**
     * Moves the queue's leadership to {@code node} ({@code rabbit_quorum_queue:transfer_leadership},
     * what {@code rabbitmq-upgrade drain} uses); returns without waiting for the election.
     */
    public void transferLeadership(String destination, String node) throws IOException {
        cluster.nodes().stream().filter(node::equals).findAny()
                .orElseThrow(() -> new IllegalArgumentException("node (" + node + ") is no node of " + cluster.nodes()));
        eval(lookup(destination) + " rabbit_quorum_queue:transfer_leadership(Q, '" + node + "').");
    }

    /**
     * @param connectionName the name a client gave its connection (Sluice's channels name theirs
     *     {@code sluice-publish-<destination>} and {@code sluice-consume-<destination>})
     * @return the nodes that hold a connection of that name now (their AMQP ports tell them)
     */
    public Set<String> nodesHolding(String connectionName) throws IOException {
        Set<String> nodes = new LinkedHashSet<>();
        for (String line : cluster.rabbitmqctl(anyRunning(), CTL_TIMEOUT, "list_connections", "port", "client_properties",
                "--no-table-headers")) {
            if (line.contains("\"" + connectionName + "\"")) {
                Matcher port = Pattern.compile("^\\s*(\\d+)").matcher(line);
                if (port.find()) {
                    nodes.add(cluster.nodeOnPort(Integer.parseInt(port.group(1))));
                }
            }
        }
        return nodes;
    }

    /** Stops a node whole; it stays down until {@link #start} or {@link #restartStopped}. */
    public void stop(String node) throws Exception {
        forget(node);
        cluster.stop(node);
    }

    /** Kills a node with SIGKILL; it stays down until {@link #start} or {@link #restartStopped}. */
    public void kill(String node) throws Exception {
        forget(node);
        cluster.kill(node);
    }

    /** Starts a stopped node again; it rejoins the cluster. */
    public void start(String node, Duration timeout) throws Exception {
        cluster.start(node, timeout);
    }

    /** Starts every stopped node again. */
    public void restartStopped(Duration timeout) throws Exception {
        for (String node : cluster.nodes()) {
            if (!cluster.running(node)) {
                cluster.start(node, timeout);
            }
        }
    }

    @Override
    public void deleteDestination(String destination) throws Exception {
        for (String queue : List.of(destination, destination + ".dlq")) {
            String node = anyRunning();
            Channel ch = connection(node).createChannel();
            try {
                ch.queueDelete(queue);
            } catch (IOException gone) {
                // never declared
            } finally {
                if (ch.isOpen()) {
                    ch.close();
                }
            }
        }
    }

    private OptionalLong leaderQuery(String destination, String function) {
        String expression = lookup(destination) + " {Name, _} = amqqueue:get_pid(Q),"
                + " {ok, {_, N}, _} = ra:leader_query([{Name, Node} || Node <- rabbit_nodes:all_running()], fun " + function + "), N.";
        try {
            String out = String.join("", eval(expression)).trim();
            return out.matches("\\d+") ? OptionalLong.of(Long.parseLong(out)) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    private static String lookup(String queue) {
        if (!queue.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("queue (" + queue + ") must be a plain name to be looked up with rabbitmqctl eval");
        }
        return "{ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<\"/\">>, queue, <<\"" + queue + "\">>)),";
    }

    private List<String> eval(String expression) throws IOException {
        return cluster.rabbitmqctl(anyRunning(), CTL_TIMEOUT, "eval", expression);
    }

    private String anyRunning() {
        List<String> running = cluster.runningNodes();
        if (running.isEmpty()) {
            throw new IllegalStateException("no node of the cluster runs: " + cluster.nodes());
        }
        return running.get(0);
    }

    private Connection connection(String node) throws IOException, java.util.concurrent.TimeoutException {
        Connection c = plain.get(node);
        if (c != null && c.isOpen()) {
            return c;
        }
        ConnectionFactory f = new ConnectionFactory();
        try {
            f.setUri(cluster.uri(node));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        f.setAutomaticRecoveryEnabled(false); // opened again on use: a stopped node's connection is simply dropped
        f.setConnectionTimeout(5_000);
        c = f.newConnection("sluice-kit-probe");
        plain.put(node, c);
        return c;
    }

    private void forget(String node) {
        Connection c = plain.remove(node);
        if (c != null) {
            try {
                c.abort(1_000);
            } catch (RuntimeException ignored) {
                // gone already
            }
        }
    }

    @Override
    public void close() throws Exception {
        for (String node : new ArrayList<>(plain.keySet())) {
            forget(node);
        }
        cluster.close();
    }
}
