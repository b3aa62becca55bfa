package dev.sluice.conformance;

/**
 * Scenario sizes, scaled by one system property: {@code -Dsluice.kit.scale=10} runs every
 * scenario with ten times the messages. Small by default, for CI.
 */
public final class KitScale {

    /** The property that scales every scenario. */
    public static final String PROPERTY = "sluice.kit.scale";

    private KitScale() {
    }

    /** @return the factor; 1 unless the property says otherwise */
    public static double factor() {
        String value = System.getProperty(PROPERTY, "1");
        try {
            double f = Double.parseDouble(value);
            if (f > 0 && Double.isFinite(f)) {
                return f;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(PROPERTY + " (" + value + ") must be a positive number");
    }

    /** @return {@code base} times the factor, at least 1 */
    public static int of(int base) {
        return (int) Math.max(1, Math.round(base * factor()));
    }
}
