package io.connectify.hub.resilience;

public final class CalculationException extends HubException {

    public CalculationException(String detail) {
        super("calculation", 422, "Cannot compute the request", detail, null);
    }
}
