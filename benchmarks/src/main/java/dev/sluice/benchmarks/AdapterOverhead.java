package dev.sluice.benchmarks;

import dev.sluice.conformance.results.ResultsFile;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.ConsumerPolicy;
import dev.sluice.Message;
import dev.sluice.Overflow;
import dev.sluice.ProducerPolicy;
import dev.sluice.Sluice;
import dev.sluice.conformance.brokers.KitBrokers;
import dev.sluice.conformance.ProxiedKitBroker;
import dev.sluice.conformance.provision.BrokerKind;
import dev.sluice.conformance.provision.BrokerProvisioner;
import dev.sluice.conformance.provision.ProvisionedBroker;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The cost of the abstraction: the same workload — N messages of 256 bytes produced with broker
 * confirms, then consumed with an ack each — through the raw native client and through Sluice,
 * in one process, on fresh destinations, alternating which goes first, for several pairs. The
 * native side uses the settings the adapter uses: Kafka idempotent {@code acks=all},
 * {@code linger.ms=1}, {@code max.poll.records} = the batch, an asynchronous commit at most every
 * 100 ms; RabbitMQ publisher confirms with
 * 1 000 outstanding, persistent messages, and prefetch 1 000; Redis pipelines of 64 {@code XADD}, {@code XREADGROUP
 * COUNT} = the batch and an {@code XACK} per message; SQS {@code SendMessageBatch} of 10 one
 * request at a time, {@code ReceiveMessage} of 10 and a delete per message.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.AdapterOverhead
 * [kafka,rabbitmq,sqs,redis] [pairs]} — brokers as the conformance kit gets them
 * ({@code SLUICE_*_URI}, in-process Kafka and ElasticMQ, ...). Prints each run and, per broker
 * and direction, the Sluice/native throughput ratio (min, median, max).
 */
public final class AdapterOverhead {

    static final int PAYLOAD = 256;
    static final int WINDOW = 1_000;
    static final int BATCH = 500;

    private AdapterOverhead() {
    }

    /** Messages per second of one run, produce and consume. */
    record Run(double produce, double consume) {
    }

    interface Side {
        Run run(String destination, int n) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        List<String> kinds = List.of((args.length > 0 ? args[0] : "kafka,rabbitmq,sqs,redis").split(","));
        int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        byte[] payload = new byte[PAYLOAD];
        new java.util.Random(1).nextBytes(payload);
        System.out.printf("java %s, %d cores, %d pairs, payload %d B%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), pairs, PAYLOAD);
        for (String k : kinds) {
            BrokerKind kind = BrokerKind.valueOf(k.trim().toUpperCase(Locale.ROOT));
            ProvisionedBroker broker = AdapterOverhead.provision(kind);
            int n = switch (kind) {
                case KAFKA -> 500_000;
                case REDIS -> 200_000;
                case RABBITMQ -> 100_000;
                case SQS -> 10_000;
            };
            try (broker; ProxiedKitBroker kit = KitBrokers.of(broker)) {
                Side nativeSide = switch (kind) {
                    case KAFKA -> new KafkaNative(broker.uri(), payload);
                    case RABBITMQ -> new RabbitNative(broker.uri(), payload);
                    case SQS -> new SqsNative(broker.uri(), payload);
                    case REDIS -> new RedisNative(broker.uri(), payload);
                };
                Side sluiceSide = new SluiceSide(broker, payload);
                compare(kind.id(), kit, nativeSide, sluiceSide, n, pairs);
            }
        }
        System.exit(0);
    }

    private static void compare(String name, ProxiedKitBroker kit, Side nativeSide, Side sluiceSide, int n, int pairs) throws Exception {
        // One warm-up pair, not counted: class loading, JIT, connection set-up.
        runOnce(kit, nativeSide, Math.max(1_000, n / 10));
        runOnce(kit, sluiceSide, Math.max(1_000, n / 10));
        List<Double> produce = new ArrayList<>();
        List<Double> consume = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            Run a;
            Run b;
            if (i % 2 == 0) {
                a = runOnce(kit, nativeSide, n);
                b = runOnce(kit, sluiceSide, n);
            } else {
                b = runOnce(kit, sluiceSide, n);
                a = runOnce(kit, nativeSide, n);
            }
            System.out.printf("%-9s pair %d: native produce %,9.0f/s consume %,9.0f/s | sluice produce %,9.0f/s consume %,9.0f/s%n",
                    name, i + 1, a.produce(), a.consume(), b.produce(), b.consume());
            produce.add(b.produce() / a.produce());
            consume.add(b.consume() / a.consume());
        }
        System.out.printf("%-9s %d messages: sluice/native produce %s, consume %s%n", name, n, summary(produce), summary(consume));
        ResultsFile.record("AdapterOverhead", name, "produce sluice/native (median of " + pairs + " pairs)", median(produce), ">= 0.97");
        ResultsFile.record("AdapterOverhead", name, "consume sluice/native (median of " + pairs + " pairs)", median(consume), ">= 0.97");
    }

