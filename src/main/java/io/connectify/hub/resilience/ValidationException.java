package io.connectify.hub.resilience;

public final class ValidationException extends HubException {

    /** The provider's code for what it refused (Google's error.errors[].reason), or null: the hub's own check. */
    private final String providerReason;

    public ValidationException(String detail) {
        this(detail, null);
    }

    public ValidationException(String detail, String providerReason) {
        super("validation", 400, "Invalid request", detail, null);
        this.providerReason = providerReason;
    }

    /** So a caller acts on the provider's code, not on the wording of the detail. */
    public String providerReason() {
        return providerReason;
    }
}
