package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.noContent;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HeldAnswer;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Cancelling and rescheduling bookings: calendar event removed or moved, refunds within the cut-off. */
@HubTest
class CancellationTest extends Webhooks {

    private static final String START = "2026-12-02T09:00:00+01:00";
    /** The WireMock scenario in which Google's calendar holds a booking's event at one time or another. */
    private static final String CALENDAR = "the booking's event";

    @Autowired
    ProducerTemplate camel;

    @Test
    void cancellingBeforeTheCutOffDeletesTheEventAndRefunds() {
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(EVENTS + "/" + event))
                .willReturn(noContent()));

        var response = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("status").asText()).isEqualTo("REFUNDED");
        google.server().verify(1, deleteRequestedFor(urlPathEqualTo(EVENTS + "/" + event)));
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(containing("payment_intent=pi_" + id.substring(0, 8)))
                .withHeader("Idempotency-Key", equalTo("booking-" + id + "-refund-pi_" + id.substring(0, 8))));
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
    }

    @Test
    void cancellingAfterTheCutOffCancelsWithoutRefund() {
        String id = confirmedStripeBooking(START);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id)))
                .willReturn(noContent()));
        clock.set(Instant.parse("2026-12-01T12:00:00Z")); // 20 hours before the start; cut-off is 24 h

        var response = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(response.json().get("status").asText()).isEqualTo("CANCELLED");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * A confirmed booking whose appointment has begun, here a week past, is not cancelled: 409, its calendar event (the
     * practice's record of it) left alone, nothing refunded and nothing told to its customer. Before, it was CANCELLED
     * ("cancelled after the refund cut-off"), its event deleted and a cancellation SMS and email sent.
     */
    @Test
    void aConfirmedBookingWhoseAppointmentHasBegunIsNotCancelled() {
        String id = confirmedStripeBooking(START);
        // its confirmation is logged just after the booking is confirmed: listed before the cancel is tried
        await().atMost(Duration.ofSeconds(10)).until(() -> httpGet("/api/v1/bookings/" + id + "/notifications").json()
                .get("notifications").findValuesAsText("kind").contains("confirmation"));
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(event))
                .willReturn(noContent()));
        clock.set(Instant.parse("2026-12-09T08:00:00Z")); // a week after the start

        var response = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(response.status()).as(response.body()).isEqualTo(409);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(response.json().get("detail").asText()).contains("until its start")
                .contains("2026-12-02T09:00:00+01:00");
        google.server().verify(0, deleteRequestedFor(urlPathEqualTo(event)));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")
                .findValuesAsText("kind")).as("no cancellation told").allMatch(kind -> !kind.startsWith("cancellation"))
                .contains("confirmation");

        // so too at its very start
        clock.set(Instant.parse("2026-12-02T08:00:00Z"));
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        google.server().verify(0, deleteRequestedFor(urlPathEqualTo(event)));
    }

    @Test
    void aPendingBookingIsCancelledAndFreesItsSlot() {
        String id = pendingBooking(START, "stripe");

        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").json().get("status").asText()).isEqualTo("CANCELLED");
        pendingBooking(START, "stripe");
    }

    @Test
    void aCancelSentWithNoBodyAtAllIsCancelled() {
        String id = pendingBooking(START, "stripe");

        // the README's curl: no body, so no Content-Type and, over HTTP/1.1, no Content-Length either
        assertThat(bodilessPost("/api/v1/bookings/" + id + "/cancel")).startsWith("HTTP/1.1 200 ");
        assertThat(status(id)).isEqualTo("CANCELLED");
    }

    @Test
    void reschedulingMovesTheEventWithoutANewPayment() {
        String id = confirmedStripeBooking(START);
        String event = BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + event)).willReturn(okJson(GoogleCalendarFake.eventJson(event,
                "x", "2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00"))));
        // Google reports the booking's own event as busy: that must not block moving it by 30 minutes later
        google.busy(Instant.parse("2026-12-02T08:00:00Z"), Instant.parse("2026-12-02T09:00:00Z"));

        var moved = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-02T09:30:00+01:00\"}");

        assertThat(moved.status()).as(moved.body()).isEqualTo(200);
        assertThat(moved.json().get("start").asText()).isEqualTo("2026-12-02T09:30:00+01:00");
        assertThat(moved.json().get("end").asText()).isEqualTo("2026-12-02T10:30:00+01:00");
        google.server().verify(patchRequestedFor(urlPathEqualTo(EVENTS + "/" + event)).withRequestBody(equalToJson("""
                {"start":{"dateTime":"2026-12-02T09:30:00.000+01:00"},"end":{"dateTime":"2026-12-02T10:30:00.000+01:00"}}
                """)));
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));

        // the customer hears of each move, with its new time, in the booking's language and time zone; also of a
        // move back to a time it had (moved there again: a notice of its own)
        String movedTo = "Ihr Termin wurde auf Mittwoch, 2. Dezember 2026, %s (60 Min.) verschoben";
        java.util.List<String> told = new java.util.ArrayList<>(java.util.List.of(movedTo.formatted("09:30")));
        awaitMoveNotices(told);
        for (String time : new String[] {"11:00", "13:00", "11:00"}) {
            clock.advance(Duration.ofMinutes(1));
            String start = "2026-12-02T" + time + ":00+01:00";
            var movedAgain = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"" + start + "\"}");
            assertThat(movedAgain.status()).as(movedAgain.body()).isEqualTo(200);
            assertThat(movedAgain.json().get("start").asText()).isEqualTo(start);
            told.add(movedTo.formatted(time));
            awaitMoveNotices(told);
        }
        // a move to where it is already changes nothing
        var nowhere = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-02T11:00:00+01:00\"}");
        assertThat(nowhere.status()).isEqualTo(200);
        google.server().verify(4, patchRequestedFor(urlPathEqualTo(EVENTS + "/" + event)));
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")
                .findValuesAsText("kind")).filteredOn("rescheduled"::equals).hasSize(8); // an SMS and an email each
    }

    /**
     * A confirmed booking whose event was deleted in Google by hand (push off, the default: the hub did not hear of
     * it): Google answers the move's PATCH 404 (or 410 Gone). The caller gets 409 {@code invalid-state} saying what
     * to do, and the booking is flagged and marked for a person as the re-check flags a deleted event. Before, 404
     * {@code not-found} ("Calendar event not found"), which reads as "no such booking", and nothing flagged or marked.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"404, notFound", "410, deleted"})
    void aMoveOfABookingWhoseEventGoogleNoLongerHasIsInvalidStateAndLeftForAPerson(int status, String reason) {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(event)).willReturn(GoogleCalendarFake.error(status, reason)));

        Response moved = httpPost("/api/v1/bookings/" + id + "/reschedule",
                "{\"start\":\"2026-12-02T14:00:00+01:00\"}");

        assertEventGone(id, moved);
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(event))); // nothing moved: nothing moved back
    }

    /**
     * Google patches an event in its bin (deleted by hand, still restorable) and answers 200 with the event
     * {@code "status":"cancelled"}: as gone as a 404's, and its times go back to the booking's (restored, it shows
     * them). Before, the answer was not read: the booking moved to a time whose event no one sees, and its customer
     * was told.
     */
    @Test
    void aMoveWhoseEventGoogleAnswersCancelledIsInvalidStateAndItsEventGoesBack() {
        String id = confirmedStripeBooking(START);
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson(GoogleCalendarFake.eventJson(eventId, "x",
                "2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00").replace("\"confirmed\"", "\"cancelled\""))));

        Response moved = httpPost("/api/v1/bookings/" + id + "/reschedule",
                "{\"start\":\"2026-12-02T14:00:00+01:00\"}");

        assertEventGone(id, moved);
        assertNotMovedItsEventMovedBack(id, event, "2026-12-02T14:00:00.000+01:00");
    }

    /** 409 invalid-state for the event gone; the booking where it was, flagged and marked for a person, told nothing. */
    private void assertEventGone(String id, Response moved) {
        String deleted = "calendar event deleted in Google Calendar: restore it there (its bin) or cancel through the hub";
        assertThat(moved.status()).as(moved.body()).isEqualTo(409);
        assertThat(moved.header("Content-Type")).startsWith("application/problem+json");
        assertThat(moved.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(moved.json().get("detail").asText())
                .contains("its calendar event no longer exists: restore it in the calendar or cancel the booking");
        assertThat(moved.header("Retry-After")).isNull();
        var booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(booking.get("start").asText()).isEqualTo(START);
        assertThat(booking.get("statusReason").asText()).isEqualTo(deleted);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(deleted);
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")
                .findValuesAsText("kind")).doesNotContain("rescheduled");
        assertThat(movingSince(id)).as("no move left under way").isNull();
    }

    /**
     * Google refusing the move's PATCH otherwise (409, 400: not the caller's body, which was valid) is 502
     * {@code provider-error}, which an Idempotency-Key does not keep: the same request asked again, Google answering
     * now, is made. Before, 409 {@code duplicate-event} or 400 {@code validation}, final answers replayed for 24 hours.
     * Nothing moved, so nothing is moved back: Google gets the one PATCH refused (before, a second one to move the
     * event back, refused too, and an ERROR line that the event could not be moved back).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"409, duplicate", "400, invalid"})
    void aMoveGoogleRefusesIsAProviderErrorThatItsIdempotencyKeyDoesNotKeep(int status, String reason) {
        String id = confirmedStripeBooking(START);
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).willReturn(GoogleCalendarFake.error(status, reason)));
        String key = "move-" + id;

        Response refused;
        List<ILoggingEvent> errors;
        try (LogLines lines = LogLines.of(BookingSaga.class)) {
            refused = rescheduled(id, "2026-12-02T14:00:00+01:00", key);
            errors = lines.errors();
        }

        assertThat(refused.status()).as(refused.body()).isEqualTo(502);
        assertThat(refused.json().get("type").asText()).isEqualTo("provider-error");
        assertThat(refused.json().get("detail").asText()).contains("HTTP " + status);
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        assertThat(attentionOrNull(id)).isNull();
        // refused, nothing moved: no PATCH back to the booking's time, and no ERROR that the event stays moved
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(event)));
        assertThat(errors).isEmpty();

        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson(GoogleCalendarFake.eventJson(eventId, "x",
                "2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00"))));
        Response again = rescheduled(id, "2026-12-02T14:00:00+01:00", key);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.header("Idempotent-Replayed")).isNull();
        assertThat(again.json().get("start").asText()).isEqualTo("2026-12-02T14:00:00+01:00");
    }

    /** POST /bookings/{id}/reschedule to {@code start} with an Idempotency-Key. */
    private Response rescheduled(String id, String start, String key) {
        return send(request("/api/v1/bookings/" + id + "/reschedule").header("Idempotency-Key", key)
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"start\":\"" + start + "\"}")), API_KEY);
    }

    /** The answer to a request made while another transaction holds the booking's row, released once it is in. */
    private Response whileTheRowIsHeld(String id, java.util.function.Supplier<Response> request) throws Exception {
        return whileRowsAreHeld("SELECT id FROM booking WHERE id = :id FOR UPDATE", java.util.Map.of("id", id),
                request);
    }

    /** The SMS of the moves, in the order they were sent, each telling its time. */
    private static void awaitMoveNotices(java.util.List<String> told) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            var texts = smsTexts().stream().filter(text -> text.contains("verschoben")).toList();
            assertThat(texts).hasSize(told.size());
            for (int i = 0; i < told.size(); i++) {
                assertThat(texts.get(i)).contains(told.get(i));
            }
        });
    }

    private static java.util.List<String> smsTexts() {
        return notify.twilio().findAll(postRequestedFor(urlPathEqualTo(io.connectify.hub.support.NotificationFakes.MESSAGES)))
                .stream().map(sent -> java.net.URLDecoder.decode(sent.getBodyAsString(),
                        java.nio.charset.StandardCharsets.UTF_8)).toList();
    }

    @Test
    void aBookingIsMovedOnlyUntilTheRefundCutOffBeforeItsStart() {
        String id = confirmedStripeBooking(START);
        clock.set(Instant.parse("2026-12-01T12:00:00Z")); // 20 hours before the start; the cut-off is 24 h

        var response = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-09T09:00:00+01:00\"}");

        assertThat(response.status()).isEqualTo(409);
        assertThat(response.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(response.json().get("detail").asText()).contains("24 hours before its start");
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
    }

    @Test
    void aBookingWhoseRefundCutOffPassesWhileItsNewSlotIsCheckedIsNotMoved() throws Exception {
        String id = confirmedStripeBooking(START);
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))).willReturn(okJson("{}")));
        HeldAnswer freeBusy = google.holdNextFreeBusyAnswer();
        Response response = rescheduledWhile(id, "2026-12-09T09:00:00+01:00", freeBusy, () -> {
            // asked before the cut-off; FreeBusy (its retries may take minutes) answers only once it has passed
            clock.set(Instant.parse("2026-12-01T12:00:00Z")); // 20 hours before the start; the cut-off is 24 h
        });

        assertThat(response.status()).as(response.body()).isEqualTo(409);
        assertThat(response.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(response.json().get("detail").asText()).contains("24 hours before its start");
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")
                .findValuesAsText("kind")).doesNotContain("rescheduled");
    }

    /**
     * The cut-off passes while Google moves the event (its PATCH, with retries, may take minutes): judged again as the
     * move commits, the booking is not moved (a booking moved then could be cancelled for a full refund from its new
     * start) and its event goes back. Before, the move committed on the time read before the PATCH.
     */
    @Test
    void aBookingWhoseRefundCutOffPassesWhileItsEventIsMovedIsNotMovedAndItsEventGoesBack() throws Exception {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson("{}").withTransformers(HeldAnswer.NAME)));
        HeldAnswer patched = google.holdNextAnswer();
        Response moved = rescheduledWhile(id, "2026-12-09T09:00:00+01:00", patched, () -> {
            // asked and checked before the cut-off; Google answers the PATCH only once it has passed
            clock.set(Instant.parse("2026-12-01T12:00:00Z")); // 20 hours before the start; the cut-off is 24 h
        });

        assertThat(moved.status()).as(moved.body()).isEqualTo(409);
        assertThat(moved.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(moved.json().get("detail").asText()).contains("24 hours before its start");
        assertNotMovedItsEventMovedBack(id, event, "2026-12-09T09:00:00.000+01:00");
    }

    /** A move to a start beyond connectify.booking.max-advance (365 days) is refused as a new booking there is. */
    @Test
    void aMoveBeyondTheMaximumAdvanceIsNotMade() {
        String id = confirmedStripeBooking(START);

        for (String start : List.of("9999-12-31T10:00:00+01:00", "2027-12-01T09:00:00+01:00")) {
            Response response = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"" + start + "\"}");

            assertThat(response.status()).as(start + ": " + response.body()).isEqualTo(422);
            assertThat(response.json().get("type").asText()).isEqualTo("slot-not-bookable");
            assertThat(response.json().get("detail").asText()).contains("at most 365 days ahead");
        }
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
    }

    /**
     * The new slot's minimum lead time (2 h) passes while FreeBusy is asked (its retries may take minutes): judged
     * again once it has answered, as the first check (422 slot-not-bookable), before the event is touched. Before, the
     * move went ahead on the time read before FreeBusy, to a slot a new booking could no longer take.
     */
    @Test
    void aMoveWhoseNewSlotsLeadTimePassesWhileItIsCheckedIsNotMade() throws Exception {
        String id = confirmedStripeBooking(START);
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))).willReturn(okJson("{}")));
        HeldAnswer freeBusy = google.holdNextFreeBusyAnswer();
        // 10:00 in Zurich, asked at 08:00: just the lead time ahead
        Response response = rescheduledWhile(id, "2026-11-30T10:00:00+01:00", freeBusy, () -> {
            clock.advance(Duration.ofMinutes(1)); // FreeBusy answers once the slot is less than 2 hours ahead
        });

        assertThat(response.status()).as(response.body()).isEqualTo(422);
        assertThat(response.json().get("type").asText()).isEqualTo("slot-not-bookable");
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        assertThat(movingSince(id)).as("no move left under way").isNull();
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")
                .findValuesAsText("kind")).doesNotContain("rescheduled");
    }

    /**
     * The same while Google moves the event (its PATCH, with retries, may take minutes): judged again as the move
     * commits, the booking is not moved and its event goes back.
     */
    @Test
    void aMoveWhoseNewSlotsLeadTimePassesWhileItsEventIsMovedIsNotMadeAndItsEventGoesBack() throws Exception {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson("{}").withTransformers(HeldAnswer.NAME)));
        HeldAnswer patched = google.holdNextAnswer();
        Response moved = rescheduledWhile(id, "2026-11-30T10:00:00+01:00", patched, () -> {
            clock.advance(Duration.ofMinutes(1)); // Google answers once the slot is less than 2 hours ahead
        });

        assertThat(moved.status()).as(moved.body()).isEqualTo(422);
        assertThat(moved.json().get("type").asText()).isEqualTo("slot-not-bookable");
        assertNotMovedItsEventMovedBack(id, event, "2026-11-30T10:00:00.000+01:00");
    }

    /**
     * The cut-off as the move commits is judged on the booking as stored then, not as the move first read it: here
     * the move's PATCH outlasts EventChangeTimeout (110 s in the tests), another move of the booking takes over and
     * commits it to a time within the cut-off; the first move, answered then, must not move a booking that can no
     * longer be moved (it could then be cancelled for a full refund from its new start). Its event goes back to
     * where the database has the booking. Before, the first move committed on its first read's start.
     */
    @Test
    void theCutOffAsAMoveCommitsIsJudgedOnTheBookingAsStoredThen() throws Exception {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson("{}").withTransformers(HeldAnswer.NAME)));
        HeldAnswer patched = google.holdNextAnswer();
        Response first = rescheduledWhile(id, "2026-12-09T09:00:00+01:00", patched, () -> {
            clock.advance(Duration.ofSeconds(111)); // the first move's marker no longer holds another off
            // today 13:00 in Zurich: 5 hours ahead, well within the 24-hour cut-off once moved there
            Response second = httpPost("/api/v1/bookings/" + id + "/reschedule",
                    "{\"start\":\"2026-11-30T13:00:00+01:00\"}");
            assertThat(second.status()).as(second.body()).isEqualTo(200);
        });

        assertThat(first.status()).as(first.body()).isEqualTo(409);
        assertThat(first.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(first.json().get("detail").asText()).contains("24 hours before its start")
                .contains("2026-11-30T13:00:00+01:00");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText())
                .isEqualTo("2026-11-30T13:00:00+01:00");
        // the journal lists a held request once answered: the second move's, the first's, then the first's undoing
        var patches = google.server().findAll(patchRequestedFor(urlPathEqualTo(event)));
        assertThat(patches).hasSize(3);
        assertThat(patches.get(0).getBodyAsString()).contains("2026-11-30T13:00:00.000+01:00");
        assertThat(patches.get(1).getBodyAsString()).contains("2026-12-09T09:00:00.000+01:00");
        assertThat(patches.get(2).getBodyAsString()).as("moved back to where the booking is")
                .contains("2026-11-30T13:00:00.000+01:00");
    }

    @Test
    void aBookingMovedWhileGoogleTimesOutHoldsUpNoOtherBooking() throws Exception {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        // every attempt runs into the read timeout (1 s in the tests) and is retried: seconds in all
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson("{}").withFixedDelay(3_000)));

        var moving = CompletableFuture.supplyAsync(() ->
                httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-02T14:00:00+01:00\"}"));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                !google.server().findAll(patchRequestedFor(urlPathEqualTo(event))).isEmpty());

        // meanwhile another slot is booked: its reservation takes the slot lock, which the move does not hold
        String other = pendingBooking("2026-12-02T11:00:00+01:00", "stripe");
        assertThat(moving).as("the move, still waiting for Google when the other booking was made").isNotDone();
        var moved = moving.get(30, TimeUnit.SECONDS);
        assertThat(moved.status()).isIn(502, 503);
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        assertThat(status(other)).isEqualTo("PENDING_PAYMENT");
    }

    /**
     * Google applies the move's PATCH, but every attempt's answer is lost (the read timeout): the caller gets Google's
     * error, the booking stays, and its event is moved back to the booking's time. Before, the event stayed at the new
     * time, which FreeBusy then showed busy: the same move asked again was 409 booking-conflict (its own event), and
     * the calendar blocked both slots, with push off (the default) for good.
     */
    @Test
    void aMoveWhoseAnswerGoogleLosesMovesItsEventBackAndCanBeAskedAgain() {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        // Google as a calendar: FreeBusy shows the booking's event where the last PATCH Google took put it
        googleShowsTheEventBusy(Scenario.STARTED, "2026-12-02T08:00:00Z", "2026-12-02T09:00:00Z");
        googleShowsTheEventBusy("at 09:00", "2026-12-02T08:00:00Z", "2026-12-02T09:00:00Z");
        googleShowsTheEventBusy("at 14:00", "2026-12-02T13:00:00Z", "2026-12-02T14:00:00Z");
        google.stub(patch(urlPathEqualTo(event)).withRequestBody(containing("T09:00:00.000+01:00"))
                .inScenario(CALENDAR).willSetStateTo("at 09:00").willReturn(okJson(GoogleCalendarFake.eventJson(
                        BookingSaga.eventIdFor(id), "x", "2026-12-02T09:00:00+01:00", "2026-12-02T10:00:00+01:00"))));
        // taken by Google, its answer after the read timeout (1 s in the tests), every attempt's
        google.stub(patch(urlPathEqualTo(event)).withRequestBody(containing("T14:00:00.000+01:00"))
                .inScenario(CALENDAR).willSetStateTo("at 14:00").willReturn(okJson(GoogleCalendarFake.eventJson(
                        BookingSaga.eventIdFor(id), "x", "2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00"))
                        .withFixedDelay(3_000)));

        Response moved = httpPost("/api/v1/bookings/" + id + "/reschedule",
                "{\"start\":\"2026-12-02T14:00:00+01:00\"}");

        assertThat(moved.status()).as(moved.body()).isIn(502, 503);
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        var patches = google.server().findAll(patchRequestedFor(urlPathEqualTo(event))).stream()
                .sorted(java.util.Comparator.comparing(LoggedRequest::getLoggedDate)) // as received
                .map(LoggedRequest::getBodyAsString).toList();
        assertThat(patches).as("the move's attempts").anyMatch(body -> body.contains("T14:00:00.000+01:00"));
        assertThat(patches.get(patches.size() - 1)).as("then the event moved back to where the booking is")
                .contains("2026-12-02T09:00:00.000+01:00").contains("2026-12-02T10:00:00.000+01:00");
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")
                .findValuesAsText("kind")).as("no notice of a move not made").doesNotContain("rescheduled");

        // asked again, Google answering now: its slot free in the calendar, the move is made
        google.stub(patch(urlPathEqualTo(event)).withRequestBody(containing("T14:00:00.000+01:00"))
                .inScenario(CALENDAR).willSetStateTo("at 14:00").willReturn(okJson(GoogleCalendarFake.eventJson(
                        BookingSaga.eventIdFor(id), "x", "2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00"))));
        Response again = httpPost("/api/v1/bookings/" + id + "/reschedule",
                "{\"start\":\"2026-12-02T14:00:00+01:00\"}");
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("start").asText()).isEqualTo("2026-12-02T14:00:00+01:00");
    }

    /**
     * A move whose answer Google loses and whose move back fails too (Google down) leaves the event at the new time,
     * the booking at the old one: FreeBusy then shows the new slot busy with the booking's own event. Asked again,
     * the hub reads where Google has that event and takes it for no conflict: the move is made (before, 409
     * {@code booking-conflict} for as long as the event stayed there).
     */
    @Test
    void aMoveWhoseAnswerIsLostAndWhoseMoveBackFailsIsMadeWhenAskedAgain() {
        String id = confirmedStripeBooking(START);
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        googleShowsTheEventBusy(Scenario.STARTED, "2026-12-02T08:00:00Z", "2026-12-02T09:00:00Z");
        googleShowsTheEventBusy("at 14:00", "2026-12-02T13:00:00Z", "2026-12-02T14:00:00Z");
        googleHasTheEventAt(Scenario.STARTED, eventId, "09:00", "10:00");
        googleHasTheEventAt("at 14:00", eventId, "14:00", "15:00");
        // the move: taken by Google, its answer after the read timeout (1 s in the tests), every attempt's
        google.stub(patch(urlPathEqualTo(event)).withRequestBody(containing("T14:00:00.000+01:00"))
                .inScenario(CALENDAR).willSetStateTo("at 14:00").willReturn(okJson(GoogleCalendarFake.eventJson(
                        eventId, "x", "2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00"))
                        .withFixedDelay(3_000)));
        // the move back: Google fails it, every attempt's, and moves nothing
        google.stub(patch(urlPathEqualTo(event)).withRequestBody(containing("T09:00:00.000+01:00"))
                .willReturn(GoogleCalendarFake.error(503, "backendError")));

        Response moved = httpPost("/api/v1/bookings/" + id + "/reschedule",
                "{\"start\":\"2026-12-02T14:00:00+01:00\"}");

        assertThat(moved.status()).as(moved.body()).isIn(502, 503);
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        google.server().verify(com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly(1),
                patchRequestedFor(urlPathEqualTo(event)).withRequestBody(containing("T09:00:00.000+01:00")));

        // asked again once Google answers (its circuit closed again, as after its wait in the open state): the slot
        // is busy only with the booking's own event, which Google has there
        resilience.circuitBreaker("google-calendar").reset();
        google.stub(patch(urlPathEqualTo(event)).withRequestBody(containing("T14:00:00.000+01:00"))
                .inScenario(CALENDAR).willSetStateTo("at 14:00").willReturn(okJson(GoogleCalendarFake.eventJson(
                        eventId, "x", "2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00"))));
        Response again = httpPost("/api/v1/bookings/" + id + "/reschedule",
                "{\"start\":\"2026-12-02T14:00:00+01:00\"}");

        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("start").asText()).isEqualTo("2026-12-02T14:00:00+01:00");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText())
                .isEqualTo("2026-12-02T14:00:00+01:00");
        // one event, the booking's, at the new time: none made besides the confirmation's, the last PATCH to 14:00
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        var patches = google.server().findAll(patchRequestedFor(urlPathEqualTo(event))).stream()
                .sorted(java.util.Comparator.comparing(LoggedRequest::getLoggedDate))
                .map(LoggedRequest::getBodyAsString).toList();
        assertThat(patches.get(patches.size() - 1)).contains("2026-12-02T14:00:00.000+01:00")
                .contains("2026-12-02T15:00:00.000+01:00");
        // the customer told of the one move made, by one SMS
        awaitMoveNotices(java.util.List.of("2. Dezember 2026, 14:00 (60 Min.) verschoben"));
    }

    /** Google answers events.get of the booking's event, while it is where {@code state} says, at [start, end). */
    private static void googleHasTheEventAt(String state, String eventId, String start, String end) {
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo(EVENTS + "/" + eventId))
                .inScenario(CALENDAR).whenScenarioStateIs(state).willReturn(okJson(GoogleCalendarFake.eventJson(
                        eventId, "x", "2026-12-02T" + start + ":00+01:00", "2026-12-02T" + end + ":00+01:00"))));
    }

    /** FreeBusy, while the booking's event is where {@code state} says, shows [start, end) busy (the event). */
    private static void googleShowsTheEventBusy(String state, String start, String end) {
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.FREEBUSY)).inScenario(CALENDAR).whenScenarioStateIs(state)
                .willReturn(okJson("{\"kind\":\"calendar#freeBusy\",\"calendars\":{\"primary\":{\"busy\":[{\"start\":\""
                        + start + "\",\"end\":\"" + end + "\"}]}}}")));
    }

    @Test
    void reschedulingWhileGoogleCannotReadTheCalendarIs503AskAgainAndNothingMoves() {
        String id = confirmedStripeBooking(START);
        google.freeBusyCalendarError("notFound"); // the calendar no longer shared with the hub

        var response = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-02T13:00:00+01:00\"}");

        assertThat(response.status()).as(response.body()).isEqualTo(503);
        assertThat(response.header("Retry-After")).isEqualTo("30");
        assertThat(response.json().get("type").asText()).isEqualTo("provider-unavailable");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))));
    }

    @Test
    void reschedulingToATakenSlotIsAConflict() {
        String id = confirmedStripeBooking(START);
        google.busy(Instant.parse("2026-12-02T12:00:00Z"), Instant.parse("2026-12-02T13:00:00Z"));

        var response = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-02T13:00:00+01:00\"}");

        assertThat(response.status()).isEqualTo(409);
        assertThat(response.json().get("type").asText()).isEqualTo("booking-conflict");
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    @Test
    void onlyConfirmedBookingsCanBeRescheduled() {
        String id = pendingBooking(START, "stripe");

        var response = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-02T13:00:00+01:00\"}");

        assertThat(response.status()).isEqualTo(409);
        assertThat(response.json().get("type").asText()).isEqualTo("invalid-state");
    }

    @Test
    void aMoveWhileAnotherStepHoldsTheBookingIsAskAgainBeforeGoogleIsAsked() throws Exception {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson("{}")));
        // another step holds the booking's row past the database's lock timeout: the move cannot be recorded as
        // under way, and Google is not asked to move the event
        Response moved = whileTheRowIsHeld(id, () -> httpPost("/api/v1/bookings/" + id + "/reschedule",
                "{\"start\":\"2026-12-02T14:00:00+01:00\"}"));

        assertThat(moved.status()).as(moved.body()).isEqualTo(409);
        assertThat(moved.header("Retry-After")).isEqualTo("1");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(event)));
        assertThat(jdbc.sql("SELECT moving_since FROM booking WHERE id = :id").param("id", id).query().singleRow()
                .get("MOVING_SINCE")).as("no move left under way").isNull();
    }

    @Test
    void aMoveWhileAnotherIsUnderWayIsAskAgainBeforeGoogleIsAsked() {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson("{}")));
        // another request's move of the booking, begun a minute ago, waits for Google: two moves at once could leave
        // the event at one's time and the booking at the other's
        underWaySince(id, clock.instant().minus(Duration.ofMinutes(1)));

        Response second = httpPost("/api/v1/bookings/" + id + "/reschedule",
                "{\"start\":\"2026-12-02T14:00:00+01:00\"}");

        assertThat(second.status()).as(second.body()).isEqualTo(409);
        assertThat(second.json().get("type").asText()).isEqualTo("invalid-state");
        // as long again as it has run, but no later than it stops holding anything off: EventChangeTimeout, 110 s
        // in the tests (two Google calls of 3 attempts of 5 s rate limit + 5 s connect + 1 s read, 10 s between,
        // and two 2 s lock timeouts), 50 s from now
        assertThat(second.header("Retry-After")).isEqualTo("50");
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(event)));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);

        // one begun longer ago than EventChangeTimeout: its instance died, the move goes ahead
        underWaySince(id, clock.instant().minus(Duration.ofSeconds(111)));
        Response moved = httpPost("/api/v1/bookings/" + id + "/reschedule",
                "{\"start\":\"2026-12-02T14:00:00+01:00\"}");
        assertThat(moved.status()).as(moved.body()).isEqualTo(200);
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(event)));
    }

    @Test
    void aCancelWhileAMoveIsUnderWayIsAskAgainBeforeGoogleIsAsked() {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(event))
                .willReturn(noContent()));
        // a reschedule of the booking, begun a minute ago, waits for Google's answer to its PATCH: a cancel now would
        // delete the event the move may still patch, and leave the move's marker to be cleared by the move
        Instant since = clock.instant().minus(Duration.ofMinutes(1));
        underWaySince(id, since);

        Response cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(409);
        assertThat(cancelled.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(cancelled.header("Retry-After")).as("no later than it stops holding the cancel off").isEqualTo("50");
        google.server().verify(0, deleteRequestedFor(urlPathEqualTo(event)));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(movingSince(id)).as("the move's marker, left to the move").isEqualTo(since);

        // one begun longer ago than EventChangeTimeout (110 s in the tests): its instance died, the cancel goes ahead
        underWaySince(id, clock.instant().minus(Duration.ofSeconds(111)));
        Response again = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("status").asText()).isEqualTo("REFUNDED");
        google.server().verify(1, deleteRequestedFor(urlPathEqualTo(event)));
        assertThat(movingSince(id)).as("no change left under way").isNull();
    }

    @Test
    void aCancelWhoseEventGoogleFailsToDeleteLeavesNoChangeUnderWay() {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        googleDeleteAnswers(event, GoogleCalendarFake.error(503, "backendError"));

        Response failed = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(failed.status()).as(failed.body()).isIn(502, 503);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(movingSince(id)).as("no change left under way").isNull();
        // so asking again (Google answering now) cancels at once, and a move is not held off either
        googleDeleteAnswers(event, noContent());
        Response again = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("status").asText()).isEqualTo("REFUNDED");
    }

    /**
     * A cancel asked 48 hours ahead that Google fails (its event not deleted: 502, the booking left CONFIRMED), asked
     * again after the cut-off has passed, is refunded: the first cancel that reached the hub decides. Before, the
     * second ask's time was judged, and the booking was CANCELLED "after the refund cut-off: not refunded".
     */
    @Test
    void aCancelGoogleFailedInTimeIsRefundedWhenAskedAgainAfterTheCutOff() {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        googleDeleteAnswers(event, GoogleCalendarFake.error(503, "backendError"));
        clock.set(Instant.parse("2026-11-30T08:00:00Z")); // 48 hours before the start; the cut-off is 24 h

        Response failed = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(failed.status()).as(failed.body()).isEqualTo(502);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        googleDeleteAnswers(event, noContent());
        clock.set(Instant.parse("2026-12-01T12:00:00Z")); // 20 hours before the start: past the cut-off

        cancelledAndRefundedOnce(id);
    }

    /**
     * Google answers the DELETE of {@code event} (its path) so, and still has the event when read: a cancel whose
     * DELETE failed reads it back, and a 404 (the fake's default) would tell it the DELETE was made, its answer lost.
     */
    private static void googleDeleteAnswers(String event,
                                            com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(event)).willReturn(answer));
        google.stub(get(urlPathEqualTo(event)).willReturn(okJson(GoogleCalendarFake.eventJson(
                event.substring(event.lastIndexOf('/') + 1), "Consultation with John Doe", START,
                "2026-12-02T10:00:00+01:00"))));
    }

    /**
     * At {@code at}, a cancel of the booking whose event Google fails to delete (503 on every try) is answered 502, the
     * booking left CONFIRMED; answers the event's path.
     */
    private String cancelGoogleFailedAt(String id, String at) {
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        googleDeleteAnswers(event, GoogleCalendarFake.error(503, "backendError"));
        clock.set(Instant.parse(at));
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        return event;
    }

    /** A cancel of the booking is answered 200 REFUNDED, one refund asked of Stripe. */
    private void cancelledAndRefundedOnce(String id) {
        cancelledAs(id, "REFUNDED", 1);
    }

    /** A cancel of the booking is answered 200 with {@code status}, {@code refunds} refunds asked of Stripe in all. */
    private void cancelledAs(String id, String status, int refunds) {
        Response cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo(status);
        stripe.server().verify(refunds, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * A cancel Google failed is not remembered past a move: the booking moved, its later cancel is judged against the
     * new start's cut-off (guard: the first ask counts for the start it was asked of).
     */
    @Test
    void aCancelGoogleFailedCountsNoLongerOnceTheBookingIsMoved() {
        String id = confirmedStripeBooking(START);
        String eventId = BookingSaga.eventIdFor(id);
        String event = cancelGoogleFailedAt(id, "2026-11-30T08:00:00Z");
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson(GoogleCalendarFake.eventJson(eventId,
                "x", "2026-12-01T14:00:00+01:00", "2026-12-01T15:00:00+01:00"))));
        Response moved = httpPost("/api/v1/bookings/" + id + "/reschedule",
                "{\"start\":\"2026-12-01T14:00:00+01:00\"}");
        assertThat(moved.status()).as(moved.body()).isEqualTo(200);
        googleDeleteAnswers(event, noContent());
        clock.set(Instant.parse("2026-12-01T09:00:00Z")); // 4 hours before the new start

        cancelledAs(id, "CANCELLED", 0);
    }

    /**
     * A cancel Google failed is not remembered past a move the calendar re-check follows from Google either: the event
     * dragged in Google to 100 h on, the cancel asked late by the new start is not refunded. Before, the re-check's
     * move kept the first ask, and the late cancel was refunded.
     */
    @Test
    void aCancelGoogleFailedCountsNoLongerOnceTheRecheckFollowsAMoveInGoogle() {
        String id = confirmedStripeBooking(START);
        String eventId = BookingSaga.eventIdFor(id);
        String event = cancelGoogleFailedAt(id, "2026-12-01T22:00:00Z"); // 10 hours before the start: late
        // dragged in Google to 100 hours after the first ask
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventsJson(List.of(
                GoogleCalendarFake.eventJson(eventId, "x", "2026-12-06T03:00:00+01:00", "2026-12-06T04:00:00+01:00"))))));
        assertThat(camel.send("direct:gcal-recheck-bookings", exchange -> { }).getException()).isNull();
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText())
                .as("the re-check follows the move").isEqualTo("2026-12-06T03:00:00+01:00");
        googleDeleteAnswers(event, noContent());
        clock.set(Instant.parse("2026-12-05T16:00:00Z")); // 90 hours on: 10 hours before the new start

        cancelledAs(id, "CANCELLED", 0);
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("cancelled after the refund cut-off: not refunded");
    }

    /** Exactly the cut-off (24 h) before its start, a booking is refunded, as the README says; before, not. */
    @Test
    void aCancelExactlyAtTheCutOffIsRefunded() {
        String id = confirmedStripeBooking(START);
        googleDeleteAnswers(EVENTS + "/" + BookingSaga.eventIdFor(id), noContent());
        clock.set(Instant.parse("2026-12-01T08:00:00Z")); // 09:00+01:00 less 24 h

        cancelledAndRefundedOnce(id);
    }

    /** Exactly the cut-off before its start, a booking can still be moved; before, 409. */
    @Test
    void aMoveExactlyAtTheCutOffIsMade() {
        String id = confirmedStripeBooking(START);
        String eventId = BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + eventId)).willReturn(okJson(GoogleCalendarFake.eventJson(
                eventId, "x", "2026-12-09T09:00:00+01:00", "2026-12-09T10:00:00+01:00"))));
        clock.set(Instant.parse("2026-12-01T08:00:00Z")); // 09:00+01:00 less 24 h

        Response moved = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-09T09:00:00+01:00\"}");

        assertThat(moved.status()).as(moved.body()).isEqualTo(200);
        assertThat(moved.json().get("start").asText()).isEqualTo("2026-12-09T09:00:00+01:00");
    }

    @Test
    void aCancelHeldOffByAChangeUnderWayIsToldToAskAgainAfterAsLongAsThatHasRun() {
        String id = confirmedStripeBooking(START);
        // a move begun 3 s ago: a live one, most likely, which ends within a second or two
        underWaySince(id, clock.instant().minus(Duration.ofSeconds(3)));

        Response fresh = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(fresh.status()).as(fresh.body()).isEqualTo(409);
        assertThat(fresh.header("Retry-After")).as("as long again as it has run").isEqualTo("3");
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    @Test
    void aChangeLeftUnderWayByAStoppedInstanceHoldsACancelOffOnlyForAsLongAsAChangeCanRun() {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(event))
                .willReturn(noContent()));
        // one begun 2 minutes ago by an instance that crashed during it: longer than two Google calls with all their
        // attempts can take (EventChangeTimeout, 110 s in the tests), so nothing can still be changing the event,
        // and the customer's cancel goes ahead (a fixed 15 minutes held it off, answering Retry-After: 1 throughout)
        underWaySince(id, clock.instant().minus(Duration.ofMinutes(2)));
        Response cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        google.server().verify(1, deleteRequestedFor(urlPathEqualTo(event)));
        assertThat(movingSince(id)).as("no change left under way").isNull();
    }

    private Instant movingSince(String id) {
        var since = jdbc.sql("SELECT moving_since FROM booking WHERE id = :id").param("id", id)
                .query((rs, row) -> rs.getObject(1, java.time.OffsetDateTime.class)).list().get(0);
        return since == null ? null : since.toInstant();
    }

    private void underWaySince(String id, Instant since) {
        jdbc.sql("UPDATE booking SET moving_since = :since WHERE id = :id")
                .param("since", since.atOffset(java.time.ZoneOffset.UTC)).param("id", id).update();
    }

    @Test
    void aMoveWhoseTransactionFailsMovesItsEventBack() throws Exception {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson("{}").withTransformers(HeldAnswer.NAME)));
        HeldAnswer patched = google.holdNextAnswer();
        ExecutorService customer = Executors.newSingleThreadExecutor();
        Response moved;
        try {
            Future<Response> rescheduled = customer.submit(() -> httpPost("/api/v1/bookings/" + id + "/reschedule",
                    "{\"start\":\"2026-12-02T14:00:00+01:00\"}"));
            patched.awaitArrival();
            // once Google has the PATCH, another step holds the booking's row past the database's lock timeout: the
            // move's update gives up
            moved = whileTheRowIsHeld(id, () -> {
                patched.release();
                try {
                    return rescheduled.get(20, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        } finally {
            patched.release();
            customer.shutdownNow();
        }

        assertThat(moved.status()).as(moved.body()).isEqualTo(409);
        assertNotMovedItsEventMovedBack(id, event, "2026-12-02T14:00:00.000+01:00");
    }

    @Test
    void aCancelWhileItsRefundIsBeingMadeSaysAskAgainAndItsIdempotencyKeyRunsAgain() throws Exception {
        String id = confirmedStripeBooking(START);
        jdbc.sql("UPDATE booking SET status = 'CANCELLED', status_reason = 'cancelled: refund pending' WHERE id = :id")
                .param("id", id).update(); // its first cancel's refund failed
        // the retry sweep (or the payment's event) holds the booking's row while it makes the refund
        Response busy = whileTheRowIsHeld(id, () -> send(request("/api/v1/bookings/" + id + "/cancel")
                .header("Idempotency-Key", "cancel-" + id).POST(java.net.http.HttpRequest.BodyPublishers.noBody()),
                API_KEY));

        assertThat(busy.status()).isEqualTo(409);
        assertThat(busy.header("Retry-After")).isEqualTo("1");
        var again = send(request("/api/v1/bookings/" + id + "/cancel").header("Idempotency-Key", "cancel-" + id)
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()), API_KEY);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.header("Idempotent-Replayed")).isNull();
        assertThat(again.json().get("status").asText()).isEqualTo("REFUNDED");
    }

    @Test
    void aRefundStripeRefusesIsAProviderErrorNotTheCallersBadRequest() {
        String id = confirmedStripeBooking(START);
        stripe.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlPathEqualTo("/v1/refunds"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(400)
                        .withHeader("Content-Type", "application/json").withBody("""
                        {"error":{"type":"invalid_request_error","code":"charge_disputed",
                         "message":"Charge has been disputed."}}""")));
        stripe.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/v1/refunds"))
                .willReturn(okJson("{\"object\":\"list\",\"data\":[],\"has_more\":false,\"url\":\"/v1/refunds\"}")));

        var response = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(response.json().get("type").asText()).isEqualTo("provider-error");
        var booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(booking.get("statusReason").asText()).isEqualTo("cancelled: refund pending");
    }

    /** What a test does while a reschedule waits for Google's held answer. */
    @FunctionalInterface
    private interface Meanwhile {
        void run() throws Exception;
    }

    /**
     * A reschedule of {@code id} to {@code start}, asked on a thread of its own, whose Google call {@code held} holds
     * until {@code meanwhile} has run; its answer.
     */
    private Response rescheduledWhile(String id, String start, HeldAnswer held, Meanwhile meanwhile) throws Exception {
        ExecutorService customer = Executors.newSingleThreadExecutor();
        try {
            Future<Response> rescheduled = customer.submit(() -> httpPost("/api/v1/bookings/" + id + "/reschedule",
                    "{\"start\":\"" + start + "\"}"));
            held.awaitArrival();
            meanwhile.run();
            held.release();
            return rescheduled.get(20, TimeUnit.SECONDS);
        } finally {
            held.release();
            customer.shutdownNow();
        }
    }

    /**
     * A move not made: the booking where it was (START), no notice of a move, and its event moved to {@code tried} at
     * Google and back.
     */
    private void assertNotMovedItsEventMovedBack(String id, String event, String tried) {
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")
                .findValuesAsText("kind")).as("no notice of a move not made").doesNotContain("rescheduled");
        var patches = google.server().findAll(patchRequestedFor(urlPathEqualTo(event)));
        assertThat(patches).hasSize(2);
        assertThat(patches.get(0).getBodyAsString()).contains(tried);
        assertThat(patches.get(1).getBodyAsString()).as("moved back").contains("2026-12-02T09:00:00.000+01:00");
    }
}
