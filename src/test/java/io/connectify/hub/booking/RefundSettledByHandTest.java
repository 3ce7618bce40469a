package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.noContent;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static io.connectify.hub.support.StripeFake.checkoutSession;
import static io.connectify.hub.support.StripeFake.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.PayrexxFake;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A refund the provider would not make (refused, or down until the retry sweep gave up) that a person paid back
 * another way is recorded so (POST /api/v1/admin/bookings/{id}/refund/settled): the booking no longer waits for its
 * refund (gauge, alert RefundsPending), the sweep's mark is cleared, and nothing later (a repeated cancel, the sweep,
 * its payment's replayed event) refunds it at the provider a second time. Before, the booking stayed "refund pending"
 * for ever, and any of those paid the customer back twice.
 */
@HubTest
class RefundSettledByHandTest extends Webhooks {

    private static final String START = "2026-12-03T09:00:00+01:00";
    private static final String SETTLED = "/refund/settled";

    @Autowired
    ProducerTemplate camel;

    @Autowired
    MeterRegistry meters;

    @Test
    void aRefundTheSweepGaveUpOnSettledByHandIsNoLongerPendingAndNeverMadeAgain() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        JsonNode letter = paidWhileGoogleFails(id, "evt_by_hand", "pi_by_hand");
        stripeRefundsFail();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        clock.advance(Duration.ofDays(7).plusMinutes(1)); // past connectify.booking.refund-retry-for
        resilience.circuitBreaker("stripe").reset();
        assertThat(retryRefunds()).isZero();
        JsonNode marked = attentionOf(id);
        assertThat(marked.get("note").asText()).isEqualTo(BookingSaga.REFUND_RETRIES_ENDED)
                .contains("POST /api/v1/admin/bookings/{id}/refund/settled");
        assertThat(refundsPendingGauge()).isEqualTo("1.0");
        double marks = needingAttentionGauge();
        // told at the failed cancel (refund under way) and when the sweep gave up (refund-failed), one SMS and email each
        assertThat(notifications(id, "cancellation-refund-pending")).isEqualTo(2);
        assertThat(notifications(id, "refund-failed")).isEqualTo(2);

