package io.connectify.hub.calendar;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.api.services.calendar.model.Channel;
import com.google.api.services.calendar.model.Event;
import com.google.api.services.calendar.model.EventDateTime;
import com.google.api.services.calendar.model.Events;
import com.google.api.services.calendar.model.FreeBusyCalendar;
import com.google.api.services.calendar.model.FreeBusyRequest;
import com.google.api.services.calendar.model.FreeBusyRequestItem;
import com.google.api.services.calendar.model.FreeBusyResponse;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.ProviderException;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The hub's view of Google Calendar in canonical terms. Every call goes through the adapter routes of
 * {@link GoogleCalendarRoutes}, so the circuit breaker, retries and rate limit apply to all of them.
 */
@Component
public class GoogleCalendarGateway {

    private static final Logger log = LoggerFactory.getLogger(GoogleCalendarGateway.class);
    private static final String HEADER = "CamelGoogleCalendar.";

    private final ProducerTemplate template;
    private final String calendarId;
    private final ZoneId zone;
    private final FreeBusyUnreadable unreadableAnswers;
    private final Duration unreadableRetryAfter;

    public GoogleCalendarGateway(ProducerTemplate template, GoogleCalendarProperties properties,
                                 @Value("${connectify.availability.time-zone}") ZoneId zone,
                                 FreeBusyUnreadable unreadableAnswers,
                                 @Value("${connectify.gcal.unreadable-retry-after}") Duration unreadableRetryAfter) {
        this.template = template;
        this.calendarId = properties.calendarId();
        this.zone = zone;
        this.unreadableAnswers = unreadableAnswers;
        this.unreadableRetryAfter = unreadableRetryAfter;
    }

    /**
     * Busy ranges of the hub's calendar in [from, to), for the free slots GET /availability offers. Google reports a
     * calendar it cannot read as an error inside a 200 answer: such a calendar counts as busy for the whole range
     * (fail closed: no slot offered), never as free.
     */
    public List<TimeRange> busy(Instant from, Instant to) {
        FreeBusyCalendar calendar = freeBusy(from, to);
        String unreadable = unreadable(calendar);
        if (unreadable != null) {
            unreadableAnswers.record(unreadable, notReadableNow(unreadable));
            log.warn("FreeBusy could not read calendar availability ({}); treating [{}, {}) as busy", unreadable, from,
                    to);
            return List.of(new TimeRange(from, to));
        }
        return busyOf(calendar);
    }

    /**
     * The same for a slot about to be booked or moved to (POST /bookings, /bookings/asap, a reschedule): a calendar
     * Google cannot read refuses the request all the same (never a double booking), but as 503
     * {@code provider-unavailable} with Retry-After, ask again, not as a slot taken: a 409 is a final answer, which an
     * Idempotency-Key would replay for a day after Google recovered, and an unshared calendar looked fully booked.
     */
    public List<TimeRange> busyToBook(Instant from, Instant to) {
        FreeBusyCalendar calendar = freeBusy(from, to);
        String unreadable = unreadable(calendar);
        if (unreadable != null) {
            ProviderException failure = notReadableNow(unreadable);
            unreadableAnswers.record(unreadable, failure);
            log.warn("FreeBusy could not read calendar availability ({}) for [{}, {}): the booking is refused, "
                    + "ask again", unreadable, from, to);
            throw failure;
        }
        return busyOf(calendar);
    }

    /**
     * The same where a calendar Google cannot read is a passing provider failure ({@link ProviderException}, tried
     * again), not a busy range: for a payment already made, which a busy slot has refunded.
     */
    public List<TimeRange> busyIfReadable(Instant from, Instant to) {
        FreeBusyCalendar calendar = freeBusy(from, to);
        String unreadable = unreadable(calendar);
        if (unreadable != null) {
            ProviderException failure = new ProviderException(GoogleCalendarConfig.PROVIDER,
                    ProviderException.Kind.UNAVAILABLE, notReadable(unreadable), null, null);
            unreadableAnswers.record(unreadable, failure);
            throw failure;
        }
        return busyOf(calendar);
    }

    private ProviderException notReadableNow(String reason) {
        return new ProviderException(GoogleCalendarConfig.PROVIDER, ProviderException.Kind.INCOMPLETE,
                notReadable(reason) + "; try again later", unreadableRetryAfter, null);
    }

