package dev.sluice.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.DestinationConflictException;
import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.Sluice;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** An existing queue, as an application created it, is used as it is: never altered, no dead-letter queue made. */
class SqsExistingQueueTest {

    private final ProvisionedBroker broker = BrokerProvisioner.shared(BrokerKind.SQS);
    private final SqsClient sqs = SqsClient.builder()
            .endpointOverride(URI.create("http://" + broker.host() + ":" + broker.port()))
            .region(Region.US_EAST_1)
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
            .httpClient(UrlConnectionHttpClient.create()).build();
    private final String queue = "sluice-existing-" + UUID.randomUUID().toString().substring(0, 8);

    private String uri(String query) {
        return "sqs://" + broker.host() + ":" + broker.port() + "/" + queue + "?region=us-east-1" + query;
    }

    @AfterEach
    void deleteQueue() {
        sqs.deleteQueue(r -> r.queueUrl(sqs.getQueueUrl(q -> q.queueName(queue)).queueUrl()));
        sqs.close();
    }

    @Test
    @DisplayName("opening an existing queue changes none of its attributes and creates no dead-letter queue")
    void existingQueueIsUsedAsItIs() throws Exception {
        String url = sqs.createQueue(r -> r.queueName(queue).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "60",
                QueueAttributeName.MESSAGE_RETENTION_PERIOD, "7200"))).queueUrl();
        Map<QueueAttributeName, String> before = sqs.getQueueAttributes(r -> r.queueUrl(url)
                .attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT, QueueAttributeName.MESSAGE_RETENTION_PERIOD)).attributes();
        try (BackpressureChannel ch = Sluice.open(ChannelSpec.of(uri("")))) {
            assertThat(ch.producer().sendAsync(Message.of("hello")).toCompletableFuture().get().status())
                    .isEqualTo(SendResult.Status.ACCEPTED);
        }
        Map<QueueAttributeName, String> after = sqs.getQueueAttributes(r -> r.queueUrl(url)
                .attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT, QueueAttributeName.MESSAGE_RETENTION_PERIOD)).attributes();
        assertThat(after).isEqualTo(before).containsEntry(QueueAttributeName.VISIBILITY_TIMEOUT, "60");
        assertThat(sqs.listQueues(r -> r.queueNamePrefix(queue + "-dlq")).queueUrls()).as("dead-letter queue made").isEmpty();
    }

    @Test
    @DisplayName("a visibility timeout asked for explicitly that the queue has otherwise is a conflict naming both")
    void explicitSettingThatDiffersIsAConflict() {
        sqs.createQueue(r -> r.queueName(queue).attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "60")));
        assertThatThrownBy(() -> Sluice.open(ChannelSpec.of(uri("&visibilityTimeout=30")).connectTimeout(Duration.ofSeconds(5))))
                .isInstanceOf(DestinationConflictException.class)
                .hasMessageContaining("VisibilityTimeout 60")
                .hasMessageContaining("VisibilityTimeout 30");
    }
}
