package io.connectify.hub.calendar;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Map;

import com.google.api.services.calendar.model.Event;
import com.google.api.services.calendar.model.EventDateTime;

/** Maps the canonical {@link CalendarEvent} to and from Google's {@link Event} (design.md section 4). */
public final class CalendarEventMapper {

    /**
     * A summary or description to remove: an empty text, which clears it at Google. Google's API description allows
     * no JSON null for these members, and a Java null is left out of the request (the member left as it is).
     */
    public static final String REMOVED = "";

    private CalendarEventMapper() {
    }

    public static Event toGoogle(CalendarEvent e) {
        Event event = new Event()
                .setId(e.id())
                .setSummary(e.summary())
                .setDescription(e.description());
        if (e.start() != null) {
            event.setStart(new EventDateTime().setDateTime(Rfc3339.toGoogle(e.start())));
        }
        if (e.end() != null) {
            event.setEnd(new EventDateTime().setDateTime(Rfc3339.toGoogle(e.end())));
        }
        if (e.status() != null) {
            event.setStatus(e.status());
        }
        if (e.privateProperties() != null && !e.privateProperties().isEmpty()) {
            event.setExtendedProperties(new Event.ExtendedProperties().setPrivate(Map.copyOf(e.privateProperties())));
        }
        return event;
    }

    /** {@code zone}: where an all-day event's dates begin, unless the event names its own time zone. */
    public static CalendarEvent fromGoogle(Event event, ZoneId zone) {
        Map<String, String> props = event.getExtendedProperties() != null
                && event.getExtendedProperties().getPrivate() != null
                ? Map.copyOf(event.getExtendedProperties().getPrivate()) : Map.of();
        return new CalendarEvent(event.getId(), event.getSummary(), event.getDescription(),
                time(event.getStart(), zone), time(event.getEnd(), zone), event.getStatus(), props,
                event.getHtmlLink());
    }

    private static OffsetDateTime time(EventDateTime t, ZoneId zone) {
        if (t == null) {
            return null;
        }
        if (t.getDateTime() != null) {
            return Rfc3339.fromGoogle(t.getDateTime());
        }
        if (t.getDate() == null) {
            return null;
        }
        // an all-day event carries dates only ("2026-12-24"; its end date exclusive): midnight where it is held
        ZoneId where = t.getTimeZone() != null ? ZoneId.of(t.getTimeZone()) : zone;
        return LocalDate.parse(t.getDate().toStringRfc3339()).atStartOfDay(where).toOffsetDateTime();
    }
}
