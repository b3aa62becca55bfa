package dev.sluice.conformance.broken;

import dev.sluice.Capability;
import dev.sluice.ChannelSpec;
import dev.sluice.Message;
import dev.sluice.SendResult;
import dev.sluice.StrategyMapping;
import dev.sluice.flow.DropReason;
import dev.sluice.mem.InMemoryAdapter;
import dev.sluice.spi.BrokerAdapter;
import dev.sluice.spi.BrokerDelivery;
import dev.sluice.spi.BrokerEvents;
import dev.sluice.spi.BrokerReceiver;
import dev.sluice.spi.BrokerSender;
import dev.sluice.spi.BrokerSession;
import dev.sluice.spi.DeliverySink;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory adapter with one deliberate defect, to prove that the kit catches it. Each
 * defect is a small override of a forwarding session, sender, receiver or event sink.
 */
public final class BrokenAdapter implements BrokerAdapter {

    /** The defects the kit must catch. */
    public enum Defect {
        /** Acks every tenth send without storing it. */
        LOSES_MESSAGES,
        /** Fetches ten times the credit it is granted, and does not stop when told to pause. */
        IGNORES_IN_FLIGHT_CAP,
        /** Never fetches again after a pause. */
        NEVER_RESUMES,
        /** Starts fetching again whenever credit comes back, though a manual pause holds. */
        RESUMES_OVER_MANUAL_PAUSE,
        /** Trims the backlog without telling the channel. */
        DROPS_SILENTLY,
        /** Takes one delivery more than granted on every tenth grant: the cap slips across backpressure cycles. */
        OVERFETCHES_ON_REGRANT,
        /** Gives a delivery back as a failed attempt (a nack), so pauses count attempts. */
        RELEASE_COUNTS_ATTEMPT,
        /** Claims independent groups but puts every consumer in one group: the groups compete. */
        GROUPS_COMPETE,
        /** Never tells the channel that the broker cannot be reached: health stays UP through an outage. */
        NEVER_UNREACHABLE,
        /** After each reconnect acks the first three deliveries without handing them over: lost on reconnect. */
        LOSES_ON_RECONNECT
    }

    private final Defect defect;
    private final InMemoryAdapter delegate = new InMemoryAdapter();

    public BrokenAdapter(Defect defect) {
        this.defect = defect;
    }

    @Override
    public String name() {
        return "broken-mem(" + defect + ")";
    }

    @Override
    public Set<String> schemes() {
        return Set.of("mem");
    }

    @Override
    public BrokerSession connect(ChannelSpec spec, BrokerEvents events) {
        java.util.concurrent.atomic.AtomicInteger loseNext = new java.util.concurrent.atomic.AtomicInteger();
        BrokerEvents seen = switch (defect) {
            case DROPS_SILENTLY -> new SilentEvents(events);
            case NEVER_UNREACHABLE -> new DeafEvents(events);
            case LOSES_ON_RECONNECT -> new ReconnectWatch(events, loseNext);
            default -> events;
        };
        return new Session(delegate.connect(spec, seen), loseNext);
    }

    private final class Session implements BrokerSession {
        private final BrokerSession inner;
        private final BrokerSender sender;
        private final java.util.concurrent.atomic.AtomicInteger loseNext;

        Session(BrokerSession inner, java.util.concurrent.atomic.AtomicInteger loseNext) {
            this.inner = inner;
            this.loseNext = loseNext;
            this.sender = defect == Defect.LOSES_MESSAGES ? new LosingSender(inner.sender()) : inner.sender();
        }

        @Override
        public BrokerSender sender() {
            return sender;
        }

        @Override
        public BrokerReceiver receiver(String group, String consumerName) {
            BrokerReceiver r = inner.receiver(defect == Defect.GROUPS_COMPETE ? "everyone" : group, consumerName);
            return switch (defect) {
                case IGNORES_IN_FLIGHT_CAP -> new ForwardingReceiver(r) {
                    @Override
                    public void request(int n) {
                        super.request(n * 10);
                    }

                    @Override
                    public void pause() {
                    }
                };
                case NEVER_RESUMES -> new ForwardingReceiver(r) {
                    @Override
                    public void resume() {
                    }
                };
                case RESUMES_OVER_MANUAL_PAUSE -> new ForwardingReceiver(r) {
                    @Override
                    public void request(int n) {
                        super.request(n);
                        super.resume();
                    }
                };
                case OVERFETCHES_ON_REGRANT -> new ForwardingReceiver(r) {
                    private int grants;

                    @Override
                    public void request(int n) {
                        super.request(++grants % 10 == 0 ? n + 1 : n);
                    }
                };
                case LOSES_ON_RECONNECT -> new ForwardingReceiver(r) {
                    @Override
                    public void start(DeliverySink sink) {
                        super.start(new DeliverySink() {
                            @Override
                            public void onDelivery(BrokerDelivery d) {
                                if (loseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                                    d.ack(); // settled on the broker, never handed over: lost
                                } else {
                                    sink.onDelivery(d);
                                }
                            }

                            @Override
                            public void onError(Throwable error) {
                                sink.onError(error);
                            }
                        });
                    }
                };
                case RELEASE_COUNTS_ATTEMPT -> new ForwardingReceiver(r) {
                    @Override
                    public void start(DeliverySink sink) {
                        super.start(new DeliverySink() {
                            @Override
                            public void onDelivery(BrokerDelivery d) {
                                sink.onDelivery(new CountingRelease(d));
                            }

                            @Override
                            public void onError(Throwable error) {
                                sink.onError(error);
                            }
                        });
                    }
                };
                default -> r;
            };
        }

