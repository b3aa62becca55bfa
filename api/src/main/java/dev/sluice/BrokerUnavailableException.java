package dev.sluice;

/** The broker could not be reached within the connect timeout, or refused the connection. */
public class BrokerUnavailableException extends SluiceException {

    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
