package dev.sluice.cli;

/** A broker named on the command line did not answer; the message is one line naming it. */
final class UnreachableBrokerException extends Exception {

    UnreachableBrokerException(String message, Throwable cause) {
        super(message, cause);
    }
}
