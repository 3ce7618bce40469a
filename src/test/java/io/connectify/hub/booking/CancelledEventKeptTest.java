package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;

import java.util.List;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

/**
 * connectify.payment.cancelled-event: mark-cancelled keeps a cancelled booking's event in the calendar, free. Google's
 * FreeBusy and listing of such an event are the sandbox simulator's to show (GoogleCalendarSimulatorTest
 * aTransparentEventIsListedButNotBusy); here, what the hub asks of Google. A context of its own: the property is
 * read once, at startup.
 */
@HubTest
@TestPropertySource(properties = {"connectify.payment.cancelled-event=mark-cancelled",
        // as RescheduleThrottledTest: a context of its own, whose Google client's first calls took longer than the
        // test profile's 1 s on a loaded machine
        "connectify.gcal.read-timeout=10s",
        // the hold sweep not on its 200 ms timer here: a test stubbing the spied repository while the sweep's thread
        // called it got the stub attached to the sweep's call (its NullPointerException), the stub lost and the cancel
        // made (200) where it was to fail
        "connectify.booking.hold-sweep-first-run-after=24h"})
class CancelledEventKeptTest extends Webhooks {

    @Autowired
    ProducerTemplate camel;
    @MockitoSpyBean
    BookingRepository spied;

    /**
     * The event is patched to a "Cancelled: ..." summary, kept confirmed and made transparent (free in FreeBusy) and
     * not deleted. Before, it was patched to status "cancelled", which Google defines as deleted: removed as by DELETE.
     */
    @Test
    void aCancelledBookingsEventIsKeptVisibleAndFree() {
        String id = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson(GoogleCalendarFake.eventJson(eventId,
                "Cancelled: x", "2026-12-02T09:00:00+01:00", "2026-12-02T10:00:00+01:00"))));

        var response = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("status").asText()).isEqualTo("REFUNDED");
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(event))
                .withRequestBody(matchingJsonPath("$.status", equalTo("confirmed")))
                .withRequestBody(matchingJsonPath("$.transparency", equalTo("transparent")))
                .withRequestBody(matchingJsonPath("$.summary", matching("Cancelled: .+"))));
        google.server().verify(0, deleteRequestedFor(urlPathEqualTo(event)));
    }

    /**
     * A cancel whose PATCH Google may have taken, its answer lost (503 on every try): the booking stays CONFIRMED, and
     * its event is put back as the booking's (its summary, busy: transparency opaque) by one PATCH more, after the
     * cancel's, as a failed move's event is moved back. Before, the event was left "Cancelled: ..." and free, only the
     * calendar re-check's flag telling a person.
     */
    @Test
    void aCancelWhosePatchAnswerWasLostPutsTheEventBack() {
        String id = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        patchAnswered(event, "transparent", GoogleCalendarFake.error(503, "backendError"));
        patchAnswered(event, "opaque", answered(eventId, "Consultation with John Doe"));

        var response = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        List<String> patches = patchesOf(eventId);
        assertThat(patches).as("the cancel's PATCH(es), then the put-back").hasSizeGreaterThanOrEqualTo(2);
        assertThat(patches.subList(0, patches.size() - 1)).allMatch(p -> p.startsWith("transparent Cancelled: "));
        assertThat(patches).last().isEqualTo("opaque Consultation with John Doe");
        google.server().verify(0, deleteRequestedFor(urlPathEqualTo(event)));
    }

    /**
     * A cancel whose PATCH Google took (200) but whose CANCELLED did not commit (the booking's row held past the lock
     * timeout): CONFIRMED still, its event put back by a second PATCH. Before, left "Cancelled: ..." and free.
     */
    @Test
    void aCancelThatFailsAfterGoogleTookItsPatchPutsTheEventBack() {
        String id = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).willReturn(answered(eventId, "Cancelled: x")));
        var held = rowHeldOnceGoogleHasThePatch(id, event, () -> { });

        var response = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(response.status()).as(response.body()).isNotEqualTo(200);
        held.set(false); // the row free again
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(patchesOf(eventId)).containsExactly("transparent Cancelled: Consultation with John Doe",
                "opaque Consultation with John Doe");
    }

    /**
     * A cancel whose PATCH Google took but whose CANCELLED failed, its change marker taken over meanwhile (older than
     * EventChangeTimeout: a second cancel took it for a stopped instance's and is removing the event itself), puts
     * nothing back: the event is the second cancel's now, and a put-back landing after its CANCELLED left a cancelled
     * booking's event busy, nobody told. Before, the first cancel put the event back as the booking was still
     * CONFIRMED.
     */
    @Test
    void aFailedCancelWhoseChangeAnotherTookOverPutsNothingBack() {
        String id = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).willReturn(answered(eventId, "Cancelled: x")));
        // while this cancel waits for the row, another cancel takes its stale marker over, as
        // BookingRepository.eventChangeBegins does
        var held = rowHeldOnceGoogleHasThePatch(id, event, () -> assertThat(jdbc.sql("UPDATE booking SET "
                + "move_count = move_count + 1, moving_since = :now WHERE id = :id")
                .param("now", java.time.OffsetDateTime.now(clock)).param("id", id).update()).isOne());

        var response = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(response.status()).as(response.body()).isNotEqualTo(200);
        held.set(false);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(patchesOf(eventId)).as("no put-back").containsExactly(
                "transparent Cancelled: Consultation with John Doe");
        assertThat(jdbc.sql("SELECT moving_since FROM booking WHERE id = :id").param("id", id)
                .query(java.time.OffsetDateTime.class).single()).as("the other change's marker, left to it")
                .isNotNull();
    }

    /** A cancel whose PATCH Google refused (400: nothing changed) puts nothing back: no PATCH more. */
    @Test
    void aCancelWhosePatchGoogleRefusedPutsNothingBack() {
        String id = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String eventId = BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + eventId))
                .willReturn(GoogleCalendarFake.error(400, "invalid")));

        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isNotEqualTo(200);

        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(patchesOf(eventId)).containsExactly("transparent Cancelled: Consultation with John Doe");
    }

    /**
     * The booking's row lock, taken once Google has the cancel's PATCH (one more than it has now), held past the lock
     * timeout (after {@code meanwhile}) until the answer is set false.
     */
    private java.util.concurrent.atomic.AtomicBoolean rowHeldOnceGoogleHasThePatch(String id, String event,
                                                                                   Runnable meanwhile) {
        var held = new java.util.concurrent.atomic.AtomicBoolean(true);
        int before = google.server().findAll(patchRequestedFor(urlPathEqualTo(event))).size();
        doAnswer(inv -> {
            if (held.get() && id.equals(inv.getArgument(0))
                    && google.server().findAll(patchRequestedFor(urlPathEqualTo(event))).size() > before) {
                meanwhile.run();
                throw new CannotAcquireLockException("row held by another transaction");
            }
            return inv.callRealMethod();
        }).when(spied).withBookingLock(anyString(), any(Runnable.class));
        return held;
    }

    /** Google answers the PATCHes of {@code event} that make it {@code transparency} with {@code answer}. */
    private static void patchAnswered(String event, String transparency,
                                      com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        google.stub(patch(urlPathEqualTo(event)).withRequestBody(matchingJsonPath("$.transparency",
                equalTo(transparency))).willReturn(answer));
    }

    /** Google's answer to a PATCH of the event: the event, {@code summary}, at the bookings' time. */
    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answered(String eventId,
                                                                                            String summary) {
        return okJson(GoogleCalendarFake.eventJson(eventId, summary, "2026-12-02T09:00:00+01:00",
                "2026-12-02T10:00:00+01:00"));
    }

    /** The PATCHes of the event Google received, in order: each its transparency and summary. */
    private static List<String> patchesOf(String eventId) {
        return google.server().findAll(patchRequestedFor(urlPathEqualTo(EVENTS + "/" + eventId))).stream()
                .map(r -> {
                    try {
                        var body = JSON.readTree(r.getBodyAsString());
                        return body.path("transparency").asText() + " " + body.path("summary").asText();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).toList();
    }

    /**
     * A cancel that fails after Google may have taken its PATCH (here 503 on every try, the put-back's too) leaves the
     * booking CONFIRMED and its event possibly free; one free under another summary than the hub's mark (set by hand,
     * or renamed): the re-check flags the booking for a person, puts nothing back, and clears its reason once the
     * event is busy again. Before, the re-check compared the times only and never flagged it.
     */
    @Test
    void aConfirmedBookingWhoseEventIsFreeInGoogleIsFlaggedByTheRecheck() {
        String id = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String eventId = BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(EVENTS + "/" + eventId))
                .willReturn(GoogleCalendarFake.error(503, "backendError")));
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        // the put-back was tried (503 too): the event may still be free, which the re-check is there for
        assertThat(patchesOf(eventId)).last().isEqualTo("opaque Consultation with John Doe");
        // the cancel's and the put-back's 503s opened Google's circuit (the test profile's window is 4 calls)
        resilience.circuitBreaker("google-calendar").reset();
        String kept = GoogleCalendarFake.eventJson(eventId, "Cancelled: x", "2026-12-02T09:00:00+01:00",
                "2026-12-02T10:00:00+01:00");
        listed(kept.replace("\"status\":\"confirmed\"", "\"status\":\"confirmed\",\"transparency\":\"transparent\""));
        int patched = patchesOf(eventId).size();

        recheck();

        assertThat(patchesOf(eventId)).as("not the hub's mark: nothing put back").hasSize(patched);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        String flag = attentionOf(id).get("note").asText();
        assertThat(flag).startsWith(CalendarEventRecheck.FLAG).contains("shown free");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText()).isEqualTo(flag);

        // restored by a person (busy again): the reason's flag cleared, as for an event moved back
        listed(kept);
        recheck();
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText(""))
                .doesNotStartWith(CalendarEventRecheck.FLAG);
    }

    /**
     * A cancel whose PATCH Google took but whose CANCELLED failed, and whose put-back Google failed too (503 on every
     * try), leaves the event "Cancelled: ..." and free: the calendar re-check puts it back (its summary, busy) once
     * Google takes the PATCH, flagging the booking for a person while it cannot. Before, the re-check only flagged it,
     * and the confirmed booking's slot stayed free in Google until a person acted.
     */
    @Test
    void aPutBackThatFailedIsMadeByTheRecheckOnceGoogleTakesIt() {
        String id = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        patchAnswered(event, "transparent", answered(eventId, "Cancelled: Consultation with John Doe"));
        patchAnswered(event, "opaque", GoogleCalendarFake.error(503, "backendError"));
        var held = rowHeldOnceGoogleHasThePatch(id, event, () -> { });
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isNotEqualTo(200);
        held.set(false);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(patchesOf(eventId)).first().isEqualTo("transparent Cancelled: Consultation with John Doe");
        assertThat(patchesOf(eventId)).last().isEqualTo("opaque Consultation with John Doe");
        resilience.circuitBreaker("google-calendar").reset();
        listed(keptByTheHub(eventId));

        // Google still fails the PATCH: the run ends as failed, the booking flagged for a person meanwhile
        int patched = patchesOf(eventId).size();
        assertThat(camel.send("direct:gcal-recheck-bookings", exchange -> { }).getException()).isNotNull();
        assertThat(patchesOf(eventId)).hasSizeGreaterThan(patched).last()
                .isEqualTo("opaque Consultation with John Doe");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .startsWith(CalendarEventRecheck.FLAG).contains("shown free");

        // Google takes it: put back as the booking's, the flag cleared
        resilience.circuitBreaker("google-calendar").reset();
        patchAnswered(event, "opaque", answered(eventId, "Consultation with John Doe"));
        patched = patchesOf(eventId).size();
        recheck();
        assertThat(patchesOf(eventId).subList(patched, patchesOf(eventId).size()))
                .containsExactly("opaque Consultation with John Doe");
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText(""))
                .doesNotStartWith(CalendarEventRecheck.FLAG);
        assertThat(jdbc.sql("SELECT moving_since FROM booking WHERE id = :id").param("id", id)
                .query(java.time.OffsetDateTime.class).optional()).as("the put-back's change ended").isEmpty();

        // busy again in Google: nothing more to put back
        listed(GoogleCalendarFake.eventJson(eventId, "Consultation with John Doe", "2026-12-02T09:00:00+01:00",
                "2026-12-02T10:00:00+01:00"));
        recheck();
        assertThat(patchesOf(eventId)).hasSize(patched + 1);
    }

    /**
     * A cancel made after the re-check read the booking (its event "Cancelled: ..." and free, left so by an earlier
     * cancel that failed) is not undone: the re-check puts back only a booking still as it read it, no change of its
     * event through the hub begun since, so the second cancel's event stays "Cancelled: ..." and free.
     */
    @Test
    void aCancelMadeAfterTheRecheckReadTheBookingIsNotUndone() {
        String id = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).willReturn(GoogleCalendarFake.error(503, "backendError")));
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        resilience.circuitBreaker("google-calendar").reset();
        google.stub(patch(urlPathEqualTo(event))
                .willReturn(answered(eventId, "Cancelled: Consultation with John Doe")));
        listed(keptByTheHub(eventId));
        // the second cancel, made as the re-check is about to put the event back
        doAnswer(inv -> {
            assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(200);
            return inv.callRealMethod();
        }).when(spied).eventChangeBeginsAsRead(any(), any(), any());
        int patched = patchesOf(eventId).size();

        recheck();

        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(patchesOf(eventId).subList(patched, patchesOf(eventId).size())).as("the second cancel's only")
                .containsExactly("transparent Cancelled: Consultation with John Doe");
    }

    /**
     * With push notifications off (the default, as here), a put-back that failed (Google down: 503 on every try) is
     * recorded on the booking and made by the sweep booking-retry-event-put-backs once Google takes it: the event busy
     * again under the booking's summary, the record cleared, nothing more asked after. While Google still fails, each
     * sweep tries once and keeps the record. Before, only the calendar re-check put it back, which runs only with push
     * on: the confirmed booking's event stayed "Cancelled: ..." and free in Google for good.
     */
    @Test
    void aPutBackThatFailedIsMadeByTheSweepWithPushOff() {
        String id = bookingWhosePutBackFailed();
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;

        int patched = patchesOf(eventId).size();
        assertThat(sweep()).as("Google still failing").isZero();
        assertThat(patchesOf(eventId)).hasSizeGreaterThan(patched).last().isEqualTo("opaque Consultation with John Doe");
        assertThat(putBackRecorded(id)).as("still to put back").isPresent();

        resilience.circuitBreaker("google-calendar").reset();
        patchAnswered(event, "opaque", answered(eventId, "Consultation with John Doe"));
        patched = patchesOf(eventId).size();
        assertThat(sweep()).isOne();
        assertThat(patchesOf(eventId).subList(patched, patchesOf(eventId).size()))
                .containsExactly("opaque Consultation with John Doe");
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(putBackRecorded(id)).as("the record cleared").isEmpty();
        assertThat(jdbc.sql("SELECT moving_since FROM booking WHERE id = :id").param("id", id)
                .query(java.time.OffsetDateTime.class).optional()).as("the put-back's change ended").isEmpty();

        assertThat(sweep()).isZero();
        assertThat(patchesOf(eventId)).hasSize(patched + 1);
    }

    /**
     * A cancel that succeeded after the put-back failed (its event "Cancelled: ..." and free by its own right) is not
     * undone by the sweep: the booking is no longer confirmed, its event changed through the hub since; the record is
     * cleared, nothing asked of Google.
     */
    @Test
    void aCancelMadeSinceAFailedPutBackIsNotUndoneByTheSweep() {
        String id = bookingWhosePutBackFailed();
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        patchesMarkCancelled(event);
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(200);
        int patched = patchesOf(eventId).size();

        assertThat(sweep()).isZero();

        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(patchesOf(eventId)).as("nothing put back").hasSize(patched).last()
                .isEqualTo("transparent Cancelled: Consultation with John Doe");
        assertThat(putBackRecorded(id)).isEmpty();
    }

    /**
     * A cancel asked again while Google's circuit is open (503, nothing sent to Google) begins a change of the event
     * through the hub that puts nothing back: the booking stays CONFIRMED, its event "Cancelled: ..." and free, and the
     * sweep still puts it back (its summary, busy), the record cleared. Before, the sweep took any change begun since
     * the failed put-back for one that made the event the hub's again: it cleared the record, and with push off the
     * confirmed booking's event stayed free for good.
     */
    @Test
    void aCancelThatGoogleNeverGotKeepsTheFailedPutBackForTheSweep() {
        String id = bookingWhosePutBackFailed();
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        int patched = patchesOf(eventId).size();
        var breaker = resilience.circuitBreaker("google-calendar");
        breaker.transitionToOpenState();
        try {
            var refused = httpPost("/api/v1/bookings/" + id + "/cancel", "");
            assertThat(refused.status()).as(refused.body()).isEqualTo(503);
        } finally {
            breaker.reset();
        }
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(patchesOf(eventId)).as("nothing sent to Google").hasSize(patched);
        patchAnswered(event, "opaque", answered(eventId, "Consultation with John Doe"));

        sweepPutsItBack(id, eventId);

        assertThat(sweep()).isZero();
        assertThat(patchesOf(eventId)).hasSize(patched + 1);
    }

    /**
     * A reschedule made after the put-back failed moves the event (its PATCH sets its start and end only): moved, it
     * is still "Cancelled: ..." and free, and the sweep puts it back at its new time, the move kept. Before, the sweep
     * cleared the record as for a change that made the event the hub's again, and the event stayed free.
     */
    @Test
    void aRescheduleAfterAFailedPutBackLeavesItToTheSweep() {
        String id = bookingWhosePutBackFailed();
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).withRequestBody(matchingJsonPath("$.start"))
                .willReturn(okJson(GoogleCalendarFake.eventJson(eventId, "Cancelled: Consultation with John Doe",
                        "2026-12-02T09:30:00+01:00", "2026-12-02T10:30:00+01:00"))));
        var moved = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-02T09:30:00+01:00\"}");
        assertThat(moved.status()).as(moved.body()).isEqualTo(200);
        patchAnswered(event, "opaque", answered(eventId, "Consultation with John Doe"));

        sweepPutsItBack(id, eventId);

        // the put-back sets the booking's time, its new one: the move kept (none is put back at the old time)
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(event))
                .withRequestBody(matchingJsonPath("$.transparency"))
                .withRequestBody(matchingJsonPath("$.start.dateTime", matching(".*T0[89]:00:00.*"))));
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(event))
                .withRequestBody(matchingJsonPath("$.transparency"))
                .withRequestBody(matchingJsonPath("$.start.dateTime",
                        matching("2026-12-02T(09:30:00.*\\+01:00|08:30:00.*Z)"))));
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    /**
     * A later cancel that fails after Google took its PATCH puts the event back itself: that put-back clears the
     * record of the earlier one, and the sweep asks nothing more of Google.
     */
    @Test
    void aPutBackAFailedCancelMadeClearsTheRecord() {
        String id = bookingWhosePutBackFailed();
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        patchAnswered(event, "opaque", answered(eventId, "Consultation with John Doe"));
        var held = rowHeldOnceGoogleHasThePatch(id, event, () -> { });
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isNotEqualTo(200);
        held.set(false);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(patchesOf(eventId)).last().isEqualTo("opaque Consultation with John Doe");
        assertThat(putBackRecorded(id)).as("put back by the cancel").isEmpty();
        int patched = patchesOf(eventId).size();

        assertThat(sweep()).isZero();

        assertThat(patchesOf(eventId)).hasSize(patched);
    }

    /**
     * A cancel made as the sweep is about to put the event back (after it read the booking) is not undone either: the
     * sweep puts back only a booking still as it read it, no change of its event begun since. The next sweep clears
     * the record.
     */
    @Test
    void aCancelMadeAsTheSweepPutsTheEventBackIsNotUndone() {
        String id = bookingWhosePutBackFailed();
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        patchesMarkCancelled(event);
        onceAsAPutBackBegins(() -> assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status())
                .isEqualTo(200));
        int patched = patchesOf(eventId).size();

        assertThat(sweep()).isZero();
        assertThat(sweep()).isZero();

        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(patchesOf(eventId).subList(patched, patchesOf(eventId).size())).as("the second cancel's only")
                .containsExactly("transparent Cancelled: Consultation with John Doe");
        assertThat(putBackRecorded(id)).isEmpty();
    }

    /**
     * With push on, the calendar re-check puts such an event back too: whichever does it first, the other puts nothing
     * back again. Here the re-check first (its put-back clears the record), then the sweep: one PATCH in all.
     */
    @Test
    void aPutBackTheRecheckMadeIsNotMadeAgainByTheSweep() {
        String id = bookingWhosePutBackFailed();
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        patchAnswered(event, "opaque", answered(eventId, "Consultation with John Doe"));
        listed(keptByTheHub(eventId));
        int patched = patchesOf(eventId).size();

        recheck();
        assertThat(putBackRecorded(id)).isEmpty();
        assertThat(sweep()).isZero();

        assertThat(patchesOf(eventId).subList(patched, patchesOf(eventId).size()))
                .containsExactly("opaque Consultation with John Doe");
    }

    /**
     * ... and the sweep first, while a re-check has read the booking and its event still "Cancelled: ..." and free:
     * the re-check finds the booking changed since and puts nothing back. One PATCH in all.
     */
    @Test
    void aPutBackTheSweepMadeIsNotMadeAgainByARecheckUnderWay() {
        String id = bookingWhosePutBackFailed();
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        patchAnswered(event, "opaque", answered(eventId, "Consultation with John Doe"));
        listed(keptByTheHub(eventId));
        // the re-check about to put it back: the sweep does it first
        onceAsAPutBackBegins(() -> assertThat(sweep()).isOne());
        int patched = patchesOf(eventId).size();

        recheck();

        assertThat(patchesOf(eventId).subList(patched, patchesOf(eventId).size()))
                .containsExactly("opaque Consultation with John Doe");
        assertThat(putBackRecorded(id)).isEmpty();
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    /**
     * A put-back still failing after connectify.booking.event-put-back.retry-for (1 day) is no longer tried: the booking
     * is flagged for a person (its event shown free), the record cleared, nothing asked of Google.
     */
    @Test
    void aPutBackFailingPastItsRetriesIsLeftToAPerson() {
        String id = bookingWhosePutBackFailed();
        String eventId = BookingSaga.eventIdFor(id);
        jdbc.sql("UPDATE booking SET event_put_back_since = :since WHERE id = :id")
                .param("since", java.time.OffsetDateTime.now(clock).minusDays(1)).param("id", id).update();
        int patched = patchesOf(eventId).size();

        assertThat(sweep()).isZero();

        assertThat(patchesOf(eventId)).hasSize(patched);
        assertThat(putBackRecorded(id)).isEmpty();
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(attentionOf(id).get("note").asText()).startsWith(CalendarEventRecheck.FLAG).contains("shown free");
    }

    /**
     * A give-up whose flag finds the booking changed since the sweep read it (here its reason) writes nothing: the
     * record is kept, and the next sweep flags the booking as it is then and clears it. Before, the record was cleared
     * unflagged: nobody was told of the event left free.
     */
    @Test
    void aGiveUpWhoseFlagFindsTheBookingChangedIsFlaggedByTheNextSweep() {
        String id = bookingWhosePutBackFailed();
        jdbc.sql("UPDATE booking SET event_put_back_since = :since WHERE id = :id")
                .param("since", java.time.OffsetDateTime.now(clock).minusDays(1)).param("id", id).update();
        var once = new java.util.concurrent.atomic.AtomicBoolean(true);
        doAnswer(inv -> {
            if (once.getAndSet(false)) {
                jdbc.sql("UPDATE booking SET status_reason = 'changed meanwhile' WHERE id = :id").param("id", id)
                        .update();
            }
            return inv.callRealMethod();
        }).when(spied).reasonOfConfirmed(any(), anyString(), any());

        assertThat(sweep()).isZero();
        assertThat(putBackRecorded(id)).as("kept: nothing flagged").isPresent();

        assertThat(sweep()).isZero();
        assertThat(putBackRecorded(id)).isEmpty();
        assertThat(attentionOf(id).get("note").asText()).startsWith(CalendarEventRecheck.FLAG).contains("shown free");
    }

    /**
     * A confirmed booking, whose cancel's PATCH Google took but whose CANCELLED failed (the row held past the lock
     * timeout), and whose put-back Google failed (503 on every try): CONFIRMED, the put-back recorded on the booking,
     * Google's circuit closed again.
     */
    private String bookingWhosePutBackFailed() {
        String id = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        patchAnswered(event, "transparent", answered(eventId, "Cancelled: Consultation with John Doe"));
        patchAnswered(event, "opaque", GoogleCalendarFake.error(503, "backendError"));
        var held = rowHeldOnceGoogleHasThePatch(id, event, () -> { });
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isNotEqualTo(200);
        held.set(false);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(patchesOf(eventId)).first().isEqualTo("transparent Cancelled: Consultation with John Doe");
        assertThat(patchesOf(eventId)).last().isEqualTo("opaque Consultation with John Doe");
        assertThat(putBackRecorded(id)).as("the failed put-back recorded").isPresent();
        resilience.circuitBreaker("google-calendar").reset();
        return id;
    }

    /** One sweep puts the event back as booked (its summary, busy) by one PATCH, and clears the record. */
    private void sweepPutsItBack(String id, String eventId) {
        int patched = patchesOf(eventId).size();
        assertThat(sweep()).isOne();
        assertThat(patchesOf(eventId).subList(patched, patchesOf(eventId).size()))
                .containsExactly("opaque Consultation with John Doe");
        assertThat(putBackRecorded(id)).as("the record cleared").isEmpty();
    }

    /** Google takes every PATCH of {@code event}, answering it marked cancelled, as a cancel makes it. */
    private static void patchesMarkCancelled(String event) {
        google.stub(patch(urlPathEqualTo(event)).willReturn(answered(event.substring(event.lastIndexOf('/') + 1),
                "Cancelled: Consultation with John Doe")));
    }

    /** {@code meanwhile} runs once, as a put-back's change is about to begin, its booking read. */
    private void onceAsAPutBackBegins(Runnable meanwhile) {
        var once = new java.util.concurrent.atomic.AtomicBoolean(true);
        doAnswer(inv -> {
            if (once.getAndSet(false)) {
                meanwhile.run();
            }
            return inv.callRealMethod();
        }).when(spied).eventChangeBeginsAsRead(any(), any(), any());
    }

    /** The change whose put-back failed, as recorded on the booking (V41); empty: nothing to put back. */
    private java.util.Optional<Integer> putBackRecorded(String id) {
        return jdbc.sql("SELECT event_put_back_change FROM booking WHERE id = :id").param("id", id)
                .query(Integer.class).optional();
    }

    /** One sweep of booking-retry-event-put-backs, on this thread; answers how many events it put back. */
    private int sweep() {
        var run = camel.send("direct:booking-retry-event-put-backs", exchange -> { });
        assertThat(run.getException()).isNull();
        return run.getMessage().getBody(Integer.class);
    }

    /** The booking's event as mark-cancelled keeps it: "Cancelled: " and its summary, free, at the booking's time. */
    private static String keptByTheHub(String eventId) {
        return GoogleCalendarFake.eventJson(eventId, "Cancelled: Consultation with John Doe",
                "2026-12-02T09:00:00+01:00", "2026-12-02T10:00:00+01:00")
                .replace("\"status\":\"confirmed\"", "\"status\":\"confirmed\",\"transparency\":\"transparent\"");
    }

    /** Google's list of the calendar's events holds only {@code event}. */
    private static void listed(String event) {
        google.stub(get(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventsJson(List.of(event)))));
    }

    /** One run of the re-check of the confirmed bookings' events, on this thread. */
    private void recheck() {
        assertThat(camel.send("direct:gcal-recheck-bookings", exchange -> { }).getException()).isNull();
    }
}
