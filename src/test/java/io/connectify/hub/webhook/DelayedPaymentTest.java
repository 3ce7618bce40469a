package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static io.connectify.hub.support.StripeFake.checkoutSession;
import static io.connectify.hub.support.StripeFake.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A customer who completes Stripe Checkout with a delayed method (a SEPA debit) keeps the slot while the payment
 * settles, and the booking is confirmed when it does.
 */
@HubTest
class DelayedPaymentTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";

    @Autowired
    CamelContext camel;

    @Test
    void aCompletedCheckoutWhosePaymentIsStillProcessingKeepsTheSlotUntilItSettles() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");

        assertThat(signedStripeWebhook(event("evt_sepa_done", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_sepa"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(booking(id).path("statusReason").asText())
                .startsWith("the payment is processing (a delayed method)"));
        // held until the appointment's start, which comes sooner than the 21 days a debit may take
        assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText()))
                .isEqualTo(Instant.parse("2026-12-01T08:00:00Z"));

        NotifyBuilder twoSweeps = new NotifyBuilder(camel).fromRoute("booking-expire-holds").whenCompleted(2).create();
        clock.advance(Duration.ofHours(2)); // long past the 15-minute hold; the sweep runs every 200 ms in the tests
        assertThat(twoSweeps.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(httpPost("/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"customer":{"name":"B","email":"b@example.com"}}
                """.formatted(START)).status()).isEqualTo(409);

        signedStripeWebhook(event("evt_sepa_paid", "checkout.session.async_payment_succeeded",
                checkoutSession(id, "paid", "pi_sepa")));
        awaitStatus(id, "CONFIRMED");
    }

    @Test
    void aCompletedCheckoutHandledAfterTheHoldRanOutHoldsTheStillFreeSlotAgain() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        clock.advance(Duration.ofMinutes(16)); // the event waited in a backlog, or as a dead letter, past the hold
        awaitStatus(id, "EXPIRED");

        signedStripeWebhook(event("evt_sepa_late", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_sepa_late")));

        awaitStatus(id, "PENDING_PAYMENT");
        assertThat(booking(id).get("statusReason").asText()).startsWith("the payment is processing");
        assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText()))
                .isEqualTo(Instant.parse("2026-12-01T08:00:00Z"));
        assertThat(httpPost("/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"customer":{"name":"B","email":"b@example.com"}}
                """.formatted(START)).status()).isEqualTo(409);
        signedStripeWebhook(event("evt_sepa_late_paid", "checkout.session.async_payment_succeeded",
                checkoutSession(id, "paid", "pi_sepa_late")));
        awaitStatus(id, "CONFIRMED");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    @Test
    void aCompletedCheckoutHandledAfterTheHoldRanOutButBeforeTheSweepHoldsTheSlotUntilItSettles() throws Exception {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        // the hold ran out, and the sweep that would mark it EXPIRED has not come round yet
        camel.getRouteController().stopRoute("booking-expire-holds");
        try {
            clock.advance(Duration.ofMinutes(16));
            assertThat(status(id)).isEqualTo("PENDING_PAYMENT");

            signedStripeWebhook(event("evt_sepa_lapsed", "checkout.session.completed",
                    checkoutSession(id, "unpaid", "pi_sepa_lapsed")));

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(booking(id).path("statusReason")
                    .asText()).startsWith("the payment is processing"));
            assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText()))
                    .isEqualTo(Instant.parse("2026-12-01T08:00:00Z"));
        } finally {
            camel.getRouteController().startRoute("booking-expire-holds");
        }
        NotifyBuilder twoSweeps = new NotifyBuilder(camel).fromRoute("booking-expire-holds").whenCompleted(2).create();
        assertThat(twoSweeps.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(status(id)).as("held again: the sweep does not expire it").isEqualTo("PENDING_PAYMENT");

        signedStripeWebhook(event("evt_sepa_lapsed_paid", "checkout.session.async_payment_succeeded",
                checkoutSession(id, "paid", "pi_sepa_lapsed")));
        awaitStatus(id, "CONFIRMED");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    @Test
    void aDebitThatSettlesAfterTheAppointmentsStartIsRefundedNotConfirmed() {
        String id = pendingBooking(START, "stripe");
        signedStripeWebhook(event("evt_sepa_slow", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_sepa_slow")));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(booking(id).path("statusReason").asText())
                .startsWith("the payment is processing"));

        clock.advance(Duration.ofDays(3)); // the debit settles days after the appointment's start (its hold's end)
        awaitStatus(id, "EXPIRED");
        // this event's processing (any exchange would do: the hold sweep's timer completes one every 200 ms)
        NotifyBuilder settled = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch")
                .filter(e -> "stripe:evt_sepa_slow_paid".equals(e.getMessage().getHeader(WebhookHeaders.EVENT_KEY)))
                .whenCompleted(1).create();
        assertThat(signedStripeWebhook(event("evt_sepa_slow_paid", "checkout.session.async_payment_succeeded",
                checkoutSession(id, "paid", "pi_sepa_slow"))).status()).isEqualTo(200);

        awaitStatus(id, "REFUNDED");
        assertThat(settled.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(booking(id).get("statusReason").asText()).isEqualTo("paid after its start: refunded");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(containing("payment_intent=pi_sepa_slow")));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    private com.fasterxml.jackson.databind.JsonNode booking(String id) {
        return httpGet("/api/v1/bookings/" + id).json();
    }
}
