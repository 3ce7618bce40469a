package io.connectify.hub.resilience;

public final class PaymentDeclinedException extends HubException {

    public PaymentDeclinedException(String detail) {
        super("payment-declined", 402, "Payment declined", detail, null);
    }
}
