package io.connectify.hub.booking;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** Body of POST /api/v1/bookings/{id}/reschedule: the new start, RFC 3339 with offset; the duration stays. */
public record RescheduleRequest(@NotBlank @Size(max = 40) String start) {
}
