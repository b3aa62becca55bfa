package dev.sluice.kafka;

/**
 * What one member knows about one partition it holds: the records it handed out and not yet
 * settled, and so the offset it may commit, which never passes an unsettled record. Kafka keeps
 * one offset per partition, so at-least-once with records in flight at once means committing
 * only the contiguous settled prefix: {@code min(unsettled)}, or the offset after the last
 * record handed out when nothing is unsettled.
 *
 * <p>The commit also carries, as its metadata, how far records were handed out and their
 * highest attempt: a member that takes the partition over after a crash knows that records below
 * that mark were delivered before, and counts their attempt from there. Used by the poll thread
 * only; an instance ends with the assignment ({@link #revoke()}), and late settlements of its
 * records are ignored: the partition's next owner has them.
 */
final class PartitionTrack {

    private static final String MARK = "sluice:h=";

    /** offsets handed out, ascending, from the first unsettled one: a ring of {@code offsets.length} (a power of two) */
    private long[] offsets = new long[64];
    /** {@code settled[i]}: the record at {@code offsets[i]} was acked, dead-lettered or skipped over */
    private boolean[] settled = new boolean[64];
    private int head;
    private int size;
    private int unsettled;
    /** the offset after the last record handed out or skipped; -1 before any */
    private long handedThrough;
    /** the highest attempt handed out below {@link #handedThrough}, carried in the commit metadata */
    private int highestAttempt;
    /** what earlier owners handed out, from the committed metadata */
    private final long priorHandedThrough;
    private final int priorAttempt;
    private long committed;
    private String committedMetadata;
    private boolean revoked;

    /**
     * @param committedOffset the group's committed offset, or -1 when it has none
     * @param metadata the metadata committed with it, or null
     */
    PartitionTrack(long committedOffset, String metadata) {
        this.committed = committedOffset;
        this.committedMetadata = metadata == null ? "" : metadata;
        long h = -1;
        int a = 0;
        if (metadata != null && metadata.startsWith(MARK)) {
            try {
                int semi = metadata.indexOf(";a=");
                h = Long.parseLong(metadata.substring(MARK.length(), semi));
                a = Integer.parseInt(metadata.substring(semi + 3));
            } catch (RuntimeException e) {
                h = -1; // someone else's metadata: no hint
                a = 0;
            }
        }
        this.priorHandedThrough = h;
        this.priorAttempt = a;
        this.handedThrough = -1;
    }

    /** @return the attempt of the record at {@code offset}: 1, or one more than an earlier owner's hand-out */
    int attemptOf(long offset) {
        return offset < priorHandedThrough ? Math.max(1, priorAttempt) + 1 : 1;
    }

    /** The record at {@code offset} goes to the handler (again, for a retry: it stays unsettled). */
    void handed(long offset, int attempt) {
        if (size == 0 || offset > offsets[index(size - 1)]) {
            append(offset);
        } else {
            int at = find(offset);
            if (at < 0) {
                insert(-at - 1, offset); // below the newest: not met in practice, kept correct
            } else if (settled[index(at)]) {
                settled[index(at)] = false;
                unsettled++;
            }
        }
        handedThrough = Math.max(handedThrough, offset + 1);
        highestAttempt = Math.max(highestAttempt, attempt);
    }

    /** The record was acked (or dead-lettered): it no longer holds the commit back. */
    void settled(long offset) {
        int at = find(offset);
        if (at < 0 || settled[index(at)]) {
            return;
        }
        settled[index(at)] = true;
        unsettled--;
        while (size > 0 && settled[head]) {
            head = (head + 1) & (offsets.length - 1);
            size--;
        }
    }

    private int index(int position) {
        return (head + position) & (offsets.length - 1);
    }

    /** @return the position of {@code offset} in the ring, or {@code -(insertion point) - 1} */
    private int find(long offset) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long o = offsets[index(mid)];
            if (o < offset) {
                lo = mid + 1;
            } else if (o > offset) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -lo - 1;
    }

    private void append(long offset) {
        if (size == offsets.length) {
            grow();
        }
        int i = index(size);
        offsets[i] = offset;
        settled[i] = false;
        size++;
        unsettled++;
    }

    private void insert(int position, long offset) {
        append(offset);
        for (int p = size - 1; p > position; p--) {
            offsets[index(p)] = offsets[index(p - 1)];
            settled[index(p)] = settled[index(p - 1)];
        }
        offsets[index(position)] = offset;
        settled[index(position)] = false;
    }

    private void grow() {
        long[] o = new long[offsets.length * 2];
        boolean[] s = new boolean[o.length];
        for (int p = 0; p < size; p++) {
            o[p] = offsets[index(p)];
            s[p] = settled[index(p)];
        }
        offsets = o;
        settled = s;
        head = 0;
    }

    /** Records up to {@code offset} were skipped (a length limit): they count as done. */
    void skippedTo(long offset) {
        handedThrough = Math.max(handedThrough, offset);
    }

    /** @return the offset that may be committed now, or -1 when nothing was handed out yet */
    long commitOffset() {
        if (handedThrough < 0) {
            return -1;
        }
        return size == 0 ? handedThrough : offsets[head];
    }

    /** @return the metadata for the next commit */
    String commitMetadata() {
        return MARK + Math.max(handedThrough, priorHandedThrough) + ";a=" + Math.max(highestAttempt, priorAttempt);
    }

    /** @return true when {@link #commitOffset()} or its metadata moved since the last {@link #committed} */
    boolean needsCommit() {
        long offset = commitOffset();
        return offset >= 0 && (offset != committed || !commitMetadata().equals(committedMetadata));
    }

    void committed(long offset, String metadata) {
        this.committed = offset;
        this.committedMetadata = metadata;
    }

    int unsettledCount() {
        return unsettled;
    }

    void revoke() {
        revoked = true;
    }

    boolean revoked() {
        return revoked;
    }
}
