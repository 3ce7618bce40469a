package io.connectify.hub.booking;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Predicate;

import io.connectify.hub.calendar.GoogleCalendarGateway;
import io.connectify.hub.calendar.TimeRange;
import org.springframework.stereotype.Component;

/**
 * Free slots = working-hour candidates within the maximum advance minus Google's busy ranges minus slots held by
 * bookings.
 */
@Component
public class AvailabilityService {

    private final GoogleCalendarGateway calendar;
    private final BookingRepository bookings;
    private final SlotCalculator slots;
    private final AvailabilityProperties properties;
    private final BookingProperties booking;
    private final Clock clock;

    public AvailabilityService(GoogleCalendarGateway calendar, BookingRepository bookings, SlotCalculator slots,
                               AvailabilityProperties properties, BookingProperties booking,
                               @BookingClock Clock clock) {
        this.calendar = calendar;
        this.bookings = bookings;
        this.slots = slots;
        this.properties = properties;
        this.booking = booking;
        this.clock = clock;
    }

    /**
     * Free slots of {@code duration} in [from, to) as of {@code now}, as GET /availability offers them: a calendar
     * Google cannot read offers none.
     */
    public List<TimeRange> freeSlots(Instant from, Instant to, Duration duration, Instant now) {
        return freeSlots(from, to, duration, now, now, calendar::busy);
    }

    /**
     * The same for a slot to book now: a calendar Google cannot read is 503 provider-unavailable, ask again, not "no
     * free slot". {@code leadNow}: the time the lead time counts from, {@code now} shifted (ASAP); the maximum advance
     * counts from {@code now} itself, as the booking's check does.
     */
    public List<TimeRange> freeSlotsToBook(Instant from, Instant to, Duration duration, Instant leadNow, Instant now) {
        return freeSlots(from, to, duration, leadNow, now, calendar::busyToBook);
    }

    private List<TimeRange> freeSlots(Instant from, Instant to, Duration duration, Instant leadNow, Instant now,
                                      BiFunction<Instant, Instant, List<TimeRange>> calendarBusy) {
        // a start beyond connectify.booking.max-advance is refused as a booking: offered, it was listed (to 9999),
        // asked of Google, and then answered 422 slot-not-bookable
        Predicate<TimeRange> bookable = slot -> BookableStart.withinMaxAdvance(slot.start(), booking, now);
        if (slots.candidateSlots(from, to, duration, leadNow).stream().noneMatch(bookable)) {
            return List.of(); // closed, or too far ahead, the whole range: no need to ask Google
        }
        // busy ranges just outside the range still matter because of the buffer
        Instant busyFrom = from.minus(properties.buffer());
        Instant busyTo = to.plus(properties.buffer());
        List<TimeRange> busy = new ArrayList<>(calendarBusy.apply(busyFrom, busyTo));
        busy.addAll(bookings.activeRanges(busyFrom, busyTo, clock.instant()));
        return slots.freeSlots(from, to, duration, busy, leadNow).stream().filter(bookable).toList();
    }

    /**
     * Whether the calendar has the slot (or its buffer) busy, for a slot to book: asks Google, so never under the slot
     * lock; a calendar Google cannot read is 503 provider-unavailable, neither busy nor free.
     */
    public boolean isBusyInCalendar(TimeRange slot) {
        return slots.conflicts(slot, calendar.busyToBook(slot.start().minus(properties.buffer()),
                slot.end().plus(properties.buffer())));
    }

    /**
     * The same for a payment already made: a calendar Google cannot read is a passing failure (the payment's event
     * is tried again), not a busy slot, which would refund the payment.
     */
    public boolean isBusyInCalendarForPayment(TimeRange slot) {
        return slots.conflicts(slot, calendar.busyIfReadable(slot.start().minus(properties.buffer()),
                slot.end().plus(properties.buffer())));
    }

    /** Whether another booking than {@code exceptId} holds the slot (or its buffer). */
    public boolean isHeld(TimeRange slot, String exceptId) {
        return isHeld(slot, exceptId, clock.instant());
    }

    /** The same, the holds judged at {@code now}: the caller's reading of the bookings' clock. */
    public boolean isHeld(TimeRange slot, String exceptId, Instant now) {
        return slots.conflicts(slot, bookings.activeRanges(slot.start().minus(properties.buffer()),
                slot.end().plus(properties.buffer()), now, exceptId));
    }

    /**
     * Whether another booking took the slot of {@code booking}, whose hold was running when it was read: one that
     * overlaps its time, or one in its buffer put there once its hold had run out (by the database's clock, which
     * dates both: {@link BookingClock}). The buffer alone is no loss: a confirmed booking the calendar re-check
     * followed next to it (the re-check takes no buffer), one reserved with a smaller buffer, is no reason to refund a
     * payment made in time. {@code now}: the caller's reading of the bookings' clock, in the slot lock's transaction.
     */
    public boolean isTakenFromItsHold(Booking booking, Instant now) {
        TimeRange slot = booking.range();
        return slots.conflicts(slot, bookings.rangesTakingHold(slot, slot.start().minus(properties.buffer()),
                slot.end().plus(properties.buffer()), booking.holdExpiresAt(), now, booking.id()));
    }
}
