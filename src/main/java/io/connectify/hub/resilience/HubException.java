package io.connectify.hub.resilience;

/**
 * Root of the hub's typed errors. Routes and beans throw these; {@link ProblemResponder} maps them, in one place,
 * to RFC 9457 problem+json. The message is the problem's {@code detail}: it goes to callers, so it never holds a
 * secret, a key path or a provider's raw response.
 */
public abstract sealed class HubException extends RuntimeException
        permits ValidationException, TimeParseException, CalculationException, BookingConflictException,
        SlotNotBookableException, NoMatchingPriceTierException, NotFoundException, ProviderException,
        PayloadTooLargeException, DuplicateEventException, PaymentDeclinedException, InvalidSignatureException,
        InvalidStateException, InvalidRecipientException, UnauthorizedException, UnavailableException {

    private final String type;
    private final int status;
    private final String title;

    protected HubException(String type, int status, String title, String detail, Throwable cause) {
        // no stack trace: these are expected outcomes, and the cause keeps the provider's one for the logs
        super(detail, cause, false, false);
        this.type = type;
        this.status = status;
        this.title = title;
    }

    /** Stable problem {@code type}: part of the API contract. */
    public String type() {
        return type;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }
}