    private static Run runOnce(ProxiedKitBroker kit, Side side, int n) throws Exception {
        String destination = "sluice-bench-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            return side.run(destination, n);
        } finally {
            kit.deleteDestination(destination);
        }
    }

    static double median(List<Double> ratios) {
        List<Double> sorted = new ArrayList<>(ratios);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    static String summary(List<Double> ratios) {
        List<Double> sorted = new ArrayList<>(ratios);
        Collections.sort(sorted);
        return String.format(Locale.ROOT, "min %.3f median %.3f max %.3f", sorted.get(0), sorted.get(sorted.size() / 2),
                sorted.get(sorted.size() - 1));
    }

    /** @return a broker of the kind as the conformance kit gets one, or an exception saying why there is none */
    static ProvisionedBroker provision(BrokerKind kind) {
        BrokerProvisioner.Provisioning provisioning = BrokerProvisioner.provision(kind);
        return provisioning.broker().orElseThrow(() ->
                new IllegalStateException("no " + kind.id() + " broker: " + provisioning.reason()));
    }

    /** @return the URI of {@code destination} on the broker, straight to it (no fault proxy) */
    static String destinationUri(ProvisionedBroker broker, String destination) {
        URI base = broker.uri();
        return switch (broker.kind()) {
            case KAFKA -> base + "/" + destination + "?partitions=1";
            case SQS -> "sqs://" + base.getHost() + ":" + base.getPort() + "/" + destination + "?region=us-east-1";
            default -> base + "/" + destination;
        };
    }

    static double rate(int n, long startNanos) {
        return n / ((System.nanoTime() - startNanos) / 1e9);
    }

    /** Through Sluice: send with the block policy and flush; consume with a counting handler (acked on return). */
    static final class SluiceSide implements Side {
        private final ProvisionedBroker broker;
        private final byte[] payload;

        SluiceSide(ProvisionedBroker broker, byte[] payload) {
            this.broker = broker;
            this.payload = payload;
        }

        @Override
        public Run run(String destination, int n) throws Exception {
            ChannelSpec spec = ChannelSpec.of(destinationUri(broker, destination))
                    .producer(ProducerPolicy.buffer(WINDOW).maxInFlight(WINDOW).onOverflow(Overflow.block(Duration.ofMinutes(1))))
                    .consumer(ConsumerPolicy.pull(broker.kind() == BrokerKind.SQS ? 10 : BATCH).maxInFlight(WINDOW));
            try (BackpressureChannel ch = Sluice.open(spec)) {
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    ch.producer().send(Message.of(payload));
                }
                if (!ch.producer().flush(Duration.ofMinutes(5))) {
                    throw new IllegalStateException("not confirmed within 5 minutes");
                }
                double produce = rate(n, start);
                CountDownLatch done = new CountDownLatch(n);
                start = System.nanoTime();
                ch.consumer("bench-" + destination).start(d -> done.countDown());
                done.await(5, TimeUnit.MINUTES);
                while (ch.pressure().consumer().acked() < n) {
                    Thread.onSpinWait();
                }
                return new Run(produce, rate(n, start));
            }
        }
    }

    /** kafka-clients as the adapter configures it. */
    static final class KafkaNative implements Side {
        private final String bootstrap;
        private final byte[] payload;

        KafkaNative(URI uri, byte[] payload) {
            this.bootstrap = uri.getHost() + ":" + uri.getPort();
            this.payload = payload;
        }

        @Override
        public Run run(String topic, int n) throws Exception {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            }
            Map<String, Object> p = new HashMap<>();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            double produce;
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
                Semaphore window = new Semaphore(WINDOW);
                AtomicLong failed = new AtomicLong();
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    window.acquire();
                    producer.send(new ProducerRecord<>(topic, 0, null, payload), (md, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                        }
                        window.release();
                    });
                }
                window.acquire(WINDOW);
                produce = rate(n, start);
                if (failed.get() > 0) {
                    throw new IllegalStateException(failed.get() + " sends failed");
                }
            }
            Map<String, Object> c = new HashMap<>();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + topic);
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, BATCH);
            c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
                consumer.subscribe(List.of(topic));
                long start = System.nanoTime();
                int seen = 0;
                long nextCommit = start;
                while (seen < n) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                    seen += records.count();
                    if (System.nanoTime() >= nextCommit) { // as the adapter: at most every 100 ms
                        consumer.commitAsync();
                        nextCommit = System.nanoTime() + 100_000_000L;
                    }
                }
                consumer.commitSync();
                return new Run(produce, rate(n, start));
            }
        }
    }

    /** amqp-client: confirms with a window, manual acks with prefetch. */
    static final class RabbitNative implements Side {
        private final ConnectionFactory factory = new ConnectionFactory();
        private final byte[] payload;

        RabbitNative(URI uri, byte[] payload) throws Exception {
            factory.setUri(uri);
            this.payload = payload;
        }

        @Override
        public Run run(String queue, int n) throws Exception {
            try (Connection connection = factory.newConnection("bench")) {
                Channel publish = connection.createChannel();
                publish.queueDeclare(queue, true, false, false, null);
                publish.confirmSelect();
                Semaphore window = new Semaphore(WINDOW);
                long[] lastConfirmed = {0}; // delivery tags count from 1 on each channel
                com.rabbitmq.client.ConfirmCallback settle = (tag, multiple) -> {
                    int count;
                    synchronized (lastConfirmed) {
                        count = multiple ? (int) (tag - lastConfirmed[0]) : 1;
                        lastConfirmed[0] = Math.max(lastConfirmed[0], tag);
                    }
                    window.release(count);
                };
                publish.addConfirmListener(settle, settle);
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    window.acquire();
                    publish.basicPublish("", queue, com.rabbitmq.client.MessageProperties.PERSISTENT_BASIC, payload);
                }
                window.acquire(WINDOW);
                double produce = rate(n, start);
                Channel consume = connection.createChannel();
                consume.basicQos(WINDOW);
                CountDownLatch done = new CountDownLatch(n);
                start = System.nanoTime();
                consume.basicConsume(queue, false, new DefaultConsumer(consume) {
                    @Override
                    public void handleDelivery(String tag, Envelope envelope, com.rabbitmq.client.AMQP.BasicProperties props, byte[] body)
                            throws java.io.IOException {
                        getChannel().basicAck(envelope.getDeliveryTag(), false);
                        done.countDown();
                    }
                });
                done.await(5, TimeUnit.MINUTES);
                return new Run(produce, rate(n, start));
            }
        }

    }

    /** Jedis: pipelines of 64 XADD, XREADGROUP COUNT, XACK per message. */
    static final class RedisNative implements Side {
        private final String host;
        private final int port;
        private final byte[] payload;

        RedisNative(URI uri, byte[] payload) {
            this.host = uri.getHost();
            this.port = uri.getPort();
            this.payload = payload;
        }

        @Override
        public Run run(String stream, int n) {
            try (Jedis j = new Jedis(host, port)) {
                Map<byte[], byte[]> fields = Map.of("p".getBytes(), payload);
                byte[] key = stream.getBytes();
                long start = System.nanoTime();
                for (int sent = 0; sent < n; ) {
                    Pipeline p = j.pipelined();
                    int batch = Math.min(64, n - sent);
                    for (int i = 0; i < batch; i++) {
                        p.xadd(key, XAddParams.xAddParams(), fields);
                    }
                    p.sync();
                    sent += batch;
                }
                double produce = rate(n, start);
                j.xgroupCreate(stream, "bench", new StreamEntryID(0, 0), false);
                start = System.nanoTime();
                int seen = 0;
                while (seen < n) {
                    var read = j.xreadGroup("bench", "c1", XReadGroupParams.xReadGroupParams().count(BATCH).block(500),
                            Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
                    if (read == null) {
                        continue;
                    }
                    for (var e : read) {
                        for (StreamEntry entry : e.getValue()) {
                            j.xack(stream, "bench", entry.getID());
                            seen++;
                        }
                    }
                }
                return new Run(produce, rate(n, start));
            }
        }
    }

    /** The AWS SDK: SendMessageBatch of 10, one at a time; ReceiveMessage of 10, a delete per message. */
    static final class SqsNative implements Side {
        private final SqsClient sqs;
        private final byte[] payload;

        SqsNative(URI uri, byte[] payload) {
            this.sqs = SqsClient.builder().endpointOverride(URI.create("http://" + uri.getHost() + ":" + uri.getPort()))
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                    .httpClient(UrlConnectionHttpClient.create()).build();
            this.payload = payload;
        }

        @Override
        public Run run(String queue, int n) {
            String url = sqs.createQueue(r -> r.queueName(queue)).queueUrl();
            String body = java.util.Base64.getEncoder().encodeToString(payload);
            long start = System.nanoTime();
            for (int sent = 0; sent < n; ) {
                int batch = Math.min(10, n - sent);
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(body).build());
                }
                sqs.sendMessageBatch(r -> r.queueUrl(url).entries(entries));
                sent += batch;
            }
            double produce = rate(n, start);
            start = System.nanoTime();
            int seen = 0;
            while (seen < n) {
                var messages = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
                for (var m : messages) {
                    sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
                    seen++;
                }
            }
            return new Run(produce, rate(n, start));
        }
    }
}
