package dev.sluice;

/**
 * The destination already exists with settings other than the ones this channel asks for (a
 * RabbitMQ queue declared with other arguments, {@code PRECONDITION_FAILED}); brokers cannot
 * change them in place. The message shows both.
 */
public class DestinationConflictException extends SluiceException {

    public DestinationConflictException(String destination, String existing, String requested) {
        super("destination '" + destination + "' already exists with " + existing + ", but this channel asks for "
                + requested + "; delete the destination or use the settings it has");
    }
}
