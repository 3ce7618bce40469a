package io.connectify.hub.payment;

/** A payment page as its provider reports it after closing it: Stripe's session {@code expired}, Payrexx's deleted. */
public record PaymentPage(String provider, String reference, String status) {
}
