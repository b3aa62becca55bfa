package dev.sluice.sqs;

import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.flow.DropReason;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.SerialSender;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.LongSupplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * Sends with {@code SendMessageBatch}, up to ten messages a request, one request at a time on the
 * sender's writer thread, so the requests in flight stay bounded (and the messages by the
 * channel's send window). Throttling
 * ({@code 429}, {@code ThrottlingException}, {@code RequestThrottled}) is the broker-pressure
 * signal. A maximum length is emulated: the cached depth plus what was sent since it was read
 * decides whether the newest message is refused. An entry the batch answer marks as the sender's
 * fault (and not throttling) is {@code REJECTED}: the same message would be refused again.
 */
final class SqsSender extends SerialSender {

    private final SqsClient sqs;
    private final String queueUrl;
    private final boolean fifo;
    private final int maxPayloadBytes;
    private final long maxLength; // 0: none
    private final LongSupplier estimatedDepth;
    private final Runnable countSent;
    private final BrokerEvents events;
    private boolean throttled;

    SqsSender(SqsClient sqs, String queueUrl, boolean fifo, int maxPayloadBytes, long maxLength,
              LongSupplier estimatedDepth, Runnable countSent, BrokerEvents events) {
        super("sluice-sqs-send", 10); // SendMessageBatch takes at most ten entries
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.fifo = fifo;
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxLength = maxLength;
        this.estimatedDepth = estimatedDepth;
        this.countSent = countSent;
        this.events = events;
        start();
    }

    /** Payloads travel Base64 in the body: three bytes become four characters. */
    @Override
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    @Override
    protected List<SendResult> write(List<Message> run) {
        SendResult[] results = new SendResult[run.size()];
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>(run.size());
        List<Integer> sent = new ArrayList<>(run.size()); // the run's index of each entry
        for (int i = 0; i < run.size(); i++) {
            Message message = run.get(i);
            if (maxLength > 0 && estimatedDepth.getAsLong() + sent.size() >= maxLength) {
                events.dropped(message, DropReason.BACKLOG_REJECTED);
                results[i] = SendResult.rejected(DropReason.BACKLOG_REJECTED);
                continue;
            }
            SqsCodec.Encoded encoded = SqsCodec.encode(message);
            SendMessageBatchRequestEntry.Builder e = SendMessageBatchRequestEntry.builder()
                    .id(Integer.toString(sent.size()))
                    .messageBody(encoded.body())
                    .messageAttributes(encoded.attributes());
            if (fifo) {
                e.messageGroupId(message.key() == null ? "sluice" : message.key())
                        .messageDeduplicationId(UUID.randomUUID().toString());
            }
            entries.add(e.build());
            sent.add(i);
        }
        if (!entries.isEmpty()) {
            request(entries, sent, results);
        }
        return Arrays.asList(results);
    }

    private void request(List<SendMessageBatchRequestEntry> entries, List<Integer> sent, SendResult[] results) {
        SendMessageBatchResponse response;
        try {
            response = sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
        } catch (SdkException e) {
            if (isThrottling(e)) {
                throttled(true, e.getMessage());
            }
            sent.forEach(i -> results[i] = SendResult.failed(e));
            return;
        }
        throttled(false, null);
        response.successful().forEach(ok -> {
            countSent.run();
            results[sent.get(Integer.parseInt(ok.id()))] = SendResult.ACCEPTED;
        });
        for (BatchResultErrorEntry failed : response.failed()) {
            boolean throttling = failed.code() != null && failed.code().contains("Throttl");
            if (throttling) {
                throttled(true, failed.message());
            }
            int index = sent.get(Integer.parseInt(failed.id()));
            // An entry SQS refuses as the sender's fault (invalid contents, too many attributes)
            // is refused the same way the next time: REJECTED, never retried. Anything else may pass.
            results[index] = Boolean.TRUE.equals(failed.senderFault()) && !throttling
                    ? SendResult.REJECTED
                    : SendResult.failed(new IllegalStateException("SQS refused the message: " + failed.code() + " " + failed.message()));
        }
        for (int i : sent) {
            if (results[i] == null) { // neither successful nor failed in the response
                results[i] = SendResult.failed(new IllegalStateException("SQS did not answer for this message"));
            }
        }
    }

    static boolean isThrottling(SdkException e) {
        if (e instanceof SqsException s) {
            String code = s.awsErrorDetails() == null ? "" : String.valueOf(s.awsErrorDetails().errorCode());
            return s.statusCode() == 429 || code.contains("Throttl");
        }
        return false;
    }

    private void throttled(boolean now, String why) {
        if (now && !throttled) {
            throttled = true;
            events.brokerBlocked("SQS is throttling: " + why);
        } else if (!now && throttled) {
            throttled = false;
            events.brokerUnblocked();
        }
    }
}
