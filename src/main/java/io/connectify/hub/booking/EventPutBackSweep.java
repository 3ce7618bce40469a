package io.connectify.hub.booking;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

import io.connectify.hub.booking.BookingRepository.ConfirmedBooking;
import io.connectify.hub.booking.BookingRepository.PendingPutBack;
import io.connectify.hub.calendar.GoogleCalendarGateway;
import io.connectify.hub.ops.BookingMdc;
import io.connectify.hub.ops.cluster.SingletonLease;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.ProviderException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The sweep booking-retry-event-put-backs: puts back as booked (its summary, busy) the event of a confirmed booking
 * that a failed cancel left "Cancelled: …" and free (mark-cancelled) when its own put-back failed too (Google down),
 * as recorded on the booking (V41: BookingSaga#keepEventBooked, or a failed put-back of the calendar re-check). It runs
 * with push notifications on or off: before, only the re-check retried it, and the re-check runs only with push on,
 * so with push off the confirmed booking's slot stayed free in Google for good.
 * <p>
 * A put-back is made under a change marker of its own, as the re-check's
 * ({@link BookingRepository#eventChangeBeginsAsRead}), only while the booking is still CONFIRMED and as the sweep read
 * it, no change of its event under way: a cancel made since (its event "Cancelled: …" by its own right) is never
 * undone; a put-back made since by the re-check or a failed cancel clears the record. The record is kept across other
 * changes of the event through the hub (a cancel asked again that Google failed or refused, a reschedule: neither puts
 * the event back), and follows the put-back's change when that fails, its first failure's time kept; it is cleared
 * once the event is put back, gone (404), the booking no longer confirmed, or the appointment over. A put-back still
 * failing after connectify.booking.event-put-back.retry-for is no longer tried: the booking is flagged for a person,
 * as the re-check flags an event shown free, and the record cleared once the flag is written.
 */
@Component("eventPutBackSweep")
public class EventPutBackSweep {

    private static final Logger log = LoggerFactory.getLogger(EventPutBackSweep.class);

    private final BookingRepository bookings;
    private final GoogleCalendarGateway calendar;
    private final CalendarEventFlags flags;
    private final EventPutBackProperties properties;
    private final Duration changeTimeout;
    private final Clock clock;

    EventPutBackSweep(BookingRepository bookings, GoogleCalendarGateway calendar, CalendarEventFlags flags,
                      EventPutBackProperties properties, EventChangeTimeout changeTimeout,
                      @BookingClock Clock clock) {
        this.bookings = bookings;
        this.calendar = calendar;
        this.flags = flags;
        this.properties = properties;
        this.changeTimeout = changeTimeout.duration();
        this.clock = clock;
    }

    private enum Outcome { PUT_BACK, CLEARED, LATER, FAILED, GOOGLE_DOWN }

    /**
     * One sweep, of up to connectify.booking.event-put-back.batch bookings, those failing longest first; answers how
     * many events it put back. Google down (5xx, timeout, circuit open, rate limit) ends it: the others would fail
     * alike, and the next sweep tries them.
     */
    public int retry(Exchange run) {
        BooleanSupplier leads = SingletonLease.forRun(run);
        // read once a sweep (DatabaseClock: a statement each); each change of an event reads its own
        Instant now = clock.instant();
        int putBack = 0;
        for (PendingPutBack pending : bookings.eventPutBacksPending(properties.batch())) {
            if (!leads.getAsBoolean()) {
                break;
            }
            // one exchange for many bookings: each one's lines name it
            try (var named = BookingMdc.naming(pending.read().booking().id())) {
                Outcome outcome = retry(pending, now);
                if (outcome == Outcome.PUT_BACK) {
                    putBack++;
                } else if (outcome == Outcome.GOOGLE_DOWN) {
                    break;
                }
            }
        }
        return putBack;
    }

    /** Flagged shown free already (by a sweep or re-check before): flagging it again writes nothing. */
    private static boolean flaggedFree(Booking booking) {
        return booking.statusReason() != null && booking.statusReason().startsWith(CalendarEventRecheck.FREE);
    }

    private Outcome retry(PendingPutBack pending, Instant now) {
        ConfirmedBooking read = pending.read();
        Booking booking = read.booking();
        String eventId = booking.calendarEventId();
        // only a booking no longer confirmed (cancelled since: its event "Cancelled: …" by its own right) or with no
        // event is no longer the sweep's. A change of its event begun since the put-back failed is not enough: move_count
        // rises too for a cancel asked again that Google failed or refused, or the circuit kept from Google, and for a
        // reschedule, whose PATCH moves the event but leaves it "Cancelled: …" and free; before, the record was
        // cleared then and, push off, the confirmed booking's event stayed free for good. The put-back below, under a
        // change of its own begun only while the booking is still as read, sets summary, status and transparency
        // only: it neither undoes a move nor lands after a cancel
        if (booking.status() != BookingStatus.CONFIRMED || eventId == null) {
            bookings.eventPutBackDone(booking.id(), pending.change());
            log.info("Booking {}: its calendar event is no longer put back by the sweep: the booking is {}",
                    booking.id(), booking.status());
            return Outcome.CLEARED;
        }
        if (!booking.range().end().isAfter(now)) {
            bookings.eventPutBackDone(booking.id(), pending.change());
            log.info("Booking {}: its appointment is over; its calendar event {} is no longer put back", booking.id(),
                    eventId);
            return Outcome.CLEARED;
        }
        if (!pending.since().plus(properties.retryFor()).isAfter(now)) {
            // given up: a person makes it busy (or cancels through the hub), as for an event the re-check finds free
            if (!flags.flag(read, CalendarEventRecheck.FREE, "deleted") && !flaggedFree(booking)) {
                // the booking changed since it was read (the flag written only on the booking as read): the next
                // sweep reads it again and flags it, or clears the record, as it is then
                log.info("Booking {} changed during the sweep; its flag for a person is left to the next one",
                        booking.id());
                return Outcome.LATER;
            }
            bookings.eventPutBackDone(booking.id(), pending.change());
            log.error("Booking {} needs a person: its calendar event {}, left \"Cancelled: …\" and free by a cancel "
                    + "that failed, could not be put back as booked since {} and is no longer tried "
                    + "(connectify.booking.event-put-back.retry-for {})", booking.id(), eventId, pending.since(),
                    properties.retryFor());
            return Outcome.CLEARED;
        }
        if (read.eventChangeUnderWay(now, changeTimeout)) {
            log.info("Booking {} is being moved or cancelled through the hub; its calendar event is put back by a "
                    + "later sweep, if still the hub's to put back", booking.id());
            return Outcome.LATER;
        }
        Integer change = bookings.eventChangeBeginsAsRead(read, clock.instant(), changeTimeout);
        if (change == null) {
            log.info("Booking {} changed during the sweep; its calendar event is left to the next one", booking.id());
            return Outcome.LATER;
        }
        try {
            calendar.keepAsBooked(eventId, booking.summary());
        } catch (NotFoundException gone) {
            bookings.eventChangeEnds(booking.id(), change);
            bookings.eventPutBackDone(booking.id(), change);
            log.info("Booking {}: its calendar event {} is gone: nothing to put back", booking.id(), eventId);
            return Outcome.CLEARED;
        } catch (RuntimeException failed) {
            bookings.eventChangeEnds(booking.id(), change);
            // the record follows this change (the first failure's time kept), so the next sweep finds it still ours
            bookings.eventPutBackFailed(booking.id(), change, now);
            log.warn("Booking {}: its calendar event {}, left \"Cancelled: …\" and free by a cancel that failed, could "
                    + "not be put back as booked ({}); tried again in {}", booking.id(), eventId,
                    Causes.forLog(failed), properties.interval());
            return failed instanceof ProviderException e && e.kind() != ProviderException.Kind.REJECTED
                    ? Outcome.GOOGLE_DOWN : Outcome.FAILED;
        }
        bookings.eventChangeEnds(booking.id(), change);
        bookings.eventPutBackDone(booking.id(), change);
        log.info("Booking {}: its calendar event {}, left \"Cancelled: …\" and free by a cancel that failed, is put "
                + "back as booked", booking.id(), eventId);
        return Outcome.PUT_BACK;
    }
}
