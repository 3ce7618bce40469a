package io.connectify.hub.booking;

/** PENDING_PAYMENT -> CONFIRMED -> CANCELLED/REFUNDED, or PAYMENT_FAILED, or EXPIRED when the hold runs out. */
public enum BookingStatus {
    PENDING_PAYMENT, CONFIRMED, CANCELLED, REFUNDED, PAYMENT_FAILED, EXPIRED
}
