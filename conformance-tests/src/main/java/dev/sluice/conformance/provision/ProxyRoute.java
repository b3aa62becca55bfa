package dev.sluice.conformance.provision;

/**
 * How a fault proxy stands between the kit and a broker that tells its clients where to connect
 * (Kafka's advertised listeners): the broker advertises {@code listenPort} on one of its
 * listeners, which itself listens on {@code targetPort}; a proxy listening on {@code listenPort}
 * and forwarding to {@code targetPort} then carries every connection its clients make, not only
 * the first.
 *
 * @param listenPort the loopback port the proxy must listen on
 * @param targetPort the broker's port the proxy forwards to
 */
public record ProxyRoute(int listenPort, int targetPort) {
}
