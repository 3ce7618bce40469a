package io.connectify.hub.resilience;

public final class PayloadTooLargeException extends HubException {

    public PayloadTooLargeException(String detail) {
        super("payload-too-large", 413, "Request body too large", detail, null);
    }
}
