package io.connectify.hub.calendar;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.connectify.hub.resilience.CalculationException;
import io.connectify.hub.resilience.DuplicateEventException;
import io.connectify.hub.resilience.ValidationException;
import io.connectify.hub.web.ApiReply;
import io.connectify.hub.web.JsonBodies;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** POST/GET/PATCH/DELETE /api/v1/calendar/events[/{id}] and list by range. */
@Component("calendarEventApi")
public class CalendarEventApi {

    /** The members a PATCH may remove (give as null): an event has no summary or description by default. */
    private static final Set<String> REMOVABLE = Set.of("summary", "description");

    private final GoogleCalendarGateway calendar;
    private final JsonBodies json;
    private final GoogleCalendarProperties properties;
    private final ZoneId zone;

    public CalendarEventApi(GoogleCalendarGateway calendar, JsonBodies json, GoogleCalendarProperties properties,
                            @Value("${connectify.availability.time-zone}") ZoneId zone) {
        this.calendar = calendar;
        this.json = json;
        this.properties = properties;
        this.zone = zone;
    }

    public ApiReply create(@Body String body) {
        CalendarEventRequest r = json.read(body, CalendarEventRequest.class);
        if (r.summary() == null || r.summary().isBlank()) {
            throw new ValidationException("'summary' is required");
        }
        OffsetDateTime start = Rfc3339.parse("start", r.start());
        OffsetDateTime end = Rfc3339.parse("end", r.end());
        requireOrder("start", start, "end", end);
        // an id of the hub's choosing when the caller gives none: a create retried after its answer was lost meets
        // Google's 409 instead of making a second event
        String id = r.id() != null ? r.id() : "ev" + UUID.randomUUID().toString().replace("-", "");
        CalendarEvent created;
        try {
            created = calendar.insert(new CalendarEvent(id, r.summary(), r.description(), start, end, null,
                    r.privateProperties(), null));
        } catch (DuplicateEventException madeByAnEarlierAttempt) {
            if (r.id() != null) {
                throw madeByAnEarlierAttempt; // the caller's id: its event may be another's
            }
            created = calendar.get(id); // no one else has the hub's fresh id: this request's retried insert made it
        }
        return ApiReply.created("/api/v1/calendar/events/" + created.id(), created);
    }

    public CalendarEvent get(@Header("id") String id) {
        return calendar.get(eventId(id));
    }

    public EventList list(@Header("from") String from, @Header("to") String to) {
        OffsetDateTime fromTime = Rfc3339.parse("from", from);
        OffsetDateTime toTime = Rfc3339.parse("to", to);
        requireOrder("from", fromTime, "to", toTime);
        // the practice's days, on its wall clock (as availability's range): a range across the autumn clock change
        // is not an hour longer
        if (Rfc3339.wallClockSpan(fromTime, toTime, zone).compareTo(properties.maxListRange()) > 0) {
            throw new CalculationException("The range from..to may span at most "
                    + properties.maxListRange().toDays() + " days");
        }
        return new EventList(calendar.list(fromTime.toInstant(), toTime.toInstant()));
    }

    public CalendarEvent patch(@Header("id") String id, @Body String body) {
        CalendarEventRequest r = json.read(body, CalendarEventRequest.class);
        if (r.id() != null) {
            throw new ValidationException("'id' cannot be changed");
        }
        // a member given as null is removed (RFC 7396): only the texts can be; before, null was taken as absent and
        // {"description":null} answered 200 with nothing cleared
        Set<String> removed = json.nullMembers(body);
        for (String member : removed) {
            if (!REMOVABLE.contains(member)) {
                throw new ValidationException("'" + member + "' cannot be removed");
            }
        }
        String summary = removed.contains("summary") ? CalendarEventMapper.REMOVED : r.summary();
        String description = removed.contains("description") ? CalendarEventMapper.REMOVED : r.description();
        OffsetDateTime start = r.start() == null ? null : Rfc3339.parse("start", r.start());
        OffsetDateTime end = r.end() == null ? null : Rfc3339.parse("end", r.end());
        if (start != null && end != null) {
            requireOrder("start", start, "end", end);
        }
        CalendarEvent patched;
        try {
            patched = calendar.patch(eventId(id), new CalendarEvent(null, summary, description, start, end,
                    null, r.privateProperties(), null));
        } catch (ValidationException refused) {
            // one of start and end given, out of order with the other as stored: Google's 400 timeRangeEmpty is
            // answered as the hub's own check answers both given (and POST does): 422 calculation. Before, 400
            // validation "Google Calendar rejected the event: timeRangeEmpty". Told by Google's reason, not by
            // the words of a detail (see GoogleErrors.reason)
            if (GoogleErrors.TIME_RANGE_EMPTY.equals(refused.providerReason())) {
                throw new CalculationException("'end' must be after 'start' (the event's stored "
                        + (start == null ? "start" : "end") + ")");
            }
            throw refused;
        }
        if (patched != null && GoogleCalendarGateway.EventTimes.CANCELLED.equals(patched.status())) {
            // Google patches an event in its bin (deleted, restorable) and answers it 200 with status cancelled:
            // deleted, 404 as a GET of it answers. Before, 200 with the deleted event as if it were one
            throw new EventDeletedException();
        }
        return patched;
    }

    public ApiReply delete(@Header("id") String id) {
        calendar.delete(eventId(id));
        return ApiReply.noContent();
    }

    private static String eventId(String id) {
        // Google ids are base32hex, or longer opaque ids of letters, digits and underscores for recurring events
        if (id == null || !id.matches("[A-Za-z0-9_]{1,1024}")) {
            throw new ValidationException("'id' is not a calendar event id");
        }
        return id;
    }

    /** Named as the request names them: the list's query has from and to, an event's body start and end. */
    private static void requireOrder(String startName, OffsetDateTime start, String endName, OffsetDateTime end) {
        if (!end.isAfter(start)) {
            throw new CalculationException("'" + endName + "' must be after '" + startName + "'");
        }
    }

    public record EventList(List<CalendarEvent> events) {
    }
}
