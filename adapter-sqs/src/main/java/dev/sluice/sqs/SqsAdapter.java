package dev.sluice.sqs;

import dev.sluice.BrokerUnavailableException;
import dev.sluice.ChannelSpec;
import dev.sluice.DestinationConflictException;
import dev.sluice.spi.BrokerAdapter;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerSession;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The adapter for Amazon SQS (and SQS-compatible servers such as ElasticMQ and LocalStack),
 * {@code sqs://host:port/queue?region=...}, through the AWS SDK v2 with its URL-connection HTTP
 * client. Creates the queue and its dead-letter queue when they do not exist. Registered through
 * {@link java.util.ServiceLoader}; does no I/O until a channel is opened.
 */
public final class SqsAdapter implements BrokerAdapter {

    private static final Duration MIN_RETENTION = Duration.ofSeconds(60);
    private static final Duration MAX_RETENTION = Duration.ofDays(14);

    @Override
    public String name() {
        return "sqs";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("sqs");
    }

    /**
     * Creates the queue with the channel's settings when it does not exist; an existing queue is
     * used as it is — never altered — and a setting the channel asks for explicitly that the
     * queue has otherwise (its visibility timeout, its retention) is a
     * {@link DestinationConflictException} naming both. The dead-letter queue is made only when a
     * message is first dead-lettered. Every call of the open is bounded by the connect timeout.
     */
    @Override
    public BrokerSession connect(ChannelSpec spec, BrokerEvents events) {
        SqsEndpoint endpoint = SqsEndpoint.of(spec);
        Map<QueueAttributeName, String> wanted = new HashMap<>();
        wanted.put(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(endpoint.visibilityTimeoutSeconds()));
        spec.backlog().flatMap(dev.sluice.BacklogLimit::maxAge).ifPresent(age -> {
            if (age.compareTo(MIN_RETENTION) < 0 || age.compareTo(MAX_RETENTION) > 0) {
                throw new IllegalArgumentException("maxAge (" + age + ") must be between 60 s and 14 days: it becomes the"
                        + " queue's MessageRetentionPeriod");
            }
            wanted.put(QueueAttributeName.MESSAGE_RETENTION_PERIOD, Long.toString(age.toSeconds()));
        });
        if (endpoint.fifo()) {
            wanted.put(QueueAttributeName.FIFO_QUEUE, "true");
        }
        Duration timeout = spec.connectTimeout();
        SqsClient sqs = endpoint.client(timeout);
        SqsEndpoint effective = endpoint;
        try {
            String url;
            Map<QueueAttributeName, String> has;
            try {
                url = sqs.getQueueUrl(r -> r.queueName(endpoint.queue()).overrideConfiguration(c -> c.apiCallTimeout(timeout)))
                        .queueUrl();
                String existing = url;
                has = sqs.getQueueAttributes(r -> r.queueUrl(existing).attributeNames(QueueAttributeName.ALL)
                        .overrideConfiguration(c -> c.apiCallTimeout(timeout))).attributes();
                requireSame(endpoint.queue(), has, QueueAttributeName.MESSAGE_RETENTION_PERIOD,
                        wanted.get(QueueAttributeName.MESSAGE_RETENTION_PERIOD), "s");
                requireSame(endpoint.queue(), has, QueueAttributeName.VISIBILITY_TIMEOUT,
                        endpoint.visibilityGiven() ? wanted.get(QueueAttributeName.VISIBILITY_TIMEOUT) : null, "s");
                String visibility = has.get(QueueAttributeName.VISIBILITY_TIMEOUT);
                if (visibility != null) {
                    effective = endpoint.withVisibility(Integer.parseInt(visibility));
                }
            } catch (QueueDoesNotExistException e) {
                url = sqs.createQueue(r -> r.queueName(endpoint.queue()).attributes(wanted)
                        .overrideConfiguration(c -> c.apiCallTimeout(timeout))).queueUrl();
                String created = url;
                has = sqs.getQueueAttributes(r -> r.queueUrl(created).attributeNames(QueueAttributeName.MAXIMUM_MESSAGE_SIZE)
                        .overrideConfiguration(c -> c.apiCallTimeout(timeout))).attributes();
            }
            String dlqName = spec.consumer().deadLetter().orElse(endpoint.fifo()
                    ? endpoint.queue().substring(0, endpoint.queue().length() - 5) + "-dlq.fifo"
                    : endpoint.queue() + "-dlq");
            int maxBytes = Integer.parseInt(has.getOrDefault(QueueAttributeName.MAXIMUM_MESSAGE_SIZE, "262144"));
            return new SqsSession(spec, effective, sqs, url, dlqName, maxBytes, events);
        } catch (SdkClientException e) {
            sqs.close();
            throw BrokerUnavailableException.of("SQS at " + endpoint.endpoint(), timeout, e);
        } catch (RuntimeException e) {
            sqs.close();
            throw e;
        }
    }

    /** A setting the channel asks for that an existing queue has otherwise: a conflict, never a change. */
    private static void requireSame(String queue, Map<QueueAttributeName, String> has, QueueAttributeName name,
                                    String wanted, String unit) {
        String existing = has.get(name);
        if (wanted != null && existing != null && !existing.equals(wanted)) {
            throw new DestinationConflictException(queue, name + " " + existing + " " + unit, name + " " + wanted + " " + unit);
        }
    }
}
