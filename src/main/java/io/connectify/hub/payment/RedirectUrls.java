package io.connectify.hub.payment;

import io.connectify.hub.resilience.ValidationException;

/**
 * Where a payment page sends the customer afterwards: the caller's own URL, else the configured one, whose
 * {@code {bookingId}} is the booking the page is for (also one made through the REST API that names a booking of the
 * hub). A page for no booking cannot use a configured URL that names one: it would send the customer to
 * {@code /booking//paid}.
 */
public final class RedirectUrls {

    /** An absolute http(s) URL without blanks. */
    public static final String HTTP_URL = "https?://[^\\s]+";
    public static final String NOT_HTTP_URL = "must be an http(s) URL";

    private static final String BOOKING = "{bookingId}";

    private RedirectUrls() {
    }

    /** The booking's page of the configured template. */
    public static String forBooking(String template, String bookingId) {
        return template.replace(BOOKING, bookingId);
    }

    /** The caller's URL, else the configured one when it names no booking; {@code field} is what the caller sends. */
    public static String callersOr(String callers, String configured, String field) {
        if (callers != null) {
            return callers;
        }
        if (configured.contains(BOOKING)) {
            throw new ValidationException("'" + field + "' is needed: the configured one is a booking's page, and this"
                    + " payment is for no booking");
        }
        return configured;
    }

    /** The caller's URL, else the configured one for the booking, else none (the provider's own result page). */
    public static String callersOrBookings(String callers, String configured, String bookingId) {
        if (callers != null) {
            return callers;
        }
        if (bookingId != null) {
            return forBooking(configured, bookingId);
        }
        return configured.contains(BOOKING) ? null : configured;
    }
}
