package io.connectify.hub.booking;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.connectify.hub.booking.BookingRepository.ConfirmedBooking;
import io.connectify.hub.calendar.GoogleCalendarGateway;
import io.connectify.hub.calendar.GoogleCalendarGateway.EventTimes;
import io.connectify.hub.calendar.GoogleCalendarProperties;
import io.connectify.hub.calendar.GoogleCalendarPushProperties;
import io.connectify.hub.calendar.GoogleErrors;
import io.connectify.hub.calendar.PushMetrics;
import io.connectify.hub.calendar.Rfc3339;
import io.connectify.hub.calendar.TimeRange;
import io.connectify.hub.notification.Notification;
import io.connectify.hub.ops.BookingMdc;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.ProviderException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A re-check of the confirmed bookings' calendar events, after Google said the calendar changed (route
 * gcal-recheck-bookings). Every confirmed booking that has not ended is compared, a page at a time, with its event:
 * <ul>
 * <li>moved (another start and end, same length): the booking follows the calendar, as a reschedule does but without
 * patching Google, under the slot lock, and the customer is told (notification "rescheduled"); unless the new time
 * overlaps another booking or hold, or the length changed (the price is the length's): then it stays and its status
 * reason asks a person to act.</li>
 * <li>deleted (404, 410) or cancelled in Google: never cancelled or refunded here (a slip in a calendar must not
 * refund a paid appointment); its status reason says so, for a person to restore the event (the hub moves no event
 * Google has deleted) or cancel the booking through the hub.</li>
 * <li>shown free (transparent), as mark-cancelled keeps a cancelled booking's event: one marked so by the hub
 * ("Cancelled: " and the booking's summary), which a cancel that failed after Google took its PATCH leaves when its
 * put-back failed too, is put back as booked ({@link #putBack}); one set free otherwise (by hand) is flagged likewise,
 * at once.</li>
 * <li>moved to a time already past: flagged, not followed (a slip; the customer is not told).</li>
 * <li>all-day or without times: left alone.</li>
 * </ul>
 * A case is logged and counted once per booking: the status reason remembers it (it keeps a reason the booking had,
 * a dispute's, after the flag), and the booking is marked as needing a person (V20, the flag its note, until a person
 * clears it). An event back at the booking's time clears the flag (not the mark). The events are listed a page
 * of bookings at a time (a few calls, not one per booking, under the rate limit bookings share). Any failure (Google
 * down, circuit open, rate limit, a calendar Google no longer lists: 404, 403) ends the run, counted as failed, with
 * no booking flagged deleted: the next notification, or the periodic re-check
 * (connectify.gcal.push.recheck-interval), runs it again. A run that finds every event missing, for at least
 * connectify.gcal.push.mass-deletion-threshold bookings, flags none either (outcome all-missing).
 * <p>
 * A reschedule through the hub moves the event in Google before it commits the booking's new time, and a cancel
 * removes it before it commits CANCELLED, so for a moment the two differ as after a move or a deletion in Google. A
 * booking whose move or cancel through the hub is under way (for less than EventChangeTimeout) is left to
 * the next re-check, not counted among those compared, and every move and flag is made only if the booking is still as
 * read, no change of its event through the hub begun since: the customer hears of a reschedule once, from the
 * reschedule, and a booking cancelled through the hub is never flagged as deleted in Google.
 */
@Component("calendarEventRecheck")
public class CalendarEventRecheck {

    private static final Logger log = LoggerFactory.getLogger(CalendarEventRecheck.class);
    /** How every status reason a re-check writes begins; none contains "; ", which joins it to a kept reason. */
    static final String FLAG = "calendar event ";
    static final String DELETED = FLAG + "deleted in Google Calendar: restore it there (its bin) or cancel through "
            + "the hub";
    static final String FREE = FLAG + "shown free (transparent) in Google Calendar, as a cancelled booking's: "
            + "make it busy there (and its summary the booking's) or cancel through the hub";
    /** The flag of a booking whose event a failed move left at another time and the sweep could not move back. */
    static final String NOT_MOVED_BACK = FLAG + "left at another time in Google Calendar by a move through the hub "
            + "that failed: move it back to the booking's time or reschedule through the hub";
    /** The flag of a booking whose change through the hub stopped half-way and whose event the sweep could not set. */
    static final String UNSETTLED = FLAG + "maybe not as the booking has it in Google Calendar: a change through the "
            + "hub stopped half-way; check its time and that it is busy there, or cancel or reschedule through the hub";
    private static final String PAST = FLAG + "moved in Google Calendar to %s, a time already past: "
            + "move it back or reschedule through the hub";
    private static final String OVERLAP = FLAG + "moved in Google Calendar to %s, onto another booking: "
            + "move it back or reschedule through the hub";
    private static final String LENGTH = FLAG + "in Google Calendar now %s to %s, another length than booked: "
            + "move it back or reschedule through the hub";

    private final BookingRepository bookings;
    private final BookingSaga saga;
    private final GoogleCalendarGateway calendar;
    private final AvailabilityProperties hours;
    private final PushMetrics metrics;
    private final CalendarEventFlags flags;
    private final int pageSize;
    private final int massDeletionThreshold;
    private final Duration moveTimeout;
    private final Duration recheckInterval;
    private final String calendarId;
    private final Clock clock;

    public CalendarEventRecheck(BookingRepository bookings, BookingSaga saga, GoogleCalendarGateway calendar,
                                AvailabilityProperties hours, GoogleCalendarPushProperties push,
                                GoogleCalendarProperties properties, EventChangeTimeout changeTimeout,
                                PushMetrics metrics, CalendarEventFlags flags, @BookingClock Clock clock) {
        this.bookings = bookings;
        this.saga = saga;
        this.calendar = calendar;
        this.hours = hours;
        this.metrics = metrics;
        this.flags = flags;
        this.pageSize = push.recheckPageSize();
        this.massDeletionThreshold = push.massDeletionThreshold();
        this.moveTimeout = changeTimeout.duration();
        this.recheckInterval = push.recheckInterval();
        this.calendarId = properties.calendarId();
        this.clock = clock;
    }

    /** One re-check of every upcoming confirmed booking; answers how many bookings it looked at. */
    public int recheck() {
        int looked = 0;
        int compared = 0; // looked at but for those being moved or cancelled through the hub
        // deletions are flagged once the whole run has read its events: a run that fails half-way (Google down, the
        // calendar no longer listed) flags none, rather than the bookings of the pages it got through
        List<ConfirmedBooking> missing = new ArrayList<>();
        try {
            // the database's clock read once a run: each reading is a statement (DatabaseClock), and read per booking
            // 1,000 upcoming bookings were 1,000 round trips more each re-check. A run-old now serves both uses: a
            // booking that ended meanwhile is compared once more, harmlessly; and an older now only keeps a change
            // through the hub under way longer (one begun during the run, its moving_since later, is under way), by
            // the run's length against a timeout of minutes. A move or a flag reads its own, as the write it dates
            Instant now = clock.instant();
            // pages in order of start: each page's events are listed over its own short span of time
            Booking after = null;
            Set<String> readIds = new HashSet<>();
            for (List<ConfirmedBooking> page; !(page = bookings.confirmedWithEventEndingAfter(now, after,
                    pageSize)).isEmpty(); after = page.get(page.size() - 1).booking()) {
                // a booking this run moved later than the page it was read in comes again further on: compared once
                List<ConfirmedBooking> unread = page.stream().filter(b -> readIds.add(b.booking().id())).toList();
                if (unread.isEmpty()) {
                    continue;
                }
                Map<String, EventTimes> listed = listed(unread);
                for (ConfirmedBooking read : unread) {
                    // one exchange runs every booking: each one's lines (a move, a flag, its notices) name it
                    try (var named = BookingMdc.naming(read.booking().id())) {
                        if (read.eventChangeUnderWay(now, moveTimeout)) {
                            // a reschedule through the hub: Google may show its new time before the booking does,
                            // and the reschedule itself moves the booking and tells the customer; a cancel through
                            // the hub: Google may have no event while the booking is still confirmed
                            log.info("Booking {} is being moved or cancelled through the hub; its calendar event is "
                                    + "compared by the next re-check", read.booking().id());
                        } else {
                            if (missing(read, listed.get(read.booking().calendarEventId()))) {
                                missing.add(read);
                            }
                            compared++;
                        }
                    }
                    looked++;
                }
            }
            // counted among the missing: only bookings not flagged deleted already, so that events a person deletes
            // one run at a time go on being flagged however many are missing in all
            long newlyMissing = missing.stream().map(ConfirmedBooking::booking)
                    .filter(b -> b.statusReason() == null || !b.statusReason().startsWith(DELETED)).count();
            // (a booking being moved or cancelled is not compared: among the bookings compared, every event missing)
            if (missing.size() == compared && newlyMissing >= massDeletionThreshold) {
                // every event gone at once is a calendar that no longer holds the hub's events (calendar-id
                // changed, another calendar shared), not a person deleting them all: no flag on every booking, a
                // failed run with its own outcome and one error line instead. No move was made: no event was found
                metrics.recheck("all-missing");
                log.error("Re-check found the events of none of the {} upcoming confirmed bookings in Google "
                        + "Calendar {}: it no longer holds the hub's events. Check connectify.gcal.calendar-id and the "
                        + "calendar's sharing with the hub's service account; no booking flagged", looked, calendarId);
                return looked;
            }
            for (ConfirmedBooking read : missing) {
                try (var named = BookingMdc.naming(read.booking().id())) {
                    flag(read, DELETED, "deleted");
                }
            }
        } catch (RuntimeException e) {
            // a failure while reading leaves every deletion found unflagged (the next run finds them again). The one
            // line of a failed run: the thread that runs it (CoalescingRun) says no more
            metrics.recheck("failed");
            log.warn("Re-check of the bookings' calendar events (route gcal-recheck-bookings) failed after {} bookings "
                    + "({}); tried again by the next notification, or by the periodic re-check within {} "
                    + "(connectify.gcal.push.recheck-interval)", looked, Causes.forLog(e), recheckInterval);
            throw e;
        }
        metrics.recheck("completed");
        return looked;
    }

    /**
     * The page's events, listed in a few calls; only one not among them (deleted, or moved out of the page's time
     * span) is read on its own. Google answers 404 for a calendar the hub cannot see (gone, no longer shared, another
     * calendar-id), 403 for one it may not read (its sharing) and 401 for credentials it refuses (the key): each is
     * refused again until someone acts, so that is an error. GoogleErrors has logged what a 401 or 403 asks of a
     * person; this line names the calendar. A key Google's token endpoint refuses fails before any list: GoogleErrors'
     * line, which names the key, is the only error then (the calendar was not asked, so nothing about it was refused).
     */
    private Map<String, EventTimes> listed(List<ConfirmedBooking> page) {
        try {
            return calendar.timesBetween(
                    page.stream().map(b -> b.booking().range().start()).min(Instant::compareTo).orElseThrow(),
                    page.stream().map(b -> b.booking().range().end()).max(Instant::compareTo).orElseThrow());
        } catch (NotFoundException e) {
            log.error("Google Calendar has no calendar {} the hub's service account can see (404 to the list of its "
                    + "events): check connectify.gcal.calendar-id and that the calendar is shared with the service "
                    + "account", calendarId);
            throw e;
        } catch (ProviderException e) {
            if (e.kind() == ProviderException.Kind.REJECTED && !GoogleErrors.keyRefused(e)) {
                log.error("Google Calendar refused to list the events of calendar {} ({})", calendarId,
                        Causes.forLog(e));
            }
            throw e;
        }
    }

    /**
     * Compares a booking with its event and follows or flags a move; answers true when the event is missing (deleted
     * or cancelled), which the run flags once it has read every event.
     */
    private boolean missing(ConfirmedBooking read, EventTimes listed) {
        Booking booking = read.booking();
        EventTimes event;
        try {
            event = listed != null ? listed : calendar.times(booking.calendarEventId());
        } catch (NotFoundException gone) { // 404, or 410 Gone
            return true;
        } catch (ProviderException e) {
            throw e;
        } catch (RuntimeException e) { // Google refused the read of this one event (a 400): the others go on
            log.warn("Calendar event of booking {} not read ({}); left as it is", booking.id(),
                    e.getClass().getSimpleName());
            return false;
        }
        if (event.cancelled()) {
            return true;
        }
        if (event.free()) {
            if (!event.keptAsCancelled(booking.summary())) {
                // a confirmed booking's event shown free, set by hand (or marked by the hub, then renamed): its slot
                // looks free to FreeBusy and a person; before, compared by its times only and never flagged
                flag(read, FREE, "deleted");
                return false;
            }
            // as mark-cancelled keeps a cancelled booking's event: left so by a cancel that failed after Google's
            // PATCH took effect (its answer lost, or its CANCELLED not committed) and whose put-back failed too
            // (BookingSaga#keepEventBooked). Put back now; then compared as the busy event it is
            read = putBack(read);
            if (read == null) {
                return false;
            }
        }
        if (event.start() == null || !event.end().isAfter(event.start())) {
            log.info("Calendar event of booking {} is all-day or has no times; the booking is left as it is",
                    booking.id());
            return false;
        }
        TimeRange now = booking.range();
        TimeRange target = new TimeRange(event.start(), event.end());
        if (target.start().equals(now.start()) && target.end().equals(now.end())) {
            if (flagged(booking.statusReason())) { // the event is back where the booking is
                bookings.reasonOfConfirmed(read, unflagged(booking.statusReason()), clock.instant());
            }
            return false;
        }
        if (!Duration.between(target.start(), target.end()).equals(Duration.between(now.start(), now.end()))) {
            flag(read, LENGTH.formatted(format(target.start()), format(target.end())), "length");
            return false;
        }
        if (!target.start().isAfter(clock.instant())) {
            // a slip (dragged to yesterday): the customer is not told of a time that has passed, and the booking
            // stays among the upcoming ones, so moving the event back clears the flag
            flag(read, PAST.formatted(format(target.start())), "past");
            return false;
        }
        follow(read, target);
        return false;
    }

    /**
     * Puts back as the booking's (its summary, busy) an event that a failed cancel of the confirmed booking left as
     * mark-cancelled keeps a cancelled booking's ("Cancelled: …", free) when its own put-back failed too: the put-back
     * retried, for as long as the event stays so. Under the change marker, as a reschedule's move, taken only while
     * the booking is still as read, no change of its event through the hub begun since: a cancel that succeeded since
     * (its event "Cancelled: …" by its own right) or one under way is never undone, and a cancel or move asked during
     * the PATCH waits for it (409, ask again). Answers the booking as read after its change, to compare further; null
     * when it changed meanwhile (the next re-check sees it) or the PATCH failed: then flagged shown free for a person
     * meanwhile, and tried again by the next run and by the sweep booking-retry-event-put-backs (EventPutBackSweep, the
     * failure recorded for it; whichever puts it back first, the other finds the booking changed); Google down (or its
     * circuit open) ends this run, as a failed read.
     * Before, a re-check only flagged it: the confirmed booking's slot stayed free in Google until a person acted.
     */
    private ConfirmedBooking putBack(ConfirmedBooking read) {
        Booking booking = read.booking();
        Integer change = bookings.eventChangeBeginsAsRead(read, clock.instant(), moveTimeout);
        if (change == null) {
            log.info("Booking {} changed during the re-check; its calendar event, marked cancelled, is left to the "
                    + "next one", booking.id());
            return null;
        }
        ConfirmedBooking changed = new ConfirmedBooking(booking, change, null);
        try {
            calendar.keepAsBooked(booking.calendarEventId(), booking.summary());
        } catch (RuntimeException failed) {
            bookings.eventChangeEnds(booking.id(), change);
            // recorded for the sweep booking-retry-event-put-backs as well (V41), this change its last: whichever of
            // the two puts it back first, the other finds the event changed since and puts nothing back again
            bookings.eventPutBackFailed(booking.id(), change, clock.instant());
            log.warn("Booking {}: its calendar event {}, left \"Cancelled: …\" and free by a cancel that failed, could "
                    + "not be put back as booked ({}); tried again by the next re-check", booking.id(),
                    booking.calendarEventId(), Causes.forLog(failed));
            flag(changed, FREE, "deleted");
            if (failed instanceof ProviderException) {
                throw failed;
            }
            return null;
        }
        bookings.eventChangeEnds(booking.id(), change);
        bookings.eventPutBackDone(booking.id(), change); // the sweep's record, if any: nothing left to put back
        log.info("Booking {}: its calendar event {}, left \"Cancelled: …\" and free by a cancel that failed, is put "
                + "back as booked", booking.id(), booking.calendarEventId());
        return changed;
    }

    /**
     * The booking moves to the event's time under the slot lock, unless another booking or hold is there; its notices,
     * logged as queued in that transaction, go to the broker once it has committed. A move whose transaction fails only
     * after the database's commit ({@link DatabaseCommit}), or whose notices the broker then does not take, is made:
     * counted and logged as moved, with a WARN that the notification recovery sweep queues its notices.
     */
    private void follow(ConfirmedBooking read, TimeRange target) {
        Booking booking = read.booking();
        Instant at = clock.instant();
        DatabaseCommit move = new DatabaseCommit();
        List<Notification> notices = new ArrayList<>();
        String outcome;
        try {
            outcome = follow(read, target, at, move, notices);
        } catch (RuntimeException failed) {
            if (!move.committed()) {
                throw failed;
            }
            // only what follows the database's commit failed: the booking follows its event (made, not to be undone
            // or counted as a failed run), its notices logged as queued for the notification recovery sweep; the run
            // goes on with the other bookings
            saga.noticesNotQueued(booking.id(), "follows its calendar event to " + format(target.start()), failed);
            outcome = "moved";
        }
        switch (outcome) {
            case "moved" -> {
                // queued once the move has committed, the slot lock released (a broker failing now: the sweep's)
                saga.queueMoved(booking.id(), notices, "follows its calendar event to " + format(target.start()));
                metrics.bookingMoved();
                log.info("Booking {} follows its calendar event, moved in Google Calendar from {} to {}", booking.id(),
                        format(booking.range().start()), format(target.start()));
            }
            case "overlap" -> flag(read, OVERLAP.formatted(format(target.start())), "overlap");
            default -> log.info("Booking {} changed during the re-check; left to the next one", booking.id());
        }
    }

    /**
     * {@link #follow}'s transaction under the slot lock, {@code move} watching it; answers its outcome, the move's
     * notices logged as queued in it added to {@code notices}.
     */
    private String follow(ConfirmedBooking read, TimeRange target, Instant at, DatabaseCommit move,
                          List<Notification> notices) {
        Booking booking = read.booking();
        return bookings.withSlotLock(() -> {
            move.watch();
            // no buffer here: the calendar's owner chose the time, and only a double booking is refused
            if (!bookings.activeRanges(target.start(), target.end(), at, booking.id()).isEmpty()) {
                return "overlap";
            }
            if (!bookings.moveConfirmed(read, target, unflagged(booking.statusReason()), at)) {
                // cancelled, moved (through the hub, or by another re-check) or given another reason meanwhile: the
                // next re-check sees it
                return "changed";
            }
            // logged in the move's transaction, as a reschedule: the customer hears of every move made, and of no
            // other; queued once it has committed, the slot lock released
            notices.addAll(saga.logMoved(booking.id(), target, at));
            return "moved";
        });
    }

    /**
     * Records {@code flag} as the booking's status reason and marks the booking as needing a person, the flag its note,
     * logging and counting it once per booking and case ({@link CalendarEventFlags}): an event back at the booking's
     * time clears the flag, never the mark, which a person clears.
     */
    private void flag(ConfirmedBooking read, String flag, String kind) {
        if (!flags.flag(read, flag, kind)) {
            // flagged so already, or no longer confirmed, moved, or given another reason meanwhile: nothing lost
            return;
        }
        Booking booking = read.booking();
        log.warn("Booking {} ({}) needs a person: {}", booking.id(), format(booking.range().start()), flag);
    }

    static boolean flagged(String reason) {
        return reason != null && reason.startsWith(FLAG);
    }

    /** The reason without a re-check's flag: the one the booking had before, or null. */
    static String unflagged(String reason) {
        if (!flagged(reason)) {
            return reason;
        }
        int kept = reason.indexOf("; ");
        return kept < 0 ? null : reason.substring(kept + 2);
    }

    private String format(Instant instant) {
        return Rfc3339.format(Rfc3339.at(instant, hours.timeZone()));
    }
}
