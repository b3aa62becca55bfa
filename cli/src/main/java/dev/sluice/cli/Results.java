package dev.sluice.cli;

import dev.sluice.StrategyMapping;
import java.util.List;

/** What {@code sluice check} found, as the reports show it. */
final class Results {

    private Results() {
    }

    enum Status { PASS, FAIL, SKIP }

    /** One point of a channel's state during a scenario. */
    record Sample(long millis, int buffered, int bufferCapacity, int consumerInFlight, long backlog, long dropped,
                  boolean paused, boolean brokerBlocked) {
    }

    /** What one channel of a scenario did over time. */
    record Timeline(String channel, List<Sample> samples) {
    }

    /** One scenario on one broker. */
    record Scenario(int familyNumber, String family, String name, Status status, String reason, long millis,
                    List<Timeline> timelines) {
    }

    /**
     * One broker's run: how it was obtained, every scenario, and how each strategy maps onto it.
     *
     * @param unavailable why the broker could not be had (then nothing ran), or null
     */
    record BrokerRun(String broker, String source, String uri, List<Scenario> scenarios, List<StrategyMapping> mapping,
                     String mappingError, String unavailable) {

        long count(Status status) {
            return scenarios.stream().filter(s -> s.status() == status).count();
        }
    }

    /** The scenario families in catalogue order with the first number of each display name. */
    static int familyNumber(String family) {
        int i = 0;
        while (i < family.length() && Character.isDigit(family.charAt(i))) {
            i++;
        }
        return i == 0 ? Integer.MAX_VALUE : Integer.parseInt(family.substring(0, i));
    }

    /** The families whose charts the HTML report draws: where the pressure shows over time. */
    static boolean isPressureFamily(int number) {
        return switch (number) {
            case 2, 3, 4, 6, 7, 14, 15 -> true;
            default -> false;
        };
    }
}
