package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * ASAP picks from availability's candidates, and so keeps connectify.booking.max-advance as a booking does, counted
 * from now, not from the time the preparation time shifts the lead time to. Here the preparation time (2 h) leaves
 * half an hour before the maximum advance (2 h 30 min): asked Tuesday 09:00 in Zurich, 11:00 and 11:30 may be booked,
 * the afternoon's 13:00 not.
 */
@HubTest
@TestPropertySource(properties = {
        "connectify.booking.max-advance=150m",
        "connectify.booking.asap.preparation-time=2h"})
class AsapMaxAdvanceTest extends HubTestBase {

    private static final Instant TUESDAY_0900 = Instant.parse("2026-12-01T08:00:00Z");

    /** 11:00 busy (widened by the 15-minute buffer to 11:30): 11:30, the maximum advance itself, is booked. */
    @Test
    void asapBooksASlotStartingAtTheMaximumAdvance() {
        clock.set(TUESDAY_0900);
        google.busy(Instant.parse("2026-12-01T10:00:00Z"), Instant.parse("2026-12-01T10:15:00Z")); // 11:00-11:15

        var response = httpPost("/api/v1/bookings/asap", BookingJson.asap(30));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("start").asText()).isEqualTo("2026-12-01T11:30:00+01:00");
    }

    /**
     * 11:00 and 11:30 busy: no slot is left within the maximum advance, 409, nothing stored. Before, ASAP booked
     * 13:00, a start POST /bookings refuses (422 slot-not-bookable), with a payment page.
     */
    @Test
    void asapBooksNoSlotBeyondTheMaximumAdvance() {
        clock.set(TUESDAY_0900);
        google.busy(Instant.parse("2026-12-01T10:00:00Z"), Instant.parse("2026-12-01T10:45:00Z")); // 11:00-11:45

        var response = httpPost("/api/v1/bookings/asap", BookingJson.asap(30));

        assertThat(response.status()).as(response.body()).isEqualTo(409);
        assertThat(response.json().get("type").asText()).isEqualTo("booking-conflict");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isZero();
        var booked = httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T13:00:00+01:00", 30));
        assertThat(booked.status()).as("13:00 booked as such").isEqualTo(422);
        assertThat(booked.json().get("type").asText()).isEqualTo("slot-not-bookable");
    }
}
