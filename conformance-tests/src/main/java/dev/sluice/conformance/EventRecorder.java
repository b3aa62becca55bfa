package dev.sluice.conformance;

import dev.sluice.Message;
import dev.sluice.PauseReason;
import dev.sluice.PressureListener;
import dev.sluice.flow.DropReason;
import dev.sluice.flow.PressureLevel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records a channel's pressure events, in order, for scenarios to assert on. Thread-safe. */
public final class EventRecorder implements PressureListener {

    /** Every event as a short line: {@code "level NORMAL->SOFT"}, {@code "paused MANUAL"}. */
    public final List<String> events = new CopyOnWriteArrayList<>();
    /** The payloads of dropped messages, as UTF-8 text. */
    public final List<String> dropped = new CopyOnWriteArrayList<>();
    /** The reasons of the drops, in the same order. */
    public final List<DropReason> dropReasons = new CopyOnWriteArrayList<>();

    @Override
    public void onLevelChanged(PressureLevel from, PressureLevel to) {
        events.add("level " + from + "->" + to);
    }

    @Override
    public void onBrokerBlocked(String reason) {
        events.add("broker blocked");
    }

    @Override
    public void onBrokerUnblocked() {
        events.add("broker unblocked");
    }

    @Override
    public void onPaused(String group, PauseReason reason) {
        events.add("paused " + reason);
    }

    @Override
    public void onResumed(String group, PauseReason reason) {
        events.add("resumed " + reason);
    }

    @Override
    public void onDropped(Message message, DropReason reason) {
        dropped.add(message.payloadAsString());
        dropReasons.add(reason);
    }

    /** @return the recorded events that start with {@code prefix} */
    public List<String> matching(String prefix) {
        return events.stream().filter(e -> e.startsWith(prefix)).toList();
    }
}
