package io.connectify.hub.booking;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/** Body of POST /api/v1/bookings/asap: the earliest free slot of that length after the preparation time, that day. */
public record AsapBookingRequest(
        @NotNull @Positive @Max(1440) @Schema(minimum = "1") Integer durationMinutes,
        @NotNull @Valid Customer customer,
        @Size(max = 200) String summary,
        @Size(max = 4000) String description,
        @Pattern(regexp = "stripe|payrexx", message = "must be stripe or payrexx")
        @Schema(allowableValues = {"stripe", "payrexx"}, description = "absent: by currency") String provider) {
}
