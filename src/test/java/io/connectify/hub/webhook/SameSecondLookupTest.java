package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.StripeFake.event;
import static io.connectify.hub.support.StripeFake.paymentIntent;
import static io.connectify.hub.support.StripeFake.processingIntent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A debit's processing event and a failure of its Payment Intent created in the same second (Stripe's created is in
 * whole seconds) are ordered by the Payment Intent's status at Stripe ({@code GET /v1/payment_intents/{id}}). Stripe
 * showing the hub no such Payment Intent (404): the failure is taken as the newer. The look-up failing otherwise (5xx):
 * the event fails (5xx, a timeout), is redelivered, then kept as a dead letter, nothing written on a guess; replayed once Stripe answers,
 * it is handled as that answer says.
 */
@HubTest
class SameSecondLookupTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";
    /** The appointment's start: the processing hold never runs past it. */
    private static final Instant STARTS = Instant.parse("2026-12-01T08:00:00Z");

    @Autowired
    CamelContext camel;

    @Test
    void aFailureInTheDebitsSecondOfAPaymentIntentStripeDoesNotShowEndsTheHold() {
        String id = pendingBooking(START, "stripe");
        handled(id, "evt_404_debit", "payment_intent.processing", processingIntent(id, "pi_404_debit"));
        stripe.noPaymentIntent("pi_404_debit");

        handled(id, "evt_404_debit_failed", "payment_intent.payment_failed",
                paymentIntent(id, "pi_404_debit", "requires_payment_method"));

        assertThat(booking(id).path("statusReason").asText()).contains("no payment is processing any more");
        assertThat(lookUps("pi_404_debit")).as("asked once").isEqualTo(1);
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");
    }

    @Test
    void aProcessingEventInItsFailuresSecondOfAPaymentIntentStripeDoesNotShowHoldsNothing() {
        String id = pendingBooking(START, "stripe");
        Instant made = Instant.parse(booking(id).get("holdExpiresAt").asText());
        stripe.noPaymentIntent("pi_404_later");
        handled(id, "evt_404_failed_first", "payment_intent.payment_failed",
                paymentIntent(id, "pi_404_later", "requires_payment_method"));

        handled(id, "evt_404_processing_later", "payment_intent.processing", processingIntent(id, "pi_404_later"));

        assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText())).as("not held longer").isEqualTo(made);
        assertThat(booking(id).path("statusReason").asText()).doesNotStartWith("the payment is processing");
        assertThat(lookUps("pi_404_later")).as("asked once").isEqualTo(1);
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");
    }

    @Test
    void aFailureInTheDebitsSecondWhoseLookUpFailsIsRedeliveredThenReplayedOnceStripeAnswers() {
        String id = pendingBooking(START, "stripe");
        handled(id, "evt_5xx_debit", "payment_intent.processing", processingIntent(id, "pi_5xx_debit"));
        stripeDown("pi_5xx_debit");

        JsonNode letter = deadLettered("evt_5xx_debit_failed", event("evt_5xx_debit_failed",
                "payment_intent.payment_failed", paymentIntent(id, "pi_5xx_debit", "requires_payment_method")),
                "pi_5xx_debit");
        assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText())).as("still held").isEqualTo(STARTS);
        assertThat(booking(id).path("statusReason").asText()).startsWith("the payment is processing");

        stripe.paymentIntentIn("pi_5xx_debit", id, "requires_payment_method");
        replayed(letter);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(booking(id).path("statusReason")
                .asText()).contains("no payment is processing any more"));
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");
    }

    @Test
    void aProcessingEventInItsFailuresSecondWhoseLookUpTimesOutIsRedeliveredThenReplayedOnceStripeAnswers() {
        String id = pendingBooking(START, "stripe");
        Instant made = Instant.parse(booking(id).get("holdExpiresAt").asText());
        handled(id, "evt_5xx_declined", "payment_intent.payment_failed",
                paymentIntent(id, "pi_5xx_later", "requires_payment_method"));
        stripeTooSlow("pi_5xx_later");

        JsonNode letter = deadLettered("evt_5xx_processing", event("evt_5xx_processing", "payment_intent.processing",
                processingIntent(id, "pi_5xx_later")), "pi_5xx_later");
        assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText())).as("nothing held").isEqualTo(made);

        stripe.paymentIntentIn("pi_5xx_later", id, "processing");
        replayed(letter);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                Instant.parse(booking(id).get("holdExpiresAt").asText())).isEqualTo(STARTS));
        NotifyBuilder twoSweeps = new NotifyBuilder(camel).fromRoute("booking-expire-holds").whenCompleted(2).create();
        clock.advance(Duration.ofMinutes(20));
        assertThat(twoSweeps.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
    }

    /**
     * A booking paid by its debit, then a failure of that Payment Intent created in the second of its processing (an
     * older decline delivered late): it changes nothing of the paid booking, so Stripe is not asked, and Stripe being
     * down fails nothing. Before, Stripe was asked, and while it was down the event was a dead letter.
     */
    @Test
    void aFailureInTheSecondOfAPaidDebitsProcessingAsksStripeNothing() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        handled(id, "evt_paid_debit", "payment_intent.processing", processingIntent(id, "pi_paid_debit"));
        handled(id, "evt_paid_debit_settled", "payment_intent.succeeded",
                paymentIntent(id, "pi_paid_debit", "succeeded"));
        awaitStatus(id, "CONFIRMED");
        stripeDown("pi_paid_debit");
        jdbc.sql("DELETE FROM dead_letter").update();

        handled(id, "evt_paid_debit_declined", "payment_intent.payment_failed",
                paymentIntent(id, "pi_paid_debit", "requires_payment_method"));

        assertThat(lookUps("pi_paid_debit")).isZero();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM dead_letter").query(Integer.class).single()).isZero();
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    /**
     * As {@link #aFailureInTheSecondOfAPaidDebitsProcessingAsksStripeNothing}, a processing event in the second of its
     * remembered failure, for a booking another payment confirmed: it holds nothing, so Stripe is not asked.
     */
    @Test
    void aProcessingEventInItsFailuresSecondForAPaidBookingAsksStripeNothing() {
        String id = confirmedStripeBooking(START);
        handled(id, "evt_paid_other_declined", "payment_intent.payment_failed",
                paymentIntent(id, "pi_paid_other", "requires_payment_method"));
        stripeDown("pi_paid_other");
        jdbc.sql("DELETE FROM dead_letter").update();

        handled(id, "evt_paid_other_processing", "payment_intent.processing", processingIntent(id, "pi_paid_other"));

        assertThat(lookUps("pi_paid_other")).isZero();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM dead_letter").query(Integer.class).single()).isZero();
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    /** Stripe answers 503 to every look-up of Payment Intent {@code id}. */
    private void stripeDown(String paymentIntent) {
        stripe.server().stubFor(get(urlPathEqualTo("/v1/payment_intents/" + paymentIntent)).willReturn(aResponse()
                .withStatus(503).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"unavailable\"}}")));
    }

    /** Stripe answers every look-up of Payment Intent {@code id} past the hub's read timeout (1 s in the tests). */
    private void stripeTooSlow(String paymentIntent) {
        stripe.server().stubFor(get(urlPathEqualTo("/v1/payment_intents/" + paymentIntent)).willReturn(aResponse()
                .withStatus(200).withHeader("Content-Type", "application/json").withFixedDelay(3000)
                .withBody("{\"id\":\"" + paymentIntent + "\",\"object\":\"payment_intent\",\"status\":\"processing\"}")));
    }

    /**
     * The event sent while Stripe is down: retried and redelivered (Stripe asked more than once), then kept as the one
     * dead letter, its key not recorded (a replay is not a duplicate).
     */
    private JsonNode deadLettered(String eventId, String event, String paymentIntent) {
        jdbc.sql("DELETE FROM dead_letter").update();
        assertThat(signedStripeWebhook(event).status()).isEqualTo(200);
        JsonNode letter = awaitDeadLetter("stripe");
        assertThat(letter.get("errorMessage").asText()).startsWith("provider-");
        assertThat(lookUps(paymentIntent)).as("retried").isGreaterThan(1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = :key")
                .param("key", "stripe:" + eventId).query(Integer.class).single()).isZero();
        return letter;
    }

    private void replayed(JsonNode letter) {
        resilience.circuitBreaker("stripe").reset();
        assertThat(send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(200);
    }

    /** A signed event of booking {@code id}, created as {@link io.connectify.hub.support.StripeFake#event} dates them all. */
    private void handled(String id, String eventId, String type, String object) {
        NotifyBuilder done = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch")
                .filter(e -> ("stripe:" + eventId).equals(e.getMessage().getHeader("eventKey", String.class)))
                .whenCompleted(1).create();
        assertThat(signedStripeWebhook(event(eventId, type, object)).status()).isEqualTo(200);
        assertThat(done.matches(20, TimeUnit.SECONDS)).as(type + " of " + id + " processed").isTrue();
    }

    private int lookUps(String paymentIntent) {
        return stripe.server().findAll(getRequestedFor(urlPathEqualTo("/v1/payment_intents/" + paymentIntent))).size();
    }

    private JsonNode booking(String id) {
        return httpGet("/api/v1/bookings/" + id).json();
    }
}
