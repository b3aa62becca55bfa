package dev.sluice.kafka;

import dev.sluice.Message;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A message as a Kafka record: the payload is the value, the key the record key (so Kafka's
 * partitioner keeps per-key order), each header a record header in UTF-8, and a priority other
 * than 0 the header {@value #PRIORITY}.
 */
final class KafkaCodec {

    static final String PRIORITY = "x-sluice-priority";

    private KafkaCodec() {
    }

    static ProducerRecord<byte[], byte[]> encode(String topic, Integer partition, Message m) {
        RecordHeaders headers = new RecordHeaders();
        m.headers().forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        if (m.priority() != 0) {
            headers.add(PRIORITY, Integer.toString(m.priority()).getBytes(StandardCharsets.UTF_8));
        }
        byte[] key = m.key() == null ? null : m.key().getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(topic, partition, key, m.payload(), headers);
    }

    /** A decoded record and, when its Sluice metadata did not parse, why. */
    record Decoded(Message message, String malformed) {
    }

    /**
     * Never throws: a priority header that is not a number from 0 to {@value Message#MAX_PRIORITY}
     * stays a plain header and the record is reported malformed.
     */
    static Decoded decode(ConsumerRecord<byte[], byte[]> r) {
        Map<String, String> headers = new LinkedHashMap<>();
        int priority = 0;
        String malformed = null;
        for (Header h : r.headers()) {
            String value = h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
            if (h.key().equals(PRIORITY)) {
                java.util.OptionalInt p = dev.sluice.spi.PriorityText.parse(value);
                if (p.isEmpty()) {
                    malformed = PRIORITY + " '" + value + "' is not a priority from 0 to " + Message.MAX_PRIORITY;
                    headers.put(h.key(), value);
                } else {
                    priority = p.getAsInt();
                }
            } else {
                headers.put(h.key(), value);
            }
        }
        Message m = Message.of(r.value() == null ? new byte[0] : r.value())
                .key(r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8))
                .priority(priority);
        return new Decoded(headers.isEmpty() ? m : m.headers(headers), malformed);
    }

}
