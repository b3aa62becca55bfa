package dev.sluice.cli;

import dev.sluice.StrategyMapping;
import dev.sluice.cli.Results.BrokerRun;
import dev.sluice.cli.Results.Sample;
import dev.sluice.cli.Results.Scenario;
import dev.sluice.cli.Results.Status;
import dev.sluice.cli.Results.Timeline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Writes the report folder: {@code report.md}, a self-contained {@code report.html} (inline CSS
 * and SVG charts, nothing fetched) and {@code results.json}, whose field names are stable.
 */
final class Report {

    static final String SCHEMA_VERSION = "1";

    private final List<BrokerRun> runs;
    private final List<dev.sluice.conformance.soak.SoakResult> soaks;
    private final Instant startedAt;
    private final Duration took;
    private final Matrix matrix;

    Report(List<BrokerRun> runs, Instant startedAt, Duration took) {
        this(runs, List.of(), startedAt, took);
    }

    /** A report of check runs and soaks; either list may be empty (a {@code sluice soak} has no check runs). */
    Report(List<BrokerRun> runs, List<dev.sluice.conformance.soak.SoakResult> soaks, Instant startedAt, Duration took) {
        this.runs = runs;
        this.soaks = soaks;
        this.startedAt = startedAt;
        this.took = took;
        this.matrix = new Matrix(runs);
    }

    boolean passed() {
        return runs.stream().allMatch(r -> r.count(Status.FAIL) == 0)
                && soaks.stream().allMatch(dev.sluice.conformance.soak.SoakResult::passed);
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.md"), markdown(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("report.html"), html(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("results.json"), json(), StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- markdown

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append(runs.isEmpty() ? "# Sluice soak report\n\n" : "# Sluice conformance report\n\n");
        md.append("Run ").append(startedAt).append(", ").append(took.toSeconds()).append(" s. ")
                .append(passed() ? "**Every scenario that ran passed.**" : "**Some scenarios failed.**").append("\n\n");
        if (runs.isEmpty()) {
            return md.append(SoakSection.markdown(soaks)).toString();
        }
        md.append("| broker | source | passed | failed | skipped |\n|---|---|---|---|---|\n");
        for (BrokerRun r : runs) {
            if (r.unavailable() != null) {
                md.append("| ").append(r.broker()).append(" | not available: ").append(cellText(r.unavailable())).append(" | | | |\n");
            } else {
                md.append("| ").append(r.broker()).append(" | ").append(cellText(r.source())).append(" | ").append(r.count(Status.PASS))
                        .append(" | ").append(r.count(Status.FAIL)).append(" | ").append(r.count(Status.SKIP)).append(" |\n");
            }
        }
        md.append("\n## Scenario families\n\n| family |");
        matrix.brokers.forEach(b -> md.append(' ').append(b).append(" |"));
        md.append("\n|---|");
        matrix.brokers.forEach(b -> md.append("---|"));
        md.append('\n');
        matrix.cells.forEach((family, row) -> {
            md.append("| ").append(matrix.familyNames.get(family)).append(" |");
            row.forEach(c -> md.append(' ').append(c).append(" |"));
            md.append('\n');
        });
        if (!matrix.notes.isEmpty()) {
            md.append("\n### Notes\n\n");
            for (Matrix.Note n : matrix.notes) {
                md.append(n.number()).append(". ").append(n.status()).append(' ').append(n.broker()).append(" — ")
                        .append(n.scenario()).append(": ").append(n.reason()).append('\n');
            }
        }
        for (BrokerRun r : runs) {
            if (r.unavailable() != null) {
                continue;
            }
            md.append("\n## ").append(r.broker()).append(": how each strategy maps\n\n");
            if (r.mappingError() != null) {
                md.append("Could not read the mapping: ").append(r.mappingError()).append("\n");
                continue;
            }
            md.append("| strategy | mechanism | how |\n|---|---|---|\n");
            for (StrategyMapping m : r.mapping()) {
                md.append("| ").append(m.strategy()).append(" | ").append(m.mechanism()).append(" | ")
                        .append(cellText(m.detail())).append(" |\n");
            }
        }
        if (!runs.isEmpty()) {
            md.append("\nCharts of the pressure scenarios over time are in report.html.\n");
        }
        md.append(SoakSection.markdown(soaks));
        return md.toString();
    }

