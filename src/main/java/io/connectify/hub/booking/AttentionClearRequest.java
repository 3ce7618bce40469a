package io.connectify.hub.booking;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * Body of POST /api/v1/admin/bookings/{id}/attention/clear: the mark the person settled, as GET
 * /api/v1/admin/bookings/attention showed it ({@code since} and {@code note}). The mark is cleared only while it is
 * still that one: a note added meanwhile (another payment left for a person) is not cleared unseen.
 */
public record AttentionClearRequest(
        @NotBlank @Size(max = 40) @Schema(format = "date-time", description = "the mark's since, as listed")
        String since,
        @NotNull @Size(max = 500) @Schema(description = "the mark's note, as listed") String note) {
}
