package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.noContent;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A cancel or move whose Google answer is lost (every attempt's read timing out) under the default cancelled-event:
 * delete. The hub cannot tell from the failure whether Google made the change: a cancel reads the event back once; a
 * change it cannot undo at once is recorded on the booking (V41, V43) for the sweep booking-retry-event-put-backs,
 * which puts the event back as the booking has it, or flags the booking for a person after retry-for. Before (review
 * rv30), a cancel's DELETE and a move's PATCH Google had taken left a CONFIRMED booking without its event, or its
 * event at another time, for good, nothing recorded or marked.
 */
@HubTest
class LostCalendarAnswerTest extends Webhooks {

    private static final String START = "2026-12-02T09:00:00+01:00";
    private static final String END = "2026-12-02T10:00:00+01:00";
    /** Just over the test profile's 1 s read timeout: each attempt's answer is lost, and soon over. */
    private static final int LATE = 1_300;

    @Autowired
    ProducerTemplate camel;

    /** The late answers still being written when a test ends: done before the next test's fake is reset. */
    @AfterEach
    void lateAnswersOver() {
        await().atMost(Duration.ofSeconds(10)).until(() -> google.server().getServeEvents().getRequests().stream()
                .allMatch(e -> e.getResponse() != null && e.getResponse().getStatus() != 0));
    }

    /**
     * Google deleted the event but every answer to the DELETE was lost: one read of the event finds it gone (404),
     * so the cancel is made as asked (refunded in time), answered 200, and nothing is put back or marked.
     */
    @Test
    void aCancelWhoseDeleteAnswerIsLostIsMadeOnceGoogleSaysTheEventIsGone() {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(delete(urlPathEqualTo(event)).willReturn(noContent().withFixedDelay(LATE)));
        google.stub(get(urlPathEqualTo(event)).willReturn(GoogleCalendarFake.error(404, "notFound")));

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        google.server().verify(1, getRequestedFor(urlPathEqualTo(event)));
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(event)));
        assertThat(putBackRecorded(id)).isEmpty();
        assertThat(attentionOrNull(id)).isNull();
    }

    /**
     * Every answer to the DELETE lost, and Google down for the read back and the put-back too: 502, the booking
     * CONFIRMED and the put-back recorded; the sweep puts the event back as the booking has it (status confirmed, out
     * of Google's bin, busy, its time) once Google answers, audited as gcal-patch-event-back. Before, the booking was
     * left CONFIRMED without its event, its slot free in Google, nothing recorded.
     */
    @Test
    void aCancelWhoseDeleteAnswerIsLostAndGoogleThenDownIsPutBackByTheSweep() {
        String id = cancelLeftUnknown();
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson(GoogleCalendarFake.eventJson(eventId,
                "Consultation with John Doe", START, END))));
        int patched = patchesOf(event).size();

        assertThat(sweep()).isOne();

        List<JsonNode> sweeps = patchesOf(event).subList(patched, patchesOf(event).size());
        assertThat(sweeps).hasSize(1);
        assertPutBackAsBooked(sweeps.get(0), "09:00:00");
        assertThat(putBackRecorded(id)).as("the record cleared").isEmpty();
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(attentionOrNull(id)).isNull();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(audited(id, "gcal-patch-event-back"))
                .contains("ok"));
        assertThat(sweep()).as("nothing left to put back").isZero();
    }

    /**
     * The same put-back failing past connectify.booking.event-put-back.retry-for: the sweep no longer tries it and
     * flags the booking for a person as the re-check flags a deleted event (needs attention), the record cleared.
     */
    @Test
    void aCancelsPutBackStillFailingAfterRetryForMarksTheBookingForAPerson() {
        String id = cancelLeftUnknown();
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        failingSince(id, 2);
        int patched = patchesOf(event).size();

        assertThat(sweep()).isZero();

        assertThat(patchesOf(event)).as("no longer tried").hasSize(patched);
        assertThat(putBackRecorded(id)).isEmpty();
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .startsWith(CalendarEventRecheck.DELETED);
        assertThat(attentionOf(id).get("note").asText()).startsWith(CalendarEventRecheck.DELETED);
    }

    /**
     * The sweep's put-back finding the event deleted for good (Google answers the PATCH with the event still
     * cancelled: not taken out of its bin): the confirmed booking has no event, flagged for a person as the re-check
     * flags a deleted one, the record cleared. Before, a cleared record and nothing marked.
     */
    @Test
    void aPutBackFindingTheEventDeletedForGoodMarksTheBookingForAPerson() {
        String id = cancelLeftUnknown();
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson(GoogleCalendarFake.eventJson(eventId,
                "Consultation with John Doe", START, END).replace("\"confirmed\"", "\"cancelled\""))));

        assertThat(sweep()).isZero();

        assertThat(putBackRecorded(id)).isEmpty();
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(attentionOf(id).get("note").asText()).startsWith(CalendarEventRecheck.DELETED);
    }

    /**
     * A move whose PATCH Google took, its answer lost, and whose move back Google failed (503): 502, the booking at
     * its old time, the failed move back recorded and audited as gcal-patch-event-back apart from the move's
     * gcal-patch-event; the sweep PATCHes the event back to the booking's time once Google answers. Before, only an
     * ERROR line: the event stayed at the new time for good, two identical gcal-patch-event rows audited.
     */
    @Test
    void aMoveWhoseAnswerIsLostAndWhoseMoveBackFailsIsMovedBackByTheSweep() {
        String id = moveLeftAtTheNewTime();
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(audited(id, "gcal-patch-event")).hasSize(1).doesNotContain("ok");
            assertThat(audited(id, "gcal-patch-event-back")).hasSize(1).doesNotContain("ok");
        });
        resilience.circuitBreaker("google-calendar").reset();
        google.stub(patch(urlPathEqualTo(event)).withRequestBody(containing("T09:00:00.000+01:00"))
                .willReturn(okJson(GoogleCalendarFake.eventJson(eventId, "Consultation with John Doe", START, END))));
        int patched = patchesOf(event).size();

        assertThat(sweep()).isOne();

        List<JsonNode> sweeps = patchesOf(event).subList(patched, patchesOf(event).size());
        assertThat(sweeps).hasSize(1);
        assertPutBackAsBooked(sweeps.get(0), "09:00:00");
        assertThat(putBackRecorded(id)).isEmpty();
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        assertThat(attentionOrNull(id)).isNull();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(audited(id, "gcal-patch-event-back"))
                .hasSize(2).contains("ok"));
    }

    /**
     * The move back still failing past retry-for: the booking is flagged for a person with its own flag (its event
     * left at another time), the record cleared, and the event no longer PATCHed.
     */
    @Test
    void aMoveBackStillFailingAfterRetryForMarksTheBookingForAPerson() {
        String id = moveLeftAtTheNewTime();
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        resilience.circuitBreaker("google-calendar").reset();
        failingSince(id, 2);
        int patched = patchesOf(event).size();

        assertThat(sweep()).isZero();

        assertThat(patchesOf(event)).hasSize(patched);
        assertThat(putBackRecorded(id)).isEmpty();
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .startsWith(CalendarEventRecheck.NOT_MOVED_BACK);
        assertThat(attentionOf(id).get("note").asText()).startsWith(CalendarEventRecheck.NOT_MOVED_BACK);
    }

    /**
     * An instance stopped between Google's answer to a change of the event and its commit (here a move: the event at
     * 14:00, the booking at 09:00), its marker left: once older than EventChangeTimeout (110 s in the tests) the sweep
     * takes it over and PATCHes the event back as the booking has it, the marker ended. Before, only the calendar
     * re-check (push on) read such a booking, and with push off nothing did.
     */
    @Test
    void aChangeLeftUnderWayByAStoppedInstanceIsPutBackByTheSweep() {
        String id = confirmedStripeBooking(START);
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson(GoogleCalendarFake.eventJson(eventId,
                "Consultation with John Doe", START, END))));
        markedUnderWaySince(id, Duration.ofSeconds(30));

        assertThat(sweep()).as("a change under way, not stale: left to it").isZero();
        assertThat(patchesOf(event)).isEmpty();

        markedUnderWaySince(id, Duration.ofMinutes(20));

        assertThat(sweep()).isOne();
        assertThat(patchesOf(event)).singleElement().satisfies(p -> assertPutBackAsBooked(p, "09:00:00"));
        assertThat(jdbc.sql("SELECT moving_since FROM booking WHERE id = :id").param("id", id)
                .query(OffsetDateTime.class).optional()).as("the marker ended").isEmpty();
        assertThat(sweep()).isZero();
        assertThat(patchesOf(event)).hasSize(1);
    }

    /**
     * A confirmed booking whose cancel Google may have made (the DELETE's answers lost, its read back and the
     * put-back failing, 503): 502, CONFIRMED, the put-back recorded as a cancel's; Google's circuit closed again.
     */
    private String cancelLeftUnknown() {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(delete(urlPathEqualTo(event)).willReturn(noContent().withFixedDelay(LATE)));
        google.stub(get(urlPathEqualTo(event)).willReturn(GoogleCalendarFake.error(503, "backendError")));
        google.stub(patch(urlPathEqualTo(event)).willReturn(GoogleCalendarFake.error(503, "backendError")));

        var failed = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(failed.status()).as(failed.body()).isEqualTo(502);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        google.server().verify(deleteRequestedFor(urlPathEqualTo(event)));
        google.server().verify(getRequestedFor(urlPathEqualTo(event)));
        // the cancel's own put-back, right away: Google fails it too, or its circuit, opened by the failures, refuses
        // it
        assertThat(patchesOf(event)).allSatisfy(p -> assertPutBackAsBooked(p, "09:00:00"));
        assertThat(putBackRecorded(id)).contains(BookingRepository.PUT_BACK_CANCEL);
        assertThat(attentionOrNull(id)).isNull();
        resilience.circuitBreaker("google-calendar").reset();
        return id;
    }

    /**
     * A confirmed booking whose move to 14:00 Google took, every answer lost, and whose move back Google failed (503
     * on every try): 502, the booking at 09:00, the move back recorded as a move's.
     */
    private String moveLeftAtTheNewTime() {
        String id = confirmedStripeBooking(START);
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).withRequestBody(containing("T14:00:00.000+01:00"))
                .willReturn(okJson(GoogleCalendarFake.eventJson(eventId, "Consultation with John Doe",
                        "2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00")).withFixedDelay(LATE)));
        google.stub(patch(urlPathEqualTo(event)).withRequestBody(containing("T09:00:00.000+01:00"))
                .willReturn(GoogleCalendarFake.error(503, "backendError")));

        var moved = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-02T14:00:00+01:00\"}");

        assertThat(moved.status()).as(moved.body()).isEqualTo(502);
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        List<JsonNode> patches = patchesOf(event);
        assertThat(patches).first().satisfies(p -> assertThat(p.at("/start/dateTime").asText()).contains("T14:00"));
        assertThat(patches).last().satisfies(p -> assertThat(p.at("/start/dateTime").asText()).contains("T09:00"));
        assertThat(putBackRecorded(id)).contains(BookingRepository.PUT_BACK_MOVE);
        return id;
    }

    /** The event as the booking has it: its summary, busy, status confirmed, at {@code time} (+01:00) for an hour. */
    private static void assertPutBackAsBooked(JsonNode patch, String time) {
        assertThat(patch.path("summary").asText()).isEqualTo("Consultation with John Doe");
        assertThat(patch.path("status").asText()).isEqualTo("confirmed");
        assertThat(patch.path("transparency").asText()).isEqualTo("opaque");
        assertThat(patch.at("/start/dateTime").asText()).startsWith("2026-12-02T" + time).endsWith("+01:00");
    }

    /** The PATCHes of {@code event} Google received, in order, their bodies. */
    private static List<JsonNode> patchesOf(String event) {
        return google.server().findAll(patchRequestedFor(urlPathEqualTo(event))).stream()
                .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
                .map(r -> {
                    try {
                        return JSON.readTree(r.getBodyAsString());
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
    }

    /** One sweep of booking-retry-event-put-backs, on this thread; answers how many events it put back. */
    private int sweep() {
        var run = camel.send("direct:booking-retry-event-put-backs", exchange -> { });
        assertThat(run.getException()).isNull();
        return run.getMessage().getBody(Integer.class);
    }

    /** What the recorded put-back undoes (V43), "cancel" or "move"; empty: nothing recorded. */
    private Optional<String> putBackRecorded(String id) {
        return jdbc.sql("SELECT event_put_back_change, event_put_back_from FROM booking WHERE id = :id")
                .param("id", id)
                .query((rs, row) -> rs.getObject(1) == null ? Optional.<String>empty()
                        : Optional.of(String.valueOf(rs.getString(2))))
                .single();
    }

    /** Its put-backs failing for {@code days} days, longer than retry-for (a day). */
    private void failingSince(String id, int days) {
        jdbc.sql("UPDATE booking SET event_put_back_since = :since WHERE id = :id").param("id", id)
                .param("since", OffsetDateTime.now(clock).minusDays(days)).update();
    }

    /** A change of the booking's event marked under way {@code ago}, as a stopped instance leaves it. */
    private void markedUnderWaySince(String id, Duration ago) {
        jdbc.sql("UPDATE booking SET move_count = move_count + 1, moving_since = :since WHERE id = :id")
                .param("id", id).param("since", OffsetDateTime.now(clock).minus(ago)).update();
    }

    /** The outcomes audited of the booking's calls of {@code operation}, in order. */
    private List<String> audited(String id, String operation) {
        return jdbc.sql("SELECT outcome FROM integration_audit WHERE booking_id = :id AND operation = :operation "
                        + "ORDER BY occurred_at").param("id", id).param("operation", operation)
                .query(String.class).list();
    }
}
