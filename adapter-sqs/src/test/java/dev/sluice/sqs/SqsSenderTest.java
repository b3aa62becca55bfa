package dev.sluice.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.flow.DropReason;
import dev.sluice.spi.BrokerEvents;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;

/** How a {@code SendMessageBatch} answer becomes each message's result, on a client that answers as told. */
class SqsSenderTest {

    /** Answers entry 0 with the given error and every other entry with success. */
    private static SqsClient answering(BatchResultErrorEntry.Builder error) {
        return new SqsClient() {
            @Override
            public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest request) {
                SendMessageBatchResponse.Builder r = SendMessageBatchResponse.builder()
                        .failed(error.id("0").build());
                r.successful(request.entries().stream().filter(e -> !e.id().equals("0"))
                        .map(e -> SendMessageBatchResultEntry.builder().id(e.id()).messageId("m" + e.id()).build()).toList());
                return r.build();
            }

            @Override
            public String serviceName() {
                return "sqs";
            }

            @Override
            public void close() {
            }
        };
    }

    private static final BrokerEvents EVENTS = new BrokerEvents() {
        @Override
        public void brokerBlocked(String reason) {
        }

        @Override
        public void brokerUnblocked() {
        }

        @Override
        public void dropped(Message message, DropReason reason) {
        }

        @Override
        public void dropped(long count, DropReason reason) {
        }
    };

    private static List<SendResult> send(BatchResultErrorEntry.Builder error) {
        SqsSender sender = new SqsSender(answering(error), "http://127.0.0.1:1/q", false, 1024, 0, () -> 0, () -> { }, EVENTS);
        try {
            return sender.write(List.of(Message.of("a"), Message.of("b")));
        } finally {
            sender.close();
        }
    }

    @Test
    @DisplayName("an entry refused as the sender's fault is REJECTED (never retried); the rest of the batch is accepted")
    void senderFaultIsPermanent() {
        List<SendResult> results = send(BatchResultErrorEntry.builder().senderFault(true)
                .code("InvalidMessageContents").message("Invalid binary character"));
        assertThat(results).containsExactly(SendResult.REJECTED, SendResult.ACCEPTED);
        assertThat(results.get(0).dropReason()).as("refused outright: nothing dropped, the caller keeps it").isNull();
    }

    @Test
    @DisplayName("an entry that failed on SQS's side, or was throttled, is FAILED and so retried")
    void serverFaultAndThrottlingAreRetried() {
        assertThat(send(BatchResultErrorEntry.builder().senderFault(false).code("InternalError").message("try again")).get(0).status())
                .isEqualTo(SendResult.Status.FAILED);
        assertThat(send(BatchResultErrorEntry.builder().senderFault(true).code("RequestThrottled").message("slow down")).get(0).status())
                .isEqualTo(SendResult.Status.FAILED);
    }
}
