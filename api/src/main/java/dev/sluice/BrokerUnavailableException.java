package dev.sluice;

import java.time.Duration;

/** The broker could not be reached within the connect timeout, or refused the connection. */
public class BrokerUnavailableException extends SluiceException {

    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Says what happened in the words a user needs: the connection was refused, or nothing
     * answered within the timeout, or the client's own account when it is neither.
     *
     * @param broker what was being reached, e.g. {@code "Kafka at 127.0.0.1:9092"}
     */
    public static BrokerUnavailableException of(String broker, Duration timeout, Throwable cause) {
        return new BrokerUnavailableException(broker + " " + describe(cause, timeout), cause);
    }

    static String describe(Throwable error, Duration timeout) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.NoRouteToHostException) {
                return "refused the connection: " + words(t);
            }
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.util.concurrent.TimeoutException
                    || t.getClass().getSimpleName().endsWith("TimeoutException")) {
                return "did not answer within " + timeout.toMillis() + " ms";
            }
        }
        return "could not be reached: " + words(error);
    }

    private static String words(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
