package io.connectify.hub.booking;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

import io.connectify.hub.resilience.SlotNotBookableException;

/**
 * The rule a new booking's start and a reschedule's new start both keep: no further ahead than
 * {@code connectify.booking.max-advance}, in working hours, on the slot grid, and at least the minimum lead time
 * ahead. Anything else is 422 {@code slot-not-bookable}.
 */
final class BookableStart {

    private BookableStart() {
    }

    static void require(SlotCalculator slots, AvailabilityProperties hours, BookingProperties booking,
                        OffsetDateTime start, Duration duration, Instant now) {
        if (start.toInstant().isAfter(now.plus(booking.maxAdvance()))) {
            // checked first: the grid check steps through every day up to the start
            throw new SlotNotBookableException("The slot starting " + named(start) + " is not bookable: it must start "
                    + "at most " + describe(booking.maxAdvance()) + " ahead");
        }
        if (!slots.isCandidate(start.toInstant(), duration, now)) {
            throw new SlotNotBookableException("The slot starting " + named(start) + " is not bookable: it must lie "
                    + "in working hours, on the slot grid, and at least " + hours.minLeadTime().toMinutes()
                    + " minutes ahead");
        }
    }

    /** The start as it was asked for, a fraction of a second included: 09:00:00.5 is off the grid, 09:00:00 is not. */
    private static String named(OffsetDateTime start) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(start);
    }

    private static String describe(Duration d) {
        return d.toSeconds() % 86_400 == 0 ? d.toDays() + " days" : d.toMinutes() + " minutes";
    }
}
