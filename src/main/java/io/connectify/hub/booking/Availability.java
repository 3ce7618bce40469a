package io.connectify.hub.booking;

import java.time.OffsetDateTime;
import java.util.List;

/** Answer of GET /api/v1/availability: free slots, each with its price. */
public record Availability(List<Slot> slots) {

    public record Slot(OffsetDateTime start, OffsetDateTime end, long amount, String currency) {
    }
}
