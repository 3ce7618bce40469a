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
    @Autowired
    BookingSaga saga;

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

    /**
     * A confirmed Stripe booking's reason long enough that the column's 200 characters cut its refund outside the hub
     * ("… stripe shows 9000 of the payment's 9…"), then cancelled after the cut-off: the refund is read from its
     * amount (V24), not the text, so it is kept after the cut-off's reason and the customer told they were refunded.
     * Before, the cut part lost it: "not refunded" alone, told "the payment is not refunded".
     */
    @Test
    void aRefundByHandWhoseReasonTheColumnCutIsKeptByALateCancel() {
        String id = cancelledLateAfterStripeRefund(9000, booking -> {
            String cut = ("the payment is being looked into by the practice (a long note that a person or an older "
                    + "version wrote before it): nothing is to be done by the hub; " + stripeShows(9000))
                    .substring(0, 200);
            assertThat(cut).doesNotEndWith("refunded outside the hub");
            jdbc.sql("UPDATE booking SET status_reason = :reason WHERE id = :id").param("reason", cut)
                    .param("id", booking).update();
        });

        assertThat(reason(id)).isEqualTo("cancelled after the refund cut-off: not refunded; " + stripeShows(9000));
        assertThat(kinds(id)).contains("cancellation-refunded-outside").doesNotContain("cancellation");
        cancellationEmail(id).contains("Ihre Zahlung bereits").doesNotContain(NOT_REFUNDED);
    }

    /**
     * A Payrexx booking cancelled after the cut-off, its customer told "not refunded", whose payment Payrexx then shows
     * refunded (a goodwill refund in the back office): still marked for a person, and now its customer told once they
     * got their money back (cancellation-refunded-outside); the same refund handled again (a dead letter replayed)
     * tells nothing more. Before, only the person was told.
     */
    @Test
    void aPayrexxRefundAfterALateCancelTellsTheCustomerOnce() {
        String id = cancelledLateAfter(6205, null);
        awaitEmails(id, NOT_REFUNDED, 1);

        payrexxDelivered(6205, "refunded", id);

        assertThat(kinds(id)).contains("cancellation", "cancellation-refunded-outside");
        awaitEmails(id, "Ihre Zahlung bereits", 1);
        assertThat(attentionOf(id).get("note").asText()).contains("check it at payrexx");
        String payment = jdbc.sql("SELECT payment_reference FROM booking WHERE id = :id").param("id", id)
                .query(String.class).single();
        saga.paymentRefundedAfterConfirmation("payrexx", id, payment, "refunded");
        assertThat(logged(id, "cancellation-refunded-outside")).as("one SMS, one email logged").isEqualTo(2);
    }

    /**
     * A Payrexx booking partly refunded before a late cancel (told that part), whose rest Payrexx then shows refunded:
     * told once it is refunded in full. Before, the part's notice was the last word.
     */
    @Test
    void aPayrexxRestRefundedAfterALateCancelOfAPartTellsTheCustomerOnce() {
        String id = cancelledLateAfter(6206, "partially-refunded");
        awaitEmails(id, "Ein Teil Ihrer Zahlung wurde bereits", 1);

        payrexxDelivered(6206, "refunded", id);

        assertThat(kinds(id)).contains("cancellation-late-part-refund", "cancellation-refunded-outside");
        awaitEmails(id, "Ihre Zahlung bereits", 1);
    }

    /**
     * A Payrexx booking cancelled after the cut-off (told "not refunded") whose payment Payrexx then shows
     * partially-refunded (a goodwill part refunded in the back office): marked for a person as before, and now its
     * customer told once that part was paid back and nothing of the rest, as Stripe's part refunded by hand tells it;
     * the same delivery handled again (a dead letter replayed) tells nothing more. Before, the customer was told
     * nothing.
     */
    @Test
    void aPayrexxPartRefundAfterALateCancelTellsTheCustomerOnce() {
        String id = cancelledLateAfter(6207, null);
        awaitEmails(id, NOT_REFUNDED, 1);

        payrexxDelivered(6207, "partially-refunded", id);

        assertThat(kinds(id)).contains("cancellation", "cancellation-late-part-refund")
                .doesNotContain("cancellation-refunded-outside", "cancellation-part-refunded");
        awaitEmails(id, "Ein Teil Ihrer Zahlung wurde bereits", 1);
        assertThat(attentionOf(id).get("note").asText()).contains("check it at payrexx");
        saga.paymentPartiallyRefunded("payrexx", id, paymentOf(id));
        assertThat(logged(id, "cancellation-late-part-refund")).as("one SMS, one email logged").isEqualTo(2);
    }

    /**
     * A Payrexx booking cancelled after the cut-off whose payment was refunded in full (told so), then its
     * partially-refunded delivery handled late (out of order, or replayed): the customer, told the whole, is not told
     * a part.
     */
    @Test
    void aPayrexxPartHandledAfterTheWholeWasToldTellsTheCustomerNothingMore() {
        String id = cancelledLateAfter(6208, null);
        payrexxDelivered(6208, "refunded", id);
        awaitEmails(id, "Ihre Zahlung bereits", 1);

        payrexxDelivered(6208, "partially-refunded", id);

        assertThat(kinds(id)).contains("cancellation", "cancellation-refunded-outside")
                .doesNotContain("cancellation-late-part-refund");
    }

    /**
     * A Payrexx booking cancelled in time, the hub's refund made (REFUNDED, told "refund"), then shown
     * partially-refunded: not a late cancel's part, the customer told nothing more.
     */
    @Test
    void aPayrexxPartRefundOfABookingTheHubRefundedTellsNothing() {
        String id = pendingBooking(START, "payrexx");
        payrexxDelivered(6209, "confirmed", id);
        awaitStatus(id, "CONFIRMED");
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(
                EVENTS + "/" + BookingSaga.eventIdFor(id))).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.noContent()));
        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        awaitStatus(id, "REFUNDED");

        payrexxDelivered(6209, "partially-refunded", id);

        assertThat(kinds(id)).contains("refund").doesNotContain("cancellation-late-part-refund");
    }

    private String paymentOf(String bookingId) {
        return jdbc.sql("SELECT payment_reference FROM booking WHERE id = :id").param("id", bookingId)
                .query(String.class).single();
    }

    /**
     * The same for a Stripe booking whose payment is refunded in the Dashboard after a late cancel (charge.refunded):
     * told once, in full; a later look at the same refunds (another charge.refunded, a replay) tells nothing more.
     */
    @Test
    void aStripeRefundByHandAfterALateCancelTellsTheCustomerOnce() {
        String id = refundedByHandAfterALateCancel(9000);

        assertThat(kinds(id)).contains("cancellation", "cancellation-refunded-outside");
        awaitEmails(id, "Ihre Zahlung bereits", 1);
        saga.paymentRefundedOutside("stripe", id, "pi_" + id.substring(0, 8), 9000L, 9000L);
        assertThat(logged(id, "cancellation-refunded-outside")).as("one SMS, one email logged").isEqualTo(2);
    }

    /** A part refunded in the Dashboard after a late cancel: that part told (cancellation-late-part-refund), once. */
    @Test
    void aStripePartRefundedByHandAfterALateCancelIsToldThatPart() {
        String id = refundedByHandAfterALateCancel(3000);

        assertThat(kinds(id)).contains("cancellation", "cancellation-late-part-refund")
                .doesNotContain("cancellation-refunded-outside");
        awaitEmails(id, "Ein Teil Ihrer Zahlung wurde bereits", 1);
    }

    /**
     * A Stripe booking cancelled after the cut-off (told "not refunded"), then {@code refunded} of its 9000 refunded
     * in the Dashboard (charge.refunded handled).
     */
    private String refundedByHandAfterALateCancel(long refunded) {
        String id = confirmedStripeBooking(START);
        cancelStripeLate(id);
        awaitEmails(id, NOT_REFUNDED, 1);
        stripeRefundedByHand(id, refunded);
        return id;
    }

    /** The (German) emails SendGrid has for the booking holding {@code text}, awaited to be {@code count}. */
    private void awaitEmails(String bookingId, String text, int count) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(notify.sendGrid()
                .findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(r -> r.getBodyAsString()).filter(body -> body.contains(bookingId) && body.contains(text))
                .count()).isEqualTo(count));
    }

    /** The booking's notices of {@code kind} in the notification log (one row per channel). */
    private int logged(String bookingId, String kind) {
        return jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = :kind")
                .param("id", bookingId).param("kind", kind).query(Integer.class).single();
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
        return cancelledLateAfterStripeRefund(refunded, id -> { });
    }

    /** As above, {@code beforeCancel} run on the booking's id once the refund is recorded, before the cancel. */
    private String cancelledLateAfterStripeRefund(long refunded, java.util.function.Consumer<String> beforeCancel) {
        String id = confirmedStripeBooking(START);
        stripeRefundedByHand(id, refunded);
        assertThat(reason(id)).contains(stripeShows(refunded));
        beforeCancel.accept(id);
        cancelStripeLate(id);
        return id;
    }

    /**
     * The Stripe booking's payment shown refunded by {@code refunded} of its 9000 in the Dashboard (its refund list
     * showing a refund without the hub's mark), its charge.refunded handled.
     */
    private void stripeRefundedByHand(String id, long refunded) {
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
    }

    /** The confirmed Stripe booking cancelled 22 h before its start, after the cut-off: no refund asked of Stripe. */
    private void cancelStripeLate(String id) {
        clock.advance(Duration.ofHours(2)); // within the 24 h before its start: no refund due
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(
                EVENTS + "/" + BookingSaga.eventIdFor(id))).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.noContent()));

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("statusReason").asText())
                .startsWith("cancelled after the refund cut-off: not refunded");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
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
