package io.connectify.hub.booking;

import java.time.Clock;
import java.time.Instant;

import io.connectify.hub.booking.BookingRepository.ConfirmedBooking;
import io.connectify.hub.calendar.PushMetrics;
import org.springframework.stereotype.Component;

/**
 * Writes a flag of {@link CalendarEventRecheck} (its event deleted, or moved where the booking cannot follow) on a
 * confirmed booking: the status reason and the mark for a person (V20, the flag its note), in one transaction, and
 * counted once per booking and case. The re-check writes them, and so does a reschedule whose PATCH finds the event
 * deleted, so that either way a person is told the same, once.
 */
@Component
class CalendarEventFlags {

    /** The longest status reason kept. */
    private static final int REASON_LENGTH = 200;

    private final BookingRepository bookings;
    private final PushMetrics metrics;
    private final Clock clock;

    CalendarEventFlags(BookingRepository bookings, PushMetrics metrics, @BookingClock Clock clock) {
        this.bookings = bookings;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Records {@code flag} as the booking's status reason (a reason it had before, a dispute's, kept after it; another
     * flag replaced) and marks it as needing a person, if it is still as {@code read}; counts it by {@code kind}
     * ("deleted", or a refused move's reason). False when it bore that flag already, or changed meanwhile (no longer
     * confirmed, moved, another reason or change of its event): nothing written, nothing counted.
     */
    boolean flag(ConfirmedBooking read, String flag, String kind) {
        Booking booking = read.booking();
        String old = booking.statusReason();
        if (old != null && old.startsWith(flag)) {
            return false;
        }
        String kept = CalendarEventRecheck.unflagged(old);
        String reason = kept == null ? flag : flag + "; " + kept;
        Instant at = clock.instant();
        boolean[] flagged = {false};
        bookings.withBookingLock(booking.id(), () -> {
            flagged[0] = bookings.reasonOfConfirmed(read, reason.length() <= REASON_LENGTH ? reason
                    : reason.substring(0, REASON_LENGTH), at) && bookings.needsAttention(booking.id(), flag, at);
        });
        if (!flagged[0]) {
            return false;
        }
        if (kind.equals("deleted")) {
            metrics.eventMissing();
        } else {
            metrics.moveLeftToAPerson(kind);
        }
        return true;
    }
}
