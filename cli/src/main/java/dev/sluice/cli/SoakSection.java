package dev.sluice.cli;

import dev.sluice.conformance.soak.SoakFault;
import dev.sluice.conformance.soak.SoakResult;
import dev.sluice.conformance.soak.SoakResult.Second;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The soak's part of the report: the ledger per broker, and a timeline with each fault marked. */
final class SoakSection {

    private SoakSection() {
    }

    private static final Map<SoakFault, String> FAULT_COLORS = Map.of(
            SoakFault.CUT_CONNECTIONS, "#d62728",
            SoakFault.STALL, "#ff7f0e",
            SoakFault.RESTART, "#8c564b",
            SoakFault.BROKER_PRESSURE, "#e377c2",
            SoakFault.CONSUMER_CRASH, "#17becf",
            SoakFault.CONSUMER_KILL, "#1f3b73");

    static String markdown(List<SoakResult> soaks) {
        if (soaks.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("\n## Soak\n\n");
        md.append("| broker | seed | faults by kind | sent | accepted | handled | lost | dropped (reported / counted) | duplicates total, per fault max / p50 / p99 (cap) | recovery by kind, max (ms) | threads before → after (leaked) | heap before → after (MiB) | ledger |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (SoakResult r : soaks) {
            md.append("| ").append(String.join(" | ", row(r))).append(" |\n");
        }
        for (SoakResult r : soaks) {
            if (!r.passed()) {
                md.append("\n").append(r.broker()).append(" FAILED: ").append(String.join("; ", r.failures())).append('\n');
            }
        }
        md.append("\nThe timeline of each soak is in report.html.\n");
        return md.toString();
    }

    private static List<String> row(SoakResult r) {
        return List.of(r.broker(), Long.toString(r.settings().seed()), r.faultsByKind().toString(), Long.toString(r.count().sent()),
                Long.toString(r.count().accepted()), Long.toString(r.count().handledDistinct()), Long.toString(r.lost()),
                r.count().droppedReports() + " / " + r.pressure().dropped(),
                r.duplicates() + ", " + r.duplicatesMax() + " / " + r.duplicatesPercentile(50) + " / " + r.duplicatesPercentile(99)
                        + " (" + r.settings().duplicateCapPerFault() + ")",
                r.recoveryByKind().toString(),
                r.threadsBefore().all() + " → " + r.threadsAfter().all() + " (ours " + r.threadsBefore().ours() + " → "
                        + r.threadsAfter().ours() + ", leaked " + r.leakedThreads().size() + ")",
                String.format(Locale.ROOT, "%.1f → %.1f", r.heapBeforeBytes() / 1048576.0, r.heapAfterBytes() / 1048576.0),
                r.passed() ? "holds" : "FAILS");
    }

    static String html(List<SoakResult> soaks) {
        if (soaks.isEmpty()) {
            return "";
        }
        StringBuilder h = new StringBuilder("<h2>Soak</h2>\n<p>A producer with the block policy and at-least-once consumers while "
                + "a seeded schedule injects faults; every message carries an id and the ledger checks that nothing accepted "
                + "was lost, every drop was reported, and each fault caused no more duplicates than the cap (every member's "
                + "in-flight cap plus the producer's send window).</p>\n");
        h.append("<table><tr>");
        for (String c : List.of("broker", "seed", "faults by kind", "sent", "accepted", "handled", "lost", "dropped (reported / counted)",
                "duplicates total, per fault max / p50 / p99 (cap)", "recovery by kind, max (ms)", "threads before → after", "heap before → after (MiB)", "ledger")) {
            h.append("<th>").append(Report.esc(c)).append("</th>");
        }
        h.append("</tr>\n");
        for (SoakResult r : soaks) {
            h.append("<tr>");
            List<String> cells = row(r);
            for (int i = 0; i < cells.size(); i++) {
                boolean verdict = i == cells.size() - 1;
                h.append(verdict ? "<td class=\"" + (r.passed() ? "PASS" : "FAIL") + "\">" : "<td>").append(Report.esc(cells.get(i))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        for (SoakResult r : soaks) {
            if (!r.passed()) {
                h.append("<p class=\"FAIL\">").append(Report.esc(r.broker())).append(" failed: ")
                        .append(Report.esc(String.join("; ", r.failures()))).append("</p>\n");
            }
            if (!r.leakedThreads().isEmpty()) {
                h.append("<p>Leaked threads on ").append(Report.esc(r.broker())).append(": ")
                        .append(Report.esc(String.join(", ", r.leakedThreads()))).append("</p>\n");
            }
            if (r.timeline().size() >= 2) {
                h.append(chart(r));
            }
        }
        return h.toString();
    }

    private record Series(String label, String color, ToDoubleFunction<Second> value) {
    }

    private static final List<Series> SERIES = List.of(
            new Series("handled / s", "#1f77b4", Second::handled),
            new Series("consumer in flight", "#2ca02c", Second::inFlight),
            new Series("broker backlog", "#9467bd", s -> Math.max(0, s.backlog())),
            new Series("duplicates / s", "#d62728", Second::duplicates));

    /** The timeline: one point a second per series, each scaled to its own maximum; a vertical line at each fault. */
    static String chart(SoakResult r) {
        int w = 900;
        int hgt = 260;
        int left = 40;
        int right = 10;
        int top = 10;
        int bottom = 90;
        double plotW = w - left - right;
        double plotH = hgt - top - bottom;
        double spanMillis = Math.max(1_000, r.timeline().get(r.timeline().size() - 1).second() * 1000.0);
        StringBuilder svg = new StringBuilder();
        svg.append("<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(hgt)
                .append("\" role=\"img\"><rect x=\"0\" y=\"0\" width=\"").append(w).append("\" height=\"").append(hgt).append("\" fill=\"#fff\"/>");
        for (SoakResult.FaultRecord f : r.faults()) {
            double x0 = left + Math.min(1, f.injectedAtMillis() / spanMillis) * plotW;
            double x1 = left + Math.min(1, f.healedAtMillis() / spanMillis) * plotW;
            String color = FAULT_COLORS.get(f.kind());
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" fill-opacity=\"0.18\"/>",
                    x0, top, Math.max(1.5, x1 - x0), plotH, color));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\">"
                    + "<title>fault %d %s at %.1f s</title></line>", x0, top, x0, top + plotH, color, f.index() + 1, f.kind(), f.injectedAtMillis() / 1000.0));
        }
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#555\"/>", left, top + plotH, w - right, top + plotH));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\" stroke=\"#555\"/>", left, top, left, top + plotH));
        svg.append(text(left, top + plotH + 14, "0 s")).append(text(w - right - 40, top + plotH + 14,
                String.format(Locale.ROOT, "%.0f s", spanMillis / 1000)));
        int legendX = left;
        int legendY = hgt - bottom + 40;
        for (Series s : SERIES) {
            double max = r.timeline().stream().mapToDouble(s.value()).max().orElse(0);
            StringBuilder points = new StringBuilder();
            for (Second p : r.timeline()) {
                double x = left + p.second() * 1000.0 / spanMillis * plotW;
                double y = top + plotH - (max <= 0 ? 0 : s.value().applyAsDouble(p) / max * (plotH - 4));
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            svg.append("<polyline fill=\"none\" stroke-width=\"1.6\" stroke=\"").append(s.color()).append("\" points=\"")
                    .append(points.toString().trim()).append("\"/>");
            String label = s.label() + " (max " + (long) max + ")";
            svg.append(rect(legendX, legendY - 9, s.color())).append(text(legendX + 14, legendY, label));
            legendX += 24 + label.length() * 6;
        }
        legendX = left;
        legendY += 18;
        for (SoakFault k : SoakFault.values()) {
            String label = k.name().toLowerCase(Locale.ROOT).replace('_', ' ');
            svg.append(rect(legendX, legendY - 9, FAULT_COLORS.get(k))).append(text(legendX + 14, legendY, label));
            legendX += 24 + label.length() * 6;
        }
        svg.append("</svg><figcaption>").append(Report.esc(r.broker())).append(" — soak, seed ").append(r.settings().seed()).append(", ")
                .append(r.faults().size()).append(" faults (").append(r.passed() ? "ledger holds" : "LEDGER FAILS")
                .append(")<br><small>one point a second; each line scaled to its own maximum; a fault is a line where it was "
                        + "injected and a band while it was held</small></figcaption></figure>\n");
        return svg.toString();
    }

    private static String rect(double x, double y, String fill) {
        return String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>", x, y, fill);
    }

    private static String text(double x, double y, String s) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s</text>", x, y, Report.esc(s));
    }
}
