package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * ASAP with a late shift whose hours run on past midnight in the hub's zone (Zurich, UTC+1), written as a window to
 * 24:00 and the next day's from 00:00: the search covers the shift to its end at 02:00, not only up to midnight.
 */
@HubTest
@TestPropertySource(properties = {
        "connectify.availability.working-hours.tuesday=09:00-12:00,13:00-17:00,22:00-24:00",
        "connectify.availability.working-hours.wednesday=00:00-02:00,09:00-12:00,13:00-17:00"})
class AsapAcrossMidnightTest extends HubTestBase {

    /**
     * Asked at 22:30 (21:30Z), the evening up to midnight taken: the first free slot after midnight, 00:30 (00:00 lies
     * within the buffer of the busy range), FreeBusy asked up to the shift's end, 02:00, widened by the buffer. Before,
     * the search ended at midnight: 409 "no free slot left", though the shift went on for two hours.
     */
    @Test
    void asapInALateShiftBooksItsHoursPastMidnightWhenTheEveningIsTaken() {
        clock.set(Instant.parse("2026-12-01T21:30:00Z")); // Tuesday 22:30 in Zurich; preparation 1h -> from 23:30
        google.busy(Instant.parse("2026-12-01T22:00:00Z"), Instant.parse("2026-12-01T23:00:00Z")); // 23:00-24:00

        var response = httpPost("/api/v1/bookings/asap", BookingJson.asap(30));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("start").asText()).isEqualTo("2026-12-02T00:30:00+01:00");
        assertThat(response.json().get("end").asText()).isEqualTo("2026-12-02T01:00:00+01:00");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(GoogleCalendarFake.FREEBUSY))
                .withRequestBody(matchingJsonPath("$.timeMin", equalTo("2026-12-01T22:15:00.000Z")))
                .withRequestBody(matchingJsonPath("$.timeMax", equalTo("2026-12-02T01:15:00.000Z"))));
        assertThat(jdbc.sql("SELECT start_at FROM booking").query(OffsetDateTime.class).single().toInstant())
                .isEqualTo(Instant.parse("2026-12-01T23:30:00Z"));
    }

    /** The whole shift taken, past midnight too: 409, not the next morning's first slot (another day's hours). */
    @Test
    void asapWithTheWholeLateShiftTakenIsAConflictNotTheNextMorning() {
        clock.set(Instant.parse("2026-12-01T21:30:00Z"));
        google.busy(Instant.parse("2026-12-01T22:00:00Z"), Instant.parse("2026-12-02T01:00:00Z")); // 23:00-02:00

        var response = httpPost("/api/v1/bookings/asap", BookingJson.asap(30));

        assertThat(response.status()).as(response.body()).isEqualTo(409);
        assertThat(response.json().get("type").asText()).isEqualTo("booking-conflict");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isZero();
    }

    /**
     * Asked after midnight, within the shift (00:10, earliest 01:10): the rest of the shift on the day the preparation
     * time ends in, as before.
     */
    @Test
    void asapAskedAfterMidnightBooksTheRestOfTheShift() {
        clock.set(Instant.parse("2026-12-01T23:10:00Z")); // Wednesday 00:10 in Zurich -> from 01:10

        var response = httpPost("/api/v1/bookings/asap", BookingJson.asap(30));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("start").asText()).isEqualTo("2026-12-02T01:30:00+01:00");
    }
}
