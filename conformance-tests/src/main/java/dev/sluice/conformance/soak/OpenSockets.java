package dev.sluice.conformance.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * This process's TCP connections to one port — the broker's, or the kit's proxy in front of it —
 * read from {@code /proc/self/fd} and {@code /proc/self/net/tcp*}, so that a soak can tell a
 * connection that a closed channel left open. Only connections to that port count: a broker
 * running in this JVM (in-process Kafka, ElasticMQ) opens and closes its own. Linux only;
 * elsewhere nothing is known.
 */
final class OpenSockets {

    private OpenSockets() {
    }

    /**
     * @return this process's TCP connections whose remote port is {@code port}, each as
     *     "local port -> remote port (state)", or null where the system does not show them
     */
    static Set<String> connectionsTo(int port) {
        Set<String> mine = socketInodes();
        if (mine == null || port <= 0) {
            return null;
        }
        Set<String> out = new TreeSet<>();
        for (String table : List.of("tcp", "tcp6")) {
            for (String[] f : rows(table)) {
                // sl local_address rem_address st ... inode(9)
                if (f.length > 9 && mine.contains(f[9]) && port(f[2]) == port && !f[3].equals("0A")) {
                    out.add("port " + port(f[1]) + " -> " + port + " (tcp state " + f[3] + ", inode " + f[9] + ")");
                }
            }
        }
        return out;
    }

    private static Set<String> socketInodes() {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return null;
        }
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> list = Files.list(fds)) {
            for (Path fd : (Iterable<Path>) list::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed while listed
                }
            }
        } catch (IOException e) {
            return null;
        }
        return inodes;
    }

    private static List<String[]> rows(String table) {
        List<String[]> rows = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/net", table));
            for (String line : lines.subList(1, lines.size())) {
                rows.add(line.trim().split("\\s+"));
            }
        } catch (IOException | RuntimeException e) {
            // not shown on this system
        }
        return rows;
    }

    private static int port(String hexAddress) {
        return Integer.parseInt(hexAddress.substring(hexAddress.lastIndexOf(':') + 1), 16);
    }
}