        String body = "{\"note\":\"bank transfer 2026-12-11, ref 4711\"}";
        assertThat(httpPost("/api/v1/admin/bookings/" + id + SETTLED, body, null).status()).isEqualTo(401);
        assertThat(httpPost("/api/v1/admin/bookings/" + id + SETTLED, body, API_KEY).status()).isEqualTo(403);
        var unknown = httpPost("/api/v1/admin/bookings/" + java.util.UUID.randomUUID() + SETTLED, body, ADMIN_KEY);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("type").asText()).isEqualTo("not-found");
        var blank = httpPost("/api/v1/admin/bookings/" + id + SETTLED, "{\"note\":\" \"}", ADMIN_KEY);
        assertThat(blank.status()).isEqualTo(400);
        assertThat(blank.json().get("type").asText()).isEqualTo("validation");
        assertThat(refundsPendingGauge()).as("nothing recorded by a refused call").isEqualTo("1.0");

        var settled = httpPost("/api/v1/admin/bookings/" + id + SETTLED, body, ADMIN_KEY);
        assertThat(settled.status()).as(settled.body()).isEqualTo(200);
        JsonNode booking = settled.json().get("booking");
        assertThat(booking.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(booking.get("statusReason").asText()).isEqualTo("cancelled before its confirmation: refund "
                + "settled by hand: bank transfer 2026-12-11, ref 4711");
        assertThat(settled.json().get("attention").asText()).isEqualTo("cleared");
        assertThat(settled.json().get("mark")).isEqualTo(marked);
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason"))
                .isEqualTo(booking.get("statusReason"));
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
        assertThat(attentionOrNull(id)).isNull();
        assertThat(needingAttentionGauge()).isEqualTo(marks - 1);

        var again = httpPost("/api/v1/admin/bookings/" + id + SETTLED, body, ADMIN_KEY);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.header("Content-Type")).startsWith("application/problem+json");
        assertThat(again.json().get("type").asText()).isEqualTo("invalid-state");

        // Stripe refunds again: nothing that refunded a pending refund asks it for one
        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        clock.advance(Duration.ofMinutes(5));
        assertThat(retryRefunds()).isZero();
        replay(letter); // the payment's event, replayed: a repeat of the payment recorded on the booking
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_by_hand'")
                .query(Integer.class).single() == 1);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(booking(id).get("statusReason")).isEqualTo(booking.get("statusReason"));
        assertThat(attentionOrNull(id)).isNull();
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
        assertThat(notifications(id)).as("the person told the customer: nothing more").isEqualTo(4);
    }

    /**
     * A confirmed booking cancelled in time whose refund fails, settled by hand within the sweep's window (nothing
     * marked yet): the same, its mark none; a second event of its payment refunds nothing and tells nothing.
     */
    @Test
    void aConfirmedBookingsPendingRefundSettledByHandBeforeTheSweepGivesUpIsNeverMade() {
        String id = confirmedStripeBooking(START);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(
                urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))).willReturn(noContent()));
        stripeRefundsFail();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        assertThat(booking(id).get("statusReason").asText()).isEqualTo("cancelled: refund pending");
        assertThat(refundsPendingGauge()).isEqualTo("1.0");

        var settled = httpPost("/api/v1/admin/bookings/" + id + SETTLED, "{\"note\":\"cash at the desk\"}",
                ADMIN_KEY);
        assertThat(settled.status()).as(settled.body()).isEqualTo(200);
        assertThat(settled.json().get("booking").get("statusReason").asText())
                .isEqualTo("cancelled: refund settled by hand: cash at the desk");
        assertThat(settled.json().get("attention").asText()).isEqualTo("none");
        assertThat(settled.json().has("mark")).isFalse();
        assertThat(refundsPendingGauge()).isEqualTo("0.0");

        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        assertThat(retryRefunds()).isZero();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        String paymentIntent = "pi_" + id.substring(0, 8);
        assertThat(signedStripeWebhook(event("evt_by_hand_again", "checkout.session.completed",
                checkoutSession(id, "paid", paymentIntent))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_by_hand_again'")
                .query(Integer.class).single() == 1);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(notifications(id, "cancellation")).isZero();
        assertThat(notifications(id, "refund")).isZero();
    }

    /** Payrexx refunds carry no idempotency key: a refund made again there would surely pay twice. */
    @Test
    void aPayrexxRefundSettledByHandIsNotMadeByALaterCancel() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4850);
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/4850/refund")).willReturn(aResponse()
                .withStatus(500).withHeader("Content-Type", "application/json")
                .withBody("{\"status\":\"error\",\"message\":\"internal\"}")));
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isIn(502, 503);
        assertThat(refundsPendingGauge()).isEqualTo("1.0");

        assertThat(httpPost("/api/v1/admin/bookings/" + id + SETTLED, "{\"note\":\"TWINT 2026-12-04\"}", ADMIN_KEY)
                .status()).isEqualTo(200);
        payrexx.reset();
        payrexx.transaction(4850, "confirmed", id);
        resilience.circuitBreaker("payrexx").reset();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        assertThat(retryRefunds()).isZero();
        payrexx.server().verify(0, postRequestedFor(urlPathMatching("/v1.0/Transaction/.*/refund")));
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
    }

    /** A booking with no refund pending has nothing to settle: 409, and it is left as it is. */
    @Test
    void aBookingWithNoRefundPendingIsRefused() {
        String id = confirmedStripeBooking(START);
        var refused = httpPost("/api/v1/admin/bookings/" + id + SETTLED, "{\"note\":\"bank transfer\"}", ADMIN_KEY);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(refused.json().get("detail").asText()).contains("has no refund pending");
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(booking(id).has("statusReason")).isFalse();
        stripe.server().verify(0, anyRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * The hub's refund of a confirmed booking, asked for at the cancel, whose answer was lost (Stripe answered 500: it
     * may have made it), settled by hand; then Stripe makes it after all and sends charge.refunded. The customer was
     * paid back twice: the booking, CANCELLED and settled still, is marked for a person and says so, counted once,
     * logged once as a WARN. Before, Stripe's refunds listed the hub's own (marked) refund, and its charge.refunded
     * was taken for the echo of it: nothing marked, counted or logged. Should that refund then fail, the customer was
     * paid back once after all: the booking no longer says twice and the person is told, no refund counted as failed.
     */
    @Test
    void theHubsRefundMadeAfterItWasSettledByHandIsMarkedForAPersonAsPaidTwice() {
        String id = cancelledWithItsRefundLost();
        String payment = "pi_" + id.substring(0, 8);
        String settled = "cancelled: refund settled by hand: cash at the desk";
        double twiceBefore = paidTwice("stripe");
        double outsideBefore = meters.counter("connectify.refunds.outside.hub", "provider", "stripe").count();
        double failedBefore = refundsFailed();
        stripe.refundsOf(payment, hubsRefund(id, payment, "succeeded"));

        try (LogLines lines = LogLines.of(BookingSaga.class)) {
            assertThat(signedStripeWebhook(event("evt_refunded_after_settled", "charge.refunded",
                    charge(id, payment))).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> paidTwice("stripe") == twiceBefore + 1);
            String twice = "refunded by stripe after the refund was settled by hand: the customer was paid back "
                    + "twice (9000)";
            assertThat(attentionOf(id).get("note").asText()).startsWith(twice);
            assertThat(status(id)).isEqualTo("CANCELLED");
            assertThat(booking(id).get("statusReason").asText()).isEqualTo(settled + "; " + twice);
            assertThat(lines.lines().stream().filter(l -> l.getLevel() == Level.WARN
                    && l.getFormattedMessage().contains("paid back twice"))).singleElement()
                    .satisfies(l -> assertThat(l.getFormattedMessage()).contains(id).doesNotContain(StripeFake.SECRET_KEY));
        }
        assertThat(meters.counter("connectify.refunds.outside.hub", "provider", "stripe").count())
                .isEqualTo(outsideBefore);
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));

        // said once: another charge.refunded of the payment, after a person cleared the mark, marks nothing again
        clearAttention(id);
        double outsideRuns = routeRuns("booking-payment-refunded-outside");
        signedStripeWebhook(event("evt_refunded_after_settled_again", "charge.refunded", charge(id, payment)));
        await().atMost(Duration.ofSeconds(10)).until(() -> routeRuns("booking-payment-refunded-outside")
                == outsideRuns + 1);
        assertThat(paidTwice("stripe")).isEqualTo(twiceBefore + 1);
        assertThat(attentionOrNull(id)).isNull();

        // that refund fails after all: paid back once, by hand; no refund failed to pay anyone back is counted
        double failedRuns = routeRuns("booking-refund-failed");
        signedStripeWebhook(event("evt_late_refund_failed", "refund.failed",
                refundObject(id, payment, "failed", "expired_or_canceled_card")));
        await().atMost(Duration.ofSeconds(10)).until(() -> routeRuns("booking-refund-failed") == failedRuns + 1);
        assertThat(booking(id).get("statusReason").asText()).isEqualTo(settled);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo("the refund by stripe taken for paying the "
                + "customer back twice failed (expired_or_canceled_card): the customer was paid back once, by hand; "
                + "nothing to ask back");
        assertThat(refundsFailed()).isEqualTo(failedBefore);
        assertThat(paidTwice("stripe")).isEqualTo(twiceBefore + 1);
    }

    /**
     * The hub's refund whose answer was lost, settled by hand, then failing at Stripe (refund.failed, refund.updated
     * and charge.refund.updated, as Stripe reports one failure): a refund no longer needed, the customer paid back
     * once by hand. Nothing is counted (alert RefundFailed), marked, told or refunded again; the booking keeps its
     * settled reason. Before, each event was counted in connectify_refunds_failed_total and logged as an ERROR telling
     * a person to pay the customer back another way.
     */
    @Test
    void theHubsRefundFailingAfterItWasSettledByHandIsHarmlessAndNotCountedAsFailed() {
        String id = cancelledWithItsRefundLost();
        String payment = "pi_" + id.substring(0, 8);
        String reason = booking(id).get("statusReason").asText();
        double failedBefore = refundsFailed();
        double foreignBefore = meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count();
        double runs = routeRuns("booking-refund-failed");

        try (LogLines lines = LogLines.of(BookingSaga.class)) {
            String failed = refundObject(id, payment, "failed", "expired_or_canceled_card");
            for (String type : java.util.List.of("refund.failed", "refund.updated", "charge.refund.updated")) {
                assertThat(signedStripeWebhook(event("evt_settled_" + type, type, failed)).status()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> routeRuns("booking-refund-failed") == runs + 3);
            assertThat(lines.lines()).noneMatch(l -> l.getLevel() == Level.ERROR);
            assertThat(lines.lines()).anyMatch(l -> l.getFormattedMessage().contains(
                    "after a person settled the refund by hand: a refund no longer needed"));
        }
        assertThat(refundsFailed()).isEqualTo(failedBefore);
        assertThat(meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count())
                .isEqualTo(foreignBefore);
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(booking(id).get("statusReason").asText()).isEqualTo(reason);
        assertThat(attentionOrNull(id)).isNull();
        assertThat(notifications(id, "refund-failed")).isZero();
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
        assertThat(retryRefunds()).isZero();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * The same with Payrexx: its refunded delivery of the transaction a booking settled by hand was paid by. Before,
     * the transaction's refund was taken for a refund before the hub acted on the payment, and the booking, CANCELLED
     * and paid, was left as it was: nothing marked or counted.
     */
    @Test
    void aPayrexxRefundMadeAfterItWasSettledByHandIsMarkedForAPersonAsPaidTwice() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4860);
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/4860/refund")).willReturn(aResponse()
                .withStatus(500).withHeader("Content-Type", "application/json")
                .withBody("{\"status\":\"error\",\"message\":\"internal\"}")));
        resilience.circuitBreaker("payrexx").reset(); // the refund is sent: its answer is lost, not held back
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        String twice = settledByHandThenRefundedAtPayrexx(id, 4860, "TWINT");
        assertThat(attentionOf(id).get("note").asText()).startsWith(twice);
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(booking(id).get("statusReason").asText())
                .isEqualTo("cancelled before its confirmation: refund settled by hand: TWINT; " + twice);
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
        payrexx.server().verify(0, postRequestedFor(urlPathMatching("/v1.0/Transaction/.*/refund")));
    }

    /**
     * A Payrexx refund whose answer was lost (the connection dropped: it may have been made), asked again by a repeated
     * cancel and the retry sweep and refused by Payrexx each time (400): the refusal does not undo what the lost
     * attempt may have done, so the record of the lost answer (V30) stays; a person settles the refund by hand, and
     * Payrexx's refunded delivery is the lost attempt's refund made after all: the customer was paid back twice,
     * marked for a person and counted.
     */
    @Test
    void aPayrexxRefundWhoseAnswerWasLostThenRefusedOnItsRetriesIsStillTakenForPayingTwice() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4890);
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/4890/refund")).willReturn(aResponse()
                .withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
        resilience.circuitBreaker("payrexx").reset(); // the refund is sent: its answer is lost, not held back
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        assertThat(answerLost(id)).as("recorded as the attempt failed").isTrue();

        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/4890/refund")).willReturn(aResponse()
                .withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"status\":\"error\",\"message\":\"refund not possible\"}")));
        resilience.circuitBreaker("payrexx").reset();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        resilience.circuitBreaker("payrexx").reset();
        assertThat(retryRefunds()).isZero();
        assertThat(booking(id).get("statusReason").asText())
                .isEqualTo("cancelled before its confirmation: refund pending");
        assertThat(answerLost(id)).as("kept through the refused retries").isTrue();

        String twice = settledByHandThenRefundedAtPayrexx(id, 4890, "bank transfer");
        assertThat(attentionOf(id).get("note").asText()).startsWith(twice);
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(booking(id).get("statusReason").asText())
                .isEqualTo("cancelled before its confirmation: refund settled by hand: bank transfer; " + twice);
        payrexx.server().verify(0, postRequestedFor(urlPathMatching("/v1.0/Transaction/.*/refund")));
    }

    /**
     * A person settles the booking's refund by hand ({@code note}), then Payrexx's refunded delivery of its transaction
     * comes and is taken for the hub's own refund made after all: waits until it is counted as paying the customer back
     * twice; the text the booking's reason and mark then carry.
     */
    private String settledByHandThenRefundedAtPayrexx(String id, long transaction, String note) {
        assertThat(httpPost("/api/v1/admin/bookings/" + id + SETTLED, "{\"note\":\"" + note + "\"}", ADMIN_KEY)
                .status()).isEqualTo(200);
        double twiceBefore = paidTwice("payrexx");
        payrexx.reset();
        payrexx.transaction(transaction, "refunded", id);

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/x-www-form-urlencoded",
                "transaction%5Bid%5D=" + transaction + "&transaction%5Bstatus%5D=refunded"
                        + "&transaction%5Binvoice%5D%5BreferenceId%5D=" + id).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> paidTwice("payrexx") == twiceBefore + 1);
        return "refunded by payrexx after the refund was settled by hand: the customer was paid back twice (9000)";
    }

    private boolean answerLost(String id) {
        return jdbc.sql("SELECT refund_answer_lost_at IS NOT NULL FROM booking WHERE id = :id").param("id", id)
                .query(Boolean.class).single();
    }

    /**
     * A Payrexx refund the hub asked for that Payrexx refused (400: the hub's key may not refund), so that none was
     * made; a person refunds the customer in Payrexx's back office and records it; Payrexx's refunded delivery is that
     * refund: the customer was paid back once. Nothing is counted, marked or added to the booking's reason, only
     * logged at INFO. Before, every Payrexx refund of a booking settled by hand was taken for the hub's own whose answer
     * was lost: "paid back twice", marked for a person and counted (alert RefundAfterSettledByHand).
     */
    @Test
    void aPayrexxRefundTheHubWasRefusedThenMadeInTheBackOfficeIsNotTakenForPayingTwice() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4870);
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/4870/refund")).willReturn(aResponse()
                .withStatus(400).withHeader("Content-Type", "application/json")
                .withBody("{\"status\":\"error\",\"message\":\"refunds not allowed\"}")));
        resilience.circuitBreaker("payrexx").reset();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        String settled = "cancelled before its confirmation: refund settled by hand: refunded in Payrexx back office";
        assertThat(httpPost("/api/v1/admin/bookings/" + id + SETTLED,
                "{\"note\":\"refunded in Payrexx back office\"}", ADMIN_KEY).status()).isEqualTo(200);
        double twiceBefore = paidTwice("payrexx");
        double runs = routeRuns("payrexx-transaction-act");
        payrexx.reset();
        payrexx.transaction(4870, "refunded", id);

        java.util.List<ILoggingEvent> logged;
        try (LogLines lines = LogLines.all()) {
            assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/x-www-form-urlencoded",
                    "transaction%5Bid%5D=4870&transaction%5Bstatus%5D=refunded&transaction%5Binvoice%5D%5BreferenceId%5D="
                            + id).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> routeRuns("payrexx-transaction-act") == runs + 1);
            logged = java.util.List.copyOf(lines.lines());
        }
        assertThat(paidTwice("payrexx")).isEqualTo(twiceBefore);
        assertThat(attentionOrNull(id)).isNull();
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(booking(id).get("statusReason").asText()).isEqualTo(settled);
        assertThat(logged).noneMatch(l -> l.getFormattedMessage().contains("paid back twice"));
        assertThat(logged).anyMatch(l -> l.getLevel() == Level.INFO && l.getFormattedMessage().contains(
                "after its refund was settled by hand: no refund the hub asked for may have been made"));
        assertThat(refundsPendingGauge()).isEqualTo("0.0");
        payrexx.server().verify(0, postRequestedFor(urlPathMatching("/v1.0/Transaction/.*/refund")));
    }

    /**
     * A confirmed Stripe booking cancelled in time whose refund's answer was lost (Stripe answered 500: the refund may
     * have been made), then settled by hand ("cash at the desk"); Stripe's stubs reset (no refund asked for since).
     */
    private String cancelledWithItsRefundLost() {
        String id = confirmedStripeBooking(START);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(
                urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))).willReturn(noContent()));
        stripeRefundsFail();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(502);
        assertThat(httpPost("/api/v1/admin/bookings/" + id + SETTLED, "{\"note\":\"cash at the desk\"}",
                ADMIN_KEY).status()).isEqualTo(200);
        stripe.reset();
        resilience.circuitBreaker("stripe").reset();
        return id;
    }

    /** The hub's refund of the booking's payment as Stripe lists it: with the hub's mark. */
    private static String hubsRefund(String id, String payment, String status) {
        return StripeFake.refund("re_late", payment, 9000, status,
                "{\"connectify\":\"booking\",\"bookingId\":\"" + id + "\"}");
    }

    /** The same as Stripe's refund.* events carry it. */
    private static String refundObject(String id, String payment, String status, String failureReason) {
        return """
                {"id":"re_late","object":"refund","amount":9000,"currency":"chf","payment_intent":"%s",
                 "status":"%s","failure_reason":"%s","metadata":{"connectify":"booking","bookingId":"%s"}}"""
                .formatted(payment, status, failureReason, id);
    }

    /** The booking's Charge as Stripe's charge.refunded carries it, refunded in full. */
    private static String charge(String id, String payment) {
        return """
                {"id":"ch_%s","object":"charge","amount":9000,"amount_captured":9000,"amount_refunded":9000,
                 "captured":true,"currency":"chf","metadata":{"bookingId":"%s"},"paid":true,"payment_intent":"%s",
                 "refunded":true,"status":"succeeded"}""".formatted(payment, id, payment);
    }

    private double paidTwice(String provider) {
        return meters.counter("connectify.refunds.after.settled", "provider", provider).count();
    }

    /** How many exchanges the route has completed (its Camel route metric). */
    private double routeRuns(String routeId) {
        var counted = meters.find("camel.exchanges.total").tag("routeId", routeId).counter();
        return counted == null ? 0 : counted.count();
    }

    private double refundsFailed() {
        return meters.counter("connectify.refunds.failed", "provider", "stripe").count();
    }

    private JsonNode booking(String id) {
        return httpGet("/api/v1/bookings/" + id).json();
    }

    /** One sweep of the route booking-retry-refunds; answers how many it refunded. */
    private int retryRefunds() {
        return camel.requestBody("direct:booking-retry-refunds", null, Integer.class);
    }

    private void replay(JsonNode letter) {
        assertThat(send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(200);
    }

    /** The gauge ops alert on (docker/prometheus/alerts.yml, RefundsPending), as scraped, counted now. */
    private String refundsPendingGauge() {
        refreshDatabaseGauges();
        Matcher gauge = Pattern.compile("(?m)^connectify_bookings_refund_pending(?:\\{[^}]*})? (\\S+)$")
                .matcher(httpGet("/actuator/prometheus", null).body());
        assertThat(gauge.find()).isTrue();
        return gauge.group(1);
    }

    private int notifications(String bookingId) {
        return jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id").param("id", bookingId)
                .query(Integer.class).single();
    }

    private int notifications(String bookingId, String kind) {
        return jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = :kind")
                .param("id", bookingId).param("kind", kind).query(Integer.class).single();
    }
}
