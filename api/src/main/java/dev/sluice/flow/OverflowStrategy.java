package dev.sluice.flow;

/** What a full {@link BoundedBuffer} does with one more element. */
public enum OverflowStrategy {
    /** Wait for space (up to the caller's timeout); an offer without a timeout is {@code REJECTED}. */
    BLOCK,
    /** Drop the offered element and report it ({@link DropReason#OVERFLOW_NEWEST}). */
    DROP_NEWEST,
    /** Drop the oldest buffered element, keep the offered one. */
    DROP_OLDEST,
    /** Drop one element chosen uniformly among the buffered ones and the offered one. */
    DROP_RANDOM,
    /**
     * Drop the lowest-priority element: the offered one when no buffered element has a lower
     * priority, otherwise the most recently added element of the lowest buffered priority.
     */
    DROP_LOWEST_PRIORITY,
    /** Refuse the offered element ({@code REJECTED}); the caller keeps it; nothing is dropped. */
    FAIL
}
