package dev.sluice.cli;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Upserts figures into a benchmarks-style results file ({@code benchmarks/results.json}): a JSON
 * array of flat objects, one a line, {@code {"benchmark", "case", "metric", "value", "target",
 * "date"}}, keyed by benchmark + case + metric. The same shape as the benchmarks module's
 * {@code ResultsFile}, which the command line cannot depend on (it is not published); a file with
 * a line of any other shape is refused, never rewritten.
 */
final class ResultsEntries {

    /** One figure: a metric, its value, and what it is held against (or null). */
    record Figure(String metric, double value, String target) {
    }

    private static final Pattern KEY = Pattern.compile(
            "\\{\"benchmark\": (\"(?:[^\"\\\\]|\\\\.)*\"), \"case\": (\"(?:[^\"\\\\]|\\\\.)*\"), \"metric\": (\"(?:[^\"\\\\]|\\\\.)*\"),.*");

    private ResultsEntries() {
    }

    static synchronized void upsert(Path file, String benchmark, String caseName, List<Figure> figures) throws IOException {
        Map<String, String> lines = new LinkedHashMap<>();
        if (Files.exists(file)) {
            for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String line = raw.strip();
                if (line.endsWith(",")) {
                    line = line.substring(0, line.length() - 1);
                }
                if (line.isEmpty() || line.equals("[") || line.equals("]")) {
                    continue;
                }
                Matcher m = KEY.matcher(line);
                if (m.matches()) {
                    lines.put(m.group(1) + m.group(2) + m.group(3), line);
                } else {
                    throw new IOException(file + " is not a benchmarks results file (one flat object a line); refusing to rewrite it: "
                            + (line.length() > 80 ? line.substring(0, 80) + "..." : line));
                }
            }
        }
        String date = System.getProperty("sluice.results.date", LocalDate.now().toString());
        for (Figure f : figures) {
            String b = Report.jsonString(benchmark);
            String c = Report.jsonString(caseName);
            String m = Report.jsonString(f.metric());
            lines.put(b + c + m, "{\"benchmark\": " + b + ", \"case\": " + c + ", \"metric\": " + m + ", \"value\": "
                    + number(f.value()) + ", \"target\": " + (f.target() == null ? "null" : Report.jsonString(f.target()))
                    + ", \"date\": " + Report.jsonString(date) + "}");
        }
        List<String> all = new ArrayList<>(lines.values());
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < all.size(); i++) {
            sb.append("  ").append(all.get(i)).append(i + 1 < all.size() ? ",\n" : "\n");
        }
        sb.append("]\n");
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "results", ".json.tmp");
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Six significant digits, plain notation, as the benchmarks write them. */
    private static String number(double d) {
        return new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }
}
