package io.connectify.hub.resilience;

public final class ValidationException extends HubException {

    public ValidationException(String detail) {
        super("validation", 400, "Invalid request", detail, null);
    }
}