    private static String notReadable(String reason) {
        return "Google Calendar could not read the calendar's availability (" + reason + ")";
    }

    private FreeBusyCalendar freeBusy(Instant from, Instant to) {
        FreeBusyRequest request = new FreeBusyRequest()
                .setTimeMin(Rfc3339.toGoogle(from))
                .setTimeMax(Rfc3339.toGoogle(to))
                .setItems(List.of(new FreeBusyRequestItem().setId(calendarId)));
        FreeBusyResponse response = call(GoogleCalendarRoutes.FREEBUSY, request, Map.of(), FreeBusyResponse.class);
        return response == null || response.getCalendars() == null ? null : response.getCalendars().get(calendarId);
    }

    /** Why Google could not read the calendar (an error inside its 200 answer, or none for it), or null. */
    private static String unreadable(FreeBusyCalendar calendar) {
        if (calendar == null) {
            return FreeBusyUnreadable.MISSING;
        }
        return calendar.getErrors() == null || calendar.getErrors().isEmpty() ? null
                : calendar.getErrors().get(0).getReason();
    }

    private static List<TimeRange> busyOf(FreeBusyCalendar calendar) {
        List<TimeRange> busy = new ArrayList<>();
        if (calendar.getBusy() != null) {
            calendar.getBusy().stream().filter(p -> p.getEnd().getValue() > p.getStart().getValue()) // none empty
                    .forEach(p -> busy.add(new TimeRange(Instant.ofEpochMilli(p.getStart().getValue()),
                            Instant.ofEpochMilli(p.getEnd().getValue()))));
        }
        return busy;
    }

    public CalendarEvent insert(CalendarEvent event) {
        Event created = call(GoogleCalendarRoutes.INSERT, CalendarEventMapper.toGoogle(event), args(), Event.class);
        return CalendarEventMapper.fromGoogle(created, zone);
    }

    /**
     * The event as Google holds it; throws {@link EventDeletedException} for a deleted one. Google's get answers a
     * deleted event 200 with status "cancelled" (often its id alone) where its delete answers 410: before, that
     * answer was shown as an event.
     */
    public CalendarEvent get(String eventId) {
        Event event = call(GoogleCalendarRoutes.GET, null, args("eventId", eventId), Event.class);
        if (event != null && EventTimes.CANCELLED.equals(event.getStatus())) {
            throw new EventDeletedException();
        }
        return CalendarEventMapper.fromGoogle(event, zone);
    }

    public List<CalendarEvent> list(Instant from, Instant to) {
        List<CalendarEvent> all = new ArrayList<>();
        eachEvent(from, to, e -> all.add(CalendarEventMapper.fromGoogle(e, zone)));
        return all;
    }

    /**
     * The times of the events Google holds between from and to, by event id (every page; a deleted event is not
     * among them): a few calls where a read of each event would be one call per event under the rate limit.
     */
    public Map<String, EventTimes> timesBetween(Instant from, Instant to) {
        Map<String, EventTimes> times = new HashMap<>();
        eachEvent(from, to, e -> times.put(e.getId(), timesOf(e)));
        return times;
    }

    private void eachEvent(Instant from, Instant to, java.util.function.Consumer<Event> action) {
        Map<String, Object> args = args();
        args.put(HEADER + "timeMin", Rfc3339.toGoogle(from));
        args.put(HEADER + "timeMax", Rfc3339.toGoogle(to));
        args.put(HEADER + "singleEvents", true);
        args.put(HEADER + "orderBy", "startTime");
        // every page: Google answers at most 250 events a page, and a page may hold fewer (even none) while more
        // follow; only nextPageToken says so
        for (String page = null; ; ) {
            if (page != null) {
                args.put(HEADER + "pageToken", page);
            }
            Events events = call(GoogleCalendarRoutes.LIST, null, args, Events.class);
            if (events == null) {
                return;
            }
            if (events.getItems() != null) {
                events.getItems().forEach(action);
            }
            page = events.getNextPageToken();
            if (page == null || page.isEmpty()) {
                return;
            }
        }
    }

