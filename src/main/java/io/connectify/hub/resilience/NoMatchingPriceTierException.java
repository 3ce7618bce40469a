package io.connectify.hub.resilience;

public final class NoMatchingPriceTierException extends HubException {

    public NoMatchingPriceTierException(String detail) {
        super("no-matching-price-tier", 422, "No price tier for this duration", detail, null);
    }
}
