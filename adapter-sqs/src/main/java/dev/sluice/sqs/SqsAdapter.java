package dev.sluice.sqs;

import dev.sluice.BrokerUnavailableException;
import dev.sluice.ChannelSpec;
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

    @Override
    public BrokerSession connect(ChannelSpec spec, BrokerEvents events) {
        SqsEndpoint endpoint = SqsEndpoint.of(spec);
        Map<QueueAttributeName, String> attributes = new HashMap<>();
        attributes.put(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(endpoint.visibilityTimeoutSeconds()));
        spec.backlog().flatMap(dev.sluice.BacklogLimit::maxAge).ifPresent(age -> {
            if (age.compareTo(MIN_RETENTION) < 0 || age.compareTo(MAX_RETENTION) > 0) {
                throw new IllegalArgumentException("maxAge (" + age + ") must be between 60 s and 14 days: it becomes the"
                        + " queue's MessageRetentionPeriod");
            }
            attributes.put(QueueAttributeName.MESSAGE_RETENTION_PERIOD, Long.toString(age.toSeconds()));
        });
        if (endpoint.fifo()) {
            attributes.put(QueueAttributeName.FIFO_QUEUE, "true");
        }
        SqsClient sqs = endpoint.client(spec.connectTimeout());
        try {
            String url = queueUrl(sqs, endpoint.queue(), attributes);
            String dlqName = spec.consumer().deadLetter().orElse(endpoint.fifo()
                    ? endpoint.queue().substring(0, endpoint.queue().length() - 5) + "-dlq.fifo"
                    : endpoint.queue() + "-dlq");
            Map<QueueAttributeName, String> dlqAttributes = new HashMap<>();
            if (dlqName.endsWith(".fifo")) {
                dlqAttributes.put(QueueAttributeName.FIFO_QUEUE, "true");
            }
            String dlqUrl = queueUrl(sqs, dlqName, dlqAttributes);
            int maxBytes = Integer.parseInt(sqs.getQueueAttributes(r -> r.queueUrl(url)
                    .attributeNames(QueueAttributeName.MAXIMUM_MESSAGE_SIZE)).attributes()
                    .getOrDefault(QueueAttributeName.MAXIMUM_MESSAGE_SIZE, "262144"));
            return new SqsSession(spec, endpoint, sqs, url, dlqName, dlqUrl, maxBytes, events);
        } catch (SdkClientException e) {
            sqs.close();
            throw new BrokerUnavailableException("SQS at " + endpoint.endpoint() + " did not answer within "
                    + spec.connectTimeout().toMillis() + " ms: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            sqs.close();
            throw e;
        }
    }

    /** @return the queue's URL, creating the queue with {@code attributes} when it does not exist */
    private static String queueUrl(SqsClient sqs, String name, Map<QueueAttributeName, String> attributes) {
        try {
            String url = sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
            Map<QueueAttributeName, String> changeable = new HashMap<>(attributes);
            changeable.remove(QueueAttributeName.FIFO_QUEUE);
            if (!changeable.isEmpty()) {
                sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(changeable));
            }
            return url;
        } catch (QueueDoesNotExistException e) {
            return sqs.createQueue(r -> r.queueName(name).attributes(attributes)).queueUrl();
        }
    }
}