    private static String cellText(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    // ---------------------------------------------------------------- JSON

    String json() {
        Json j = new Json();
        j.open('{');
        j.field("schemaVersion").string(SCHEMA_VERSION);
        j.field("tool").string(runs.isEmpty() && !soaks.isEmpty() ? "sluice soak" : "sluice check");
        j.field("startedAt").string(startedAt.toString());
        j.field("durationMillis").number(took.toMillis());
        j.field("passed").bool(passed());
        j.field("sampleFields").open('[');
        for (String f : List.of("millis", "buffered", "bufferCapacity", "consumerInFlight", "backlog", "dropped", "paused", "brokerBlocked")) {
            j.string(f);
        }
        j.close(']');
        j.field("brokers").open('[');
        for (BrokerRun r : runs) {
            j.open('{');
            j.field("broker").string(r.broker());
            j.field("available").bool(r.unavailable() == null);
            j.field("unavailableReason").stringOrNull(r.unavailable());
            j.field("source").stringOrNull(r.source());
            j.field("uri").stringOrNull(r.uri());
            j.field("counts").open('{');
            j.field("pass").number(r.count(Status.PASS));
            j.field("fail").number(r.count(Status.FAIL));
            j.field("skip").number(r.count(Status.SKIP));
            j.close('}');
            j.field("scenarios").open('[');
            for (Scenario s : r.scenarios()) {
                j.open('{');
                j.field("familyNumber").number(s.familyNumber());
                j.field("family").string(s.family());
                j.field("scenario").string(s.name());
                j.field("status").string(s.status().name());
                j.field("reason").string(s.reason());
                j.field("durationMillis").number(s.millis());
                j.field("timelines").open('[');
                for (Timeline t : s.timelines()) {
                    j.open('{');
                    j.field("channel").string(t.channel());
                    j.field("samples").open('[');
                    for (Sample p : t.samples()) {
                        j.raw("[" + p.millis() + "," + p.buffered() + "," + p.bufferCapacity() + "," + p.consumerInFlight() + ","
                                + p.backlog() + "," + p.dropped() + "," + p.paused() + "," + p.brokerBlocked() + "]");
                    }
                    j.close(']');
                    j.close('}');
                }
                j.close(']');
                j.close('}');
            }
            j.close(']');
            j.field("mappingError").stringOrNull(r.mappingError());
            j.field("mapping").open('[');
            for (StrategyMapping m : r.mapping()) {
                j.open('{');
                j.field("strategy").string(m.strategy().name());
                j.field("mechanism").string(m.mechanism().name());
                j.field("detail").string(m.detail());
                j.close('}');
            }
            j.close(']');
            j.close('}');
        }
        j.close(']');
        j.field("soaks").open('[');
        for (dev.sluice.conformance.soak.SoakResult r : soaks) {
            j.raw(r.toJson());
        }
        j.close(']');
        j.close('}');
        return j.toString() + "\n";
    }

    // ---------------------------------------------------------------- HTML

    String html() {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sluice conformance report</title>\n<style>")
                .append("body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d232a;max-width:1200px}")
                .append("table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccd3da;padding:4px 8px;text-align:left;vertical-align:top}")
                .append("th{background:#eef1f4}.PASS{background:#dff3e3}.FAIL{background:#f9d9d9}.SKIP{background:#f3efd9}")
                .append(".NATIVE{color:#17692d}.EMULATED{color:#8a5a00}.UNSUPPORTED{color:#a11}")
                .append("figure{display:inline-block;margin:6px 10px 14px 0;vertical-align:top}figcaption{font-size:12px;max-width:640px}")
                .append("svg text{font:11px system-ui,sans-serif}</style></head><body>\n");
        h.append(runs.isEmpty() ? "<h1>Sluice soak report</h1>\n<p>Run " : "<h1>Sluice conformance report</h1>\n<p>Run ").append(esc(startedAt.toString())).append(", ")
                .append(took.toSeconds()).append(" s. <strong>")
                .append(passed() ? "Every scenario that ran passed." : "Some scenarios failed.").append("</strong></p>\n");
        if (runs.isEmpty()) {
            return h.append(SoakSection.html(soaks)).append("</body></html>\n").toString();
        }
        h.append("<table><tr><th>broker</th><th>source</th><th>passed</th><th>failed</th><th>skipped</th></tr>\n");
        for (BrokerRun r : runs) {
            if (r.unavailable() != null) {
                h.append("<tr><td>").append(esc(r.broker())).append("</td><td colspan=\"4\">not available: ")
                        .append(esc(r.unavailable())).append("</td></tr>\n");
            } else {
                h.append("<tr><td>").append(esc(r.broker())).append("</td><td>").append(esc(r.source())).append("</td><td>")
                        .append(r.count(Status.PASS)).append("</td><td>").append(r.count(Status.FAIL)).append("</td><td>")
                        .append(r.count(Status.SKIP)).append("</td></tr>\n");
            }
        }
        h.append("</table>\n<h2>Scenario families</h2>\n<table><tr><th>family</th>");
        matrix.brokers.forEach(b -> h.append("<th>").append(esc(b)).append("</th>"));
        h.append("</tr>\n");
        matrix.cells.forEach((family, row) -> {
            h.append("<tr><td>").append(esc(matrix.familyNames.get(family))).append("</td>");
            for (String c : row) {
                String cls = c.startsWith("FAIL") ? "FAIL" : c.startsWith("SKIP") ? "SKIP" : c.startsWith("PASS") ? "PASS" : "";
                h.append("<td class=\"").append(cls).append("\">").append(esc(c)).append("</td>");
            }
            h.append("</tr>\n");
        });
        h.append("</table>\n");
        if (!matrix.notes.isEmpty()) {
            h.append("<h3>Notes</h3>\n<ol>\n");
            for (Matrix.Note n : matrix.notes) {
                h.append("<li><span class=\"").append(n.status()).append("\">").append(n.status()).append("</span> ")
                        .append(esc(n.broker())).append(" — ").append(esc(n.scenario())).append(": ").append(esc(n.reason())).append("</li>\n");
            }
            h.append("</ol>\n");
        }
        for (BrokerRun r : runs) {
            if (r.unavailable() != null) {
                continue;
            }
            h.append("<h2>").append(esc(r.broker())).append("</h2>\n<h3>How each strategy maps</h3>\n");
            if (r.mappingError() != null) {
                h.append("<p>Could not read the mapping: ").append(esc(r.mappingError())).append("</p>\n");
            } else {
                h.append("<table><tr><th>strategy</th><th>mechanism</th><th>how</th></tr>\n");
                for (StrategyMapping m : r.mapping()) {
                    h.append("<tr><td>").append(m.strategy()).append("</td><td class=\"").append(m.mechanism()).append("\">")
                            .append(m.mechanism()).append("</td><td>").append(esc(m.detail())).append("</td></tr>\n");
                }
                h.append("</table>\n");
            }
            h.append("<h3>Pressure over time</h3>\n");
            int charts = 0;
            for (Scenario s : r.scenarios()) {
                if (!Results.isPressureFamily(s.familyNumber())) {
                    continue;
                }
                for (Timeline t : s.timelines()) {
                    if (t.samples().size() >= 2) {
                        h.append(chart(r.broker(), s, t));
                        charts++;
                    }
                }
            }
            if (charts == 0) {
                h.append("<p>No pressure scenario ran on this broker.</p>\n");
            }
        }
        h.append(SoakSection.html(soaks));
        h.append("</body></html>\n");
        return h.toString();
    }

    private record Series(String label, String color, ToDoubleFunction<Sample> value) {
    }

    private static final List<Series> SERIES = List.of(
            new Series("producer buffer", "#1f77b4", Sample::buffered),
            new Series("consumer in flight", "#2ca02c", Sample::consumerInFlight),
            new Series("broker backlog", "#9467bd", s -> Math.max(0, s.backlog())),
            new Series("dropped (total)", "#d62728", Sample::dropped));

    /** One SVG line chart: each series scaled to its own maximum (shown in the legend); pauses and broker blocks shaded. */
    static String chart(String broker, Scenario s, Timeline t) {
        int w = 640;
        int hgt = 220;
        int left = 40;
        int right = 10;
        int top = 10;
        int bottom = 72;
        double plotW = w - left - right;
        double plotH = hgt - top - bottom;
        List<Sample> samples = t.samples();
        long t0 = samples.get(0).millis();
        double span = Math.max(1, samples.get(samples.size() - 1).millis() - t0);
        StringBuilder svg = new StringBuilder();
        svg.append("<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(hgt)
                .append("\" role=\"img\"><rect x=\"0\" y=\"0\" width=\"").append(w).append("\" height=\"").append(hgt)
                .append("\" fill=\"#fff\"/>");
        // Shade where a consumer was paused (grey) or the broker blocked (red).
        for (int i = 0; i + 1 < samples.size(); i++) {
            Sample a = samples.get(i);
            double x0 = left + (a.millis() - t0) / span * plotW;
            double x1 = left + (samples.get(i + 1).millis() - t0) / span * plotW;
            if (a.brokerBlocked()) {
                svg.append(rect(x0, top, x1 - x0, plotH, "#fbe3e3"));
            } else if (a.paused()) {
                svg.append(rect(x0, top, x1 - x0, plotH, "#eceff2"));
            }
        }
        svg.append("<line x1=\"").append(left).append("\" y1=\"").append(top + plotH).append("\" x2=\"").append(w - right)
                .append("\" y2=\"").append(top + plotH).append("\" stroke=\"#555\"/>");
        svg.append("<line x1=\"").append(left).append("\" y1=\"").append(top).append("\" x2=\"").append(left)
                .append("\" y2=\"").append(top + plotH).append("\" stroke=\"#555\"/>");
        svg.append(text(left, top + plotH + 14, "0 s")).append(text(w - right - 40, top + plotH + 14,
                String.format(Locale.ROOT, "%.1f s", span / 1000)));
        int legendX = left;
        int legendY = hgt - 40;
        for (Series series : SERIES) {
            double max = samples.stream().mapToDouble(series.value()).max().orElse(0);
            StringBuilder points = new StringBuilder();
            for (Sample p : samples) {
                double x = left + (p.millis() - t0) / span * plotW;
                double y = top + plotH - (max <= 0 ? 0 : series.value().applyAsDouble(p) / max * (plotH - 4));
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            svg.append("<polyline fill=\"none\" stroke-width=\"1.6\" stroke=\"").append(series.color()).append("\" points=\"")
                    .append(points.toString().trim()).append("\"/>");
            String label = series.label() + " (max " + (long) max + ")";
            int labelWidth = 24 + label.length() * 6;
            if (legendX + labelWidth > w - right) {
                legendX = left;
                legendY += 16;
            }
            svg.append(rect(legendX, legendY - 9, 10, 10, series.color())).append(text(legendX + 14, legendY, label));
            legendX += labelWidth;
        }
        int shadeY = hgt - 40 + 32;
        svg.append(rect(left, shadeY - 9, 10, 10, "#eceff2")).append(text(left + 14, shadeY, "consumer paused"))
                .append(rect(left + 130, shadeY - 9, 10, 10, "#fbe3e3")).append(text(left + 144, shadeY, "broker blocked"));
        svg.append("</svg><figcaption>").append(esc(broker)).append(" — ").append(esc(s.family())).append(": ")
                .append(esc(s.name())).append(" (").append(s.status()).append(")<br><small>channel ").append(esc(t.channel()))
                .append("; each line scaled to its own maximum</small></figcaption></figure>\n");
        return svg.toString();
    }

    private static String rect(double x, double y, double w, double h, String fill) {
        return String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x, y, Math.max(0.5, w), h, fill);
    }

    private static String text(double x, double y, String s) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s</text>", x, y, esc(s));
    }

    /** @return {@code s} as a JSON string literal, quoted and escaped */
    static String jsonString(String s) {
        return dev.sluice.conformance.results.ResultsFile.quote(s);
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A small JSON writer: commas and escaping done once. */
    private static final class Json {
        private final StringBuilder sb = new StringBuilder();
        private boolean needComma;

        Json open(char c) {
            comma();
            sb.append(c);
            needComma = false;
            return this;
        }

        Json close(char c) {
            sb.append(c);
            needComma = true;
            return this;
        }

        Json field(String name) {
            comma();
            quote(name);
            sb.append(':');
            needComma = false;
            return this;
        }

        Json string(String s) {
            comma();
            quote(s);
            needComma = true;
            return this;
        }

        Json stringOrNull(String s) {
            return s == null ? raw("null") : string(s);
        }

        Json number(long n) {
            return raw(Long.toString(n));
        }

        Json bool(boolean b) {
            return raw(Boolean.toString(b));
        }

        Json raw(String s) {
            comma();
            sb.append(s);
            needComma = true;
            return this;
        }

        private void comma() {
            if (needComma) {
                sb.append(',');
            }
        }

        private void quote(String s) {
            sb.append(jsonString(s));
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
