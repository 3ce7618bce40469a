package io.connectify.hub.payment;

/** A started payment: the provider, its reference (Checkout Session id, Payrexx gateway id) and the payer's URL. */
public record PaymentLink(String provider, String reference, String url) {
}
