package io.connectify.hub.resilience;

/** The provider refused the recipient (Twilio 21211: not a valid phone number). */
public final class InvalidRecipientException extends HubException {

    public InvalidRecipientException(String detail) {
        super("invalid-recipient", 422, "Recipient refused by the provider", detail, null);
    }
}
