package dev.sluice.conformance.brokers;

import dev.sluice.conformance.ForeignClient;
import dev.sluice.conformance.KitBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The AWS SDK as a plain application uses it: SendMessage with a text body and string
 * attributes, ReceiveMessage to read, and a queue of its own created with attributes
 * ({@code VisibilityTimeout} 60 s, {@code MessageRetentionPeriod}), read back with
 * {@code GetQueueAttributes(All)}.
 */
final class SqsForeignClient implements ForeignClient {

    /** The application's own visibility timeout, in seconds: not the kit's. */
    static final String EXISTING_VISIBILITY_TIMEOUT = "60";

    private final SqsClient sqs;

    SqsForeignClient(SqsClient sqs) {
        this.sqs = sqs;
    }

    @Override
    public void write(String destination, NativeMessage m) {
        String url = sqs.getQueueUrl(r -> r.queueName(destination)).queueUrl();
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        m.headers().forEach((k, v) -> attributes.put(k, MessageAttributeValue.builder().dataType("String").stringValue(v).build()));
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(new String(m.body(), StandardCharsets.UTF_8))
                .messageAttributes(attributes));
    }

    @Override
    public Optional<String> writeMalformed(String destination, byte[] body) {
        write(destination, new NativeMessage(body, null, Map.of("sluice.priority", "high")));
        return Optional.of("attribute sluice.priority=high");
    }

    /** A standard queue with a visibility timeout and a retention of its own; SQS has no groups. */
    @Override
    public boolean createExisting(String destination, String appGroup, List<NativeMessage> messages) {
        sqs.createQueue(r -> r.queueName(destination).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, EXISTING_VISIBILITY_TIMEOUT,
                QueueAttributeName.MESSAGE_RETENTION_PERIOD, Long.toString(EXISTING_RETENTION.toSeconds()))));
        for (NativeMessage m : messages) {
            write(destination, m);
        }
        return true;
    }

    /**
     * Every attribute {@code GetQueueAttributes(All)} reports but the approximate counts, which
     * consuming changes, and whether a {@code <queue>-dlq} exists beside the queue.
     */
    @Override
    public Optional<Map<String, String>> settings(String destination, String appGroup) {
        String url = sqs.getQueueUrl(r -> r.queueName(destination)).queueUrl();
        Map<String, String> settings = new TreeMap<>();
        sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.ALL)).attributesAsStrings().forEach((name, value) -> {
            if (!name.startsWith("ApproximateNumberOfMessages")) {
                settings.put(name, value);
            }
        });
        boolean deadLetterQueue = sqs.listQueues(r -> r.queueNamePrefix(destination + "-dlq")).queueUrls().stream()
                .anyMatch(u -> u.endsWith("/" + destination + "-dlq"));
        settings.put("queue " + destination + "-dlq", deadLetterQueue ? "present" : "absent");
        return Optional.of(settings);
    }

    /** Without the kit's {@code visibilityTimeout}: a default spec asks for none, and uses the queue's own. */
    @Override
    public String existingUri(KitBroker broker, String destination) {
        return uri(broker, destination).replaceAll("([?&])visibilityTimeout=[0-9]+&?", "$1").replaceAll("[?&]$", "");
    }

    @Override
    public List<NativeMessage> read(String destination, int count, Duration within) {
        String url = sqs.getQueueUrl(r -> r.queueName(destination)).queueUrl();
        List<NativeMessage> out = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (out.size() < count && System.nanoTime() < deadline) {
            for (Message m : sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                    .messageAttributeNames("All")).messages()) {
                Map<String, String> headers = new LinkedHashMap<>();
                m.messageAttributes().forEach((k, v) -> headers.put(k, v.stringValue()));
                out.add(new NativeMessage(m.body().getBytes(StandardCharsets.UTF_8), null, headers));
                sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
        return out;
    }
}
