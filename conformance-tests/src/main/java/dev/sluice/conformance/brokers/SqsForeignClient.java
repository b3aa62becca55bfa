package dev.sluice.conformance.brokers;

import dev.sluice.conformance.ForeignClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/** The AWS SDK as a plain application uses it: SendMessage with a text body and string attributes, ReceiveMessage to read. */
final class SqsForeignClient implements ForeignClient {

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
