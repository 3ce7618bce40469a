package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HeldAnswer;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.connectify.hub.web.IdempotencyKeyFilter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

@HubTest
class BookingApiTest extends HubTestBase {

    @Autowired
    MeterRegistry meters;

    @Test
    void aFreeSlotIsBookedPricedAndHeld() {
        var response = httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60));

        assertThat(response.status()).isEqualTo(201);
        var booking = response.json();
        String id = booking.get("id").asText();
        assertThat(response.header("Location")).isEqualTo("/api/v1/bookings/" + id);
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.get("start").asText()).isEqualTo("2026-12-01T09:00:00+01:00");
        assertThat(booking.get("end").asText()).isEqualTo("2026-12-01T10:00:00+01:00");
        assertThat(booking.get("amount").asLong()).isEqualTo(9000);
        assertThat(booking.get("currency").asText()).isEqualTo("CHF");
        assertThat(booking.get("customer").get("email").asText()).isEqualTo("john@example.com");
        assertThat(booking.get("holdExpiresAt").asText()).isEqualTo("2026-11-30T07:15:00Z");

        var read = httpGet("/api/v1/bookings/" + id);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().get("id").asText()).isEqualTo(id);
        assertThat(read.json().get("status").asText()).isEqualTo("PENDING_PAYMENT");

        // the id as the route matched it: decoded, without ;parameters
        var withParameter = httpGet("/api/v1/bookings/" + id + ";v=1");
        assertThat(withParameter.status()).as(withParameter.body()).isEqualTo(200);
        assertThat(withParameter.json().get("id").asText()).isEqualTo(id);
        var encoded = httpGet("/api/v1/bookings/%" + Integer.toHexString(id.charAt(0)) + id.substring(1));
        assertThat(encoded.status()).as(encoded.body()).isEqualTo(200);
        assertThat(encoded.json().get("id").asText()).isEqualTo(id);
    }

    @Test
    void aBookingWithoutSummaryForTheLongestNameIsSummarizedWithinItsColumn() {
        String name = "N".repeat(200);
        var response = httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"customer":{"name":"%s","email":"n@example.com"}}
                """.formatted(name));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        String summary = response.json().get("summary").asText();
        assertThat(summary).hasSize(200).startsWith("Consultation with NNN").endsWith("N\u2026");
    }

    /**
     * A customer email whose domain has no dot (a@localhost), which Hibernate's @Email takes, is refused as any bad
     * field: 400 validation naming customer.email, nothing booked, no payment started, for a booking and an ASAP one.
     * Before, the booking was made and its confirmation email then failed at SendGrid or never arrived.
     */
    @Test
    void aCustomerEmailWhoseDomainHasNoDotIsRefusedAndNothingIsBooked() {
        var booking = httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60)
                .replace("john@example.com", "john@localhost"));
        var asap = httpPost("/api/v1/bookings/asap", BookingJson.asap(30).replace("jane@example.com", "jane@host"));

        for (var refused : List.of(booking, asap)) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
            assertThat(refused.json().get("type").asText()).isEqualTo("validation");
            assertThat(refused.json().get("detail").asText()).contains("'customer.email'").contains("dot");
        }
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isZero();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
        // an address with a dotted domain still books
        assertThat(httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60)
                .replace("john@example.com", "john@mail.example.co.uk")).status()).isEqualTo(201);
    }

    @Test
    void aSlotAskedInZurichTimeIsStoredInUtc() {
        String id = httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60)).json().get("id").asText();

        OffsetDateTime stored = jdbc.sql("SELECT start_at FROM booking WHERE id = :id").param("id", id)
                .query(OffsetDateTime.class).single();
        assertThat(stored.toInstant()).isEqualTo(Instant.parse("2026-12-01T08:00:00Z"));
    }

    @Test
    void aSlotBusyInTheCalendarIsAConflict() {
        google.busy(Instant.parse("2026-12-01T08:30:00Z"), Instant.parse("2026-12-01T09:00:00Z"));

        var response = httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60));

        assertThat(response.status()).isEqualTo(409);
        assertThat(response.json().get("type").asText()).isEqualTo("booking-conflict");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isZero();
    }

    /**
     * Google's FreeBusy answers 200 with an error for the calendar (backendError: passing; notFound: no longer shared).
     * The booking is refused all the same, but as 503 ask again, not 409 "already taken": a final answer the
     * Idempotency-Key would replay for a day after Google recovered. Counted, and Google's last error.
     */
    @Test
    void aCalendarGoogleCannotReadIs503AskAgainNotATakenSlotAndTheKeyDoesNotKeepIt() {
        String body = BookingJson.at("2026-12-01T09:00:00+01:00", 60);
        double before = unreadableAnswers("backendError");
        google.freeBusyCalendarError("backendError");

        var refused = postWithKey("/api/v1/bookings", body, "unread-1");

        assertThat(refused.status()).as(refused.body()).isEqualTo(503);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.header("Retry-After")).isEqualTo("30");
        assertThat(refused.json().get("type").asText()).isEqualTo("provider-unavailable");
        assertThat(refused.json().get("detail").asText())
                .isEqualTo("Google Calendar could not read the calendar's availability (backendError); try again later");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isZero();
        assertThat(unreadableAnswers("backendError") - before).isEqualTo(1);
        JsonNode lastError = googleIntegration().get("lastError");
        assertThat(lastError.get("type").asText()).isEqualTo("provider-unavailable");
        assertThat(lastError.get("detail").asText()).contains("could not read the calendar's availability (backendError)");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));

        google.reset(); // Google reads the calendar again
        var booked = postWithKey("/api/v1/bookings", body, "unread-1");

        assertThat(booked.status()).as(booked.body()).isEqualTo(201);
        assertThat(booked.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isEqualTo(1);
    }

    @Test
    void asapWhileGoogleCannotReadTheCalendarIs503NotNoFreeSlot() {
        clock.set(Instant.parse("2026-12-01T08:10:00Z")); // 09:10 in Zurich: slots are left today
        double before = unreadableAnswers("notFound");
        google.freeBusyCalendarError("notFound");

        var response = httpPost("/api/v1/bookings/asap", BookingJson.asap(30));

        assertThat(response.status()).as(response.body()).isEqualTo(503);
        assertThat(response.header("Retry-After")).isEqualTo("30");
        assertThat(response.json().get("type").asText()).isEqualTo("provider-unavailable");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isZero();
        assertThat(unreadableAnswers("notFound") - before).isEqualTo(1);
    }

    private double unreadableAnswers(String reason) {
        return meters.counter("connectify.gcal.freebusy.unreadable", "reason", reason).count();
    }

    private JsonNode googleIntegration() {
        JsonNode integrations = httpGet("/api/v1/admin/integrations", ADMIN_KEY).json().get("integrations");
        return StreamSupport.stream(integrations.spliterator(), false)
                .filter(i -> i.get("provider").asText().equals("google-calendar")).findFirst().orElseThrow();
    }

    private Response postWithKey(String path, String body, String key) {
        return send(request(path).header("Content-Type", "application/json").header(IdempotencyKeyFilter.HEADER, key)
                .POST(HttpRequest.BodyPublishers.ofString(body)), API_KEY);
    }

    @Test
    void aSlotHeldByAnotherBookingIsAConflict() {
        assertThat(httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60)).status()).isEqualTo(201);

        var overlapping = httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:30:00+01:00", 30));

        assertThat(overlapping.status()).isEqualTo(409);
        assertThat(overlapping.json().get("type").asText()).isEqualTo("booking-conflict");
    }

    @Test
    void twoRacingRequestsForOneSlotHaveExactlyOneWinner() throws Exception {
        Callable<Integer> book = () -> httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T14:00:00+01:00", 60)).status();
        var pool = Executors.newFixedThreadPool(4);
        try {
            List<Integer> statuses = pool.invokeAll(List.of(book, book, book, book)).stream().map(f -> {
                try {
                    return f.get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
            assertThat(statuses).containsExactlyInAnyOrder(201, 409, 409, 409);
        } finally {
            pool.shutdownNow();
        }
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isEqualTo(1);
    }

    @Test
    void anExpiredHoldReleasesTheSlot() {
        String id = httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60)).json().get("id").asText();

        clock.advance(Duration.ofMinutes(16));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(httpGet("/api/v1/bookings/" + id).json().get("status").asText()).isEqualTo("EXPIRED"));
        assertThat(httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60)).status()).isEqualTo(201);
    }

    @Test
    void slotsOutsideWorkingHoursOffGridOrTooSoonAreNotBookable() {
        for (String start : List.of("2026-12-01T07:00:00+01:00", "2026-12-01T09:10:00+01:00",
                "2026-11-30T09:00:00+01:00", "2026-12-05T10:00:00+01:00")) {
            var response = httpPost("/api/v1/bookings", BookingJson.at(start, 60));
            assertThat(response.status()).as(start).isEqualTo(422);
            assertThat(response.json().get("type").asText()).isEqualTo("slot-not-bookable");
        }
    }

    /**
     * A start beyond connectify.booking.max-advance (365 days) is not bookable: 9999-12-31 was booked, with a payment
     * page. One a year and a day ahead, in working hours and on the grid, neither; one within the year is.
     */
    @Test
    void aStartBeyondTheMaximumAdvanceIsNotBookable() {
        for (String start : List.of("9999-12-31T10:00:00+01:00", "2027-12-01T09:00:00+01:00")) {
            var response = httpPost("/api/v1/bookings", BookingJson.at(start, 60));

            assertThat(response.status()).as(start + ": " + response.body()).isEqualTo(422);
            assertThat(response.header("Content-Type")).startsWith("application/problem+json");
            assertThat(response.json().get("type").asText()).isEqualTo("slot-not-bookable");
            assertThat(response.json().get("detail").asText()).contains("at most 365 days ahead");
        }
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isZero();
        stripe.server().verify(0, com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/v1/checkout/sessions")));
        assertThat(httpPost("/api/v1/bookings", BookingJson.at("2027-11-24T09:00:00+01:00", 60)).status())
                .as("within the year").isEqualTo(201);
    }

    /** A start with a fraction of a second is off the grid, and named as it was asked for, not as the whole second. */
    @Test
    void aStartWithAFractionOfASecondIsNamedWithIt() {
        var response = httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00.5+01:00", 60));

        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.json().get("type").asText()).isEqualTo("slot-not-bookable");
        assertThat(response.json().get("detail").asText()).contains("2026-12-01T09:00:00.5+01:00");
    }

    /**
     * FreeBusy (with its retries) may take minutes: a slot just the lead time ahead when asked is within it once Google
     * has answered, and is judged again then. Before, it was booked on the time read before FreeBusy.
     */
    @Test
    void aSlotWhoseLeadTimePassesWhileItIsCheckedIsNotBooked() throws Exception {
        String start = "2026-11-30T10:00:00+01:00"; // asked at 08:00 in Zurich: just the lead time ahead
        Response response = whileFreeBusyAnswers(Duration.ofMinutes(1),
                () -> httpPost("/api/v1/bookings", BookingJson.at(start, 60)));

        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.json().get("type").asText()).isEqualTo("slot-not-bookable");
        assertThat(response.json().get("detail").asText()).contains("at least 120 minutes ahead");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isZero();
        clock.set(Instant.parse("2026-11-30T07:00:00Z"));
        assertThat(httpPost("/api/v1/bookings", BookingJson.at(start, 60)).status()).as("the slot is free")
                .isEqualTo(201);
    }

    /** The hold counts from the time FreeBusy answered: one dated before it would run out that much early. */
    @Test
    void aBookingsHoldCountsFromTheTimeItsSlotWasFoundFree() throws Exception {
        Response response = whileFreeBusyAnswers(Duration.ofMinutes(5),
                () -> httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60)));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("holdExpiresAt").asText()).isEqualTo("2026-11-30T07:20:00Z");
    }

    /**
     * The same for ASAP: a free slot FreeBusy answered for that is within the preparation time by then is skipped for
     * the next, and the hold counts from then.
     */
    @Test
    void asapSkipsASlotWhosePreparationTimePassesWhileItIsCheckedAndHoldsFromThen() throws Exception {
        clock.set(Instant.parse("2026-12-01T08:10:00Z")); // 09:10 in Zurich; preparation 1h -> from 10:10

        Response response = whileFreeBusyAnswers(Duration.ofMinutes(30), // from 10:40 once Google has answered
                () -> httpPost("/api/v1/bookings/asap", BookingJson.asap(30)));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("start").asText()).isEqualTo("2026-12-01T11:00:00+01:00");
        assertThat(response.json().get("holdExpiresAt").asText()).isEqualTo("2026-12-01T08:55:00Z");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isEqualTo(1);
    }

    /** Sends the request, and advances the clock by {@code elapsed} while Google holds its FreeBusy answer. */
    private Response whileFreeBusyAnswers(Duration elapsed, Callable<Response> request) throws Exception {
        HeldAnswer freeBusy = google.holdNextFreeBusyAnswer();
        ExecutorService customer = Executors.newSingleThreadExecutor();
        try {
            Future<Response> answered = customer.submit(request);
            freeBusy.awaitArrival();
            clock.advance(elapsed);
            freeBusy.release();
            return answered.get(20, TimeUnit.SECONDS);
        } finally {
            freeBusy.release();
            customer.shutdownNow();
        }
    }

    @Test
    void asapBooksTheEarliestFreeSlotAfterThePreparationTime() {
        clock.set(Instant.parse("2026-12-01T08:10:00Z")); // 09:10 in Zurich; preparation 1h -> from 10:10
        google.busy(Instant.parse("2026-12-01T09:30:00Z"), Instant.parse("2026-12-01T10:00:00Z"));

        var response = httpPost("/api/v1/bookings/asap", BookingJson.asap(30));

        assertThat(response.status()).isEqualTo(201);
        // 10:30 and 11:00 overlap the busy 10:30-11:00 range widened by the buffer; 11:30 is the earliest
        assertThat(response.json().get("start").asText()).isEqualTo("2026-12-01T11:30:00+01:00");
        assertThat(response.json().get("amount").asLong()).isEqualTo(5000);
        assertThat(response.json().get("summary").asText()).isEqualTo("Consultation with Jane Roe");
    }

    @Test
    void asapWithNothingLeftTodayIsAConflict() {
        clock.set(Instant.parse("2026-12-01T15:30:00Z")); // 16:30 in Zurich

        var response = httpPost("/api/v1/bookings/asap", BookingJson.asap(30));

        assertThat(response.status()).isEqualTo(409);
        assertThat(response.json().get("type").asText()).isEqualTo("booking-conflict");
    }

    /**
     * Asked late in the evening, the preparation time ends past midnight: the earliest free slot is the next day's
     * first, and FreeBusy is asked for that day (from the earliest start, widened by the buffer). Before, the search
     * ended at the old day's midnight: 409 "no free slot left today", Google never asked.
     */
    @Test
    void asapAskedLateInTheEveningBooksTheFirstSlotOfTheDayThePreparationTimeEndsIn() {
        clock.set(Instant.parse("2026-12-01T22:50:00Z")); // Tuesday 23:50 in Zurich; preparation 1h -> Wednesday 00:50

        var response = httpPost("/api/v1/bookings/asap", BookingJson.asap(30));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        assertThat(response.json().get("start").asText()).isEqualTo("2026-12-02T09:00:00+01:00");
        assertThat(response.json().get("end").asText()).isEqualTo("2026-12-02T09:30:00+01:00");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(GoogleCalendarFake.FREEBUSY))
                .withRequestBody(matchingJsonPath("$.timeMin", equalTo("2026-12-01T23:35:00.000Z")))
                .withRequestBody(matchingJsonPath("$.timeMax", equalTo("2026-12-02T23:15:00.000Z"))));
        assertThat(jdbc.sql("SELECT start_at FROM booking").query(OffsetDateTime.class).single().toInstant())
                .isEqualTo(Instant.parse("2026-12-02T08:00:00Z"));
    }

    /** The same with the next day's first slot busy in the calendar: the next free one that day. */
    @Test
    void asapPastMidnightPassesOverTheNextDaysBusySlots() {
        clock.set(Instant.parse("2026-12-01T22:50:00Z"));
        google.busy(Instant.parse("2026-12-02T08:00:00Z"), Instant.parse("2026-12-02T09:00:00Z"));

        var response = httpPost("/api/v1/bookings/asap", BookingJson.asap(30));

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        // 09:00-10:00 busy, widened by the 15-minute buffer: 10:30 is the first free
        assertThat(response.json().get("start").asText()).isEqualTo("2026-12-02T10:30:00+01:00");
    }

    @Test
    void adminListsBookingsByStatusAndRange() {
        httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60));
        httpPost("/api/v1/bookings", BookingJson.at("2026-12-02T09:00:00+01:00", 30));

        var all = httpGet("/api/v1/admin/bookings?status=pending_payment", ADMIN_KEY);
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.json().get("bookings")).hasSize(2);
        var tuesday = httpGet("/api/v1/admin/bookings?from=" + q("2026-12-01T00:00:00+01:00") + "&to="
                + q("2026-12-02T00:00:00+01:00"), ADMIN_KEY);
        assertThat(tuesday.json().get("bookings")).hasSize(1);
        assertThat(httpGet("/api/v1/admin/bookings?status=CONFIRMED", ADMIN_KEY).json().get("bookings")).isEmpty();
        assertThat(httpGet("/api/v1/admin/bookings?status=bogus", ADMIN_KEY).status()).isEqualTo(400);
    }

    @Test
    void aRequestHeaderIsNotReadAsTheQueryParameterOfItsName() {
        httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60));
        httpPost("/api/v1/bookings", BookingJson.at("2026-12-02T09:00:00+01:00", 30));

        // RFC 9110's From header (the user's e-mail address) is not the list's ?from, nor a Status header its ?status
        var withHeaders = send(request("/api/v1/admin/bookings").header("From", "ops@example.com")
                .header("Status", "CONFIRMED").GET(), ADMIN_KEY);
        var head = send(request("/api/v1/admin/bookings").header("From", "ops@example.com")
                .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);
        var repeated = httpGet("/api/v1/admin/bookings?status=CONFIRMED&status=PENDING_PAYMENT", ADMIN_KEY);
        // as before: a parameter's name in any case, and a pair that is not validly percent-encoded ignored
        var otherCase = httpGet("/api/v1/admin/bookings?Status=CONFIRMED", ADMIN_KEY);
        String malformed = rawGet("/api/v1/admin/bookings?status=CONFIRMED&ref=100%", ADMIN_KEY);

        assertThat(withHeaders.status()).isEqualTo(200);
        assertThat(withHeaders.json().get("bookings")).hasSize(2);
        assertThat(head.status()).isEqualTo(200);
        assertThat(otherCase.status()).isEqualTo(200);
        assertThat(otherCase.json().get("bookings")).isEmpty();
        assertThat(malformed).startsWith("HTTP/1.1 200 ").contains("\"bookings\":[]");
        assertThat(repeated.status()).isEqualTo(400);
        assertThat(repeated.json().get("type").asText()).isEqualTo("validation");
        assertThat(repeated.json().get("detail").asText()).isEqualTo("Query parameter 'status' is given more than once");
    }

    @Test
    void adminListsSayWhenTheyAreCutAndRefuseAReversedRange() {
        for (int i = 0; i < 501; i++) { // more than a list holds, written directly: 501 API bookings would take long
            cancelledBookingAt(java.time.OffsetDateTime.parse("2027-01-04T09:00:00Z").plusMinutes(i));
        }

        var cut = httpGet("/api/v1/admin/bookings?status=CANCELLED", ADMIN_KEY);
        var rest = httpGet("/api/v1/admin/bookings?status=CANCELLED&from=" + q("2027-01-04T17:20:00Z"), ADMIN_KEY);
        var reversed = httpGet("/api/v1/admin/bookings?from=" + q("2027-01-05T00:00:00Z") + "&to="
                + q("2027-01-04T00:00:00Z"), ADMIN_KEY);
        var emptyFrom = httpGet("/api/v1/admin/bookings?status=CANCELLED&from=", ADMIN_KEY);

        assertThat(cut.json().get("bookings")).hasSize(500);
        assertThat(cut.json().get("truncated").asBoolean()).isTrue();
        assertThat(rest.json().get("bookings")).hasSize(1); // the 501st starts at 17:20
        assertThat(rest.json().get("truncated").asBoolean()).isFalse();
        assertThat(reversed.status()).isEqualTo(422);
        assertThat(reversed.json().get("type").asText()).isEqualTo("calculation");
        assertThat(emptyFrom.status()).as("an empty parameter is an absent one").isEqualTo(200);
    }

    /**
     * 501 bookings at one start: the first page's last one's start and id (from, after) give the rest, each booking
     * listed once. Before, there was no after: asked again from the last one's start, the same 500 came back forever.
     */
    @Test
    void adminListsPageOnByStartAndIdThroughBookingsAtOneStart() {
        String start = "2027-01-05T09:00:00Z";
        java.util.Set<String> written = new java.util.HashSet<>();
        for (int i = 0; i < 501; i++) {
            written.add(cancelledBookingAt(java.time.OffsetDateTime.parse(start)));
        }

        var first = httpGet("/api/v1/admin/bookings?status=CANCELLED&from=" + q(start), ADMIN_KEY);
        assertThat(first.json().get("truncated").asBoolean()).isTrue();
        var page = first.json().get("bookings");
        var last = page.get(page.size() - 1);
        var second = httpGet("/api/v1/admin/bookings?status=CANCELLED&from=" + q(last.get("start").asText())
                + "&after=" + last.get("id").asText(), ADMIN_KEY);
        var afterWithoutFrom = httpGet("/api/v1/admin/bookings?after=" + last.get("id").asText(), ADMIN_KEY);

        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(second.json().get("truncated").asBoolean()).isFalse();
        java.util.List<String> listed = new java.util.ArrayList<>(page.findValuesAsText("id"));
        listed.addAll(second.json().get("bookings").findValuesAsText("id"));
        assertThat(listed).hasSize(501).doesNotHaveDuplicates();
        assertThat(new java.util.HashSet<>(listed)).isEqualTo(written);
        assertThat(afterWithoutFrom.status()).isEqualTo(400);
        assertThat(afterWithoutFrom.json().get("type").asText()).isEqualTo("validation");
    }

    /** A CANCELLED booking of 30 minutes at {@code start}, written directly; answers its id. */
    private String cancelledBookingAt(java.time.OffsetDateTime start) {
        String id = java.util.UUID.randomUUID().toString();
        jdbc.sql("""
                INSERT INTO booking (id, status, start_at, end_at, duration_minutes, amount, currency, customer_name,
                  customer_email, summary, created_at, updated_at)
                VALUES (:id, 'CANCELLED', :start, :end, 30, 5000, 'CHF', 'x', 'x@example.com', 'x', :start, :start)
                """).param("id", id).param("start", start).param("end", start.plusMinutes(30)).update();
        return id;
    }

    @Test
    void theNotificationsOfAnUnknownBookingAre404() {
        var response = httpGet("/api/v1/bookings/00000000-0000-0000-0000-000000000000/notifications");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().get("type").asText()).isEqualTo("not-found");
    }

    @Test
    void aJsonMediaTypeInCapitalsIsJson() {
        var response = send(request("/api/v1/bookings").header("Content-Type", "Application/JSON; charset=UTF-8")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        BookingJson.at("2026-12-01T09:00:00+01:00", 60))), API_KEY);

        assertThat(response.status()).as(response.body()).isEqualTo(201);
    }

    /**
     * The README's JSON: a body in any application/*+json type, and an Accept of application/problem+json, which the
     * routes' request mapping refused (415, 406) where the filters let them through.
     */
    @Test
    void aBodyInAnotherJsonMediaTypeAndAnAcceptOfProblemJsonAreTaken() {
        var vndApi = send(request("/api/v1/bookings").header("Content-Type", "application/vnd.api+json")
                .POST(HttpRequest.BodyPublishers.ofString(BookingJson.at("2026-12-01T09:00:00+01:00", 60))), API_KEY);
        var mergePatch = send(request("/api/v1/bookings").header("Content-Type", "application/merge-patch+json")
                .POST(HttpRequest.BodyPublishers.ofString(BookingJson.at("2026-12-01T11:00:00+01:00", 60))), API_KEY);
        assertThat(vndApi.status()).as(vndApi.body()).isEqualTo(201);
        assertThat(mergePatch.status()).as(mergePatch.body()).isEqualTo(201);
        String id = vndApi.json().get("id").asText();

        var problemsOnly = send(request("/api/v1/bookings/" + id).header("Accept", "application/problem+json").GET(),
                API_KEY);
        var unknown = send(request("/api/v1/bookings/00000000-0000-0000-0000-000000000000")
                .header("Accept", "application/problem+json").GET(), API_KEY);

        assertThat(problemsOnly.status()).as(problemsOnly.body()).isEqualTo(200);
        assertThat(problemsOnly.json().get("id").asText()).isEqualTo(id);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.header("Content-Type")).startsWith("application/problem+json");
        assertThat(unknown.json().get("type").asText()).isEqualTo("not-found");
    }

    /**
     * JSON between systems is UTF-8 (RFC 8259): a body is read so whatever charset its Content-Type names (Latin-1's
     * own bytes for "Zoë" are 400, not UTF-8), and the answer, JSON or problem, is UTF-8 all the same.
     */
    @Test
    void aBodyIsReadAndAnsweredInUtf8WhateverCharsetItNames() throws Exception {
        // escaped: the body's bytes are ASCII, the same in either charset; Ł (U+0141) is no Latin-1 letter
        String escaped = BookingJson.at("2026-12-01T09:00:00+01:00", 60).replace("John Doe", "Zo\\u00eb \\u0141uk");
        String latin1 = BookingJson.at("2026-12-01T11:00:00+01:00", 60).replace("John Doe", "Zo\u00eb");

        var created = sendLatin1("/api/v1/bookings", escaped.getBytes(StandardCharsets.ISO_8859_1));
        var notUtf8 = sendLatin1("/api/v1/bookings", latin1.getBytes(StandardCharsets.ISO_8859_1));
        var problem = sendLatin1("/api/v1/bookings/zo%C3%AB/reschedule",
                "{\"start\":\"2026-12-01T09:00:00+01:00\"}".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).contains("\"name\":\"Zo\u00eb \u0141uk\"");
        assertThat(notUtf8.statusCode()).as(notUtf8.body()).isEqualTo(400);
        assertThat(notUtf8.body()).contains("\"type\":\"validation\"", "UTF-8");
        assertThat(problem.statusCode()).as(problem.body()).isEqualTo(404);
        assertThat(problem.body()).contains("zo\u00eb");
        for (var answer : List.of(created, notUtf8, problem)) {
            assertThat(answer.headers().firstValue("Content-Type").orElse("")).doesNotContainIgnoringCase("8859");
        }
    }

    /** A POST labelled {@code application/json; charset=ISO-8859-1}, its answer read as UTF-8 whatever it says. */
    private HttpResponse<String> sendLatin1(String path, byte[] body) throws Exception {
        return HttpClient.newHttpClient().send(request(path).header("X-API-Key", API_KEY)
                .header("Content-Type", "application/json; charset=ISO-8859-1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** A UUID in capitals names the booking it names in lower case, as a provider's event does; anything else none. */
    @Test
    void aBookingIdInCapitalsIsThatBooking() {
        String id = httpPost("/api/v1/bookings", BookingJson.at("2026-12-01T09:00:00+01:00", 60)).json().get("id")
                .asText();
        String upper = id.toUpperCase(java.util.Locale.ROOT);

        var read = httpGet("/api/v1/bookings/" + upper);
        var notifications = httpGet("/api/v1/bookings/" + upper + "/notifications");
        var settled = httpPost("/api/v1/admin/bookings/" + upper + "/refund/settled", "{\"note\":\"bank transfer\"}",
                ADMIN_KEY);
        var cleared = httpPost("/api/v1/admin/bookings/" + upper + "/attention/clear",
                "{\"since\":\"2026-11-30T07:00:00Z\",\"note\":\"x\"}", ADMIN_KEY);
        var cancelled = httpPost("/api/v1/bookings/" + upper + "/cancel", "");
        var notAUuid = httpGet("/api/v1/bookings/" + id.replace("-", ""));

        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.json().get("id").asText()).isEqualTo(id);
        assertThat(notifications.status()).as(notifications.body()).isEqualTo(200);
        assertThat(settled.status()).as("found, no refund pending: " + settled.body()).isEqualTo(409);
        assertThat(cleared.status()).as("found, not marked: " + cleared.body()).isEqualTo(409);
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("id").asText()).isEqualTo(id);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(jdbc.sql("SELECT status FROM booking WHERE id = :id").param("id", id).query(String.class).single())
                .isEqualTo("CANCELLED");
        assertThat(notAUuid.status()).isEqualTo(404);
        assertThat(notAUuid.json().get("type").asText()).isEqualTo("not-found");
    }

    @Test
    void anUnknownBookingIs404() {
        var response = httpGet("/api/v1/bookings/00000000-0000-0000-0000-000000000000");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().get("type").asText()).isEqualTo("not-found");
    }
}
