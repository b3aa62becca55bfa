package dev.sluice.channel;

/**
 * The consumer's credit: how many deliveries the receiver may still hand over, so that those in
 * flight never exceed the cap and a subscriber never gets more than it asked for.
 *
 * <p>Backpressure is credit withheld, not a pause of the receiver: at the pause threshold the
 * ledger stops granting, and at the resume threshold it grants again (hysteresis). What was
 * already granted still arrives, and stays within the cap. Credit goes back to the receiver in
 * runs: while the receiver still holds credit, less than a run is not worth a call.
 *
 * <p>All figures are guarded by this object's monitor; the backpressure callbacks run while it is
 * held, so the events they fire arrive in order with the figures that caused them.
 */
final class CreditLedger {

    /** Told while the ledger is locked; must not call back into it or block. */
    interface Backpressure {
        void taken();

        void released();
    }

    private int cap;
    private int pauseThreshold;
    private int resumeThreshold;
    private final int run;
    private final Backpressure backpressure;

    private int inFlight;
    private long outstanding;
    /** Asked for by a subscriber and not yet signalled; {@code Long.MAX_VALUE} when unbounded. */
    private long demand;
    /** Received and not yet signalled to a subscriber. */
    private int waiting;
    private boolean withheld;
    private boolean stopped;

    /**
     * @param run the smallest grant worth a call while the receiver still holds credit
     */
    CreditLedger(int cap, int pauseThreshold, int resumeThreshold, int run, Backpressure backpressure) {
        this.cap = cap;
        this.pauseThreshold = pauseThreshold;
        this.resumeThreshold = resumeThreshold;
        this.run = Math.max(1, run);
        this.backpressure = backpressure;
    }

    /**
     * An adaptive cap moved. New credit follows the new cap at once; credit granted before a
     * decrease still arrives (it cannot be taken back from the broker), so in flight may exceed a
     * lowered cap by what was outstanding, and never exceeds the highest cap granted against.
     */
    synchronized void resize(int cap, int pauseThreshold, int resumeThreshold) {
        this.cap = cap;
        this.pauseThreshold = pauseThreshold;
        this.resumeThreshold = resumeThreshold;
        if (!withheld && inFlight >= pauseThreshold) {
            withheld = true;
            backpressure.taken();
        } else if (withheld && inFlight <= resumeThreshold) {
            withheld = false;
            backpressure.released();
        }
    }

    synchronized int cap() {
        return cap;
    }

    /** Handler mode: no subscriber bounds the credit. */
    synchronized void unbounded() {
        demand = Long.MAX_VALUE;
    }

    /** A subscriber asked for {@code n} more. */
    synchronized void demand(long n) {
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
    }

    /** No more credit, ever (closing, or the subscriber cancelled). */
    synchronized void stop() {
        stopped = true;
    }

    /**
     * Takes the credit the cap, the demand and the backpressure allow now.
     *
     * @return how many more deliveries to request from the receiver, 0 for none
     */
    synchronized int take() {
        if (stopped || withheld) {
            return 0;
        }
        long capRoom = cap - inFlight - outstanding;
        long demandRoom = demand == Long.MAX_VALUE ? Long.MAX_VALUE : demand - waiting - outstanding;
        long n = Math.min(capRoom, demandRoom);
        if (n <= 0 || (n < run && n == capRoom && outstanding > 0)) {
            return 0;
        }
        outstanding += n;
        return (int) n;
    }

    /** The receiver handed one over. */
    synchronized void delivered(boolean toSubscriber) {
        delivered(1, toSubscriber);
    }

    /** The receiver handed a run of {@code n} over. */
    synchronized void delivered(int n, boolean toSubscriber) {
        outstanding = Math.max(0, outstanding - n);
        inFlight += n;
        if (toSubscriber) {
            waiting += n;
        }
        if (!withheld && inFlight >= pauseThreshold) {
            withheld = true;
            backpressure.taken();
        }
    }

    /**
     * Takes one of the subscriber's demand for a waiting delivery.
     *
     * @return false when the subscriber has asked for nothing more
     */
    synchronized boolean emit() {
        if (demand == 0) {
            return false;
        }
        if (demand != Long.MAX_VALUE) {
            demand--;
        }
        waiting--;
        return true;
    }

    /** One delivery settled; {@code unsignalled} when it went back before a subscriber saw it. */
    synchronized void settled(boolean unsignalled) {
        inFlight--;
        if (unsignalled) {
            waiting--;
        }
        if (withheld && inFlight <= resumeThreshold) {
            withheld = false;
            backpressure.released();
        }
        notifyAll();
    }

    synchronized int inFlight() {
        return inFlight;
    }

    /** Waits until nothing is in flight or the deadline passes; returns early when interrupted. */
    synchronized void awaitIdle(long deadlineNanos) {
        while (inFlight > 0) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
