package dev.sluice.conformance.provision;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.opentest4j.TestAbortedException;

/**
 * Gets a broker for the kit, trying in order:
 * <ol>
 *   <li>an explicit URI: the environment variable {@code SLUICE_<KIND>_URI} (or the system
 *       property of the same name), used as it is;
 *   <li>a container, when a Docker engine answers (Kafka, LocalStack for SQS, RabbitMQ, Redis;
 *       images pinned);
 *   <li>an in-process broker where one is real: Kafka in KRaft mode, ElasticMQ for SQS;
 *   <li>{@code redis-server} or {@code rabbitmq-server} from the PATH, on a free port;
 * </ol>
 * and otherwise skipping, with every reason printed. {@code -Dsluice.brokers.required=kafka,sqs}
 * turns the skip into a failure for those kinds.
 *
 * <p>{@link #shared(BrokerKind)} keeps one broker per kind for the whole JVM and stops every
 * broker it started when the JVM exits, even after failed tests. {@link #pathServer(BrokerKind)}
 * skips the other routes: a server the kit starts from the PATH, restartable and with a payload
 * limit a test can reach, whatever the environment names (for the scenarios a shared server
 * cannot run).
 */
public final class BrokerProvisioner {

    /** The system property listing the kinds whose absence fails the run instead of skipping it. */
    public static final String REQUIRED_PROPERTY = "sluice.brokers.required";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Map<BrokerKind, Provisioning> SHARED = new ConcurrentHashMap<>();
    private static final Map<BrokerKind, Provisioning> PATH_SERVERS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(BrokerProvisioner::stopShared, "sluice-stop-brokers"));
    }

    private BrokerProvisioner() {
    }

    /**
     * What provisioning found: a broker, or none, and in both cases what each route said.
     *
     * @param kind     the broker kind
     * @param broker   the broker, when a route gave one
     * @param attempts one line per route tried, in order
     */
    public record Provisioning(BrokerKind kind, Optional<ProvisionedBroker> broker, List<String> attempts) {
        /** @return every route's answer in one sentence, for a skip or failure message */
        public String reason() {
            return kind.id() + ": " + String.join("; ", attempts);
        }
    }

    /** One route's answer: a broker, or why not. */
    private record Attempt(Optional<ProvisionedBroker> broker, String note) {
        static Attempt no(String why) {
            return new Attempt(Optional.empty(), why);
        }
    }

    /**
     * The broker of this kind for the whole JVM, provisioned on first use.
     *
     * @throws TestAbortedException when none could be had (the test is skipped, with the reason)
     * @throws AssertionError when none could be had and the kind is required
     */
    public static ProvisionedBroker shared(BrokerKind kind) {
        Provisioning p = SHARED.computeIfAbsent(kind, BrokerProvisioner::provision);
        System.out.println("[sluice] " + p.broker().map(Object::toString).orElse("no broker: " + p.reason()));
        return orSkip(p);
    }

    /**
     * The server of this kind that the kit starts itself from the PATH ({@code redis-server},
     * {@code rabbitmq-server}), one for the whole JVM, whatever {@code SLUICE_<KIND>_URI} names:
     * it can be stopped and started again keeping its data ({@link ProvisionedBroker#restartable()})
     * and refuses payloads over {@link ProvisionedBroker#maxPayloadBytes()}. Stopped when the JVM exits.
     *
     * @throws IllegalArgumentException for a kind that has no server binary (Kafka, SQS)
     * @throws TestAbortedException when the server is not on the PATH or did not start (the test is skipped, with the reason)
     * @throws AssertionError when it could not be had and the kind is required
     */
    public static ProvisionedBroker pathServer(BrokerKind kind) {
        if (kind != BrokerKind.REDIS && kind != BrokerKind.RABBITMQ) {
            throw new IllegalArgumentException("kind (" + kind.id() + ") has no server binary the kit starts: only redis and rabbitmq");
        }
        Provisioning p = PATH_SERVERS.computeIfAbsent(kind, Route.PATH_SERVER::attempt);
        System.out.println("[sluice] " + p.broker().map(Object::toString).orElse("no PATH server: " + p.reason()));
        return orSkip(p);
    }

    /** @return the broker, or skips (or fails, when the kind is required) with the provisioning's reasons */
    static ProvisionedBroker orSkip(Provisioning p) {
        BrokerKind kind = p.kind();
        if (p.broker().isPresent()) {
            return p.broker().get();
        }
        if (required().contains(kind)) {
            throw new AssertionError("broker " + kind.id() + " is required (-D" + REQUIRED_PROPERTY
                    + ") but none could be had: " + p.reason());
        }
        throw new TestAbortedException("skipped: no " + kind.id() + " broker could be had: " + p.reason());
    }

    /** Tries every route in order and returns the first broker found; the caller closes it. */
    public static Provisioning provision(BrokerKind kind) {
        List<String> attempts = new ArrayList<>();
        for (Route route : Route.values()) {
            Attempt a = route.tryFor(kind);
            attempts.add(route.label + ": " + a.note());
            if (a.broker().isPresent()) {
                return new Provisioning(kind, a.broker(), List.copyOf(attempts));
            }
            if (route == Route.EXPLICIT_URI && !a.note().startsWith("not set")) {
                break; // an explicit URI that does not answer is an error, not a reason to start another broker
            }
        }
        return new Provisioning(kind, Optional.empty(), List.copyOf(attempts));
    }

    /** The routes, in the order the design gives. */
    public enum Route {
        EXPLICIT_URI("explicit URI") {
            @Override
            Attempt tryFor(BrokerKind kind) {
                return fromExplicitUri(kind);
            }
        },
        CONTAINER("container") {
            @Override
            Attempt tryFor(BrokerKind kind) {
                return fromContainer(kind);
            }
        },
        IN_PROCESS("in-process") {
            @Override
            Attempt tryFor(BrokerKind kind) {
                return inProcess(kind);
            }
        },
        PATH_SERVER("server on the PATH") {
            @Override
            Attempt tryFor(BrokerKind kind) {
                return fromPath(kind);
            }
        };

        private final String label;

        Route(String label) {
            this.label = label;
        }

        abstract Attempt tryFor(BrokerKind kind);

        /**
         * Tries this route alone, for tests of the route itself.
         *
         * @return the broker, or why this route gave none
         */
        public Provisioning attempt(BrokerKind kind) {
            Attempt a = tryFor(kind);
            return new Provisioning(kind, a.broker(), List.of(label + ": " + a.note()));
        }
    }

    private static Attempt fromExplicitUri(BrokerKind kind) {
        String value = Optional.ofNullable(System.getProperty(kind.environmentVariable()))
                .orElse(System.getenv(kind.environmentVariable()));
        if (value == null || value.isBlank()) {
            return Attempt.no("not set (" + kind.environmentVariable() + ")");
        }
        URI uri;
        try {
            uri = URI.create(value.trim());
        } catch (IllegalArgumentException e) {
            return Attempt.no(kind.environmentVariable() + " (" + value + ") is not a URI: " + e.getMessage());
        }
        try {
            return new Attempt(Optional.of(given(kind, uri, kind.environmentVariable(), Duration.ofSeconds(2))),
                    "using " + kind.environmentVariable());
        } catch (IllegalArgumentException | IOException e) {
            return Attempt.no(kind.environmentVariable() + ": " + e.getMessage());
        }
    }

    /**
     * A broker named by the user, used as it is (never stopped by the kit): its kind from the
     * URI's scheme, checked to answer on its port.
     *
     * @param source where the URI came from, for reports ({@code "--broker"})
     * @throws IllegalArgumentException when the scheme is none of the four or the URI names no host
     * @throws IOException when nothing answers on the host and port within {@code timeout}
     */
    public static ProvisionedBroker given(URI uri, String source, Duration timeout) throws IOException {
        BrokerKind kind = BrokerKind.ofScheme(uri.getScheme()).orElseThrow(() -> new IllegalArgumentException(
                "the scheme of " + uri + " is none of kafka, amqp, amqps, sqs, redis, rediss"));
        return given(kind, uri, source, timeout);
    }

    private static ProvisionedBroker given(BrokerKind kind, URI uri, String source, Duration timeout) throws IOException {
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(uri + " names no host");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : defaultPort(kind);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), port), (int) timeout.toMillis());
        } catch (IOException e) {
            throw new IOException(uri.getHost() + ":" + port + " does not answer: " + e.getMessage(), e);
        }
        return ProvisionedBroker.existing(kind, uri, source);
    }

    private static int defaultPort(BrokerKind kind) {
        return switch (kind) {
            case KAFKA -> 9092;
            case RABBITMQ -> 5672;
            case SQS -> 443;
            case REDIS -> 6379;
        };
    }

    private static Attempt fromContainer(BrokerKind kind) {
        Optional<String> whyNot = Containers.whyNoDocker();
        if (whyNot.isPresent()) {
            return Attempt.no(whyNot.get());
        }
        long start = System.nanoTime();
        try {
            Containers.Started started = Containers.start(kind);
            return new Attempt(Optional.of(new ProvisionedBroker(kind, started.uri(), "container", elapsed(start), started)),
                    "started a container");
        } catch (RuntimeException e) {
            return Attempt.no("the container did not start: " + e.getMessage());
        }
    }

    private static Attempt inProcess(BrokerKind kind) {
        long start = System.nanoTime();
        try {
            switch (kind) {
                case KAFKA: {
                    InProcessKafka kafka = InProcessKafka.start(START_TIMEOUT);
                    return new Attempt(Optional.of(new ProvisionedBroker(kind, kafka.uri(), "in-process KRaft", elapsed(start), kafka,
                            kafka.proxyRoute())),
                            "started Kafka in this JVM");
                }
                case SQS: {
                    InProcessElasticMq mq = InProcessElasticMq.start();
                    return new Attempt(Optional.of(new ProvisionedBroker(kind, mq.uri(), "in-process ElasticMQ", elapsed(start), mq)),
                            "started ElasticMQ in this JVM");
                }
                default:
                    return Attempt.no("there is no real in-process " + kind.id());
            }
        } catch (Exception | LinkageError e) {
            return Attempt.no("failed to start: " + e);
        }
    }

    private static Attempt fromPath(BrokerKind kind) {
        String executable = switch (kind) {
            case REDIS -> "redis-server";
            case RABBITMQ -> "rabbitmq-server";
            default -> null;
        };
        if (executable == null) {
            return Attempt.no("no server binary is used for " + kind.id());
        }
        Optional<java.nio.file.Path> path = LocalServer.onPath(executable);
        if (path.isEmpty()) {
            return Attempt.no(executable + " is not on the PATH");
        }
        long start = System.nanoTime();
        try {
            LocalServer server = kind == BrokerKind.REDIS
                    ? LocalServer.redis(path.get(), START_TIMEOUT)
                    : LocalServer.rabbitmq(path.get(), START_TIMEOUT);
            return new Attempt(Optional.of(new ProvisionedBroker(kind, server.uri(), executable + " from the PATH",
                    elapsed(start), server, null, server.node())), "started " + path.get());
        } catch (Exception e) {
            return Attempt.no(executable + " did not start: " + e.getMessage());
        }
    }

    /**
     * @return the kinds named by {@code -Dsluice.brokers.required}
     * @throws IllegalArgumentException for a name that is not a broker kind
     */
    public static Set<BrokerKind> required() {
        String value = System.getProperty(REQUIRED_PROPERTY, "");
        Set<BrokerKind> kinds = EnumSet.noneOf(BrokerKind.class);
        for (String part : value.split(",")) {
            String name = part.trim();
            if (name.isEmpty()) {
                continue;
            }
            try {
                kinds.add(BrokerKind.valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(REQUIRED_PROPERTY + " (" + value + ") names '" + name
                        + "', which is not one of kafka, rabbitmq, sqs, redis");
            }
        }
        return Collections.unmodifiableSet(kinds);
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static void stopShared() {
        List<Provisioning> all = new ArrayList<>(SHARED.values());
        all.addAll(PATH_SERVERS.values());
        for (Provisioning p : all) {
            p.broker().ifPresent(b -> {
                try {
                    b.close();
                } catch (Exception e) {
                    System.err.println("[sluice] stopping " + b + " failed: " + e);
                }
            });
        }
    }
}
