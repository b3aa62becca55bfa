package dev.sluice.flow;

/** Why an element or message was dropped. Every drop is counted and reported with one of these. */
public enum DropReason {
    /** The buffer was full and the newest (the offered) element was dropped. */
    OVERFLOW_NEWEST,
    /** The buffer was full and its oldest element made room for the offered one. */
    OVERFLOW_OLDEST,
    /** The buffer was full and a randomly chosen element (possibly the offered one) was dropped. */
    OVERFLOW_RANDOM,
    /** The buffer was full and the lowest-priority element (possibly the offered one) was dropped. */
    OVERFLOW_PRIORITY,
    /** A low-priority element was shed because the buffer was above its soft limit. */
    SHED_AT_SOFT_LIMIT,
    /** The broker or the connection failed the send, and every retry failed too. */
    SEND_FAILED,
    /** Still buffered when the channel closed and its close timeout ran out. */
    UNSENT_AT_CLOSE,
    /** The broker trimmed the message to keep the backlog under its maximum length. */
    BACKLOG_TRIMMED,
    /** The broker refused the message because the backlog was at its maximum length. */
    BACKLOG_REJECTED,
    /** The message outlived the backlog's maximum age. */
    BACKLOG_EXPIRED
}