        @Override
        public long backlog() {
            return inner.backlog();
        }

        @Override
        public List<StrategyMapping> mapping() {
            return inner.mapping();
        }

        @Override
        public Set<Capability> capabilities() {
            return inner.capabilities();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private static final class LosingSender implements BrokerSender {
        private final BrokerSender inner;
        private final AtomicLong count = new AtomicLong();

        LosingSender(BrokerSender inner) {
            this.inner = inner;
        }

        /** Every tenth message is answered ACCEPTED but never reaches the broker. */
        @Override
        public CompletionStage<List<SendResult>> send(List<Message> run) {
            List<Message> kept = new ArrayList<>();
            boolean[] lost = new boolean[run.size()];
            for (int i = 0; i < run.size(); i++) {
                lost[i] = count.incrementAndGet() % 10 == 0;
                if (!lost[i]) {
                    kept.add(run.get(i));
                }
            }
            CompletionStage<List<SendResult>> sent = kept.isEmpty()
                    ? CompletableFuture.completedFuture(List.of()) : inner.send(kept);
            return sent.thenApply(results -> {
                List<SendResult> all = new ArrayList<>(run.size());
                int next = 0;
                for (boolean l : lost) {
                    all.add(l ? SendResult.ACCEPTED : results.get(next++));
                }
                return all;
            });
        }

        @Override
        public int maxRun() {
            return inner.maxRun();
        }

        @Override
        public int maxPayloadBytes() {
            return inner.maxPayloadBytes();
        }
    }

    private static class ForwardingReceiver implements BrokerReceiver {
        private final BrokerReceiver inner;

        ForwardingReceiver(BrokerReceiver inner) {
            this.inner = inner;
        }

        @Override
        public void start(DeliverySink sink) {
            inner.start(sink);
        }

        @Override
        public void request(int n) {
            inner.request(n);
        }

        @Override
        public void pause() {
            inner.pause();
        }

        @Override
        public void resume() {
            inner.resume();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** A delivery whose give-back is a nack: the defect. */
    private record CountingRelease(BrokerDelivery inner) implements BrokerDelivery {
        @Override
        public Message message() {
            return inner.message();
        }

        @Override
        public int attempt() {
            return inner.attempt();
        }

        @Override
        public String id() {
            return inner.id();
        }

        @Override
        public void ack() {
            inner.ack();
        }

        @Override
        public void nack(java.time.Duration delay) {
            inner.nack(delay);
        }

        @Override
        public void release() {
            inner.nack(java.time.Duration.ZERO);
        }

        @Override
        public void deadLetter(String reason) {
            inner.deadLetter(reason);
        }
    }

    /** Passes every event on but the broker's reachability: the adapter never calls {@code unreachable}. */
    /** The channel's event sink as it is: each defect overrides what it gets wrong. */
    private static class ForwardingEvents implements BrokerEvents {
        private final BrokerEvents inner;

        ForwardingEvents(BrokerEvents inner) {
            this.inner = inner;
        }

        @Override
        public void brokerBlocked(String reason) {
            inner.brokerBlocked(reason);
        }

        @Override
        public void brokerUnblocked() {
            inner.brokerUnblocked();
        }

        @Override
        public void dropped(Message message, DropReason reason) {
            inner.dropped(message, reason);
        }

        @Override
        public void dropped(long count, DropReason reason) {
            inner.dropped(count, reason);
        }

        @Override
        public void unreachable(String cause) {
            inner.unreachable(cause);
        }

        @Override
        public void reachable() {
            inner.reachable();
        }
    }

    /** A return after an outage arms the loss of the next three deliveries. */
    private static final class ReconnectWatch extends ForwardingEvents {
        private final java.util.concurrent.atomic.AtomicInteger loseNext;
        private volatile boolean down;

        ReconnectWatch(BrokerEvents inner, java.util.concurrent.atomic.AtomicInteger loseNext) {
            super(inner);
            this.loseNext = loseNext;
        }

        @Override
        public void unreachable(String cause) {
            down = true;
            super.unreachable(cause);
        }

        @Override
        public void reachable() {
            if (down) {
                down = false;
                loseNext.set(3);
            }
            super.reachable();
        }
    }

    /** Never tells the channel the broker cannot be reached. */
    private static final class DeafEvents extends ForwardingEvents {
        DeafEvents(BrokerEvents inner) {
            super(inner);
        }

        @Override
        public void unreachable(String cause) {
            // swallowed: the defect
        }
    }

    /** Drops without telling the channel. */
    private static final class SilentEvents extends ForwardingEvents {
        SilentEvents(BrokerEvents inner) {
            super(inner);
        }

        @Override
        public void dropped(Message message, DropReason reason) {
            // swallowed: the defect
        }

        @Override
        public void dropped(long count, DropReason reason) {
            // swallowed: the defect
        }
    }
}
