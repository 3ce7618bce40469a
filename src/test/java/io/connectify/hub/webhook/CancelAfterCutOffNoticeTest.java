package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The customer's notice of a Payrexx booking cancelled after the refund cut-off (the hub refunds nothing) whose
 * payment Payrexx's back office had refunded: in full, "already refunded", as the cancel in time tells it; a refund
 * under way, that it pays them back, as in time; a part, that part and nothing of the rest (no one owes it); nothing
 * refunded, the cut-off's "not refunded" as before. Before, every one got the cut-off's "the payment is not refunded".
 * So too a Stripe booking's payment refunded in the Dashboard (charge.refunded, a refund without the hub's mark).
 */
@HubTest
class CancelAfterCutOffNoticeTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";
    /** The cut-off's sentence in the generic (German) cancellation email. */
    private static final String NOT_REFUNDED = "wird die Zahlung nicht erstattet";

    @Autowired
    CamelContext camel;

    @BeforeEach
    void calendarAccepts() {
        calendarAcceptsEvents(START);
    }

    @Test
    void aPaymentRefundedInFullBeforeALateCancelIsToldAlreadyRefunded() {
        String id = cancelledLateAfter(6201, "refunded");

        assertThat(kinds(id)).contains("cancellation-refunded-outside").doesNotContain("cancellation");
        cancellationEmail(id).contains("Ihre Zahlung bereits").doesNotContain(NOT_REFUNDED);
    }

    @Test
    void aPaymentPartlyRefundedBeforeALateCancelIsToldThatPartAndNothingOfTheRest() {
        String id = cancelledLateAfter(6202, "partially-refunded");

        assertThat(kinds(id)).contains("cancellation-late-part-refund").doesNotContain("cancellation",
                "cancellation-part-refunded");
        cancellationEmail(id).contains("Ein Teil Ihrer Zahlung wurde bereits").doesNotContain(NOT_REFUNDED)
                .doesNotContain("den Rest erstatten wir");
    }

    @Test
    void aRefundUnderWayBeforeALateCancelIsToldItPaysTheCustomerBack() {
        String id = cancelledLateAfter(6203, "refund_pending");

        assertThat(kinds(id)).contains("cancellation-refund-outside").doesNotContain("cancellation");
        cancellationEmail(id).contains("laufende Rückerstattung").doesNotContain(NOT_REFUNDED);
    }

    @Test
    void aLateCancelOfAPaymentNobodyRefundedStillSaysItIsNotRefunded() {
        String id = cancelledLateAfter(6204, null);

        assertThat(kinds(id)).contains("cancellation").doesNotContain("cancellation-refunded-outside");
        cancellationEmail(id).contains(NOT_REFUNDED);
    }

    /**
     * A Stripe booking whose payment was refunded in full in Stripe's Dashboard (charge.refunded, a refund without the
     * hub's mark), then cancelled after the cut-off: the refund kept after the cut-off's reason, the customer told
     * they were refunded, the mark's note a cancelled booking's. Before, the reason was the cut-off's alone and the
     * notice said "not refunded".
     */
    @Test
    void aStripePaymentRefundedInFullByHandBeforeALateCancelIsToldAlreadyRefunded() {
        String id = cancelledLateAfterStripeRefund(9000);

        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(reason(id)).isEqualTo("cancelled after the refund cut-off: not refunded; " + stripeShows(9000));
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(stripeShows(9000) + " (in full): check it at stripe");
        assertThat(kinds(id)).contains("cancellation-refunded-outside").doesNotContain("cancellation");
        cancellationEmail(id).contains("Ihre Zahlung bereits").doesNotContain(NOT_REFUNDED);
    }

    /** The same with part of it refunded by hand: that part told, nothing of the rest (no one owes it). */
    @Test
    void aStripePaymentPartlyRefundedByHandBeforeALateCancelIsToldThatPartAndNothingOfTheRest() {
        String id = cancelledLateAfterStripeRefund(3000);

        assertThat(reason(id)).isEqualTo("cancelled after the refund cut-off: not refunded; " + stripeShows(3000));
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(stripeShows(3000) + " (in part): check it at stripe");
        assertThat(kinds(id)).contains("cancellation-late-part-refund").doesNotContain("cancellation",
                "cancellation-part-refunded", "cancellation-refunded-outside");
        cancellationEmail(id).contains("Ein Teil Ihrer Zahlung wurde bereits").doesNotContain(NOT_REFUNDED)
                .doesNotContain("den Rest erstatten wir");
    }

    private static String stripeShows(long refunded) {
        return "a refund the hub did not make: stripe shows " + refunded + " of the payment's 9000 refunded outside "
                + "the hub";
    }

    private String reason(String bookingId) {
        return httpGet("/api/v1/bookings/" + bookingId).json().get("statusReason").asText();
    }

    /**
     * A Stripe booking confirmed, {@code refunded} of its 9000 then refunded in the Dashboard (its refund list showing
     * a refund without the hub's mark; charge.refunded handled), then cancelled after the cut-off: CANCELLED, no refund
     * asked of Stripe.
     */
    private String cancelledLateAfterStripeRefund(long refunded) {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, refunded, "succeeded", "{}"));
        String eventId = "evt_cut_refunded_" + id.substring(0, 8);
        NotifyBuilder handled = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch")
                .filter(exchange -> ("stripe:" + eventId).equals(exchange.getMessage().getHeader(
                        WebhookHeaders.EVENT_KEY)))
                .whenCompleted(1).create();
        assertThat(signedStripeWebhook(StripeFake.event(eventId, "charge.refunded", """
                {"id":"ch_%s","object":"charge","amount":9000,"amount_captured":9000,"amount_refunded":%d,
                 "captured":true,"currency":"chf","metadata":{"bookingId":"%s"},"paid":true,"payment_intent":"%s",
                 "refunded":%b,"status":"succeeded"}""".formatted(payment, refunded, id, payment, refunded >= 9000)))
                .status()).isEqualTo(200);
        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(reason(id)).contains(stripeShows(refunded));
        clock.advance(Duration.ofHours(2)); // within the 24 h before its start: no refund due
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(
                EVENTS + "/" + BookingSaga.eventIdFor(id))).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.noContent()));

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("statusReason").asText())
                .startsWith("cancelled after the refund cut-off: not refunded");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        return id;
    }

    /**
     * A Payrexx booking confirmed by {@code transaction}, which Payrexx then shows {@code refund} (none: null), then
     * cancelled after the cut-off: CANCELLED, no refund asked of Payrexx.
     */
    private String cancelledLateAfter(long transaction, String refund) {
        String id = pendingBooking(START, "payrexx");
        payrexxDelivered(transaction, "confirmed", id);
        awaitStatus(id, "CONFIRMED");
        if (refund != null) {
            payrexxDelivered(transaction, refund, id);
        }
        clock.advance(Duration.ofHours(2)); // within the 24 h before its start: no refund due
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(
                EVENTS + "/" + BookingSaga.eventIdFor(id))).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.noContent()));

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("statusReason").asText())
                .startsWith("cancelled after the refund cut-off: not refunded");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/" + transaction + "/refund")));
        return id;
    }

    private java.util.List<String> kinds(String bookingId) {
        var listed = httpGet("/api/v1/bookings/" + bookingId + "/notifications").json().get("notifications");
        java.util.List<String> kinds = new java.util.ArrayList<>();
        listed.forEach(n -> kinds.add(n.get("kind").asText()));
        return kinds;
    }

    /** The (German) customer's one cancellation email, once SendGrid has it. */
    private AbstractStringAssert<?> cancellationEmail(String bookingId) {
        return assertThat(await().atMost(Duration.ofSeconds(10)).until(() -> notify.sendGrid()
                .findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(r -> r.getBodyAsString()).filter(body -> body.contains(bookingId) && body.contains("abgesagt"))
                .toList(), found -> found.size() == 1).get(0));
    }
}
