package io.connectify.hub.booking;

import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.connectify.hub.calendar.GoogleCalendarGateway;

/**
 * The availability a saga or booking service built by hand needs: slots checked against {@code bookings}, Google as
 * {@code calendar} answers (a Mockito mock answers every range free).
 */
final class TestAvailability {

    /** Zurich, every day 08:00-18:00 on a 30-minute grid, no buffer, two hours' lead time. */
    static final AvailabilityProperties HOURS = new AvailabilityProperties(ZoneId.of("Europe/Zurich"),
            Arrays.stream(DayOfWeek.values()).collect(Collectors.toMap(Function.identity(),
                    day -> List.of("08:00-18:00"))),
            Duration.ofMinutes(30), Duration.ZERO, Duration.ofHours(2), Duration.ofDays(31));

    /** The booking rules availability keeps: a start at most 365 days ahead, as the hub's default. */
    static final BookingProperties BOOKING = new BookingProperties(Duration.ofMinutes(15), Duration.ofMinutes(1), null,
            Duration.ofMinutes(5), Duration.ofDays(7), 50, Duration.ofDays(21), null, Duration.ofDays(365));

    private TestAvailability() {
    }

    static AvailabilityService on(BookingRepository bookings, GoogleCalendarGateway calendar, Clock clock) {
        return new AvailabilityService(calendar, bookings, new SlotCalculator(HOURS), HOURS, BOOKING, clock);
    }
}
