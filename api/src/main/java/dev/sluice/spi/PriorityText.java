package dev.sluice.spi;

import dev.sluice.Message;
import java.util.OptionalInt;

/**
 * A priority as adapters carry it on the wire: decimal text from 0 to {@value Message#MAX_PRIORITY}.
 * Reading one never throws; what is not such a number is empty, for the adapter to report the
 * message as malformed.
 */
public final class PriorityText {

    private PriorityText() {
    }

    /** @return the priority the text says, or empty when it is not a number from 0 to 255 */
    public static OptionalInt parse(String text) {
        if (text == null) {
            return OptionalInt.empty();
        }
        try {
            int p = Integer.parseInt(text.trim());
            return p >= 0 && p <= Message.MAX_PRIORITY ? OptionalInt.of(p) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }
}
