package io.connectify.hub.calendar;

import java.util.Map;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Body of POST and PATCH /api/v1/calendar/events. For POST, start, end and summary are required; PATCH changes
 * only the fields given. {@code id} (POST only) lets a caller choose the event id: base32hex, 5-1024 characters.
 */
public record CalendarEventRequest(
        @Pattern(regexp = "[a-v0-9]{5,1024}", message = "must be 5-1024 characters of a-v and 0-9") String id,
        @Size(max = 1000) String summary,
        @Size(max = 8000) String description,
        @Size(max = 40) @Schema(format = "date-time", description = "RFC 3339 with offset") String start,
        @Size(max = 40) @Schema(format = "date-time", description = "RFC 3339 with offset") String end,
        @Size(max = 20) Map<@Size(max = 44) String, @NotNull @Size(max = 1024) String> privateProperties) {
}
