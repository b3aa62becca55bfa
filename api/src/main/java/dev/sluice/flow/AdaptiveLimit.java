package dev.sluice.flow;

/**
 * A concurrency limit that moves with what it measures: each settled piece of work reports how
 * long it took, how many were in flight, and whether it met congestion (a failure, a downstream's
 * "retry later"); the limit answers between its floor and its ceiling. Thread-safe: samples are
 * taken under the limit's monitor, the limit is read without it.
 */
public interface AdaptiveLimit {

    /** @return the limit now, between the floor and the ceiling */
    int limit();

    /**
     * Takes one sample.
     *
     * @param rttNanos  how long the work took, from handing out to settling (queueing included)
     * @param inFlight  how many were in flight when it settled, itself included
     * @param congested whether it met congestion (a failure or a "retry later")
     * @return the limit after the sample
     */
    int onSample(long rttNanos, int inFlight, boolean congested);
}
