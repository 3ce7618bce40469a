package io.connectify.hub.payment;

import java.util.UUID;

import io.connectify.hub.resilience.ValidationException;

/**
 * Idempotency-Keys for provider POSTs. A booking's payment and refund carry one derived from the booking, so the
 * hub's retries, redeliveries and sweeps never charge or refund twice. A REST caller's request carries the caller's
 * own key (which makes the caller's retries safe), else one of its own that the hub's retries of that request reuse:
 * two requests without a key are two operations, as with Stripe itself. A key derived from the body merged two
 * customers' equal payments into one PaymentIntent (the second was handed the first's client secret) and answered a
 * second partial refund of the same amount with the first.
 */
public final class IdempotencyKeys {

    private IdempotencyKeys() {
    }

    public static String fromCallerOr(String callerKey, String operation) {
        if (callerKey != null && !callerKey.isBlank()) {
            return validated(callerKey);
        }
        return operation + "-" + UUID.randomUUID();
    }

    /** A caller's key as Stripe takes it (up to 255 characters), else 400. */
    public static String validated(String callerKey) {
        if (callerKey == null || !callerKey.matches("[A-Za-z0-9_\\-:.]{1,255}")) {
            throw new ValidationException("Idempotency-Key may hold 1-255 letters, digits and _-:.");
        }
        return callerKey;
    }

    public static String forBooking(String bookingId, String operation) {
        return "booking-" + bookingId + "-" + operation;
    }
}
