package io.connectify.hub.booking;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** Body of POST /api/v1/bookings/{id}/reschedule: the new start, RFC 3339 with offset; the duration stays. */
public record RescheduleRequest(
        @NotBlank @Size(max = 40) @Schema(format = "date-time", description = "RFC 3339 with offset") String start) {
}
