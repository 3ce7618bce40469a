package io.connectify.hub.ops;

import io.connectify.hub.booking.BookingIds;
import org.slf4j.MDC;

/**
 * The booking a log line is about, in the MDC field {@code bookingId}. An exchange gets it from the step that names
 * the booking ({@link BookingMdcUnitOfWork}); a sweep that handles many bookings in one exchange (the refund retries,
 * the hold expiry, the refund watch, the notification recovery, the calendar re-check) names each while it handles it:
 * {@code try (var named = BookingMdc.naming(booking.id())) { ... }}, which gives the MDC back as it found it.
 */
public final class BookingMdc {

    public static final String KEY = "bookingId";

    private BookingMdc() {
    }

    /** The booking this thread's lines are about, as stored, or null. */
    public static String current() {
        return MDC.get(KEY);
    }

    /**
     * This thread's lines name {@code bookingId} (as the hub stores it; a value that is no booking id names none)
     * until the scope is closed, which restores the booking named before.
     */
    public static MdcScope naming(String bookingId) {
        return MdcScope.put(KEY, BookingIds.ofEvent(bookingId));
    }
}
