package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly;
import static com.github.tomakehurst.wiremock.client.WireMock.notContaining;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static io.connectify.hub.support.StripeFake.checkoutSession;
import static io.connectify.hub.support.StripeFake.event;
import static io.connectify.hub.support.StripeFake.paymentIntent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.support.CountingClock;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.TestClockConfig;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.PayrexxFake;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.test.util.AopTestUtils;
import org.springframework.test.util.ReflectionTestUtils;

/**
 * A payment is recorded on its booking before the calendar is asked: from then on the booking keeps its slot until
 * it is confirmed, and a payment that pays for nothing is refunded rather than kept.
 */
@HubTest
class PaidBookingTest extends Webhooks {

    @Autowired
    ProducerTemplate camel;
    @Autowired
    CamelContext camelContext;
    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;
    @Autowired
    BookingSaga saga;
    @Autowired
    @Qualifier(TestClockConfig.BOOKING_READINGS)
    CountingClock bookingClock;

    private static final String START = "2026-12-03T09:00:00+01:00";

    @Test
    void aPaidBookingWaitingForItsCalendarEventKeepsItsSlotThroughExpiryAndLaterFailures() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String paid = pendingBooking(START, "stripe");
        String unpaid = pendingBooking("2026-12-03T13:00:00+01:00", "stripe");
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(GoogleCalendarFake.error(500, "backendError")));
        // a first card was declined: the reason is the booking's until a payment is recorded
        assertThat(signedStripeWebhook(event("evt_wait_declined", "payment_intent.payment_failed",
                paymentIntent(paid, "pi_wait", "requires_payment_method"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> httpGet("/api/v1/bookings/" + paid).json()
                .path("statusReason").asText().startsWith("a payment attempt failed"));

        assertThat(signedStripeWebhook(event("evt_wait_paid", "checkout.session.completed",
                checkoutSession(paid, "paid", "pi_wait"))).status()).isEqualTo(200);
        JsonNode letter = awaitDeadLetter("stripe");
        JsonNode booking = httpGet("/api/v1/bookings/" + paid).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.get("paidAmount").asLong()).isEqualTo(9000);
        assertThat(booking.get("paymentReference").asText()).isEqualTo("pi_wait");
        assertThat(booking.has("holdExpiresAt")).isFalse(); // paid: the slot is kept with no hold to run out
        assertThat(booking.has("statusReason")).isFalse(); // the failed attempt is history

        // the hold runs out: the unpaid booking's slot is released, the paid one's is not
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(unpaid, "EXPIRED");
        assertThat(status(paid)).isEqualTo("PENDING_PAYMENT");

        // a failed attempt reported later (another card, another intent) does not undo the payment
        NotifyBuilder processed = new NotifyBuilder(camelContext).fromRoute("stripe-event-dispatch")
                .filter(e -> "stripe:evt_wait_failed".equals(e.getMessage().getHeader("eventKey", String.class)))
                .whenCompleted(1).create();
        assertThat(signedStripeWebhook(event("evt_wait_failed", "payment_intent.payment_failed",
                paymentIntent(paid, "pi_other_try", "requires_payment_method"))).status()).isEqualTo(200);
        assertThat(processed.matches(20, TimeUnit.SECONDS)).as("the later failure processed").isTrue();
        assertThat(status(paid)).isEqualTo("PENDING_PAYMENT");

        // Google is back (its breaker had opened): the slot is still the paid booking's, no one else may book it
        google.reset();
        resilience.circuitBreaker("google-calendar").reset();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
        var taken = httpPost("/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"customer":{"name":"B","email":"b@example.com"}}
                """.formatted(START));
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.json().get("type").asText()).isEqualTo("booking-conflict");

        var replayed = send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);
        assertThat(replayed.status()).isEqualTo(200);
        awaitStatus(paid, "CONFIRMED");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * The service account's key revoked while a customer pays: the payment stands (no refund, the slot kept), the
     * event is a dead letter saying Google refused the hub's credentials (not the event), left for the person who
     * replaces the key, whose replay confirms the booking.
     */
    @Test
    void aPaymentWhileGoogleRefusesTheKeyIsKeptUnrefundedAndConfirmedByItsReplayOnceTheKeyIsReplaced() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        google.refuseTokens(400, "invalid_grant", "Invalid JWT Signature.");

        assertThat(signedStripeWebhook(event("evt_key_revoked", "checkout.session.completed",
                checkoutSession(id, "paid", "pi_key_revoked"))).status()).isEqualTo(200);

        JsonNode letter = await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(15)).until(() -> httpGet(
                "/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters"), l -> l.size() == 1)
                .get(0);
        assertThat(letter.get("errorType").asText()).isEqualTo("io.connectify.hub.calendar.KeyRefusedException");
        assertThat(letter.get("errorMessage").asText()).startsWith("provider-error: ").contains("token endpoint")
                .contains("invalid_grant");
        assertThat(letter.hasNonNull("retryAt")).as("not replayed on its own: it waits for the key").isFalse();
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.get("paidAmount").asLong()).isEqualTo(9000);
        assertThat(booking.get("paymentReference").asText()).isEqualTo("pi_key_revoked");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));

        // the key replaced: the replayed payment makes the event and confirms the booking, still with no refund
        google.reset();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
        replay(letter);
        awaitStatus(id, "CONFIRMED");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    @Test
    void aPaidBookingGoogleNeverTakesIsRefundedInFullWhenCancelledAndItsReplayedEventChangesNothing() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        JsonNode letter = paidWhileGoogleFails(id, "evt_never_taken", "pi_never_taken");
        clock.set(Instant.parse("2026-12-03T07:00:00Z")); // an hour before the start: past the 24 h refund cut-off

        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("status").asText()).isEqualTo("REFUNDED");
        assertThat(cancel.json().get("statusReason").asText()).isEqualTo("cancelled before its confirmation: refunded");
        // in full however late: the hub never confirmed it
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(containing("payment_intent=pi_never_taken"))
                .withRequestBody(notContaining("amount="))
                .withHeader("Idempotency-Key", equalTo("booking-" + id + "-refund-pi_never_taken")));
        google.server().verify(1, deleteRequestedFor(urlPathEqualTo(event))); // in case an attempt had made it
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);

        // the dead letter replayed later: a repeat of a refunded payment, no event and no second refund
        replay(letter);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                google.server().verify(2, deleteRequestedFor(urlPathEqualTo(event))));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(notifications(id, "confirmation")).isZero();
    }

    @Test
    void aCancellationWhoseRefundFailsStaysCancelledWithItsSlotFreeAndIsRefundedWhenCancelledAgain() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        JsonNode letter = paidWhileGoogleFails(id, "evt_refund_fails", "pi_refund_fails");
        stripeRefundsFail();

        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancel.status()).isEqualTo(502);
        assertThat(cancel.header("Content-Type")).startsWith("application/problem+json");
        assertThat(cancel.json().get("type").asText()).isEqualTo("provider-error");
        stripe.server().verify(moreThanOrExactly(1), postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withHeader("Idempotency-Key", equalTo("booking-" + id + "-refund-pi_refund_fails")));
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(booking.get("statusReason").asText()).isEqualTo("cancelled before its confirmation: refund pending");
        assertThat(booking.get("paidAmount").asLong()).isEqualTo(9000);
        assertThat(refundsPendingGauge()).isEqualTo("1.0");
        // no confirmation can take it any more, so its slot is free for someone else
        assertThat(pendingBooking(START, "stripe")).isNotEqualTo(id);
        // and its customer is told so at once: cancelled, the refund being made
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(smsTexts()).singleElement()
                .satisfies(sms -> assertThat(sms).contains("wurde abgesagt. Wir erstatten 90,00 CHF")));
        assertThat(notifications(id, "cancellation-refund-pending")).as("one SMS, one email").isEqualTo(2);

        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        var again = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("status").asText()).isEqualTo("REFUNDED");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withHeader("Idempotency-Key", equalTo("booking-" + id + "-refund-pi_refund_fails")));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);
        assertThat(refundsPendingGauge()).isEqualTo("0.0");

        replay(letter); // processed as a repeat: recorded once done
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_refund_fails'")
                .query(Integer.class).single() == 1);
        assertThat(status(id)).isEqualTo("REFUNDED");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    @Test
    void failedRefundsOfCancellationsAreMadeByTheRetrySweepWithinItsWindow() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String old = pendingBooking(START, "stripe");
        paidWhileGoogleFails(old, "evt_sweep_old", "pi_sweep_old");
        stripeRefundsFail();
        assertThat(httpPost("/api/v1/bookings/" + old + "/cancel", "").status()).isEqualTo(502);
        clock.advance(Duration.ofDays(7).plusMinutes(1)); // past connectify.booking.refund-retry-for

        jdbc.sql("DELETE FROM dead_letter").update();
        String recent = pendingBooking("2026-12-09T09:00:00+01:00", "stripe"); // the old booking's start is past
        paidWhileGoogleFails(recent, "evt_sweep_recent", "pi_sweep_recent");
        stripeRefundsFail();
        assertThat(httpPost("/api/v1/bookings/" + recent + "/cancel", "").status()).isIn(502, 503);
        assertThat(status(recent)).isEqualTo("CANCELLED");

        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        assertThat(retryRefunds()).isEqualTo(1);
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(containing("payment_intent=pi_sweep_recent"))
                .withHeader("Idempotency-Key", equalTo("booking-" + recent + "-refund-pi_sweep_recent")));
        assertThat(status(recent)).isEqualTo("REFUNDED");
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(recent, "payment-refunded") > 0);
        // too old to ask again unattended: left CANCELLED, refund pending, for someone to check at Stripe
        JsonNode left = httpGet("/api/v1/bookings/" + old).json();
        assertThat(left.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(left.get("statusReason").asText()).isEqualTo("cancelled before its confirmation: refund pending");

        assertThat(retryRefunds()).isZero();
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * Refunds the provider keeps refusing hold no later cancellation's refund out of the retry sweep: a failed try is
     * recorded, and a sweep takes those it has not tried first, then those tried longest ago. Here a sweep tries 2
     * (connectify.booking.refund-retry-batch, set for this test only: {@link #withRefundRetryBatch}), two older
     * cancellations' refunds Stripe refuses every time, and a newer one's it makes: the second sweep makes it.
     * Before, a failed try changed nothing, every sweep took the same oldest ones, and the newer refund waited until
     * those left the sweep's window (7 days), its customer told it was being made.
     */
    @Test
    void refundsTheProviderKeepsRefusingHoldNoLaterRefundOutOfTheRetrySweep() {
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(EVENTS + "/.*"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.noContent()));
        String older = cancelledWhileRefundsFail("2026-12-03T09:00:00+01:00");
        String old = cancelledWhileRefundsFail("2026-12-03T11:00:00+01:00");
        clock.advance(Duration.ofMinutes(1));
        String newer = cancelledWhileRefundsFail("2026-12-03T13:00:00+01:00");
        assertThat(refundsPendingGauge()).isEqualTo("3.0");

        stripe.reset();
        for (String refused : List.of(older, old)) {
            stripe.server().stubFor(post(urlPathEqualTo("/v1/refunds")).atPriority(1)
                    .withRequestBody(containing("payment_intent=" + paymentIntentOf(refused)))
                    .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json").withBody("""
                            {"error":{"type":"invalid_request_error","code":"charge_disputed",
                             "message":"Charge has been disputed."}}""")));
        }
        stripe.server().stubFor(get(urlPathEqualTo("/v1/refunds")).willReturn(okJson(
                "{\"object\":\"list\",\"data\":[],\"has_more\":false,\"url\":\"/v1/refunds\"}")));

        resilience.circuitBreaker("stripe").reset();
        withRefundRetryBatch(2, () -> {
            assertThat(retryRefunds()).isZero(); // the two older ones, refused
            stripe.server().verify(2, postRequestedFor(urlPathEqualTo("/v1/refunds")));
            stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                    .withRequestBody(containing("payment_intent=" + paymentIntentOf(newer))));

            clock.advance(Duration.ofMinutes(5)); // connectify.booking.refund-retry-interval
            resilience.circuitBreaker("stripe").reset();
            assertThat(retryRefunds()).isEqualTo(1);
        });
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(containing("payment_intent=" + paymentIntentOf(newer))));
        assertThat(status(newer)).isEqualTo("REFUNDED");
        assertThat(status(older)).isEqualTo("CANCELLED");
        assertThat(status(old)).isEqualTo("CANCELLED");
        assertThat(refundsPendingGauge()).isEqualTo("2.0");
    }

    /**
     * The bookings' clock is the database's, a statement a reading: the retry sweep read it once more for each refund
     * it tried in vain and each booking whose retries it ended (a batch of 50 refunds the provider refuses: 50 more
     * round trips). Now once a sweep: two refunds refused and two no longer retried read it once.
     */
    @Test
    void theRetrySweepReadsTheBookingsClockOnceNotOnceABooking() {
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(EVENTS + "/.*"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.noContent()));
        List<String> tried = List.of(cancelledWhileRefundsFail("2026-12-03T09:00:00+01:00"),
                cancelledWhileRefundsFail("2026-12-03T11:00:00+01:00"));
        List<String> ending = List.of(cancelledWhileRefundsFail("2026-12-03T13:00:00+01:00"),
                cancelledWhileRefundsFail("2026-12-03T15:00:00+01:00"));
        // cancelled before connectify.booking.refund-retry-for (7 days): no longer retried
        jdbc.sql("UPDATE booking SET updated_at = :before WHERE id IN (:ids)")
                .param("before", clock.instant().minus(Duration.ofDays(8)).atOffset(java.time.ZoneOffset.UTC))
                .param("ids", ending).update();
        stripe.reset();
        stripe.server().stubFor(post(urlPathEqualTo("/v1/refunds")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"error":{"type":"invalid_request_error","code":"charge_disputed",
                         "message":"Charge has been disputed."}}""")));
        resilience.circuitBreaker("stripe").reset();

        int readings = bookingClock.readingsDuring(this::retryRefunds);

        stripe.server().verify(2, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        for (String id : tried) {
            assertThat(jdbc.sql("SELECT refund_checked_status FROM booking WHERE id = :id").param("id", id)
                    .query(String.class).single()).as("a failed try recorded").isEqualTo("retried");
        }
        for (String id : ending) {
            assertThat(attentionOf(id).get("note").asText()).startsWith("its refund was not made and is no longer "
                    + "retried");
        }
        assertThat(readings).as("readings of the bookings' clock in one sweep").isLessThanOrEqualTo(2);
    }

    /**
     * Runs {@code sweeps} with the retry sweep trying {@code batch} pending refunds (the default, 50, elsewhere), then
     * puts the setting back. The saga reads it at each sweep: set on its properties, not in a context of its own (one
     * more Spring context, the whole hub, for one number).
     */
    private void withRefundRetryBatch(int batch, Runnable sweeps) {
        BookingSaga target = AopTestUtils.getUltimateTargetObject(saga);
        var set = (BookingProperties) ReflectionTestUtils.getField(target, "properties");
        ReflectionTestUtils.setField(target, "properties", new BookingProperties(set.hold(), set.holdSweepInterval(),
                set.asap(), set.refundRetryInterval(), set.refundRetryFor(), batch, set.processingHold(),
                set.moveTimeout(), set.maxAdvance()));
        try {
            sweeps.run();
        } finally {
            ReflectionTestUtils.setField(target, "properties", set);
        }
    }

    /** A confirmed booking starting at {@code start}, cancelled in time while Stripe fails every refund. */
    private String cancelledWhileRefundsFail(String start) {
        String id = confirmedStripeBooking(start);
        stripeRefundsFail();
        resilience.circuitBreaker("stripe").reset();
        cancelRefusedWithTheRefundPending(id, 502, "provider-error", "cancelled: refund pending");
        return id;
    }

    /** The Payment Intent that paid a booking made by {@link #confirmedStripeBooking}. */
    private static String paymentIntentOf(String id) {
        return "pi_" + id.substring(0, 8);
    }

    /**
     * A refund the retry sweep no longer tries (its cancellation older than connectify.booking.refund-retry-for)
     * would wait for ever, told only by the gauge of pending refunds: the sweep marks its booking for a person
     * (listed, counted), once; a later sweep does not mark it again, not even once a person has cleared it. A repeated
     * cancel still makes the refund, as the note says.
     */
    @Test
    void aRefundTheRetrySweepNoLongerTriesIsMarkedForAPersonOnce() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        paidWhileGoogleFails(id, "evt_sweep_ends", "pi_sweep_ends");
        stripeRefundsFail();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        double before = needingAttentionGauge();
        resilience.circuitBreaker("stripe").reset();
        retryRefunds(); // within its window: tried again (and failing), not left for a person
        assertThat(attentionOrNull(id)).isNull();

        clock.advance(Duration.ofDays(7).plusMinutes(1)); // past connectify.booking.refund-retry-for
        resilience.circuitBreaker("stripe").reset();
        stripe.server().resetRequests();
        assertThat(retryRefunds()).isZero();

        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        JsonNode marked = attentionOf(id);
        assertThat(marked.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(marked.get("note").asText()).isEqualTo("its refund was not made and is no longer retried "
                + "(connectify.booking.refund-retry-for): check the refund at the provider first (an attempt whose "
                + "answer was lost may have made it), then cancel it again to retry, or pay the customer back another "
                + "way and record that with POST /api/v1/admin/bookings/{id}/refund/settled (it also clears this "
                + "mark)");
        assertThat(needingAttentionGauge()).isEqualTo(before + 1);
        assertThat(refundsPendingGauge()).as("still waiting for its refund").isEqualTo("1.0");

        retryRefunds();
        assertThat(attentionOf(id)).isEqualTo(marked);
        var cleared = httpPost("/api/v1/admin/bookings/" + id + "/attention/clear", JSON.createObjectNode()
                .put("since", marked.get("since").asText()).put("note", marked.get("note").asText()).toString(),
                ADMIN_KEY);
        assertThat(cleared.status()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(5));
        retryRefunds();
        assertThat(attentionOrNull(id)).as("not marked again by a later sweep").isNull();
        assertThat(needingAttentionGauge()).isEqualTo(before);

        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        var again = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("status").asText()).isEqualTo("REFUNDED");
    }

    /**
     * The end of a refund's retries failing otherwise than on a row held past the lock timeout (here a constraint the
     * test adds refuses the record of it) fails the sweep, as the other sweeps' steps do, for the sweeps' error
     * handling to log with its cause; before, a WARN naming only the exception's class. The next sweep marks it.
     */
    @Test
    void anEndOfRefundRetriesFailingOtherwiseThanOnAHeldRowFailsTheSweep() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        paidWhileGoogleFails(id, "evt_sweep_end_fails", "pi_sweep_end_fails");
        stripeRefundsFail();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        clock.advance(Duration.ofDays(7).plusMinutes(1)); // past connectify.booking.refund-retry-for
        resilience.circuitBreaker("stripe").reset();

        jdbc.sql("ALTER TABLE booking ADD CONSTRAINT test_retries_end_refused CHECK (id <> '" + id + "'"
                + " OR refund_checked_status IS NULL)").update();
        try {
            assertThatThrownBy(this::retryRefunds).isInstanceOf(CamelExecutionException.class)
                    .hasRootCauseInstanceOf(SQLException.class);
        } finally {
            jdbc.sql("ALTER TABLE booking DROP CONSTRAINT test_retries_end_refused").update();
        }
        assertThat(attentionOrNull(id)).isNull();

        retryRefunds();
        assertThat(attentionOf(id).get("note").asText()).startsWith("its refund was not made and is no longer "
                + "retried");
    }

    @Test
    void aConfirmedBookingCancelledInTimeWhoseRefundFailsIsRefundedByTheRetrySweepEvenPastTheCutOff() {
        String id = confirmedCancelledWhileRefundsFail();
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);

        clock.set(Instant.parse("2026-12-03T07:00:00Z")); // past the cut-off: the cancellation decided the refund
        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        assertThat(retryRefunds()).isEqualTo(1);
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("REFUNDED");
        assertThat(booking.get("statusReason").asText()).isEqualTo("cancelled and refunded");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withHeader("Idempotency-Key", equalTo("booking-" + id + "-refund-pi_" + id.substring(0, 8))));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "refund") > 0);
        assertThat(notifications(id, "cancellation")).isZero();
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
        google.server().verify(1, deleteRequestedFor(urlPathEqualTo(event))); // removed once, before the cancellation
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
    }

    /**
     * A confirmed booking cancelled in time while Stripe fails every refund: its event is gone and its slot free, so
     * the customer (locale de) is told at once that it is cancelled and the refund being made, one SMS and one email;
     * a cancel asked again that fails again tells nothing more; the refund the retry sweep then makes is told too.
     * Before, the customer heard nothing until that refund, possibly days later, or never should the sweep give up.
     */
    @Test
    void aCancellationWhoseRefundFailsIsToldAtOnceThenItsRefundOnceTheSweepMakesIt() {
        String id = confirmedCancelledWhileRefundsFail();

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(smsTexts()).singleElement().satisfies(sms -> assertThat(sms).contains("Ihr Termin am",
                    "wurde abgesagt. Wir erstatten 90,00 CHF und melden uns, sobald die Rückerstattung erfolgt ist."));
            assertThat(emailBodies()).singleElement().satisfies(mail -> assertThat(mail)
                    .contains("wurde abgesagt: Ihre Rückerstattung ist unterwegs",
                            "Wir erstatten 90,00 CHF auf Ihr ursprüngliches Zahlungsmittel", "Buchungsnummer: " + id)
                    .doesNotContain("Rückerstattungsfrist"));
        });
        assertThat(notifications(id, "cancellation-refund-pending")).as("one SMS, one email").isEqualTo(2);

        resilience.circuitBreaker("stripe").reset();
        cancelRefusedWithTheRefundPending(id, 502, "provider-error", "cancelled: refund pending");
        resilience.circuitBreaker("stripe").reset();
        assertThat(retryRefunds()).isZero(); // failing again: told once only
        assertThat(notifications(id, "cancellation-refund-pending")).isEqualTo(2);

        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        assertThat(retryRefunds()).isEqualTo(1);
        assertThat(status(id)).isEqualTo("REFUNDED");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(smsTexts()).hasSize(2).last().satisfies(sms -> assertThat(sms)
                    .contains("wurde abgesagt und 90,00 CHF erstattet"));
            assertThat(emailBodies()).hasSize(2).last().satisfies(mail -> assertThat(mail)
                    .contains("wurde abgesagt und erstattet"));
        });
        assertThat(notifications(id, "refund")).isEqualTo(2);
        assertThat(notifications(id, "cancellation-refund-pending")).isEqualTo(2);
        assertThat(notifications(id, "refund-failed") + notifications(id, "cancellation")).isZero();
    }

    /**
     * The retry sweep giving up on the refund of a booking whose customer was told it is being made: the booking is
     * marked for a person, and the customer is told once that the refund could not be made to the original payment
     * method and that we will be in touch (refund-failed); a later sweep tells nothing more.
     */
    @Test
    void aRefundTheRetrySweepNoLongerTriesIsToldToTheCustomerOnceAsFailed() {
        String id = confirmedCancelledWhileRefundsFail();
        await().atMost(Duration.ofSeconds(15)).until(() -> smsTexts().size() == 1 && emailBodies().size() == 1);

        clock.advance(Duration.ofDays(7).plusMinutes(1)); // past connectify.booking.refund-retry-for
        resilience.circuitBreaker("stripe").reset();
        assertThat(retryRefunds()).isZero();

        assertThat(attentionOf(id).get("note").asText()).startsWith("its refund was not made and is no longer "
                + "retried");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(smsTexts()).hasSize(2).last().satisfies(sms -> assertThat(sms).contains("wurde abgesagt",
                    "Wir konnten 90,00 CHF nicht auf Ihr ursprüngliches Zahlungsmittel erstatten und melden uns"));
            assertThat(emailBodies()).hasSize(2).last().satisfies(mail -> assertThat(mail)
                    .contains("wir klären Ihre Rückerstattung", "Buchungsnummer: " + id));
        });
        assertThat(notifications(id, "refund-failed")).as("one SMS, one email").isEqualTo(2);

        clock.advance(Duration.ofMinutes(5));
        retryRefunds();
        assertThat(notifications(id, "refund-failed")).isEqualTo(2);
        assertThat(notifications(id, "cancellation-refund-pending")).isEqualTo(2);
        assertThat(status(id)).isEqualTo("CANCELLED");
    }

    /**
     * The "refund under way, we will tell you once it is done" SMS of a cancellation whose refund failed, held up as a
     * dead letter while Twilio refused it, and replayed only after a person settled the refund by hand: the booking no
     * longer waits for a refund (the person told the customer), so the replay skips it (superseded) and Twilio is
     * asked nothing. Before, only a booking no longer CANCELLED outdated it: the SMS went, promising a refund notice
     * that never comes.
     */
    @Test
    void aRefundPendingNoticeReplayedAfterTheRefundWasSettledByHandIsSkipped() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = confirmedStripeBooking(START);
        await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql("SELECT COUNT(*) FROM notification WHERE "
                + "booking_id = :id AND kind = 'confirmation' AND provider_reference IS NOT NULL").param("id", id)
                .query(Integer.class).single() == 2);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(EVENTS + "/"
                + BookingSaga.eventIdFor(id))).willReturn(com.github.tomakehurst.wiremock.client.WireMock.noContent()));
        stripeRefundsFail();
        // Twilio refuses the hub's sender (21606): the SMS waits as a dead letter for the operator
        notify.twilio().stubFor(post(urlPathEqualTo(NotificationFakes.MESSAGES)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody(NotificationFakes.twilioError(21606, 400))));
        cancelRefusedWithTheRefundPending(id, 502, "provider-error", "cancelled: refund pending");
        String letter = await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql(
                "SELECT id FROM dead_letter WHERE route_id = 'notification-send-sms'").query(String.class).optional(),
                java.util.Optional::isPresent).get();
        assertThat(httpPost("/api/v1/admin/bookings/" + id + "/refund/settled", "{\"note\":\"cash at the desk\"}",
                ADMIN_KEY).status()).isEqualTo(200);

        notify.reset();
        resilience.circuitBreaker("twilio").reset();
        assertThat(send(request("/api/v1/admin/dead-letters/" + letter + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql("SELECT status FROM notification WHERE "
                + "booking_id = :id AND kind = 'cancellation-refund-pending' AND channel = 'SMS'").param("id", id)
                .query(String.class).single(), "skipped"::equals);
        notify.twilio().verify(0, postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES)));
    }

    @Test
    void aConfirmedBookingWhoseCancellationsRefundFailedIsRefundedByALaterEventOfItsPayment() {
        String id = confirmedCancelledWhileRefundsFail();
        String paymentIntent = "pi_" + id.substring(0, 8);

        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        // Stripe's other event of the same payment, delivered late
        assertThat(signedStripeWebhook(event("evt_late_" + id.substring(0, 8), "payment_intent.succeeded",
                paymentIntent(id, paymentIntent, "succeeded"))).status()).isEqualTo(200);
        awaitStatus(id, "REFUNDED");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(containing("payment_intent=" + paymentIntent)));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "refund") > 0);
        assertThat(notifications(id, "cancellation")).isZero();
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS))); // no second calendar event
    }

    /**
     * A confirmed Stripe booking cancelled a day and more before its start while Stripe refuses every refund: the
     * caller gets Stripe's error, the cancellation and its refund stand (CANCELLED, refund pending, counted), its
     * calendar event is gone, and the customer is told neither of a refund nor of a cancellation without one (the
     * notice that the refund is under way: aCancellationWhoseRefundFailsIsToldAtOnceThenItsRefundOnceTheSweepMakesIt).
     */
    private String confirmedCancelledWhileRefundsFail() {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(event))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.noContent()));
        stripeRefundsFail();

        cancelRefusedWithTheRefundPending(id, 502, "provider-error", "cancelled: refund pending");
        assertThat(refundsPendingGauge()).isEqualTo("1.0");
        google.server().verify(1, deleteRequestedFor(urlPathEqualTo(event)));
        assertThat(notifications(id, "cancellation")).isZero();
        assertThat(notifications(id, "refund") + notifications(id, "payment-refunded")).isZero();
        return id;
    }

    /**
     * A cancel's refund made at Stripe whose answer was lost, which then fails there (the card closed): the booking,
     * CANCELLED with its refund pending, says the refund failed, and the retry sweep no longer asks again. With the
     * same Idempotency-Key Stripe would replay the answer it stored when it made the refund (pending), which the
     * sweep took for refunded, telling the customer so.
     */
    @Test
    void aRefundWhoseAnswerWasLostAndThatThenFailedAtStripeIsNotTakenForRefundedByTheRetrySweep() {
        String id = confirmedCancelledWhileRefundsFail();
        String paymentIntent = "pi_" + id.substring(0, 8);
        double failedBefore = refundsFailed();

        // the hub's refund: marked as made for this booking (metadata connectify=booking, bookingId)
        assertThat(signedStripeWebhook(event("evt_lost_refund_failed", "refund.updated", hubRefund(id, paymentIntent,
                "failed", "expired_or_canceled_card"))).status()).isEqualTo(200);

        String why = "the refund failed at the provider (expired_or_canceled_card): pay the customer back another way";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText()).isEqualTo(why));
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
        // its customer, never told of the cancellation, hears of it and of the refund that failed (SMS, email)
        assertThat(notifications(id, "refund-failed")).isEqualTo(2);
        // and a person is asked to pay the money back: listed, counted, its reason the note
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(why);
        assertThat(needingAttentionGauge()).isEqualTo(1);
        // Stripe's other event of the same failure marks nothing again (the mark cleared first: a note the booking
        // has already would not show twice)
        clearAttention(id);
        double runsBefore = routeRuns("booking-refund-failed");
        assertThat(signedStripeWebhook(event("evt_lost_refund_failed_too", "refund.failed", hubRefund(id,
                paymentIntent, "failed", "expired_or_canceled_card"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> routeRuns("booking-refund-failed") == runsBefore + 1);
        assertThat(attentionOrNull(id)).isNull();
        assertThat(needingAttentionGauge()).isZero();

        // Stripe would replay the answer it stored for the key: the refund as it was when made
        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        refundsAnswered(paymentIntent, "pending");
        assertThat(retryRefunds()).isZero();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(booking.get("statusReason").asText()).isEqualTo(why);

        // a late event of its payment refunds nothing, and tells the customer nothing (no "not refunded" notice)
        assertThat(signedStripeWebhook(event("evt_late_" + id.substring(0, 8), "payment_intent.succeeded",
                paymentIntent(id, paymentIntent, "succeeded"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = :key")
                .param("key", "stripe:evt_late_" + id.substring(0, 8)).query(Integer.class).single() == 1);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(notifications(id, "refund") + notifications(id, "payment-refunded")).isZero();
        assertThat(notifications(id, "cancellation")).isZero();
    }

    /**
     * A dispute of the payment of a booking cancelled while its refund failed (CANCELLED, refund pending): the dispute
     * settles the payment, so the refund is stopped (the booking's reason says so) and neither the retry sweep nor a
     * repeated cancel refunds it, which would pay the customer back twice. Counted as a dispute.
     */
    @Test
    void aDisputeOfABookingCancelledWithItsRefundPendingStopsTheRefund() {
        String id = confirmedCancelledWhileRefundsFail();
        String paymentIntent = "pi_" + id.substring(0, 8);
        double disputesBefore = meters.counter("connectify.payment.disputes", "provider", "stripe").count();

        assertThat(signedStripeWebhook(event("evt_dispute_refund_pending", "charge.dispute.created", """
                {"id":"dp_%s","object":"dispute","amount":9000,"charge":"ch_%s","currency":"chf","metadata":{},
                 "payment_intent":"%s","reason":"fraudulent","status":"needs_response"}"""
                .formatted(paymentIntent, paymentIntent, paymentIntent))).status()).isEqualTo(200);

        String why = "cancelled, its refund stopped: the customer disputes the payment (fraudulent), the dispute decides";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText()).isEqualTo(why));
        assertThat(meters.counter("connectify.payment.disputes", "provider", "stripe").count())
                .isEqualTo(disputesBefore + 1);
        assertThat(refundsPendingGauge()).isEqualTo("0.0");

        // Stripe would refund now: nothing asks it to
        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        refundsAnswered(paymentIntent, "succeeded");
        assertThat(retryRefunds()).isZero();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(booking.get("statusReason").asText()).isEqualTo(why);
        assertThat(notifications(id, "refund") + notifications(id, "payment-refunded")).isZero();
        // its customer, told nothing of the cancellation (its refund failed), hears the dispute decides: SMS and
        // email, once, as a paid booking cancelled before its confirmation whose payment was disputed is told
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "cancellation-disputed") == 2);
        assertThat(signedStripeWebhook(event("evt_dispute_refund_pending_again", "charge.dispute.created",
                dispute(paymentIntent, "needs_response"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> meters.counter("connectify.payment.disputes", "provider",
                "stripe").count() == disputesBefore + 2);
        assertThat(notifications(id, "cancellation-disputed")).isEqualTo(2);
        assertThat(notifications(id, "cancellation")).isZero();
        // Stripe's charge.dispute.closed restarts the refund should the dispute be won: nothing left for a person
        assertThat(attentionOrNull(id)).isNull();
    }

    /**
     * Stripe's dispute events name no booking, so they are not ordered: a charge.dispute.created handled after its
     * charge.dispute.closed (a dead letter replayed late) finds the dispute decided. The outcome stands: the refund
     * pending since the cancel is not stopped (nothing would restart it), the booking's reason is left as it is, and
     * the dispute is counted as every one is. Before, the refund was stopped for good.
     */
    @Test
    void aDisputesOpeningHandledAfterItsOutcomeStopsNoRefund() {
        String id = confirmedCancelledWhileRefundsFail();
        String paymentIntent = "pi_" + id.substring(0, 8);
        double disputesBefore = meters.counter("connectify.payment.disputes", "provider", "stripe").count();
        assertThat(signedStripeWebhook(event("evt_won_first_closed", "charge.dispute.closed",
                dispute(paymentIntent, "won"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> "won".equals(jdbc.sql(
                "SELECT dispute_status FROM booking WHERE id = :id").param("id", id).query(String.class).single()));

        assertThat(signedStripeWebhook(event("evt_won_first_created", "charge.dispute.created",
                dispute(paymentIntent, "needs_response"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> meters.counter("connectify.payment.disputes", "provider",
                "stripe").count() == disputesBefore + 1);
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(booking.get("statusReason").asText()).isEqualTo("cancelled: refund pending");
        assertThat(jdbc.sql("SELECT dispute_status FROM booking WHERE id = :id").param("id", id)
                .query(String.class).single()).isEqualTo("won");
        assertThat(notifications(id, "cancellation-disputed")).isZero();
        // Stripe refunds again: the retry sweep makes the refund the cancel could not
        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        refundsAnswered(paymentIntent, "succeeded");
        assertThat(retryRefunds()).isEqualTo(1);
        awaitStatus(id, "REFUNDED");
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "refund") > 0);
    }

    /**
     * A cancel's refund whose answer was lost (the hub knows no refund id), and a refund of the same payment made by
     * hand in the Stripe dashboard that fails: it carries no mark of the hub, so the booking stays CANCELLED with its
     * refund pending (the retry sweep still settles it), its customer is told nothing, and the failure is counted as
     * foreign, not as the hub's refund failing. Before the hub marked its refunds, the payment decided: the booking
     * said its refund had failed, the customer was told so, and the alert RefundFailed fired. The hub's own (marked)
     * refund failing is then acted on as before.
     */
    @Test
    void aFailedRefundMadeByHandIsNotTakenForTheHubsWhoseAnswerWasLost() {
        String id = confirmedCancelledWhileRefundsFail();
        String paymentIntent = "pi_" + id.substring(0, 8);
        assertThat(jdbc.sql("SELECT refund_reference FROM booking WHERE id = :id").param("id", id)
                .query(String.class).optional()).as("the hub knows no id of its refund").isEmpty();
        double failedBefore = refundsFailed();
        double foreignBefore = meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count();

        assertThat(signedStripeWebhook(event("evt_by_hand_unmarked", "refund.failed", refund("re_by_hand",
                paymentIntent, "failed", "expired_or_canceled_card", "{}"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(meters.counter(
                "connectify.refunds.failed.foreign", "provider", "stripe").count()).isEqualTo(foreignBefore + 1));
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("cancelled: refund pending");
        assertThat(refundsFailed()).isEqualTo(failedBefore);
        assertThat(notifications(id, "refund-failed")).isZero();
        assertThat(refundsPendingGauge()).isEqualTo("1.0");

        // the hub's own refund failing: marked, acted on as before
        assertThat(signedStripeWebhook(event("evt_hub_marked_failed", "refund.failed", hubRefund(id, paymentIntent,
                "failed", "expired_or_canceled_card"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id)
                .json().get("statusReason").asText()).isEqualTo("the refund failed at the provider "
                + "(expired_or_canceled_card): pay the customer back another way"));
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
        assertThat(meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count())
                .isEqualTo(foreignBefore + 1);
    }

    /**
     * A cancel's refund the hub made before it marked its refunds (a booking made before V23: refund_marked NULL), its
     * answer lost, that fails: it carries no mark, yet it is the hub's, so it is acted on as the hub's failed refund
     * (the payment decides, as before the mark): CANCELLED no longer pending, the customer told, counted in
     * connectify_refunds_failed_total, and the retry sweep does not take Stripe's replayed answer for refunded. Taken
     * for a foreign one before, the booking stayed pending and the sweep then told the customer "refunded".
     */
    @Test
    void aFailedUnmarkedRefundOfABookingWhoseRefundPredatesTheMarkIsTheHubs() {
        String id = confirmedCancelledWhileRefundsFail();
        String paymentIntent = "pi_" + id.substring(0, 8);
        jdbc.sql("UPDATE booking SET refund_marked = NULL WHERE id = :id").param("id", id).update();
        double failedBefore = refundsFailed();
        double foreignBefore = meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count();

        assertThat(signedStripeWebhook(event("evt_before_the_mark", "refund.failed", refund("re_before_the_mark",
                paymentIntent, "failed", "expired_or_canceled_card", "{}"))).status()).isEqualTo(200);

        String why = "the refund failed at the provider (expired_or_canceled_card): pay the customer back another way";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id)
                .json().get("statusReason").asText()).isEqualTo(why));
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
        assertThat(meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count())
                .isEqualTo(foreignBefore);
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "refund-failed") > 0);
        assertThat(refundsPendingGauge()).isEqualTo("0.0");

        // Stripe would replay its stored answer (pending): the sweep no longer asks, and nobody is told "refunded"
        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        refundsAnswered(paymentIntent, "pending");
        assertThat(retryRefunds()).isZero();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(notifications(id, "refund") + notifications(id, "payment-refunded")).isZero();
    }

    /**
     * A refund a dispute stopped (the booking CANCELLED, its refund pending when the payment was disputed), the dispute
     * then won: the payment stands and the customer cancelled, so the refund is made after all, and the customer told
     * of it. Before, nobody refunded it.
     */
    @Test
    void aRefundADisputeStoppedIsMadeOnceTheDisputeIsWon() {
        String id = confirmedCancelledWhileRefundsFail();
        String paymentIntent = "pi_" + id.substring(0, 8);
        refundStoppedByADispute(id, paymentIntent, "evt_stopped_then_won");
        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        refundsAnswered(paymentIntent, "succeeded");

        assertThat(signedStripeWebhook(event("evt_stopped_then_won_closed", "charge.dispute.closed",
                dispute(paymentIntent, "won"))).status()).isEqualTo(200);

        awaitStatus(id, "REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("cancelled and refunded");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(containing("payment_intent=" + paymentIntent)));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "refund") > 0);
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
        assertThat(retryRefunds()).isZero();
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * A refund a dispute stopped, the dispute then lost: the bank has taken the payment back, nothing is left to
     * refund, and the booking's reason says so; neither the retry sweep nor a repeated cancel refunds it.
     */
    @Test
    void aRefundADisputeStoppedStaysUnmadeOnceTheDisputeIsLostAndTheReasonSaysWhy() {
        String id = confirmedCancelledWhileRefundsFail();
        String paymentIntent = "pi_" + id.substring(0, 8);
        refundStoppedByADispute(id, paymentIntent, "evt_stopped_then_lost");
        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        refundsAnswered(paymentIntent, "succeeded");

        assertThat(signedStripeWebhook(event("evt_stopped_then_lost_closed", "charge.dispute.closed",
                dispute(paymentIntent, "lost"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                        .isEqualTo("cancelled, its refund stopped: the payment dispute was lost, nothing left to refund"));
        assertThat(retryRefunds()).isZero();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(notifications(id, "refund")).isZero();

        // a late repeat of its payment's event (a dead letter replayed): the customer was told the dispute decides,
        // and is not told now that the booking was cancelled after the refund cut-off
        assertThat(signedStripeWebhook(event("evt_stopped_then_lost_late", "payment_intent.succeeded",
                paymentIntent(id, paymentIntent, "succeeded"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_stopped_then_lost_late'")
                .query(Integer.class).single() == 1);
        assertThat(notifications(id, "cancellation")).isZero();
        assertThat(notifications(id, "cancellation-disputed")).isEqualTo(2);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * A paid Payrexx booking waiting for its confirmation whose payment's dispute is open (as stored, V19), cancelled:
     * the dispute stops its refund, and Payrexx reports no dispute's outcome, so nothing would ever make it: the
     * booking is left for a person (listed, counted) in the cancellation's refund step; a repeated cancel adds nothing.
     */
    @Test
    void aPaidPayrexxBookingCancelledWhileItsPaymentIsDisputedIsLeftForAPerson() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4791);
        // its payment disputed meanwhile (a Payrexx disputed delivery records it so)
        jdbc.sql("UPDATE booking SET dispute_status = 'open' WHERE id = :id").param("id", id).update();
        double before = needingAttentionGauge();

        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
        assertThat(cancel.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancel.json().get("statusReason").asText())
                .isEqualTo("cancelled, its refund stopped: the customer disputes the payment, the dispute decides");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4791/refund")));
        String note = "its refund is stopped by the dispute of payrexx payment 4791, whose outcome payrexx does not "
                + "report: once it is decided, refund it at payrexx if the dispute was won";
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(note);
        assertThat(needingAttentionGauge()).isEqualTo(before + 1);

        clearAttention(id); // a note the booking has already would not show twice
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        assertThat(attentionOrNull(id)).as("not marked again by a repeated cancel").isNull();
        assertThat(needingAttentionGauge()).isEqualTo(before);
    }

    /**
     * A paid booking waiting for its confirmation (Google down) whose payment is disputed meanwhile, then cancelled by
     * its customer: the dispute settles the payment, so the cancel refunds nothing (before, it refunded the disputed
     * payment: paid back twice with the chargeback), and the customer is told the dispute settles it. Neither the
     * retry sweep nor a repeated cancel refunds it.
     */
    @Test
    void aPaidBookingWhosePaymentIsDisputedBeforeItsConfirmationIsNotRefundedWhenCancelled() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        JsonNode letter = paidWhileGoogleFails(id, "evt_paid_then_disputed", "pi_paid_then_disputed");
        double disputesBefore = meters.counter("connectify.payment.disputes", "provider", "stripe").count();
        assertThat(signedStripeWebhook(event("evt_disputed_unconfirmed", "charge.dispute.created",
                dispute("pi_paid_then_disputed", "needs_response"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                meters.counter("connectify.payment.disputes", "provider", "stripe").count() == disputesBefore + 1);
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");

        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
        assertThat(cancel.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancel.json().get("statusReason").asText())
                .isEqualTo("cancelled, its refund stopped: the customer disputes the payment, the dispute decides");
        assertThat(retryRefunds()).isZero();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "cancellation-disputed") > 0);
        assertThat(notifications(id, "refund")).isZero();
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
        google.server().verify(1, deleteRequestedFor(urlPathEqualTo(event))); // in case an attempt had made it

        // its confirmation replayed later: the event a first attempt may have made removed, no refund, no other notice
        replay(letter);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                google.server().verify(2, deleteRequestedFor(urlPathEqualTo(event))));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(notifications(id, "cancellation")).isZero();
        assertThat(notifications(id, "confirmation")).isZero();
    }

    /** The payment of a booking CANCELLED with its refund pending disputed: its refund stopped. */
    private void refundStoppedByADispute(String id, String paymentIntent, String eventId) {
        assertThat(signedStripeWebhook(event(eventId, "charge.dispute.created",
                dispute(paymentIntent, "needs_response"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText()).isEqualTo(
                        "cancelled, its refund stopped: the customer disputes the payment (fraudulent), the dispute "
                                + "decides"));
    }

    /** A Dispute object (reason fraudulent) as Stripe's charge.dispute.* events carry it. */
    private static String dispute(String paymentIntent, String status) {
        return """
                {"id":"dp_%s","object":"dispute","amount":9000,"charge":"ch_%s","currency":"chf","metadata":{},
                 "payment_intent":"%s","reason":"fraudulent","status":"%s"}"""
                .formatted(paymentIntent, paymentIntent, paymentIntent, status);
    }

    /**
     * Stripe answers a cancel's refund as failed (at once, or the stored answer of a first attempt replayed for the
     * same Idempotency-Key): not refunded. The booking says the refund failed, counted once (Stripe's events of the
     * same failure count nothing again), and the retry sweep does not ask again. The customer is told, once, by SMS
     * and email, that the booking is cancelled and the refund could not be made: no refund notice, and not the
     * cancellation notice, which says a payment cancelled after the cut-off is not refunded.
     */
    @Test
    void aRefundStripeAnswersAsFailedLeavesTheBookingCancelledWithTheFailureNotRefundedAndTellsTheCustomer() {
        String id = confirmedStripeBooking(START);
        String paymentIntent = "pi_" + id.substring(0, 8);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(
                urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id)))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.noContent()));
        refundsAnswered(paymentIntent, "failed");
        double failedBefore = refundsFailed();

        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
        assertThat(cancel.json().get("status").asText()).isEqualTo("CANCELLED");
        String why = "the refund failed at the provider (failed): pay the customer back another way";
        assertThat(cancel.json().get("statusReason").asText()).isEqualTo(why);
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withHeader("Idempotency-Key", equalTo("booking-" + id + "-refund-" + paymentIntent)));
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
        // the customer (locale de) hears of the cancellation and of the refund that could not be made
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(smsTexts()).singleElement().satisfies(sms -> assertThat(sms)
                    .contains("wurde abgesagt", "Wir konnten 90,00 CHF nicht auf Ihr ursprüngliches Zahlungsmittel "
                            + "erstatten und melden uns").doesNotContain("erstattet."));
            assertThat(emailBodies()).singleElement().satisfies(mail -> assertThat(mail)
                    .contains("wir klären Ihre Rückerstattung", "wurde abgesagt. Wir konnten 90,00 CHF nicht",
                            "Buchungsnummer: " + id).doesNotContain("Rückerstattungsfrist"));
        });

        assertThat(retryRefunds()).isZero();
        double runsBefore = routeRuns("booking-refund-failed");
        // Stripe's event of the same refund's failure
        assertThat(signedStripeWebhook(event("evt_answered_failed", "refund.failed", refund("re_answered",
                paymentIntent, "failed", "expired_or_canceled_card", hubMark(id)))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> routeRuns("booking-refund-failed") == runsBefore + 1);
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("CANCELLED");
        // left for a person to pay the customer back: marked once, its reason the note
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(why);
        assertThat(needingAttentionGauge()).isEqualTo(1);
        assertThat(notifications(id, "refund") + notifications(id, "payment-refunded")).isZero();
        assertThat(notifications(id, "cancellation")).isZero();
        assertThat(notifications(id, "refund-failed")).as("one SMS, one email").isEqualTo(2);
        assertThat(smsTexts()).hasSize(1);
        assertThat(emailBodies()).hasSize(1);
    }

    /** The texts of the SMS the Twilio fake received that tell of a cancellation (not the confirmation's). */
    private List<String> smsTexts() {
        return notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))).stream()
                .map(r -> java.net.URLDecoder.decode(r.getBodyAsString(), java.nio.charset.StandardCharsets.UTF_8))
                .filter(text -> text.contains("abgesagt")).toList();
    }

    /** The bodies (subject and content) of the emails the SendGrid fake received that tell of a cancellation. */
    private List<String> emailBodies() {
        return notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(r -> r.getBodyAsString()).filter(text -> text.contains("abgesagt")).toList();
    }

    /** Stripe answers every refund of the PaymentIntent with a refund of the booking's full amount, in this status. */
    private void refundsAnswered(String paymentIntent, String status) {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/refunds")).willReturn(okJson("""
                {"id":"re_answered","object":"refund","amount":9000,"currency":"chf","payment_intent":"%s",
                 "status":"%s"}""".formatted(paymentIntent, status))));
    }

    /** A Refund object as Stripe's refund.* events carry it. */
    /** The hub's refund of a booking's payment as Stripe's refund.* events carry it: marked for the booking. */
    private static String hubRefund(String bookingId, String paymentIntent, String status, String failureReason) {
        return refund("re_" + paymentIntent, paymentIntent, status, failureReason, hubMark(bookingId));
    }

    /** The metadata of every refund the hub makes of a booking's payment (PaymentCommands#stripeRefund). */
    private static String hubMark(String bookingId) {
        return "{\"connectify\":\"booking\",\"bookingId\":\"" + bookingId + "\"}";
    }

    /** A Refund object as Stripe's refund.* events carry it, with this metadata ({}: a refund made by hand). */
    private static String refund(String refundId, String paymentIntent, String status, String failureReason,
                                 String metadata) {
        return """
                {"id":"%s","object":"refund","amount":9000,"currency":"chf","payment_intent":"%s",
                 "reason":"requested_by_customer","status":"%s","failure_reason":%s,"metadata":%s}"""
                .formatted(refundId, paymentIntent, status, failureReason == null ? "null" : "\"" + failureReason + "\"",
                        metadata);
    }

    private double refundsFailed() {
        return meters.counter("connectify.refunds.failed", "provider", "stripe").count();
    }

    /** How many exchanges a route has completed, as its route policy counts them. */
    private double routeRuns(String routeId) {
        var runs = meters.find("camel.exchanges.total").tag("routeId", routeId).counter();
        return runs == null ? 0 : runs.count();
    }

    @Test
    void aRefundStripeRefusesAsMadeIsLookedUpAndCountsOnlyWhenStripeHasRefundedThePaymentInFull() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        paidWhileGoogleFails(id, "evt_refund_lost", "pi_refund_lost");
        stripeRefundsFail(); // Stripe made the refund, but its answer was lost
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        clock.advance(Duration.ofDays(2)); // the Idempotency-Key has expired: Stripe no longer answers the same refund
        resilience.circuitBreaker("stripe").reset();
        stripe.server().stubFor(post(urlPathEqualTo("/v1/refunds")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"error":{"type":"invalid_request_error","code":"charge_already_refunded",
                         "message":"Charge ch_3Lost has already been refunded."}}""")));

        // only a failed refund at Stripe: not refunded, the booking waits for its refund
        stripeListsRefunds("pi_refund_lost", "failed");
        var refused = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.body()).contains("charge_already_refunded").doesNotContain("ch_3Lost");
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(refundsPendingGauge()).isEqualTo("1.0");

        stripeListsRefunds("pi_refund_lost", "succeeded");
        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("status").asText()).isEqualTo("REFUNDED");
        stripe.server().verify(2, getRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withQueryParam("payment_intent", equalTo("pi_refund_lost"))
                .withHeader("Authorization", equalTo("Bearer " + StripeFake.SECRET_KEY)));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
    }

    @Test
    void aRefundPayrexxRefusesCountsWhenItsTransactionIsRefunded() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4730);
        payrexx.server().resetRequests();
        // Payrexx refunds have no idempotency key: asked again, a refund made is refused
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/4730/refund")).willReturn(aResponse()
                .withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"status\":\"error\",\"message\":\"Transaction cannot be refunded\"}")));

        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        assertThat(status(id)).isEqualTo("CANCELLED"); // the transaction is still confirmed: no refund made

        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Transaction/4730/")).willReturn(okJson("""
                {"status":"success","data":[{"id":4730,"status":"refunded","amount":9000,
                 "invoice":{"currencyAlpha3":"CHF","totalAmount":9000,"referenceId":"%s"}}]}""".formatted(id))));
        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("status").asText()).isEqualTo("REFUNDED");
        payrexx.server().verify(2, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4730/"))
                .withQueryParam("instance", equalTo(PayrexxFake.INSTANCE)));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);
    }

    @Test
    void aPayrexxPaymentWaitingForItsEventThatPayrexxThenShowsRefundedIsRefundedNotConfirmedOnItsReplay() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4742);
        JsonNode letter = awaitDeadLetter("payrexx");
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
        // refunded in Payrexx's back office while the payment's event waited as a dead letter
        payrexx.transaction(4742, "refunded", id);

        replay(letter);

        awaitStatus(id, "REFUNDED");
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("paymentReference").asText()).isEqualTo("4742");
        assertThat(booking.get("paidAmount").asLong()).isEqualTo(9000);
        assertThat(booking.get("statusReason").asText())
                .isEqualTo("paid, then refunded at payrexx (refunded) before the hub confirmed it");
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);
        assertThat(notifications(id, "confirmation")).isZero();
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4742/refund")));
    }

    @Test
    void anEventOfAPayrexxPaymentRefundedBeforeItsConfirmationThatGoogleCannotRemoveIsRemovedOnItsReplay() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4743);
        jdbc.sql("DELETE FROM dead_letter").update();
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        // the failed confirmation may have made the event; Google now fails its removal
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(event))
                .willReturn(GoogleCalendarFake.error(503, "backendError")));

        payrexx.transaction(4743, "refunded", id);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/x-www-form-urlencoded",
                "transaction%5Bid%5D=4743&transaction%5Bstatus%5D=refunded"
                        + "&transaction%5Binvoice%5D%5BreferenceId%5D=" + id).status()).isEqualTo(200);

        // the removal failed the event: dead-lettered to be replayed, not acknowledged with the event left in Google
        JsonNode letter = awaitDeadLetter("payrexx");
        assertThat(status(id)).isEqualTo("REFUNDED");
        google.reset();
        resilience.circuitBreaker("google-calendar").reset();
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(event))
                .willReturn(aResponse().withStatus(204)));

        replay(letter);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                google.server().verify(1, deleteRequestedFor(urlPathEqualTo(event))));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);
        assertThat(status(id)).isEqualTo("REFUNDED");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4743/refund")));
    }

    @Test
    void aRefundPayrexxRefusesInAnAnswerOfHttp200IsNoRefund() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4740);
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/4740/refund")).willReturn(okJson(
                "{\"status\":\"error\",\"message\":\"Transaction cannot be refunded\"}")));

        cancelRefusedWithTheRefundPending(id, 502, "provider-error", "cancelled before its confirmation: refund pending");
        assertThat(notifications(id, "refund") + notifications(id, "payment-refunded")).isZero();
    }

    @Test
    void aPaidPayrexxBookingCancelledTwiceAtOnceIsRefundedOnce() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4720);

        // Payrexx refunds carry no idempotency key: two cancels at once must not both ask for one
        var first = CompletableFuture.supplyAsync(() -> httpPost("/api/v1/bookings/" + id + "/cancel", ""));
        var second = CompletableFuture.supplyAsync(() -> httpPost("/api/v1/bookings/" + id + "/cancel", ""));
        List<Integer> statuses = List.of(first.get(20, TimeUnit.SECONDS).status(),
                second.get(20, TimeUnit.SECONDS).status());
        assertThat(statuses).contains(200).allSatisfy(status -> assertThat(status).isIn(200, 409));
        assertThat(status(id)).isEqualTo("REFUNDED");
        payrexx.server().verify(1, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4720/refund")));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);
    }

    @Test
    void aCancellationWhileTheCalendarEventIsBeingMadeIsRefundedAndTheEventMadeMeanwhileIsRemoved() {
        jdbc.sql("DELETE FROM integration_audit").update();
        String id = pendingBooking(START, "stripe");
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson(
                BookingSaga.eventIdFor(id), "x", START, START))));
        google.holdInserts();
        assertThat(signedStripeWebhook(event("evt_slow_insert", "checkout.session.completed",
                checkoutSession(id, "paid", "pi_slow_insert"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> google.heldInserts() > 0); // Google has not answered yet

        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("status").asText()).isEqualTo("REFUNDED");
        google.server().verify(1, deleteRequestedFor(urlPathEqualTo(event)));

        // Google answers: the confirmation finds the booking cancelled and removes the event it made
        google.releaseInserts();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                google.server().verify(2, deleteRequestedFor(urlPathEqualTo(event))));
        assertThat(status(id)).isEqualTo("REFUNDED");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);
        assertThat(notifications(id, "confirmation")).isZero();
        // the run that made the event removed it: its insert was answered (not retried into a redelivery)
        assertThat(jdbc.sql("SELECT outcome FROM integration_audit WHERE operation = 'gcal-insert-event'")
                .query(String.class).list()).containsExactly("ok");
    }

    @Test
    void aPaymentWhoseStartPassesWhileItsCalendarEventIsMadeIsRefundedNotConfirmedAndTheEventRemoved() {
        String id = pendingBooking(START, "stripe");
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson(
                BookingSaga.eventIdFor(id), "x", START, START))));
        google.holdInserts();
        assertThat(signedStripeWebhook(event("evt_insert_past_start", "checkout.session.completed",
                checkoutSession(id, "paid", "pi_insert_past_start"))).status()).isEqualTo(200);
        // Google has the insert (its retries may take minutes) and answers only once the appointment has begun
        await().atMost(Duration.ofSeconds(10)).until(() -> google.heldInserts() > 0);
        clock.set(java.time.OffsetDateTime.parse(START).toInstant().plusSeconds(1));

        google.releaseInserts();

        // as a payment whose confirmation comes only after its start: cancelled as never confirmed, refunded in full
        awaitStatus(id, "REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("cancelled before its confirmation: refunded");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                google.server().verify(1, deleteRequestedFor(urlPathEqualTo(event))));
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        // never confirmed: told its payment was refunded, not that a booking was cancelled
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);
        assertThat(notifications(id, "refund")).isZero();
        assertThat(notifications(id, "confirmation")).isZero();
    }

    /** One sweep of the route booking-retry-refunds; answers how many it refunded. */
    private int retryRefunds() {
        return camel.requestBody("direct:booking-retry-refunds", null, Integer.class);
    }

    /** A cancel whose refund the provider refuses or fails: its problem, and the booking CANCELLED, refund pending. */
    private void cancelRefusedWithTheRefundPending(String id, int status, String type, String reason) {
        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancel.status()).isEqualTo(status);
        assertThat(cancel.json().get("type").asText()).isEqualTo(type);
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(booking.get("statusReason").asText()).isEqualTo(reason);
    }

    /** The gauge ops alert on (docker/prometheus/alerts.yml, RefundsPending), as scraped, counted now. */
    private String refundsPendingGauge() {
        refreshDatabaseGauges();
        Matcher gauge = Pattern.compile("(?m)^connectify_bookings_refund_pending(?:\\{[^}]*})? (\\S+)$")
                .matcher(httpGet("/actuator/prometheus", null).body());
        assertThat(gauge.find()).isTrue();
        return gauge.group(1);
    }

    /** Stripe's list of a PaymentIntent's refunds: one of the booking's full amount, with this status. */
    private void stripeListsRefunds(String paymentIntent, String status) {
        stripe.server().stubFor(get(urlPathEqualTo("/v1/refunds")).withQueryParam("payment_intent", equalTo(paymentIntent))
                .willReturn(okJson("""
                        {"object":"list","url":"/v1/refunds","has_more":false,"data":[{"id":"re_lost","object":"refund",
                         "amount":9000,"currency":"chf","payment_intent":"%s","status":"%s"}]}""".formatted(paymentIntent,
                        status))));
    }

    private void replay(JsonNode letter) {
        assertThat(send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(200);
    }

    @Test
    void aPaymentForACancelledBookingIsRefunded() {
        String id = pendingBooking(START, "stripe");
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").json().get("status").asText())
                .isEqualTo("CANCELLED");

        assertThat(signedStripeWebhook(event("evt_after_cancel", "checkout.session.completed",
                checkoutSession(id, "paid", "pi_after_cancel"))).status()).isEqualTo(200);

        awaitStatus(id, "REFUNDED");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(containing("payment_intent=pi_after_cancel"))
                .withHeader("Idempotency-Key", equalTo("booking-" + id + "-refund-pi_after_cancel")));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("paymentReference").asText()).isEqualTo("pi_after_cancel");
        assertThat(booking.get("paidAmount").asLong()).isEqualTo(9000);

        // Stripe's second event of the same payment is known as a repeat: no second refund
        assertThat(signedStripeWebhook(event("evt_after_cancel_intent", "payment_intent.succeeded",
                paymentIntent(id, "pi_after_cancel", "succeeded"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_after_cancel_intent'")
                .query(Integer.class).single() == 1);
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("REFUNDED");
    }

    /**
     * A payment refunded for a booking never confirmed told its customer by the kind "refund" before the upgrade that
     * gave such refunds their own kind (payment-refunded): a later repeat of its payment's event plans the new kind,
     * another notification id, and before this told the customer a second time.
     */
    @Test
    void aRefundToldUnderItsKindBeforeTheUpgradeIsNotToldAgainUnderTheNewOne() {
        String id = pendingBooking(START, "stripe");
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(200);
        assertThat(signedStripeWebhook(event("evt_upgrade_paid", "checkout.session.completed",
                checkoutSession(id, "paid", "pi_upgrade"))).status()).isEqualTo(200);
        awaitStatus(id, "REFUNDED");
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("SELECT COUNT(*) FROM notification WHERE "
                + "booking_id = :id AND kind = 'payment-refunded' AND provider_reference IS NOT NULL").param("id", id)
                .query(Integer.class).single() == 2);
        // as the version before logged them: kind refund, and so another id
        jdbc.sql("UPDATE notification SET kind = 'refund', id = CONCAT('00000000', SUBSTRING(id, 9)) WHERE booking_id = :id "
                + "AND kind = 'payment-refunded'").param("id", id).update();
        int smsBefore = notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))).size();

        assertThat(signedStripeWebhook(event("evt_upgrade_repeat", "payment_intent.succeeded",
                paymentIntent(id, "pi_upgrade", "succeeded"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_upgrade_repeat'")
                .query(Integer.class).single() == 1);
        assertThat(notifications(id, "payment-refunded")).isZero();
        assertThat(notifications(id, "refund")).isEqualTo(2);
        assertThat(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))))
                .hasSize(smsBefore);
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * A refund a dispute stopped, the dispute lost, whose late payment event a version before this one handled: it
     * told the customer "cancellation" (then the kind of every unrefunded cancellation). Another late repeat now plans
     * cancellation-disputed, another notification id: the customer was told already, and is not told again.
     */
    @Test
    void aCancellationToldUnderAnotherKindBeforeTheUpgradeIsNotToldAgain() {
        String id = confirmedCancelledWhileRefundsFail();
        String paymentIntent = "pi_" + id.substring(0, 8);
        refundStoppedByADispute(id, paymentIntent, "evt_told_before");
        assertThat(signedStripeWebhook(event("evt_told_before_lost", "charge.dispute.closed",
                dispute(paymentIntent, "lost"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> httpGet("/api/v1/bookings/" + id).json()
                .get("statusReason").asText().endsWith("nothing left to refund"));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "cancellation-disputed") == 2);
        // as the version before logged them
        jdbc.sql("UPDATE notification SET kind = 'cancellation', id = CONCAT('00000000', SUBSTRING(id, 9)) "
                + "WHERE booking_id = :id AND kind = 'cancellation-disputed'").param("id", id).update();

        assertThat(signedStripeWebhook(event("evt_told_before_late", "payment_intent.succeeded",
                paymentIntent(id, paymentIntent, "succeeded"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_told_before_late'")
                .query(Integer.class).single() == 1);
        assertThat(notifications(id, "cancellation") + notifications(id, "cancellation-disputed")
                + notifications(id, "cancellation-unrefunded")).isEqualTo(2);
    }

    /**
     * A confirmed booking cancelled after the cut-off (told "cancellation"), its payment disputed afterwards: a late
     * repeat of its payment's event reads the dispute (open) and would tell the dispute decides; the customer was told
     * of the cancellation already, and is not told again.
     */
    @Test
    void aLateCancellationWhosePaymentIsDisputedAfterwardsIsNotToldAgain() {
        String id = confirmedStripeBooking(START);
        String paymentIntent = "pi_" + id.substring(0, 8);
        clock.set(Instant.parse("2026-12-03T07:00:00Z")); // an hour before its start: past the cut-off
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").json().get("statusReason").asText())
                .isEqualTo("cancelled after the refund cut-off: not refunded");
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "cancellation") == 2);
        assertThat(signedStripeWebhook(event("evt_late_cancel_disputed", "charge.dispute.created",
                dispute(paymentIntent, "needs_response"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> "open".equals(jdbc.sql(
                "SELECT dispute_status FROM booking WHERE id = :id").param("id", id).query(String.class).single()));

        assertThat(signedStripeWebhook(event("evt_late_cancel_disputed_repeat", "payment_intent.succeeded",
                paymentIntent(id, paymentIntent, "succeeded"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_late_cancel_disputed_repeat'")
                .query(Integer.class).single() == 1);
        assertThat(notifications(id, "cancellation-disputed")).isZero();
        assertThat(notifications(id, "cancellation")).isEqualTo(2);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    @Test
    void aSecondPaymentOfAConfirmedBookingIsRefundedAndTheBookingStaysConfirmed() {
        String id = confirmedStripeBooking(START);

        assertThat(signedStripeWebhook(event("evt_second_payment", "payment_intent.succeeded",
                paymentIntent(id, "pi_second", "succeeded"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> stripe.server().verify(1,
                postRequestedFor(urlPathEqualTo("/v1/refunds")).withRequestBody(containing("payment_intent=pi_second"))));
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(booking.get("paymentReference").asText()).isEqualTo("pi_" + id.substring(0, 8));
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    @Test
    void aPaymentShortOfThePriceIsRefundedAndConfirmsNothing() {
        String id = pendingBooking(START, "stripe");

        assertThat(signedStripeWebhook(event("evt_short", "payment_intent.succeeded",
                paymentIntent(id, "pi_short", "succeeded").replace("\"amount_received\":9000", "\"amount_received\":50")))
                .status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> stripe.server().verify(1,
                postRequestedFor(urlPathEqualTo("/v1/refunds")).withRequestBody(containing("payment_intent=pi_short"))));
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.has("paidAmount")).isFalse();
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    /**
     * A confirmed booking sits in the buffer of a booking whose hold still runs (the calendar re-check followed its
     * event, dragged in Google next to it: the re-check takes no buffer): the payment made within the hold confirms
     * the booking. Before, the check under the slot lock, meant to catch a booking that took the slot once the hold
     * ran out, took the neighbour for one, and the payment was refunded as "slot taken before the payment arrived".
     */
    @Test
    void aPaymentWithinItsHoldConfirmsTheBookingThoughAConfirmedBookingWasPutInItsBuffer() {
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkbuf", "x",
                BUFFERED_START, BUFFERED_START))));
        String id = pendingBooking(BUFFERED_START, "stripe");
        confirmedNeighbourFollowedNow(); // 10:00-11:00: in the 15-minute buffer of 11:00-12:00, not overlapping it
        clock.advance(Duration.ofMinutes(10)); // the customer pays within the 15-minute hold

        assertThat(signedStripeWebhook(event("evt_buffer_paid", "checkout.session.completed",
                checkoutSession(id, "paid", "pi_buffer"))).status()).isEqualTo(200);

        awaitStatus(id, "CONFIRMED");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * The same for a delayed payment's first word (a SEPA debit processing): the hold is extended while it settles.
     * Before, the extension was refused for the neighbour, and the debit settling later was refunded.
     */
    @Test
    void aDelayedPaymentWithinItsHoldKeepsTheSlotThoughAConfirmedBookingWasPutInItsBuffer() {
        String id = pendingBooking(BUFFERED_START, "stripe");
        confirmedNeighbourFollowedNow();

        assertThat(signedStripeWebhook(event("evt_buffer_sepa", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_buffer_sepa"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id).json()
                .path("statusReason").asText()).startsWith("the payment is processing"));
        assertThat(Instant.parse(httpGet("/api/v1/bookings/" + id).json().get("holdExpiresAt").asText()))
                .as("held until the appointment's start").isEqualTo(Instant.parse("2026-12-03T10:00:00Z"));
    }

    /**
     * The other side: B reserved the slot next to A's once A's hold had run out (by the reserving instance's clock),
     * then A's payment is handled by an instance whose clock is a minute behind, A's hold still running by it: the
     * payment pays for a slot taken (B in A's buffer, put there after A's hold ran out), and is refunded. The same
     * with B in A's very slot: PostgresHoldExpiryRaceTest (...RefundedOnceTheSlotWasTakenOnPostgres, and
     * ...NotExtendedForADelayedPaymentOnceTheSlotWasTakenOnPostgres for the delayed payment's hold).
     */
    @Test
    void aPaymentWithinItsHoldByAClockBehindIsRefundedWhenABookingTookItsBufferOnceTheHoldRanOut() throws Exception {
        String id = pendingBooking(BUFFERED_START, "stripe");
        Instant holdEnd = Instant.parse(httpGet("/api/v1/bookings/" + id).json().get("holdExpiresAt").asText());
        camelContext.getRouteController().stopRoute("booking-expire-holds"); // A stays PENDING_PAYMENT, as unswept
        try {
            clock.set(holdEnd); // the reserving instance: A's hold has run out
            String neighbour = pendingBooking(NEIGHBOUR_START, "stripe");
            clock.set(holdEnd.minus(Duration.ofMinutes(1))); // the paying instance, a minute behind

            assertThat(signedStripeWebhook(event("evt_buffer_late", "checkout.session.completed",
                    checkoutSession(id, "paid", "pi_buffer_late"))).status()).isEqualTo(200);

            awaitStatus(id, "REFUNDED");
            assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                    .isEqualTo("slot taken before the payment arrived");
            stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                    .withRequestBody(containing("payment_intent=pi_buffer_late")));
            google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
            assertThat(status(neighbour)).isEqualTo("PENDING_PAYMENT");
        } finally {
            camelContext.getRouteController().startRoute("booking-expire-holds");
        }
    }

    /** 11:00-12:00 on a Thursday; {@link #NEIGHBOUR_START} the hour before it, in its 15-minute buffer. */
    private static final String BUFFERED_START = "2026-12-03T11:00:00+01:00";
    private static final String NEIGHBOUR_START = "2026-12-03T10:00:00+01:00";

    /** A confirmed booking at 10:00-11:00, put there now (as the calendar re-check follows an event dragged there). */
    private void confirmedNeighbourFollowedNow() {
        Instant now = clock.instant();
        jdbc.sql("""
                INSERT INTO booking (id, status, start_at, end_at, duration_minutes, amount, currency, customer_name,
                  customer_email, summary, provider, payment_reference, paid_amount, calendar_event_id, created_at,
                  updated_at)
                VALUES (:id, 'CONFIRMED', :start, :end, 60, 9000, 'CHF', 'C', 'c@example.com', 'Consultation', 'stripe',
                  'pi_neighbour', 9000, 'neighbourevent', :created, :now)
                """).param("id", java.util.UUID.randomUUID().toString())
                .param("start", java.time.OffsetDateTime.parse(NEIGHBOUR_START))
                .param("end", java.time.OffsetDateTime.parse(NEIGHBOUR_START).plusHours(1))
                .param("created", now.minus(Duration.ofDays(1)).atOffset(java.time.ZoneOffset.UTC))
                .param("now", now.atOffset(java.time.ZoneOffset.UTC)).update();
    }

    private int notifications(String bookingId, String kind) {
        return jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = :kind")
                .param("id", bookingId).param("kind", kind).query(Integer.class).single();
    }
}
