package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

@HubTest
class AvailabilityApiTest extends HubTestBase {

    private static final String TUESDAY = "/api/v1/availability?from=" + q("2026-12-01T00:00:00+01:00")
            + "&to=" + q("2026-12-02T00:00:00+01:00");

    @Autowired
    MeterRegistry meters;

    @Test
    void freeSlotsFollowWorkingHoursAndCarryTheirPrice() {
        var response = httpGet(TUESDAY + "&duration=60");

        assertThat(response.status()).isEqualTo(200);
        var slots = response.json().get("slots");
        // 09:00-12:00 and 13:00-17:00 in 30-minute steps, 60-minute slots: 09:00..11:00 and 13:00..16:00
        assertThat(starts(response)).containsExactly(
                "2026-12-01T09:00:00+01:00", "2026-12-01T09:30:00+01:00", "2026-12-01T10:00:00+01:00",
                "2026-12-01T10:30:00+01:00", "2026-12-01T11:00:00+01:00", "2026-12-01T13:00:00+01:00",
                "2026-12-01T13:30:00+01:00", "2026-12-01T14:00:00+01:00", "2026-12-01T14:30:00+01:00",
                "2026-12-01T15:00:00+01:00", "2026-12-01T15:30:00+01:00", "2026-12-01T16:00:00+01:00");
        assertThat(slots.get(0).get("end").asText()).isEqualTo("2026-12-01T10:00:00+01:00");
        assertThat(slots.get(0).get("amount").asLong()).isEqualTo(9000);
        assertThat(slots.get(0).get("currency").asText()).isEqualTo("CHF");
    }

    @Test
    void busyRangesFromFreeBusyAndTheBufferAreSubtracted() {
        // busy 10:00-11:00 Zurich = 09:00-10:00Z; widened by the 15-minute buffer to 09:45-11:15, which every
        // morning slot overlaps
        google.busy(Instant.parse("2026-12-01T09:00:00Z"), Instant.parse("2026-12-01T10:00:00Z"));

        var response = httpGet(TUESDAY + "&duration=60");

        assertThat(starts(response)).startsWith("2026-12-01T13:00:00+01:00").hasSize(7);
    }

    @Test
    void freeBusyIsAskedWithTheBearerTokenForTheRangeWidenedByTheBuffer() {
        httpGet(TUESDAY + "&duration=30");

        google.server().verify(1, postRequestedFor(urlPathEqualTo(GoogleCalendarFake.FREEBUSY))
                .withHeader("Authorization", equalTo("Bearer " + GoogleCalendarFake.TOKEN))
                .withRequestBody(matchingJsonPath("$.timeMin", equalTo("2026-11-30T22:45:00.000Z")))
                .withRequestBody(matchingJsonPath("$.timeMax", equalTo("2026-12-01T23:15:00.000Z")))
                .withRequestBody(matchingJsonPath("$.items[0].id", equalTo("primary"))));
    }

    /** Offers no slot, as documented, but counts the answer: Google answered 200, so no breaker or health sees it. */
    @Test
    void aCalendarFreeBusyCannotReadCountsAsBusyAndIsCounted() {
        double notFound = unreadableAnswers("notFound");
        double other = unreadableAnswers("other");
        google.freeBusyCalendarError("notFound");

        var response = httpGet(TUESDAY + "&duration=60");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("slots")).isEmpty();
        assertThat(unreadableAnswers("notFound") - notFound).isEqualTo(1);

