package io.connectify.hub.calendar;

import java.util.Map;

import com.google.api.services.calendar.model.Event;
import com.google.api.services.calendar.model.EventDateTime;

/** Maps the canonical {@link CalendarEvent} to and from Google's {@link Event} (design.md section 4). */
public final class CalendarEventMapper {

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

    public static CalendarEvent fromGoogle(Event event) {
        Map<String, String> props = event.getExtendedProperties() != null
                && event.getExtendedProperties().getPrivate() != null
                ? Map.copyOf(event.getExtendedProperties().getPrivate()) : Map.of();
        return new CalendarEvent(event.getId(), event.getSummary(), event.getDescription(),
                time(event.getStart()), time(event.getEnd()), event.getStatus(), props, event.getHtmlLink());
    }

    private static java.time.OffsetDateTime time(EventDateTime t) {
        if (t == null) {
            return null;
        }
        // all-day events carry a date only; they start at midnight UTC for the hub's purposes
        return t.getDateTime() != null ? Rfc3339.fromGoogle(t.getDateTime())
                : t.getDate() != null ? Rfc3339.fromGoogle(t.getDate()) : null;
    }
}
