package io.connectify.hub.resilience;

/**
 * A queued event handled before the event it follows has been (a Stripe charge.refunded of a booking whose payment
 * event is still on its way): a passing failure, like a provider down. The event is redelivered in place, then
 * stored as a dead letter that is replayed on its own (DeadLetterStore), by which time the other event has come.
 * Not a {@link HubException}: no caller ever sees it.
 */
public class EventOutOfOrderException extends RuntimeException {

    public EventOutOfOrderException(String message) {
        // no stack trace: an expected outcome, logged by the dead-letter channel with its message
        super(message, null, false, false);
    }
}
