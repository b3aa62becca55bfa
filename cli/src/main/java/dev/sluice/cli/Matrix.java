package dev.sluice.cli;

import dev.sluice.cli.Results.BrokerRun;
import dev.sluice.cli.Results.Scenario;
import dev.sluice.cli.Results.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The families × brokers matrix: a cell is PASS when every scenario of the family passed, FAIL
 * when one failed, SKIP when every one was skipped, and {@code PASS (n skipped)} in between;
 * every skip and failure gets a numbered note with its reason.
 */
final class Matrix {

    /** One note: which broker and scenario, and why. */
    record Note(int number, String broker, String scenario, Status status, String reason) {
    }

    final List<String> brokers = new ArrayList<>();
    /** family → cells in broker order */
    final TreeMap<Integer, String> familyNames = new TreeMap<>();
    final TreeMap<Integer, List<String>> cells = new TreeMap<>();
    final List<Note> notes = new ArrayList<>();

    Matrix(List<BrokerRun> runs) {
        for (BrokerRun run : runs) {
            if (run.unavailable() == null) {
                brokers.add(run.broker());
                for (Scenario s : run.scenarios()) {
                    familyNames.putIfAbsent(s.familyNumber(), s.family());
                }
            }
        }
        for (Integer family : familyNames.keySet()) {
            List<String> row = new ArrayList<>();
            for (BrokerRun run : runs) {
                if (run.unavailable() == null) {
                    row.add(cell(run, family));
                }
            }
            cells.put(family, row);
        }
    }

    private String cell(BrokerRun run, int family) {
        List<Scenario> in = run.scenarios().stream().filter(s -> s.familyNumber() == family).toList();
        if (in.isEmpty()) {
            return "-";
        }
        long failed = in.stream().filter(s -> s.status() == Status.FAIL).count();
        long skipped = in.stream().filter(s -> s.status() == Status.SKIP).count();
        StringBuilder refs = new StringBuilder();
        for (Scenario s : in) {
            if (s.status() != Status.PASS) {
                Note n = new Note(notes.size() + 1, run.broker(), s.name(), s.status(), s.reason());
                notes.add(n);
                refs.append(" [").append(n.number()).append(']');
            }
        }
        String word;
        if (failed > 0) {
            word = "FAIL";
        } else if (skipped == in.size()) {
            word = "SKIP";
        } else if (skipped > 0) {
            word = "PASS (" + skipped + " skipped)";
        } else {
            word = "PASS";
        }
        return word + refs;
    }

    /** @return the matrix as fixed-width text for the terminal */
    String text() {
        int first = Math.max(6, familyNames.values().stream().mapToInt(String::length).max().orElse(6));
        List<Integer> widths = new ArrayList<>();
        for (int b = 0; b < brokers.size(); b++) {
            int w = brokers.get(b).length();
            for (List<String> row : cells.values()) {
                w = Math.max(w, row.get(b).length());
            }
            widths.add(w);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(pad("family", first));
        for (int b = 0; b < brokers.size(); b++) {
            sb.append("  ").append(pad(brokers.get(b), widths.get(b)));
        }
        sb.append('\n');
        cells.forEach((family, row) -> {
            sb.append(pad(familyNames.get(family), first));
            for (int b = 0; b < row.size(); b++) {
                sb.append("  ").append(pad(row.get(b), widths.get(b)));
            }
            sb.append('\n');
        });
        return sb.toString().replaceAll(" +\n", "\n");
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
