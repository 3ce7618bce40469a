package io.connectify.hub.booking;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

import io.connectify.hub.resilience.SlotNotBookableException;

/**
 * The rule a new booking's start and a reschedule's new start both keep: no further ahead than
 * {@code connectify.booking.max-advance}, in working hours, on the slot grid, and at least the minimum lead time
 * ahead. Anything else is 422 {@code slot-not-bookable}. GET /availability and ASAP offer only starts within the
 * maximum advance by the same {@link #withinMaxAdvance}, so that no slot offered is refused for it.
 */
final class BookableStart {

    private BookableStart() {
    }

    static void require(SlotCalculator slots, AvailabilityProperties hours, BookingProperties booking,
                        OffsetDateTime start, Duration duration, Instant now) {
        if (!withinMaxAdvance(start.toInstant(), booking, now)) {
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

    /**
     * Whether {@code start} lies at most {@code connectify.booking.max-advance} after {@code now}, the end included.
     * {@code now} in whole seconds, as bookings and reschedules read the bookings' clock: availability, which reads
     * it with its fraction, offers no start a booking at that same time would refuse.
     */
    static boolean withinMaxAdvance(Instant start, BookingProperties booking, Instant now) {
        return !start.isAfter(now.truncatedTo(ChronoUnit.SECONDS).plus(booking.maxAdvance()));
    }

    /** The start as it was asked for, a fraction of a second included: 09:00:00.5 is off the grid, 09:00:00 is not. */
    private static String named(OffsetDateTime start) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(start);
    }

    private static String describe(Duration d) {
        return d.toSeconds() % 86_400 == 0 ? d.toDays() + " days" : d.toMinutes() + " minutes";
    }
}
