package io.connectify.hub.booking;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * Body of POST /api/v1/admin/bookings/{id}/refund/settled: how the person paid the customer back, kept in the
 * booking's status reason (so at most 140 characters: the reason's column holds 200).
 */
public record RefundSettledRequest(
        @NotBlank @Size(max = 140)
        @Schema(description = "how the customer was paid back, e.g. \"bank transfer 2026-12-10, ref 4711\"")
        String note) {
}
