package dev.sluice.conformance.provision;

import java.net.URI;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/** ElasticMQ, an SQS-compatible server, inside this JVM on a free loopback port. */
final class InProcessElasticMq implements AutoCloseable {

    private final SQSRestServer server;
    private final int port;

    private InProcessElasticMq(SQSRestServer server, int port) {
        this.server = server;
        this.port = port;
    }

    static InProcessElasticMq start() {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
        int port = server.waitUntilStarted().localAddress().getPort();
        return new InProcessElasticMq(server, port);
    }

    URI uri() {
        return URI.create("sqs://127.0.0.1:" + port + "?region=us-east-1");
    }

    @Override
    public void close() {
        server.stopAndWait();
    }
}
