package io.connectify.hub.resilience;

public final class InvalidSignatureException extends HubException {

    public InvalidSignatureException(String detail) {
        super("invalid-signature", 400, "Invalid webhook signature", detail, null);
    }
}
