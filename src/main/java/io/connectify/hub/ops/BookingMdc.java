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
    public static Scope naming(String bookingId) {
        String before = MDC.get(KEY);
        String stored = BookingIds.ofEvent(bookingId);
        if (stored != null) {
            MDC.put(KEY, stored);
        } else {
            MDC.remove(KEY);
        }
        return new Scope(before);
    }

    /** The lines of one booking; closing it names the one before again (or none). */
    public static final class Scope implements AutoCloseable {

        private final String before;

        private Scope(String before) {
            this.before = before;
        }

        @Override
        public void close() {
            if (before != null) {
                MDC.put(KEY, before);
            } else {
                MDC.remove(KEY);
            }
        }
    }
}
