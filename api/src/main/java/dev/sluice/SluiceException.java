package dev.sluice;

/** A failure talking to a broker (not a bad argument: those are {@link IllegalArgumentException}s). */
public class SluiceException extends RuntimeException {

    public SluiceException(String message) {
        super(message);
    }

    public SluiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