    public CalendarEvent patch(String eventId, CalendarEvent changes) {
        Event patched = call(GoogleCalendarRoutes.PATCH, CalendarEventMapper.toGoogle(changes),
                args("eventId", eventId), Event.class);
        return CalendarEventMapper.fromGoogle(patched, zone);
    }

    /** The summary {@link #keepAsCancelled} gives the event of a booking whose summary is {@code summary}. */
    public static String cancelledSummary(String summary) {
        return "Cancelled: " + summary;
    }

    /**
     * Keeps a cancelled booking's event in the calendar, visible as cancelled and free: its summary "Cancelled: " and
     * the booking's {@code summary},
     * status confirmed and transparency transparent, which FreeBusy does not count busy. Google's status "cancelled"
     * is its deletion (the Event resource's status), so a patch to it, as before, removed the event like a DELETE.
     */
    public void keepAsCancelled(String eventId, String summary) {
        Event changes = new Event().setSummary(cancelledSummary(summary)).setStatus("confirmed")
                .setTransparency("transparent");
        call(GoogleCalendarRoutes.PATCH, changes, args("eventId", eventId), Event.class);
    }

    /**
     * Puts an event {@link #keepAsCancelled} marked back as its booking's: its summary {@code summary}, busy again
     * (transparency opaque), for a cancel that failed after Google took that PATCH (the booking still confirmed).
     */
    public void keepAsBooked(String eventId, String summary) {
        Event changes = new Event().setSummary(summary).setStatus("confirmed").setTransparency("opaque");
        call(GoogleCalendarRoutes.PATCH, changes, args("eventId", eventId), Event.class);
    }

    /**
     * Puts the event back as its booking has it, in one PATCH audited as {@code gcal-patch-event-back}: its summary,
     * busy (transparency opaque), status confirmed (which takes a deleted event out of Google's bin) and the booking's
     * times. For a change of it that failed but may have been applied (a move or a cancel whose answer was lost):
     * whichever it was, the event ends as the confirmed booking has it. Answers false when Google holds the event as
     * deleted all the same (answered cancelled): not put back.
     */
    public boolean putBack(String eventId, String summary, OffsetDateTime start, OffsetDateTime end) {
        Event changes = new Event().setSummary(summary).setStatus("confirmed").setTransparency("opaque")
                .setStart(new EventDateTime().setDateTime(Rfc3339.toGoogle(start)))
                .setEnd(new EventDateTime().setDateTime(Rfc3339.toGoogle(end)));
        Event answered = call(GoogleCalendarRoutes.PATCH_BACK, changes, args("eventId", eventId), Event.class);
        return answered == null || !EventTimes.CANCELLED.equals(answered.getStatus());
    }

    /** A move back of the event to {@code start}..{@code end}, audited as {@code gcal-patch-event-back}. */
    public CalendarEvent moveBack(String eventId, OffsetDateTime start, OffsetDateTime end) {
        Event changes = new Event().setStart(new EventDateTime().setDateTime(Rfc3339.toGoogle(start)))
                .setEnd(new EventDateTime().setDateTime(Rfc3339.toGoogle(end)));
        return CalendarEventMapper.fromGoogle(call(GoogleCalendarRoutes.PATCH_BACK, changes, args("eventId", eventId),
                Event.class), zone);
    }

    /**
     * Deletes the event; one Google answers 410 Gone for is deleted already, which is what was asked: a delete
     * retried after its first answer was lost (a read timeout) answered 404 for an event it had deleted.
     */
    public void delete(String eventId) {
        try {
            call(GoogleCalendarRoutes.DELETE, null, args("eventId", eventId), Object.class);
        } catch (EventDeletedException alreadyDeleted) {
            log.info("Calendar event {} was deleted already", eventId);
        }
    }

    /**
     * The times of an event as Google holds them now: null start and end for an all-day event (dates, no times) or
     * one without both. Throws {@link io.connectify.hub.resilience.NotFoundException} for an event Google no longer
     * has (404, or 410 Gone: {@link EventDeletedException}).
     */
    public EventTimes times(String eventId) {
        Event event = call(GoogleCalendarRoutes.GET, null, args("eventId", eventId), Event.class);
        if (event == null) {
            throw new ProviderException(GoogleCalendarConfig.PROVIDER, ProviderException.Kind.UNAVAILABLE,
                    "Google Calendar answered no event", null, null);
        }
        return timesOf(event);
    }

