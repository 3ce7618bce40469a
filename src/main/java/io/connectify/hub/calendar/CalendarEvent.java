package io.connectify.hub.calendar;

import java.time.OffsetDateTime;
import java.util.Map;

/**
 * The hub's canonical calendar event (design.md section 4): start/end as RFC 3339 with offset. {@code
 * privateProperties} are Google's private extended properties (booking id, payment reference).
 */
public record CalendarEvent(String id, String summary, String description, OffsetDateTime start,
                            OffsetDateTime end, String status, Map<String, String> privateProperties,
                            String htmlLink) {
}
