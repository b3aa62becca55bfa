package dev.sluice.cli;

import java.net.URI;
import java.util.List;

/**
 * The arguments of {@code sluice demo}.
 *
 * @param broker the destination's broker (a fresh destination is made on it and removed after)
 * @param strategy the producer's overflow strategy
 * @param count how many messages the producer offers
 * @param consumePerSecond how fast the slow consumer handles them
 */
record DemoOptions(URI broker, String strategy, long count, long consumePerSecond) {

    static final List<String> STRATEGIES = List.of("block", "drop-newest", "drop-oldest", "drop-random");

    static DemoOptions parse(List<String> args) throws UsageException {
        URI broker = null;
        String strategy = "block";
        long count = 2_000;
        long rate = 200;
        Arguments a = new Arguments(args);
        while (a.hasNext()) {
            String name = a.next();
            switch (name) {
                case "--broker" -> broker = CheckOptions.brokerUri(a.value(name));
                case "--strategy" -> {
                    strategy = a.value(name);
                    if (!STRATEGIES.contains(strategy)) {
                        throw new UsageException("--strategy '" + strategy + "' is none of " + String.join(", ", STRATEGIES));
                    }
                }
                case "--count" -> count = a.positiveWhole(name);
                case "--consume-per-second" -> rate = a.positiveWhole(name);
                default -> throw new UsageException("unknown argument '" + name + "' for demo");
            }
        }
        if (broker == null) {
            throw new UsageException("demo needs --broker URI");
        }
        return new DemoOptions(broker, strategy, count, rate);
    }
}