    private static EventTimes timesOf(Event event) {
        boolean timed = event.getStart() != null && event.getStart().getDateTime() != null
                && event.getEnd() != null && event.getEnd().getDateTime() != null;
        return new EventTimes(event.getStatus(), event.getTransparency(), event.getSummary(),
                timed ? Instant.ofEpochMilli(event.getStart().getDateTime().getValue()) : null,
                timed ? Instant.ofEpochMilli(event.getEnd().getDateTime().getValue()) : null);
    }

    /**
     * Opens a push channel on the calendar's events (events.watch): Google then POSTs to {@code address} with
     * {@code token} in X-Goog-Channel-Token whenever an event changes, until its expiration, which the answer carries
     * (Google may grant less than asked). The life is asked as events.watch's reference documents it, params.ttl in
     * seconds (its default 604800, a week); before, only as {@code expiration} (ms), which the reference's request
     * body does not list: a ttl other than a week may not have been honoured. {@code expiration} (ttl ahead) is still
     * sent, the Channel resource's optional field, the same moment.
     */
    public PushChannel watch(String channelId, String address, String token, Duration ttl, Instant expiration) {
        Channel request = new Channel().setId(channelId).setType("web_hook").setAddress(address).setToken(token)
                .setParams(Map.of("ttl", Long.toString(Math.max(1, ttl.toSeconds()))))
                .setExpiration(expiration.toEpochMilli());
        Channel answer = call(GoogleCalendarRoutes.WATCH, request, args(), Channel.class);
        if (answer == null || answer.getResourceId() == null) {
            throw new ProviderException(GoogleCalendarConfig.PROVIDER, ProviderException.Kind.UNAVAILABLE,
                    "Google Calendar answered the watch request without a channel", null, null);
        }
        Instant expires = answer.getExpiration() != null ? Instant.ofEpochMilli(answer.getExpiration()) : expiration;
        return new PushChannel(channelId, answer.getResourceId(), expires);
    }

    /**
     * Stops a push channel (channels.stop). Google answers 404 for a channel it no longer has: a
     * {@link io.connectify.hub.resilience.NotFoundException}, which a caller may take as stopped.
     */
    public void stop(String channelId, String resourceId) {
        // channels.stop takes no calendar id: only the body, or the component would look for a method with one
        call(GoogleCalendarRoutes.STOP_CHANNEL, new Channel().setId(channelId).setResourceId(resourceId), Map.of(),
                Object.class);
    }

    /** A push channel Google has opened: its id, the resource it watches, when it expires. */
    public record PushChannel(String id, String resourceId, Instant expiration) {
    }

    /**
     * An event's status, its transparency (null: opaque, busy), its summary and its start and end as instants; both
     * null when it is all-day or has no times.
     */
    public record EventTimes(String status, String transparency, String summary, Instant start, Instant end) {

        /** Google's status of a deleted event. */
        static final String CANCELLED = "cancelled";

        public boolean cancelled() {
            return CANCELLED.equals(status);
        }

        /** Shown free, not busy: as mark-cancelled keeps a cancelled booking's event (keepAsCancelled). */
        public boolean free() {
            return "transparent".equals(transparency);
        }

        /**
         * Marked as {@link #keepAsCancelled} marks the event of a booking whose summary is {@code summary}: free, its
         * summary "Cancelled: " and that one.
         */
        public boolean keptAsCancelled(String summary) {
            return free() && cancelledSummary(summary).equals(this.summary);
        }
    }

    private Map<String, Object> args(String... pairs) {
        Map<String, Object> headers = new HashMap<>();
        headers.put(HEADER + "calendarId", calendarId);
        for (int i = 0; i < pairs.length; i += 2) {
            headers.put(HEADER + pairs[i], pairs[i + 1]);
        }
        return headers;
    }

    private <T> T call(String endpoint, Object body, Map<String, Object> headers, Class<T> type) {
        try {
            return template.requestBodyAndHeaders(endpoint, body, headers, type);
        } catch (CamelExecutionException e) {
            throw Causes.hubErrorOr(e);
        }
    }
}
