package dev.sluice;

import java.util.Objects;

/**
 * How one strategy is carried out on a broker: by the broker's own knob, or emulated by the
 * adapter (and why), or not at all.
 *
 * @param strategy  the strategy
 * @param mechanism native, emulated or unsupported
 * @param detail    the knob with its value ({@code "basic.qos prefetch=200"}) or the reason
 */
public record StrategyMapping(Strategy strategy, Mechanism mechanism, String detail) {

    /** The strategies of the catalogue that a channel can configure. */
    public enum Strategy {
        PULL_BATCH, WAIT_FOR_DATA, IN_FLIGHT_CAP, PAUSE_RESUME, PRODUCER_BLOCK, PRODUCER_DROP,
        RATE_LIMIT, BROKER_PRESSURE, BACKLOG_DROP_OLDEST, BACKLOG_REJECT_NEWEST, BACKLOG_MAX_AGE,
        BACKLOG_SIGNAL, REDELIVERY, GIVE_BACK, DEAD_LETTER, PRIORITY,
        /** What a consumer group is on the broker: independent groups, or one queue every consumer shares. */
        CONSUMER_GROUPS
    }

    /** Who does the work. */
    public enum Mechanism { NATIVE, EMULATED, UNSUPPORTED }

    public StrategyMapping {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(detail, "detail");
    }

    /** @param knob the broker setting used, with its value */
    public static StrategyMapping nativeKnob(Strategy strategy, String knob) {
        return new StrategyMapping(strategy, Mechanism.NATIVE, knob);
    }

    /** @param why why the broker cannot do it and what the adapter does instead */
    public static StrategyMapping emulated(Strategy strategy, String why) {
        return new StrategyMapping(strategy, Mechanism.EMULATED, why);
    }

    public static StrategyMapping unsupported(Strategy strategy, String why) {
        return new StrategyMapping(strategy, Mechanism.UNSUPPORTED, why);
    }

    @Override
    public String toString() {
        return strategy + ": " + (mechanism == Mechanism.NATIVE ? "" : mechanism.name().toLowerCase() + ": ") + detail;
    }
}
