package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static io.connectify.hub.support.StripeFake.event;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A payment refunded in full outside the hub and only then disputed: should the dispute be lost as well, the customer
 * is paid back twice, so the booking's mark warns of it as when the dispute comes first (the same note, on the same
 * mark, marked again if a person cleared the refund's), for Payrexx (refunded, then disputed) and Stripe
 * (charge.refunded, then charge.dispute.created). Before, the dispute only joined the booking's reason.
 */
@HubTest
class RefundThenDisputeTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";
    private static final String LATER = "2026-12-01T11:00:00+01:00";
    private static final String PAYREXX_REFUNDED =
            "a refund the hub did not make: payrexx shows 9000 of the payment's 9000 refunded outside the hub";
    private static final String STRIPE_REFUNDED =
            "a refund the hub did not make: stripe shows 9000 of the payment's 9000 refunded outside the hub";
    private static final String PAYREXX_DISPUTE =
            "the customer disputes the payment: answer the dispute at payrexx before its deadline";
    /** The warning of a payment refunded in full whose dispute is still open. */
    private static final String STILL_OPEN = "the dispute of %s payment %s is still open: should it be lost as well, "
            + "the customer is paid back twice (tell %s the payment was refunded)";

    @Autowired
    MeterRegistry meters;
    @Autowired
    CamelContext camel;

    @BeforeEach
    void calendarAccepts() {
        calendarAcceptsEvents(START);
    }

    @Test
    void aConfirmedPayrexxBookingRefundedInFullThenDisputedIsWarnedAsOneDisputedThenRefunded() {
        String refundedFirst = confirmedPayrexxBooking(6101, START);
        String disputedFirst = confirmedPayrexxBooking(6102, LATER);
        double counted = outsideHub("payrexx");

        payrexxDelivered(6101, "refunded", refundedFirst);
        payrexxDelivered(6101, "disputed", refundedFirst);
        payrexxDelivered(6102, "disputed", disputedFirst);
        payrexxDelivered(6102, "refunded", disputedFirst);

        String note = PAYREXX_REFUNDED + " (in full): decide whether the appointment stands; ";
        assertThat(attentionOf(refundedFirst).get("note").asText())
                .isEqualTo(note + STILL_OPEN.formatted("payrexx", 6101, "payrexx"));
        assertThat(attentionOf(disputedFirst).get("note").asText())
                .isEqualTo(note + STILL_OPEN.formatted("payrexx", 6102, "payrexx"));
        for (String id : new String[] {refundedFirst, disputedFirst}) {
            var booking = httpGet("/api/v1/bookings/" + id).json();
            assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
            assertThat(booking.get("statusReason").asText()).contains(PAYREXX_DISPUTE).contains(PAYREXX_REFUNDED);
        }
        assertThat(outsideHub("payrexx")).as("each refund counted once, the dispute no refund").isEqualTo(counted + 2);
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/6101/refund")));
    }

    @Test
    void aPayrexxRefundsClearedMarkIsSetAgainWithTheWarningWhenItsPaymentIsDisputed() {
        String id = confirmedPayrexxBooking(6103, START);
        payrexxDelivered(6103, "refunded", id);
        clearAttention(id);

        payrexxDelivered(6103, "disputed", id);

        assertThat(attentionOf(id).get("note").asText()).isEqualTo(PAYREXX_REFUNDED + " (in full): decide whether the "
                + "appointment stands; " + STILL_OPEN.formatted("payrexx", 6103, "payrexx"));
    }

    /**
     * Cancelled after the refund cut-off (nothing refunded by the hub), then refunded in full in Payrexx's back office
     * ("check it at payrexx"), then disputed: the customer is paid back, and twice should the dispute be lost, as the
     * note says when the dispute comes first.
     */
    @Test
    void aPayrexxBookingCancelledAfterTheCutOffRefundedThenDisputedIsWarned() {
        String id = confirmedPayrexxBooking(6104, START);
        clock.advance(Duration.ofHours(2)); // within the 24 h before its start: no refund due
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(
                EVENTS + "/" + BookingSaga.eventIdFor(id))).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.noContent()));
        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        payrexxDelivered(6104, "refunded", id);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(PAYREXX_REFUNDED + " (in full): check it at payrexx");

        payrexxDelivered(6104, "disputed", id);

        assertThat(attentionOf(id).get("note").asText()).isEqualTo(PAYREXX_REFUNDED + " (in full): the customer is "
                + "paid back; " + STILL_OPEN.formatted("payrexx", 6104, "payrexx"));
        assertThat(status(id)).isEqualTo("CANCELLED");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/6104/refund")));
    }

    @Test
    void aConfirmedStripeBookingRefundedInFullByHandThenDisputedIsWarned() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        double counted = outsideHub("stripe");
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 9000, "succeeded", "{}"));
        stripeHandled("evt_rtd_refunded", "charge.refunded", charge(id, payment));
        assertThat(attentionOf(id).get("note").asText())
                .isEqualTo(STRIPE_REFUNDED + " (in full): decide whether the appointment stands");

        stripeHandled("evt_rtd_disputed", "charge.dispute.created", dispute(payment));

        assertThat(attentionOf(id).get("note").asText()).isEqualTo(STRIPE_REFUNDED + " (in full): decide whether the "
                + "appointment stands; " + STILL_OPEN.formatted("stripe", payment, "stripe"));
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(outsideHub("stripe")).isEqualTo(counted + 1);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /** The opposite order gives Stripe's booking the same warning (a dispute Stripe let be refunded: an inquiry). */
    @Test
    void aConfirmedStripeBookingDisputedThenRefundedInFullByHandIsWarnedTheSame() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        stripeHandled("evt_dtr_disputed", "charge.dispute.created", dispute(payment));
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 9000, "succeeded", "{}"));

        stripeHandled("evt_dtr_refunded", "charge.refunded", charge(id, payment));

        assertThat(attentionOf(id).get("note").asText()).isEqualTo(STRIPE_REFUNDED + " (in full): decide whether the "
                + "appointment stands; " + STILL_OPEN.formatted("stripe", payment, "stripe"));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    private String confirmedPayrexxBooking(long transaction, String start) {
        String id = pendingBooking(start, "payrexx");
        payrexxDelivered(transaction, "confirmed", id);
        awaitStatus(id, "CONFIRMED");
        return id;
    }

    /** A signed Stripe event, acknowledged and handled. */
    private void stripeHandled(String eventId, String type, String object) {
        NotifyBuilder handled = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch")
                .filter(exchange -> ("stripe:" + eventId).equals(exchange.getMessage().getHeader(WebhookHeaders.EVENT_KEY)))
                .whenCompleted(1).create();
        assertThat(signedStripeWebhook(event(eventId, type, object)).status()).isEqualTo(200);
        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
    }

    private double outsideHub(String provider) {
        return meters.counter("connectify.refunds.outside.hub", "provider", provider).count();
    }

    /** A Charge refunded in full, as charge.refunded carries it. */
    private static String charge(String bookingId, String paymentIntent) {
        return """
                {"id":"ch_%s","object":"charge","amount":9000,"amount_captured":9000,"amount_refunded":9000,
                 "captured":true,"currency":"chf","metadata":{"bookingId":"%s"},"paid":true,"payment_intent":"%s",
                 "refunded":true,"status":"succeeded"}""".formatted(paymentIntent, bookingId, paymentIntent);
    }

    /** A Dispute object as charge.dispute.created carries it. */
    private static String dispute(String paymentIntent) {
        return """
                {"id":"dp_%s","object":"dispute","amount":9000,"charge":"ch_%s","currency":"chf","metadata":{},
                 "payment_intent":"%s","reason":"fraudulent","status":"needs_response"}"""
                .formatted(paymentIntent, paymentIntent, paymentIntent);
    }
}
