package dev.sluice.kafka;

import java.util.Optional;
import java.util.TreeMap;

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

    /** offset → attempt of every record handed out and not settled (acked, or skipped over) */
    private final TreeMap<Long, Integer> unsettled = new TreeMap<>();
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

    /** The record at {@code offset} goes to the handler. */
    void handed(long offset, int attempt) {
        unsettled.put(offset, attempt);
        handedThrough = Math.max(handedThrough, offset + 1);
        highestAttempt = Math.max(highestAttempt, attempt);
    }

    /** The record was acked (or dead-lettered): it no longer holds the commit back. */
    void settled(long offset) {
        unsettled.remove(offset);
    }

    /** Records up to {@code offset} were skipped (a length limit): they count as done. */
    void skippedTo(long offset) {
        handedThrough = Math.max(handedThrough, offset);
    }

    /** @return the offset that may be committed now, or empty when nothing was handed out yet */
    Optional<Long> commitOffset() {
        if (handedThrough < 0) {
            return Optional.empty();
        }
        return Optional.of(unsettled.isEmpty() ? handedThrough : unsettled.firstKey());
    }

    /** @return the metadata for the next commit */
    String commitMetadata() {
        return MARK + Math.max(handedThrough, priorHandedThrough) + ";a=" + Math.max(highestAttempt, priorAttempt);
    }

    /** @return true when {@link #commitOffset()} or its metadata moved since the last {@link #committed} */
    boolean needsCommit() {
        Optional<Long> offset = commitOffset();
        return offset.isPresent() && (offset.get() != committed || !commitMetadata().equals(committedMetadata));
    }

    void committed(long offset, String metadata) {
        this.committed = offset;
        this.committedMetadata = metadata;
    }

    int unsettledCount() {
        return unsettled.size();
    }

    void revoke() {
        revoked = true;
    }

    boolean revoked() {
        return revoked;
    }
}
