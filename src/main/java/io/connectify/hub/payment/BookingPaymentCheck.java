package io.connectify.hub.payment;

import java.util.UUID;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.resilience.ValidationException;
import org.springframework.stereotype.Component;

/**
 * A payment a caller starts through the raw payment endpoints that names a booking of this hub (Stripe metadata
 * {@code bookingId}, Payrexx {@code referenceId}): its webhook then acts on that booking, so it must be the booking's
 * price, amount and currency. Another amount or currency is refused (400 validation) rather than taken from the
 * customer and refunded by the saga (below the price or in another currency) or left for a person to refund (the
 * excess above it). A reference that
 * names no booking of the hub is the caller's own and is not checked.
 */
@Component
public class BookingPaymentCheck {

    private final BookingRepository bookings;

    public BookingPaymentCheck(BookingRepository bookings) {
        this.bookings = bookings;
    }

    /**
     * The booking {@code reference} names, null when it names none; throws {@link ValidationException} when that
     * booking is priced otherwise ({@code field} names the reference).
     */
    public Booking check(String field, String reference, long amount, String currency) {
        Booking booking = booking(reference);
        if (booking != null && (amount != booking.amount() || !booking.currency().equalsIgnoreCase(currency))) {
            throw new ValidationException("'" + field + "' names a booking priced " + booking.amount() + " "
                    + booking.currency() + ": a payment for it must be of that amount and currency");
        }
        return booking;
    }

    private Booking booking(String reference) {
        if (reference == null || reference.isBlank()) {
            return null;
        }
        try {
            return bookings.find(UUID.fromString(reference.strip()).toString()).orElse(null);
        } catch (IllegalArgumentException notAUuid) {
            return null; // the caller's own reference: no booking of this hub
        }
    }
}