        google.freeBusyCalendarError("someNewReason"); // Google may add reasons: the tag's values stay few
        assertThat(httpGet(TUESDAY + "&duration=60").json().get("slots")).isEmpty();
        assertThat(unreadableAnswers("other") - other).isEqualTo(1);
    }

    /**
     * The widest range (connectify.availability.max-range, 31 days) is counted in the practice's days, on Zurich's
     * wall clock: October's month, from the first's midnight (+02:00) to November's (+01:00), is 31 days, as March's
     * is; a minute more is refused. Before, October's month was 31 days and an hour apart and refused 422, while
     * March's, an hour short, passed.
     */
    @Test
    void aMonthAcrossTheAutumnClockChangeIsNoWiderThanAnyOther() {
        for (String[] month : new String[][] {{"2027-10-01T00:00:00+02:00", "2027-11-01T00:00:00+01:00"},
                {"2027-03-01T00:00:00+01:00", "2027-04-01T00:00:00+02:00"}}) {
            var response = httpGet("/api/v1/availability?from=" + q(month[0]) + "&to=" + q(month[1])
                    + "&duration=60");
            assertThat(response.status()).as(response.body()).isEqualTo(200);
        }
        var longer = httpGet("/api/v1/availability?from=" + q("2027-10-01T00:00:00+02:00") + "&to="
                + q("2027-11-01T00:01:00+01:00") + "&duration=60");
        assertThat(longer.status()).isEqualTo(422);
        assertThat(longer.json().get("type").asText()).isEqualTo("calculation");
        assertThat(longer.json().get("detail").asText()).contains("at most 31 days");
    }

    private double unreadableAnswers(String reason) {
        return meters.counter("connectify.gcal.freebusy.unreadable", "reason", reason).count();
    }

    @Test
    void slotsHeldByPendingBookingsAreNotOffered() {
        var booked = httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T13:00:00+01:00", 60));
        assertThat(booked.status()).isEqualTo(201);

        var response = httpGet(TUESDAY + "&duration=60");

        // 13:00-14:00 held, plus buffer: 12:00..14:00 starts conflict up to 14:00 (14:00 starts 0 min after: conflict)
        assertThat(starts(response)).doesNotContain("2026-12-01T13:00:00+01:00", "2026-12-01T13:30:00+01:00",
                        "2026-12-01T14:00:00+01:00")
                .contains("2026-12-01T11:00:00+01:00", "2026-12-01T14:30:00+01:00");
    }

    @Test
    void priceComesFromTheTierTable() {
        var response = httpGet("/api/v1/prices?duration=60");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("durationMinutes").asInt()).isEqualTo(60);
        assertThat(response.json().get("amount").asLong()).isEqualTo(9000);
        assertThat(response.json().get("currency").asText()).isEqualTo("CHF");
        assertThat(httpGet("/api/v1/prices?duration=30").json().get("amount").asLong()).isEqualTo(5000);
    }

    @Test
    void aDurationWithoutTierIs422() {
        var response = httpGet("/api/v1/prices?duration=240");

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isEqualTo("no-matching-price-tier");
        assertThat(response.json().get("status").asInt()).isEqualTo(422);
    }

    @Test
    void badQueryParametersAreProblems() {
        assertThat(httpGet("/api/v1/availability?from=tomorrow&to=" + q("2026-12-02T00:00:00+01:00") + "&duration=60")
                .json().get("type").asText()).isEqualTo("time-parse");
        var lastYear = httpGet("/api/v1/availability?from=" + q("+999999999-12-31T00:00:00+01:00") + "&to="
                + q("+999999999-12-31T12:00:00+01:00") + "&duration=60");
        assertThat(lastYear.status()).isEqualTo(400);
        assertThat(lastYear.json().get("type").asText()).isEqualTo("time-parse");
        var reversed = httpGet("/api/v1/availability?from=" + q("2026-12-02T00:00:00+01:00") + "&to="
                + q("2026-12-01T00:00:00+01:00") + "&duration=60");
        assertThat(reversed.status()).isEqualTo(422);
        assertThat(reversed.json().get("type").asText()).isEqualTo("calculation");
        var noDuration = httpGet(TUESDAY + "&duration=abc");
        assertThat(noDuration.status()).isEqualTo(400);
        assertThat(noDuration.json().get("type").asText()).isEqualTo("validation");
        assertThat(httpGet("/api/v1/availability?from=" + q("2026-12-01T00:00:00+01:00") + "&to="
                + q("2027-03-01T00:00:00+01:00") + "&duration=60").status()).isEqualTo(422);
        google.server().verify(0, postRequestedFor(urlPathEqualTo(GoogleCalendarFake.FREEBUSY)));
    }

    /**
     * Google reads the years 0001 to 9999 only, and the hub asks FreeBusy for the range widened by the buffer (15
     * minutes): a range whose widening runs past them is refused up front, 400 {@code validation} naming the end that
     * does, and Google is not asked. Before, 9999-12-30..9999-12-31T23:59:59Z went to Google, whose 400 came back as
     * "Google Calendar rejected the event: invalid".
     */
    @Test
    void aRangeWhoseBufferRunsPastTheYearsGoogleReadsIsRefusedNamingItsEnd() {
        var lastDays = httpGet("/api/v1/availability?from=" + q("9999-12-30T00:00:00Z") + "&to="
                + q("9999-12-31T23:59:59Z") + "&duration=60");
        assertThat(lastDays.status()).as(lastDays.body()).isEqualTo(400);
        assertThat(lastDays.json().get("type").asText()).isEqualTo("validation");
        assertThat(lastDays.json().get("detail").asText()).startsWith("'to'").contains("9999-12-31T23:59:59Z");
        var theOffsetsYear = httpGet("/api/v1/availability?from=" + q("9999-12-30T00:00:00-05:00") + "&to="
                + q("9999-12-31T20:00:00-05:00") + "&duration=60"); // 10000-01-01T01:00:00Z
        assertThat(theOffsetsYear.status()).isEqualTo(400);
        assertThat(theOffsetsYear.json().get("detail").asText()).startsWith("'to'");
        var firstDays = httpGet("/api/v1/availability?from=" + q("0001-01-01T00:10:00Z") + "&to="
                + q("0001-01-02T00:00:00Z") + "&duration=60");
        assertThat(firstDays.status()).isEqualTo(400);
        assertThat(firstDays.json().get("type").asText()).isEqualTo("validation");
        assertThat(firstDays.json().get("detail").asText()).startsWith("'from'");
        google.server().verify(0, postRequestedFor(urlPathEqualTo(GoogleCalendarFake.FREEBUSY)));

        // a range that late offers slots, and asks Google, only within the maximum advance (365 days) of now
        clock.set(Instant.parse("9999-06-01T00:00:00Z"));
        var withinThem = httpGet("/api/v1/availability?from=" + q("9999-12-30T00:00:00Z") + "&to="
                + q("9999-12-31T23:44:59Z") + "&duration=60");
        assertThat(withinThem.status()).as(withinThem.body()).isEqualTo(200);
        google.server().verify(1, postRequestedFor(urlPathEqualTo(GoogleCalendarFake.FREEBUSY))
                .withRequestBody(matchingJsonPath("$.timeMax", equalTo("9999-12-31T23:59:59.000Z"))));
    }

    /** Google's 400 to a FreeBusy query names it. Before, every Google 400 said "rejected the event". */
    @Test
    void googleRefusingTheFreeBusyQuerySaysSo() {
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.post(urlPathEqualTo(GoogleCalendarFake.FREEBUSY))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(400)
                        .withHeader("Content-Type", "application/json; charset=UTF-8").withBody("""
                                {"error":{"code":400,"message":"Invalid Value","errors":[{"domain":"global",
                                 "reason":"invalid","message":"Invalid Value"}]}}""")));

        var response = httpGet(TUESDAY + "&duration=60");

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
        assertThat(response.json().get("detail").asText())
                .isEqualTo("Google Calendar rejected the FreeBusy query: invalid");
    }

    /**
     * Availability offers a start no further ahead than connectify.booking.max-advance (365 days), by the same rule a
     * booking keeps: the last slot offered is bookable, the next is neither offered nor bookable. Now is 09:00 in
     * Zurich, so the boundary, 365 days on, is Tuesday 2027-11-30 09:00, itself included. Before, every slot of the
     * day was offered, and 09:30 then answered 422 slot-not-bookable.
     */
    @Test
    void availabilityAndBookingAgreeAtTheMaximumAdvance() {
        clock.set(Instant.parse("2026-11-30T08:00:00Z"));

        var response = httpGet("/api/v1/availability?from=" + q("2027-11-30T00:00:00+01:00") + "&to="
                + q("2027-12-01T00:00:00+01:00") + "&duration=60");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(starts(response)).containsExactly("2027-11-30T09:00:00+01:00");
        assertThat(httpPost("/api/v1/bookings", BookingJson.at("2027-11-30T09:00:00+01:00", 60)).status())
                .as("the last slot offered").isEqualTo(201);
        var beyond = httpPost("/api/v1/bookings", BookingJson.at("2027-11-30T09:30:00+01:00", 60));
        assertThat(beyond.status()).as("the first beyond it").isEqualTo(422);
        assertThat(beyond.json().get("type").asText()).isEqualTo("slot-not-bookable");
    }

    /**
     * A range wholly beyond the maximum advance offers nothing, and Google is not asked about it. Before, its slots
     * were offered (to the year 9999) after a FreeBusy query, and each booking of one was refused.
     */
    @Test
    void aRangeWhollyBeyondTheMaximumAdvanceOffersNothingAndAsksGoogleNothing() {
        for (String from : List.of("2027-12-01T00:00:00+01:00", "9999-12-01T00:00:00+01:00")) {
            String to = from.replace("-01T", "-02T");
            var response = httpGet("/api/v1/availability?from=" + q(from) + "&to=" + q(to) + "&duration=60");

            assertThat(response.status()).as(from + ": " + response.body()).isEqualTo(200);
            assertThat(response.json().get("slots")).as(from).isEmpty();
        }
        google.server().verify(0, postRequestedFor(urlPathEqualTo(GoogleCalendarFake.FREEBUSY)));
    }

    private static List<String> starts(Response response) {
        List<String> starts = new ArrayList<>();
        response.json().get("slots").forEach(s -> starts.add(s.get("start").asText()));
        return starts;
    }
}
