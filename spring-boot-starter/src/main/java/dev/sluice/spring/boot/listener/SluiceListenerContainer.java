package dev.sluice.spring.boot.listener;

import dev.sluice.BackpressureChannel;
import dev.sluice.MessageConsumer;
import dev.sluice.MessageHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the consumers of the {@link SluiceListener} methods: starts them late in the context's
 * start-up (a {@link SmartLifecycle} in a late phase, after the web server has started) and
 * stops them early on shutdown, before the channel beans are closed. A stop closes each consumer,
 * which stops fetching and waits for running handlers to finish and ack. Thread-safe.
 */
public class SluiceListenerContainer implements SmartLifecycle {

    /** The phase: started after, and stopped before, the web server and most other lifecycles. */
    public static final int PHASE = Integer.MAX_VALUE - 100;

    /** One listener method's consumers. */
    record Endpoint(String channel, String group, int consumers, MessageHandler handler, String description) {
    }

    private final BeanFactory beanFactory;
    private final List<Endpoint> endpoints = new CopyOnWriteArrayList<>();
    private final List<MessageConsumer> running = new ArrayList<>();
    private boolean started;

    public SluiceListenerContainer(BeanFactory beanFactory) {
        this.beanFactory = Objects.requireNonNull(beanFactory, "beanFactory");
    }

    void register(Endpoint endpoint) {
        endpoints.add(endpoint);
    }

    /** @return how many consumers run now */
    public synchronized int runningConsumers() {
        return running.size();
    }

    @Override
    public synchronized void start() {
        if (started) {
            return;
        }
        try {
            for (Endpoint e : endpoints) {
                BackpressureChannel channel = beanFactory.getBean(e.channel(), BackpressureChannel.class);
                for (int i = 0; i < e.consumers(); i++) {
                    MessageConsumer consumer = channel.consumer(e.group());
                    running.add(consumer);
                    consumer.start(e.handler());
                }
            }
            started = true;
        } catch (RuntimeException ex) {
            stop();
            throw ex;
        }
    }

    @Override
    public synchronized void stop() {
        RuntimeException first = null;
        for (MessageConsumer c : running) {
            try {
                c.close();
            } catch (RuntimeException ex) {
                if (first == null) {
                    first = ex;
                }
            }
        }
        running.clear();
        started = false;
        if (first != null) {
            throw first;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return started;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
