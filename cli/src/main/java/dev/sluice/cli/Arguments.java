package dev.sluice.cli;

import java.util.List;

/** Reads {@code --name value} and {@code --name=value} arguments one at a time. */
final class Arguments {

    private final List<String> args;
    private int next;
    private String inlineValue;

    Arguments(List<String> args) {
        this.args = args;
    }

    boolean hasNext() {
        return next < args.size();
    }

    /** @return the next option's name; a value written as {@code --name=value} is kept for {@link #value} */
    String next() throws UsageException {
        String arg = args.get(next++);
        inlineValue = null;
        if (!arg.startsWith("--")) {
            throw new UsageException("unexpected argument '" + arg + "'");
        }
        int eq = arg.indexOf('=');
        if (eq > 0) {
            inlineValue = arg.substring(eq + 1);
            return arg.substring(0, eq);
        }
        return arg;
    }

    String value(String name) throws UsageException {
        if (inlineValue != null) {
            return inlineValue;
        }
        if (next >= args.size() || args.get(next).startsWith("--")) {
            throw new UsageException(name + " needs a value");
        }
        return args.get(next++);
    }

    double positiveNumber(String name) throws UsageException {
        String v = value(name);
        try {
            double d = Double.parseDouble(v);
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(name + " '" + v + "' must be a positive number");
    }

    long positiveWhole(String name) throws UsageException {
        String v = value(name);
        try {
            long l = Long.parseLong(v);
            if (l > 0) {
                return l;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(name + " '" + v + "' must be a whole number above 0");
    }
}
