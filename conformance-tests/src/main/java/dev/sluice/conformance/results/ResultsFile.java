package dev.sluice.conformance.results;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps {@code benchmarks/results.json} current: the benchmarks call {@link #record} with each
 * figure they produce, and {@code sluice soak} calls {@link #upsert} with a soak's; the entry with
 * the same benchmark, case and metric is replaced (or added). The file is a JSON array of flat objects, one per line:
 * <pre>{"benchmark": "...", "case": "...", "metric": "...", "value": 1.02, "target": "...", "date": "2026-11-30"}</pre>
 *
 * <p>The file is {@code benchmarks/results.json} under the working directory when that folder
 * exists (a run from the repository root), else {@code results.json}; the system property
 * {@code sluice.results} names another file, and {@code sluice.results.date} overrides today's
 * date. Only this flat format is read back (strings, numbers, null); it is not a general JSON
 * parser. Thread-safe within one JVM; the file is replaced atomically.
 */
public final class ResultsFile {

    private static final List<String> KEYS = List.of("benchmark", "case", "metric", "value", "target", "date");

    private ResultsFile() {
    }

    /** The file figures are recorded in. */
    public static Path path() {
        String configured = System.getProperty("sluice.results");
        if (configured != null) {
            return Paths.get(configured);
        }
        return Files.isDirectory(Paths.get("benchmarks")) ? Paths.get("benchmarks", "results.json") : Paths.get("results.json");
    }

    /**
     * One figure of a case: a metric, its value, and what it is held against as text (e.g.
     * {@code ">= 1.00"}), or null.
     */
    public record Figure(String metric, double value, String target) {
        public Figure {
            Objects.requireNonNull(metric, "metric");
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("value (" + value + ") of " + metric + " must be finite");
            }
        }
    }

    /**
     * Upserts one figure in {@link #path()}, keyed by benchmark + case + metric; a file that cannot
     * be written is reported on standard error (a benchmark's run is not lost for it).
     *
     * @param target what the figure is held against, as text (e.g. {@code ">= 1.00"}), or null
     */
    public static void record(String benchmark, String caseName, String metric, double value, String target) {
        Path file = path();
        try {
            upsert(file, benchmark, caseName, List.of(new Figure(metric, value, target)));
        } catch (IOException e) {
            System.err.println("could not record " + benchmark + " / " + caseName + " / " + metric + " in " + file + ": " + e);
        }
    }

    /**
     * Upserts the figures of one case in {@code file}, each keyed by benchmark + case + metric,
     * dated today (or {@code sluice.results.date}); the file is replaced atomically.
     *
     * @throws IOException if the file cannot be read or written, or holds anything but this flat
     *     format (it is then left as it is)
     */
    public static synchronized void upsert(Path file, String benchmark, String caseName, List<Figure> figures) throws IOException {
        Objects.requireNonNull(benchmark, "benchmark");
        Objects.requireNonNull(caseName, "caseName");
        List<Map<String, Object>> entries;
        try {
            entries = Files.exists(file) ? parse(Files.readString(file, StandardCharsets.UTF_8)) : new ArrayList<>();
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not a results file (an array of flat objects); refusing to rewrite it: " + e.getMessage());
        }
        String date = System.getProperty("sluice.results.date", LocalDate.now().toString());
        for (Figure f : figures) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("benchmark", benchmark);
            entry.put("case", caseName);
            entry.put("metric", f.metric());
            entry.put("value", f.value());
            entry.put("target", f.target());
            entry.put("date", date);
            boolean replaced = false;
            for (int i = 0; i < entries.size(); i++) {
                Map<String, Object> e = entries.get(i);
                if (benchmark.equals(e.get("benchmark")) && caseName.equals(e.get("case")) && f.metric().equals(e.get("metric"))) {
                    entries.set(i, entry);
                    replaced = true;
                    break;
                }
            }
            if (!replaced) {
                entries.add(entry);
            }
        }
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "results", ".json.tmp");
        Files.writeString(tmp, format(entries), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String format(List<Map<String, Object>> entries) {
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < entries.size(); i++) {
            sb.append("  {");
            Map<String, Object> e = entries.get(i);
            boolean first = true;
            for (String k : KEYS) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                sb.append(quote(k)).append(": ");
                Object v = e.get(k);
                if (v == null) {
                    sb.append("null");
                } else if (v instanceof Double d) {
                    sb.append(number(d));
                } else {
                    sb.append(quote(v.toString()));
                }
            }
            sb.append(i + 1 < entries.size() ? "},\n" : "}\n");
        }
        return sb.append("]\n").toString();
    }

    /** Six significant digits, plain notation. */
    private static String number(double d) {
        return new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    /** @return {@code s} as a JSON string literal, quoted and escaped; {@code null} unquoted for null */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Reads an array of flat objects whose values are strings, numbers or null. */
    static List<Map<String, Object>> parse(String json) {
        List<Map<String, Object>> out = new ArrayList<>();
        int[] pos = {0};
        skipWs(json, pos);
        if (pos[0] >= json.length()) {
            return out;
        }
        expect(json, pos, '[');
        skipWs(json, pos);
        if (peek(json, pos) == ']') {
            return out;
        }
        while (true) {
            skipWs(json, pos);
            expect(json, pos, '{');
            Map<String, Object> obj = new LinkedHashMap<>();
            skipWs(json, pos);
            if (peek(json, pos) != '}') {
                while (true) {
                    skipWs(json, pos);
                    String key = string(json, pos);
                    skipWs(json, pos);
                    expect(json, pos, ':');
                    skipWs(json, pos);
                    obj.put(key, value(json, pos));
                    skipWs(json, pos);
                    if (peek(json, pos) == ',') {
                        pos[0]++;
                        continue;
                    }
                    break;
                }
            }
            expect(json, pos, '}');
            out.add(obj);
            skipWs(json, pos);
            if (peek(json, pos) == ',') {
                pos[0]++;
                continue;
            }
            expect(json, pos, ']');
            return out;
        }
    }

    private static Object value(String s, int[] pos) {
        char c = peek(s, pos);
        if (c == '"') {
            return string(s, pos);
        }
        int start = pos[0];
        while (pos[0] < s.length() && "+-0123456789.eEnulltrfas".indexOf(s.charAt(pos[0])) >= 0) {
            pos[0]++;
        }
        String token = s.substring(start, pos[0]);
        return switch (token) {
            case "null" -> null;
            case "true", "false" -> token;
            default -> {
                try {
                    yield Double.parseDouble(token);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("results file: bad value (" + token + ") at " + start);
                }
            }
        };
    }

    private static String string(String s, int[] pos) {
        expect(s, pos, '"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = s.charAt(pos[0]++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                char esc = s.charAt(pos[0]++);
                switch (esc) {
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(s.substring(pos[0], pos[0] + 4), 16));
                        pos[0] += 4;
                    }
                    default -> sb.append(esc);
                }
            } else {
                sb.append(c);
            }
        }
    }

    private static char peek(String s, int[] pos) {
        if (pos[0] >= s.length()) {
            throw new IllegalArgumentException("results file: unexpected end");
        }
        return s.charAt(pos[0]);
    }

    private static void expect(String s, int[] pos, char c) {
        if (peek(s, pos) != c) {
            throw new IllegalArgumentException("results file: expected '" + c + "' at " + pos[0] + ", found '" + s.charAt(pos[0]) + "'");
        }
        pos[0]++;
    }

    private static void skipWs(String s, int[] pos) {
        while (pos[0] < s.length() && Character.isWhitespace(s.charAt(pos[0]))) {
            pos[0]++;
        }
    }
}
