package dev.sluice.conformance.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** The HTTP front against an in-process ElasticMQ, seen through the AWS SDK v2 the SQS adapter uses. */
@Timeout(60)
class HttpFaultProxyTest {

    private static SQSRestServer elasticMq;
    private static int elasticMqPort;

    private HttpFaultProxy front;
    private SqsClient sqs;
    private String queueUrl;

    @BeforeAll
    static void startElasticMq() {
        elasticMq = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
        elasticMqPort = elasticMq.waitUntilStarted().localAddress().getPort();
    }

    @AfterAll
    static void stopElasticMq() {
        elasticMq.stopAndWait();
    }

    @BeforeEach
    void startFront() throws IOException {
        front = HttpFaultProxy.start("127.0.0.1", elasticMqPort);
        sqs = client(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()));
        queueUrl = sqs.createQueue(r -> r.queueName("front-" + System.nanoTime())).queueUrl();
    }

    @AfterEach
    void stopFront() {
        front.relayAll();
        sqs.deleteQueue(r -> r.queueUrl(queueUrl));
        sqs.close();
        front.close();
    }

    /** A client of ElasticMQ through the front, as the adapter builds its own. */
    private SqsClient client(Consumer<ClientOverrideConfiguration.Builder> override) {
        return SqsClient.builder()
                .endpointOverride(URI.create("http://" + front.host() + ":" + front.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(override)
                .build();
    }

    private SqsException sendBatchFails(SqsClient client) {
        return org.assertj.core.api.Assertions.catchThrowableOfType(SqsException.class,
                () -> client.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(e -> e.id("0").messageBody("held"))));
    }

    @Test
    @DisplayName("relays requests unchanged while no answer is set")
    void relays() {
        assertThat(front.host()).isEqualTo("127.0.0.1");
        sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(e -> e.id("0").messageBody("one"), e -> e.id("1").messageBody("two")));
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody("three"));
        Set<String> bodies = new HashSet<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (Message m : sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)).messages()) {
                bodies.add(m.body());
                sqs.deleteMessage(d -> d.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
            return bodies.size() == 3;
        });
        assertThat(bodies).containsExactlyInAnyOrder("one", "two", "three");
        assertThat(front.answered()).isZero();
    }

    @Test
    @DisplayName("a throttled request reaches the SDK as an SqsException whose error code is ThrottlingException")
    void throttling() {
        front.answer("AmazonSQS.SendMessageBatch", HttpFaultProxy.Answer.throttling());

        SqsException e = sendBatchFails(sqs);
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException").contains("Throttl");
        assertThat(e.isThrottlingException()).as("the SDK itself counts it as throttling").isTrue();
        assertThat(front.answered()).isEqualTo(1);

        // Only the operation named is answered: the others still reach the server.
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody("single"));
        assertThat(sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.ALL)).attributes()).isNotEmpty();
        assertThat(front.answered()).isEqualTo(1);

        front.relayAll();
        assertThat(sqs.sendMessageBatch(r -> r.queueUrl(queueUrl).entries(e2 -> e2.id("0").messageBody("after")))
                .successful()).hasSize(1);
        assertThat(front.answered()).isEqualTo(1);
    }

    @Test
    @DisplayName("the SDK's default retries take throttling as throttling, and still surface it when it lasts")
    void throttlingThroughDefaultRetries() {
        front.answer("AmazonSQS.SendMessageBatch", HttpFaultProxy.Answer.throttling());
        try (SqsClient retrying = client(c -> { })) {
            SqsException e = sendBatchFails(retrying);
            assertThat(e.awsErrorDetails().errorCode()).contains("Throttl");
            assertThat(front.answered()).as("the SDK retried the throttled request").isGreaterThan(1);
        }
    }

    @Test
    @DisplayName("a 503 reaches the SDK as a 503 ServiceUnavailable")
    void serviceUnavailable() {
        front.answer("AmazonSQS.SendMessageBatch", HttpFaultProxy.Answer.serviceUnavailable());
        SqsException e = sendBatchFails(sqs);
        assertThat(e.statusCode()).isEqualTo(503);
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ServiceUnavailable");
        assertThat(e.isThrottlingException()).isFalse();
        assertThat(front.answered()).isEqualTo(1);
    }

    @Test
    @DisplayName("a delayed request is relayed after the delay, with the server's own answer")
    void delay() {
        Duration delay = Duration.ofMillis(400);
        front.answer("AmazonSQS.GetQueueAttributes", HttpFaultProxy.Answer.delay(delay));
        long start = System.nanoTime();
        assertThat(sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.ALL)).attributes()).isNotEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(delay);
        assertThat(front.answered()).isZero();
    }

    @Test
    @DisplayName("keeps requests framed on one connection: chunked and sized bodies relayed, answered ones skipped")
    void framingOnOneConnection() throws IOException {
        try (HttpFaultProxy own = HttpFaultProxy.start("127.0.0.1", elasticMqPort)) { // no SDK connection in it
            own.answer("AmazonSQS.SendMessage", HttpFaultProxy.Answer.throttling());
            try (Socket s = new Socket(own.host(), own.port())) {
                s.setSoTimeout(10_000);
                await().atMost(Duration.ofSeconds(10)).until(() -> own.openConnections() == 1);
                InputStream in = s.getInputStream();
                s.getOutputStream().write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n"
                        + "Content-Type: application/x-amz-json-1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "1\r\n{\r\n1;ext=1\r\n}\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains(queueUrl.substring(queueUrl.lastIndexOf('/') + 1));

                String send = "{\"QueueUrl\":\"" + queueUrl + "\",\"MessageBody\":\"x\"}";
                s.getOutputStream().write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonSQS.SendMessage\r\n"
                        + "Content-Type: application/x-amz-json-1.0\r\nContent-Length: " + send.length() + "\r\n\r\n" + send)
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(readResponse(in)).startsWith("HTTP/1.1 400")
                        .containsIgnoringCase("x-amzn-query-error: ThrottlingException;Sender")
                        .contains("\"__type\":\"com.amazon.coral.availability#ThrottlingException\"");

                s.getOutputStream().write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n"
                        + "Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
                assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
            }
            assertThat(own.answered()).isEqualTo(1);
            await("the client's server connection closed with it").atMost(Duration.ofSeconds(10))
                    .until(() -> own.openConnections() == 0);
        }
    }

    @Test
    @DisplayName("relays a request whose head and body come in two writes at once, not after a delayed ACK (issue #18: 40 ms a request)")
    void headAndBodyInTwoWritesAreNotHeldBack() throws IOException {
        // The JDK's HttpURLConnection (the SDK's url-connection client) writes a request's head and
        // body separately. Relayed as two writes on a socket with Nagle's algorithm on, the body
        // waits for the server's ACK of the head, which Linux delays by 40 ms: every request then
        // takes ~44 ms, which held the kit's SQS consumer to ~20 acks a second.
        assertThat(medianRoundTrip(front.host(), front.port())).as("median round trip through the front")
                .isLessThan(Duration.ofMillis(20));
    }

    @Test
    @DisplayName("the kit's TCP proxy likewise relays a request's head and body without waiting for a delayed ACK")
    void tcpProxyDoesNotHoldBackTheBody() throws IOException {
        try (FaultProxy tcp = FaultProxy.start("127.0.0.1", elasticMqPort)) {
            assertThat(medianRoundTrip(tcp.host(), tcp.port())).as("median round trip through the TCP proxy")
                    .isLessThan(Duration.ofMillis(20));
        }
    }

    /** Sends 40 requests on one connection, each head and body in two writes; the median of the last 30. */
    private static Duration medianRoundTrip(String host, int port) throws IOException {
        String body = "{\"QueueNamePrefix\":\"front-\"}";
        byte[] head = ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n"
                + "Content-Type: application/x-amz-json-1.0\r\nContent-Length: " + body.length() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket(host, port)) {
            s.setTcpNoDelay(true); // the client itself never holds a write back
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            long[] nanos = new long[40];
            for (int i = 0; i < nanos.length; i++) {
                long start = System.nanoTime();
                s.getOutputStream().write(head);
                s.getOutputStream().flush();
                // The stimulus, not a wait for a result: the body 1 ms after the head, so that a
                // relay reads them apart and writes them apart, as it does under the SDK's load.
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                s.getOutputStream().write(body.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
                nanos[i] = System.nanoTime() - start;
            }
            long[] warm = java.util.Arrays.copyOfRange(nanos, 10, nanos.length); // past TCP's quick-ACK start
            java.util.Arrays.sort(warm);
            return Duration.ofNanos(warm[warm.length / 2]);
        }
    }

    @Test
    @DisplayName("refuses bad arguments, naming them")
    void badArguments() {
        assertThatThrownBy(() -> front.answer("SendMessage", HttpFaultProxy.Answer.throttling()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("operation (SendMessage)");
        assertThatThrownBy(() -> HttpFaultProxy.Answer.delay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delay (PT-0.001S)");
        assertThatThrownBy(() -> HttpFaultProxy.start("127.0.0.1", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("targetPort (0)");
    }

    /** Reads one response with a Content-Length body (ElasticMQ's and the front's own). */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection closed inside a response head: " + head);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
