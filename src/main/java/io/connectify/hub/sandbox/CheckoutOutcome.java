package io.connectify.hub.sandbox;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the payer does on the Stripe simulator's Checkout page ({@code ?outcome=} on the session's URL), each with
 * the event Stripe sends for it: a card paid ({@code paid}, the default: {@code checkout.session.completed}, paid), a
 * card declined ({@code declined}: {@code payment_intent.payment_failed}, the page still open), a delayed method such
 * as a SEPA debit ({@code processing}: {@code checkout.session.completed} with {@code payment_status} unpaid), which
 * later settles ({@code succeeded}: {@code checkout.session.async_payment_succeeded}) or fails for good
 * ({@code failed}: {@code checkout.session.async_payment_failed}), or the page left until it expires
 * ({@code abandoned}: {@code checkout.session.expired}).
 */
enum CheckoutOutcome {
    PAID("Payment of %s completed"),
    DECLINED("Card declined (insufficient funds) for %s: the page stays open, pay again with another card"),
    PROCESSING("Debit of %s is processing: settle it with ?outcome=succeeded or fail it with ?outcome=failed"),
    SUCCEEDED("Debit of %s succeeded"),
    FAILED("Debit of %s failed"),
    ABANDONED("Checkout of %s abandoned: the session expired");

    private final String page;

    CheckoutOutcome(String page) {
        this.page = page;
    }

    /** The outcome a query value names ("paid" when none), null for an unknown one. */
    static CheckoutOutcome of(String value) {
        if (value == null || value.isEmpty()) {
            return PAID;
        }
        return Arrays.stream(values()).filter(o -> o.name().equalsIgnoreCase(value)).findFirst().orElse(null);
    }

    static String choices(String url) {
        return Arrays.stream(values()).map(o -> url + "?outcome=" + o.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
    }

    /**
     * Why the session cannot take this outcome now, as Stripe's page could not (null: it can). An open page takes a
     * payment, a decline or being abandoned; only a debit still processing settles or fails.
     */
    String refusal(ObjectNode session) {
        boolean open = "open".equals(session.path("status").asText());
        boolean processing = "complete".equals(session.path("status").asText())
                && "unpaid".equals(session.path("payment_status").asText());
        return switch (this) {
            case SUCCEEDED, FAILED -> processing ? null : "No debit is processing on this Checkout Session";
            default -> open ? null : "This Checkout Session is no longer active";
        };
    }

    String page(String amount) {
        return page.formatted(amount);
    }
}
