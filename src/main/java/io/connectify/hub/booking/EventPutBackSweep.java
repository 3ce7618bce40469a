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
import io.connectify.hub.payment.PaymentProperties;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.ProviderException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The sweep booking-retry-event-put-backs: puts back as the booking has it (its summary, busy, status confirmed, its
 * time; one PATCH audited as gcal-patch-event-back) the event of a confirmed booking that a failed change left apart
 * from it when its own put-back failed too (Google down), as recorded on the booking (V41, V43 what it undoes): a
 * cancel's event left "Cancelled: …" and free (mark-cancelled) or perhaps deleted (delete: status confirmed takes it
 * out of Google's bin), by BookingSaga#keepEventBooked or a failed put-back of the calendar re-check; a move's event
 * left at the time the move asked for (BookingSaga#moveBack). It runs with push notifications on or off: before, only
 * the re-check retried a cancel's, and only with push on, so with push off the confirmed booking's slot stayed free in
 * Google for good; a move's and a deleted event's nothing retried or recorded.
 * <p>
 * A put-back is made under a change marker of its own, as the re-check's
 * ({@link BookingRepository#eventChangeBeginsAsRead}), only while the booking is still CONFIRMED and as the sweep read
 * it, no change of its event under way: a cancel made since (its event "Cancelled: …" by its own right) is never
 * undone; a put-back made since by the re-check or a failed cancel clears the record. The record is kept across other
 * changes of the event through the hub (a cancel asked again that Google failed or refused, a reschedule: neither puts
 * the event back), and follows the put-back's change when that fails, its first failure's time kept; it is cleared
 * once the event is put back, gone (404), the booking no longer confirmed, or the appointment over. A put-back still
 * failing after connectify.booking.event-put-back.retry-for is no longer tried: the booking is flagged for a person
 * (needs attention), as the re-check flags an event shown free (a cancel's, mark-cancelled) or deleted (a cancel's,
 * delete), or with its own flag for a move's event left at another time, and the record cleared once the flag is
 * written.
 */
@Component("eventPutBackSweep")
public class EventPutBackSweep {

    private static final Logger log = LoggerFactory.getLogger(EventPutBackSweep.class);

    private final BookingRepository bookings;
    private final GoogleCalendarGateway calendar;
    private final CalendarEventFlags flags;
    private final EventPutBackProperties properties;
    private final PaymentProperties payments;
    private final Duration changeTimeout;
    private final Clock clock;

    EventPutBackSweep(BookingRepository bookings, GoogleCalendarGateway calendar, CalendarEventFlags flags,
                      EventPutBackProperties properties, PaymentProperties payments,
                      EventChangeTimeout changeTimeout, @BookingClock Clock clock) {
        this.bookings = bookings;
        this.calendar = calendar;
        this.flags = flags;
        this.properties = properties;
        this.payments = payments;
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
        // with the recorded put-backs, changes a stopped instance left marked under way (older than EventChangeTimeout)
        Instant stale = now.minus(changeTimeout);
        for (PendingPutBack pending : bookings.eventPutBacksPending(properties.batch(), now, stale)) {
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

    /** Flagged so already (by a sweep or re-check before): flagging it again writes nothing. */
    private static boolean flagged(Booking booking, String flag) {
        return booking.statusReason() != null && booking.statusReason().startsWith(flag);
    }

    /**
     * The flag for a person of a put-back given up, by what it undoes: a move's event at another time; a cancel's
     * event deleted (delete) or "Cancelled: …" and free (mark-cancelled).
     */
    private String flagOf(PendingPutBack pending) {
        if (pending.ofMove()) {
            return CalendarEventRecheck.NOT_MOVED_BACK;
        }
        if (pending.ofStaleChange()) {
            return CalendarEventRecheck.UNSETTLED;
        }
        return payments.deleteCancelledEvents() ? CalendarEventRecheck.DELETED : CalendarEventRecheck.FREE;
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
        // change of its own begun only while the booking is still as read, sets the booking's time as read with its
        // summary, status and transparency: it keeps a move made through the hub and never lands after a cancel
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
        // a stale marker's put-back is tried first: its retry-for counts from its first failure, as any
        if (pending.recorded() && !pending.since().plus(properties.retryFor()).isAfter(now)) {
            // given up: a person makes it busy (or cancels through the hub), as for an event the re-check finds free
            String flag = flagOf(pending);
            if (!flags.flag(read, flag, pending.ofMove() ? "not-moved-back"
                    : pending.ofStaleChange() ? "unsettled" : "deleted") && !flagged(booking, flag)) {
                // the booking changed since it was read (the flag written only on the booking as read): the next
                // sweep reads it again and flags it, or clears the record, as it is then
                log.info("Booking {} changed during the sweep; its flag for a person is left to the next one",
                        booking.id());
                return Outcome.LATER;
            }
            bookings.eventPutBackDone(booking.id(), pending.change());
            if (read.movingSince() != null && !read.eventChangeUnderWay(now, changeTimeout)) {
                // a stopped instance's marker too, or the next sweep would take it up again
                bookings.eventChangeEnds(booking.id(), read.moves());
            }
            log.error("Booking {} needs a person: its calendar event {}, left apart from the booking by a {} that "
                    + "failed, could not be put back since {} and is no longer tried "
                    + "(connectify.booking.event-put-back.retry-for {})", booking.id(), eventId,
                    pending.ofMove() ? "move" : pending.ofStaleChange() ? "change stopped half-way" : "cancel",
                    pending.since(),
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
            // the whole event as the booking has it, its time too: the record may be a failed cancel's (event marked
            // cancelled, or perhaps deleted) or a failed move-back's (event at the time the move asked for)
            if (!calendar.putBack(eventId, booking.summary(), booking.start(), booking.end())) {
                throw new NotFoundException("Google holds the event as deleted");
            }
        } catch (NotFoundException gone) {
            // gone where the hub's own change may have deleted it (a cancel under delete, a change stopped half-way):
            // the confirmed booking has no event, flagged for a person as the re-check flags a deleted one (with push
            // off, nothing else would); under mark-cancelled or after a move, someone else deleted it: the re-check's
            boolean ours = pending.ofStaleChange() || !pending.ofMove() && payments.deleteCancelledEvents();
            boolean flagged = ours && flags.flag(new ConfirmedBooking(booking, change, now),
                    CalendarEventRecheck.DELETED, "deleted");
            bookings.eventChangeEnds(booking.id(), change);
            bookings.eventPutBackDone(booking.id(), change);
            log.info("Booking {}: its calendar event {} is gone: nothing to put back{}", booking.id(), eventId,
                    flagged ? "; flagged for a person" : "");
            return Outcome.CLEARED;
        } catch (RuntimeException failed) {
            bookings.eventChangeEnds(booking.id(), change);
            // the record follows this change (the first failure's time kept), so the next sweep finds it still ours
            bookings.eventPutBackFailed(booking.id(), change, now, pending.from());
            log.warn("Booking {}: its calendar event {}, left apart from the booking by a cancel or move that failed, "
                    + "could not be put back ({}); tried again in {}", booking.id(), eventId,
                    Causes.forLog(failed), properties.interval());
            return failed instanceof ProviderException e && e.kind() != ProviderException.Kind.REJECTED
                    ? Outcome.GOOGLE_DOWN : Outcome.FAILED;
        }
        bookings.eventChangeEnds(booking.id(), change);
        bookings.eventPutBackDone(booking.id(), change);
        log.info("Booking {}: its calendar event {}, left apart from the booking by a cancel or move that failed, is "
                + "put back as the booking has it", booking.id(), eventId);
        return Outcome.PUT_BACK;
    }
}
