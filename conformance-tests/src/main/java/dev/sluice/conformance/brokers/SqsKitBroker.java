package dev.sluice.conformance.brokers;

import dev.sluice.conformance.BrokerProbe;
import dev.sluice.conformance.Fault;
import dev.sluice.conformance.ProxiedKitBroker;
import dev.sluice.conformance.provision.ProvisionedBroker;
import dev.sluice.conformance.proxy.HttpFaultProxy;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalInt;
import java.util.OptionalLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The kit's SQS: channels go through the fault proxy and, behind it, an {@link HttpFaultProxy}
 * that relays to the server; the probe asks the server directly for
 * {@code ApproximateNumberOfMessages} and {@code ApproximateNumberOfMessagesNotVisible}. Queues
 * get a 2 s visibility timeout so that a dead consumer's messages come back within the kit's
 * patience.
 *
 * <p>{@link Fault#BROKER_PRESSURE} is SQS throttling: while it lasts, the HTTP front answers every
 * {@code SendMessage} and {@code SendMessageBatch} with a {@code ThrottlingException} as SQS sends
 * it; receives, deletes and the probe are served as usual. {@link Fault#STALL} and
 * {@link Fault#CUT_CONNECTIONS} act in the TCP proxy, on the channels' own connections.
 */
public final class SqsKitBroker extends ProxiedKitBroker implements BrokerProbe {

    /** The operations SQS throttles under {@link Fault#BROKER_PRESSURE}: every send. */
    private static final List<String> SENDS = List.of("AmazonSQS.SendMessage", "AmazonSQS.SendMessageBatch");

    private final HttpFaultProxy front;
    private final SqsClient direct;
    private final String region;

    /**
     * @param broker the SQS server; the kit's proxy and HTTP front are started before it
     * @throws IOException if the proxy or the front cannot bind a loopback port
     */
    public SqsKitBroker(ProvisionedBroker broker) throws IOException {
        this(broker, HttpFaultProxy.start(broker.host(), broker.port()));
    }

    private SqsKitBroker(ProvisionedBroker broker, HttpFaultProxy front) throws IOException {
        super(broker, front);
        this.front = front;
        URI base = broker.uri();
        this.region = Optional.ofNullable(base.getQuery()).filter(q -> q.startsWith("region="))
                .map(q -> q.substring("region=".length())).orElse("us-east-1");
        this.direct = SqsClient.builder()
                .endpointOverride(URI.create("http://" + base.getHost() + ":" + base.getPort()))
                .region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("sluice", "sluice")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @Override
    public String name() {
        return "sqs";
    }

    @Override
    public String uri(String destination) {
        return "sqs://" + proxy.host() + ":" + proxy.port() + "/" + destination + "?region=" + region + "&visibilityTimeout=2";
    }

    @Override
    public BrokerProbe probe() {
        return this;
    }

    @Override
    public Optional<dev.sluice.conformance.ForeignClient> foreign() {
        return Optional.of(new SqsForeignClient(direct));
    }

    private OptionalLong attribute(String destination, QueueAttributeName name) {
        try {
            String url = direct.getQueueUrl(r -> r.queueName(destination)).queueUrl();
            return OptionalLong.of(Long.parseLong(direct.getQueueAttributes(r -> r.queueUrl(url).attributeNames(name))
                    .attributes().get(name)));
        } catch (QueueDoesNotExistException e) {
            return OptionalLong.of(0);
        }
    }

    @Override
    public OptionalLong ready(String destination, String group) {
        return attribute(destination, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
    }

    @Override
    public OptionalLong unacked(String destination, String group) {
        return attribute(destination, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
    }

    @Override
    public OptionalLong backlog(String destination, String group) {
        return ready(destination, group);
    }

    /** Under its alarm the broker answers every send with an error (ThrottlingException). */
    @Override
    public boolean refusesSendsUnderPressure() {
        return true;
    }

    @Override
    public Set<Fault> faults() {
        EnumSet<Fault> faults = EnumSet.copyOf(super.faults());
        faults.add(Fault.BROKER_PRESSURE);
        return faults;
    }

    /** {@link Fault#BROKER_PRESSURE}: every send is answered with a {@code ThrottlingException} until healed. */
    @Override
    public void inject(Fault fault) throws Exception {
        if (fault == Fault.BROKER_PRESSURE) {
            SENDS.forEach(operation -> front.answer(operation, HttpFaultProxy.Answer.throttling()));
        } else {
            super.inject(fault);
        }
    }

    @Override
    public void heal(Fault fault) throws Exception {
        if (fault == Fault.BROKER_PRESSURE) {
            front.relayAll();
        } else {
            super.heal(fault);
        }
    }

    @Override
    public String whyNot(Fault fault) {
        return switch (fault) {
            case RESTART -> "the in-process ElasticMQ keeps its queues in memory: a restart would lose them,"
                    + " which SQS never does";
            default -> super.whyNot(fault);
        };
    }

    /**
     * A queue keeps its retention: a channel asking for another one is refused, never applied.
     * ElasticMQ neither keeps nor reports {@code MessageRetentionPeriod} (its visibility timeout
     * conflicts are checked by the adapter's own tests).
     */
    @Override
    public boolean storesDestinationSettings() {
        return !broker.source().contains("ElasticMQ");
    }

    /** Retention periods of 610 s and 620 s: MessageRetentionPeriod is the setting that conflicts. */
    @Override
    public java.util.List<dev.sluice.BacklogLimit> conflictingLimits() {
        return java.util.List.of(dev.sluice.BacklogLimit.maxAge(Duration.ofSeconds(610)),
                dev.sluice.BacklogLimit.maxAge(Duration.ofSeconds(620)));
    }

    @Override
    public Duration shortestMaxAge() {
        return Duration.ofSeconds(60); // SQS MessageRetentionPeriod is at least 60 s
    }

    @Override
    public Optional<String> whyNoMaxAgeExpiry() {
        return broker.source().contains("ElasticMQ")
                ? Optional.of("in-process ElasticMQ did not remove messages past their 60 s MessageRetentionPeriod within"
                        + " 150 s in this kit (measured); the adapter sets the attribute, which real SQS enforces")
                : Optional.empty();
    }

    @Override
    public Duration patience() {
        return Duration.ofSeconds(30);
    }

    @Override
    public OptionalInt maxPayloadBytes() {
        return OptionalInt.of((262_144 - 2_048) / 4 * 3); // ElasticMQ's 256 KiB message, Base64 body
    }

    @Override
    public Optional<String> unreachableUri() {
        return Optional.of("sqs://127.0.0.1:1/unreachable?region=us-east-1");
    }

    @Override
    public void deleteDestination(String destination) {
        for (String name : new String[] {destination, destination + "-dlq"}) {
            try {
                String url = direct.getQueueUrl(r -> r.queueName(name)).queueUrl();
                direct.deleteQueue(r -> r.queueUrl(url));
            } catch (QueueDoesNotExistException ignored) {
                // never created
            }
        }
    }

    @Override
    public void close() {
        super.close();
        direct.close();
    }
}
