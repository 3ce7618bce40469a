package io.connectify.hub.booking;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/** Body of POST /api/v1/bookings. {@code start} is RFC 3339 with offset; it is parsed, not bound, for a clear error. */
public record BookingRequest(
        @NotBlank @Size(max = 40) @Schema(format = "date-time", description = "RFC 3339 with offset") String start,
        @NotNull @Positive @Max(1440) @Schema(minimum = "1") Integer durationMinutes,
        @NotNull @Valid Customer customer,
        @Size(max = 200) String summary,
        @Size(max = 4000) String description,
        @Pattern(regexp = "stripe|payrexx", message = "must be stripe or payrexx")
        @Schema(allowableValues = {"stripe", "payrexx"}, description = "absent: by currency") String provider) {
}
