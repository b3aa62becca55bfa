package dev.sluice.conformance;

import dev.sluice.Delivery;
import dev.sluice.MessageHandler;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects what a handler received: payloads in arrival order, with attempts. Thread-safe. */
public final class Received implements MessageHandler {

    /** Payload text of every delivery, in the order handled (duplicates included). */
    public final List<String> payloads = new CopyOnWriteArrayList<>();
    /** {@code payload@attempt} of every delivery. */
    public final List<String> attempts = new CopyOnWriteArrayList<>();

    @Override
    public void handle(Delivery delivery) throws Exception {
        String text = delivery.message().payloadAsString();
        attempts.add(text + "@" + delivery.attempt());
        payloads.add(text);
    }

    public int count() {
        return payloads.size();
    }

    /** @return the distinct payloads */
    public Set<String> distinct() {
        return new HashSet<>(payloads);
    }

    /** @return how many deliveries repeated a payload already received */
    public int duplicates() {
        return payloads.size() - distinct().size();
    }

    /** @return payload text to how often it was handled */
    public Map<String, Integer> counts() {
        Map<String, Integer> m = new HashMap<>();
        payloads.forEach(p -> m.merge(p, 1, Integer::sum));
        return m;
    }
}
