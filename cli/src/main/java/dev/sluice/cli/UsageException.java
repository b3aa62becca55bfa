package dev.sluice.cli;

/** Bad arguments: the message names the argument; the command exits with {@link Main#EXIT_USAGE}. */
final class UsageException extends Exception {

    UsageException(String message) {
        super(message);
    }
}
