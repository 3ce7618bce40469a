package io.connectify.hub.webhook;

import static io.connectify.hub.support.StripeFake.checkoutSession;
import static io.connectify.hub.support.StripeFake.event;
import static io.connectify.hub.support.StripeFake.paymentIntent;
import static io.connectify.hub.support.StripeFake.processingIntent;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A debit made through the payments API fails, and the customer (or Stripe) retries it on the same Payment Intent:
 * the retry is a payment processing again (a new payment_intent.processing, created after the failure), so its final
 * failure ends the longer hold it got, as the first one's did, and its success confirms the booking.
 */
@HubTest
class RetriedDebitTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";
    /** The appointment's start: the processing hold never runs past it. */
    private static final Instant STARTS = Instant.parse("2026-12-01T08:00:00Z");

    @Autowired
    CamelContext camel;

    /**
     * The retry's payment_failed ends the hold its processing got: one ordinary hold (15 minutes) from the failure,
     * then the sweep releases the slot. Before, the retry was not recorded as processing (its Payment Intent's row was
     * marked failed already), so its failure was taken for a card declined beside a debit on its way and the slot
     * stayed held until the processing hold ran out (the start here; 21 days at most).
     */
    @Test
    void aRetriedDebitsFailureEndsTheHoldItsRetryGot() {
        String id = pendingBooking(START, "stripe");
        debitFailsOnce(id, "pi_retry_fails");

        clock.advance(Duration.ofMinutes(1));
        retryProcessing(id, "evt_retry_fails_again_started", "pi_retry_fails");

        clock.advance(Duration.ofHours(6));
        failureEndsTheHold(id, "evt_retry_fails_again", "pi_retry_fails");
    }

    /**
     * As {@link #aRetriedDebitsFailureEndsTheHoldItsRetryGot}, the retry's processing handled once the hold after the
     * first failure ran out (the booking EXPIRED): the slot, still free, is held again for the retry, and the retry's
     * failure ends that hold as well. Before, the slot stayed held until the processing hold ran out.
     */
    @Test
    void aRetriedDebitHandledAfterTheBookingExpiredHoldsItAgainAndItsFailureEndsThatHold() {
        String id = pendingBooking(START, "stripe");
        debitFailsOnce(id, "pi_retry_after_expiry");
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");

        retryProcessing(id, "evt_retry_after_expiry_started", "pi_retry_after_expiry");
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");

        clock.advance(Duration.ofHours(6));
        failureEndsTheHold(id, "evt_retry_after_expiry_failed", "pi_retry_after_expiry");
    }

    /** A retried debit that settles confirms the booking, its slot held for it until then. */
    @Test
    void aRetriedDebitThatSucceedsConfirmsTheBooking() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        debitFailsOnce(id, "pi_retry_succeeds");

        clock.advance(Duration.ofMinutes(1));
        retryProcessing(id, "evt_retry_succeeds_started", "pi_retry_succeeds");

        sentAndProcessed("evt_retry_succeeded", createdNow(event("evt_retry_succeeded", "payment_intent.succeeded",
                paymentIntent(id, "pi_retry_succeeds", "succeeded"))));
        awaitStatus(id, "CONFIRMED");
    }

    /**
     * A redelivery of the first debit's processing event (a dead letter replayed, under another id), handled after the
     * retry's failure: older than the failures remembered, it holds nothing again; the hold the retry's failure ended
     * stays ended, its reason kept, and the sweep frees the slot.
     */
    @Test
    void theFirstDebitsProcessingReplayedAfterTheRetrysFailureDoesNotHoldTheSlotAgain() {
        String id = pendingBooking(START, "stripe");
        debitFailsOnce(id, "pi_retry_replayed");

        clock.advance(Duration.ofMinutes(1));
        retryProcessing(id, "evt_retry_replayed_started", "pi_retry_replayed");
        clock.advance(Duration.ofHours(6));
        Instant heldUntil = retryFails(id, "evt_retry_replayed_failed", "pi_retry_replayed");

        // the first processing event again, as a replay under a new key would be: created first
        sentAndProcessed("evt_first_again", event("evt_first_again", "payment_intent.processing",
                processingIntent(id, "pi_retry_replayed")));
        assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText())).as("the hold stays ended")
                .isEqualTo(heldUntil);
        assertThat(booking(id).path("statusReason").asText()).contains("no payment is processing any more")
                .doesNotStartWith("the payment is processing");
        expiresAndFreesTheSlot(id);
    }

    /**
     * The first debit's failure handled only after the retry's processing (its delivery delayed, a dead letter
     * replayed later): created before the retry, it fails nothing, and the slot stays held for the retry. Before, the
     * retry found the Payment Intent's row still processing and left it dated by the first debit, so the late failure
     * marked it failed and ended the hold: 15 minutes, then the sweep freed the slot while the retry was on its way.
     */
    @Test
    void theFirstFailureHandledAfterTheRetrysProcessingKeepsTheSlotForTheRetry() {
        String id = pendingBooking(START, "stripe");
        sentAndProcessed("evt_ooo_started", event("evt_ooo_started", "payment_intent.processing",
                processingIntent(id, "pi_ooo")));
        clock.advance(Duration.ofHours(6));
        String firstFailure = createdNow(event("evt_ooo_failed", "payment_intent.payment_failed",
                paymentIntent(id, "pi_ooo", "requires_payment_method")));
        clock.advance(Duration.ofMinutes(1));
        sentAndProcessed("evt_ooo_retry", createdNow(event("evt_ooo_retry", "payment_intent.processing",
                processingIntent(id, "pi_ooo"))));

        sentAndProcessed("evt_ooo_failed", firstFailure); // delivered late
        assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText())).as("held for the retry")
                .isEqualTo(STARTS);
        assertThat(booking(id).path("statusReason").asText()).doesNotContain("no payment is processing any more");
        stillHeldAfterTwoSweeps(id);

        clock.advance(Duration.ofHours(6));
        failureEndsTheHold(id, "evt_ooo_retry_failed", "pi_ooo");
    }

    /**
     * A debit retried on its failed Payment Intent after that failure made the booking PAYMENT_FAILED (its own payment
     * page's delayed payment had failed before): the slot, still free, is held again for the retry, which confirms the
     * booking when it settles. Before, a PAYMENT_FAILED booking's processing payment held nothing: the slot stayed
     * free for anyone while the retry was on its way.
     */
    @Test
    void aDebitRetriedAfterTheBookingsPaymentFailedHoldsItsSlotAgain() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        sentAndProcessed("evt_pf_started", event("evt_pf_started", "payment_intent.processing",
                processingIntent(id, "pi_pf")));
        sentAndProcessed("evt_pf_own_page", event("evt_pf_own_page", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_pf_own_page")));
        sentAndProcessed("evt_pf_own_page_failed", event("evt_pf_own_page_failed",
                "checkout.session.async_payment_failed", checkoutSession(id, "unpaid", "pi_pf_own_page")));
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        clock.advance(Duration.ofHours(6));
        sentAndProcessed("evt_pf_failed", createdNow(event("evt_pf_failed", "payment_intent.payment_failed",
                paymentIntent(id, "pi_pf", "requires_payment_method"))));
        assertThat(status(id)).isEqualTo("PAYMENT_FAILED");

        clock.advance(Duration.ofMinutes(1));
        retryProcessing(id, "evt_pf_retry_started", "pi_pf");

        sentAndProcessed("evt_pf_retry_succeeded", createdNow(event("evt_pf_retry_succeeded",
                "payment_intent.succeeded", paymentIntent(id, "pi_pf", "succeeded"))));
        awaitStatus(id, "CONFIRMED");
    }

    /**
     * Payment Intent {@code paymentIntent} of booking {@code id} processing a debit (its event created as {@link
     * io.connectify.hub.support.StripeFake#event} dates it), the slot held for it; six hours later its
     * payment_failed (created then) ends that hold: one ordinary hold from the failure.
     */
    private void debitFailsOnce(String id, String paymentIntent) {
        sentAndProcessed("evt_" + paymentIntent + "_started", event("evt_" + paymentIntent + "_started",
                "payment_intent.processing", processingIntent(id, paymentIntent)));
        assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText())).isEqualTo(STARTS);

        clock.advance(Duration.ofHours(6));
        Instant failedAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        sentAndProcessed("evt_" + paymentIntent + "_failed", createdNow(event("evt_" + paymentIntent + "_failed",
                "payment_intent.payment_failed", paymentIntent(id, paymentIntent, "requires_payment_method"))));
        assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText()))
                .isEqualTo(failedAt.plus(Duration.ofMinutes(15)));
    }

    /**
     * The retried debit's payment_intent.processing (created when the test's clock says, after the failure): the slot
     * held for it until the start again, also past two runs of the hold sweep.
     */
    private void retryProcessing(String id, String eventId, String paymentIntent) {
        sentAndProcessed(eventId, createdNow(event(eventId, "payment_intent.processing",
                processingIntent(id, paymentIntent))));
        assertThat(booking(id).path("statusReason").asText()).startsWith("the payment is processing");
        assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText())).isEqualTo(STARTS);
        stillHeldAfterTwoSweeps(id);
    }

    /** Twenty minutes on, past two runs of the hold sweep: booking {@code id} still holds its slot. */
    private void stillHeldAfterTwoSweeps(String id) {
        NotifyBuilder twoSweeps = new NotifyBuilder(camel).fromRoute("booking-expire-holds").whenCompleted(2).create();
        clock.advance(Duration.ofMinutes(20));
        assertThat(twoSweeps.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(bookingTheSlot().status()).as("the slot is held for the retry").isEqualTo(409);
    }

    /**
     * The retried debit's payment_failed (created now): the booking held one ordinary hold from it, then expired by
     * the sweep, its slot free.
     */
    private void failureEndsTheHold(String id, String eventId, String paymentIntent) {
        retryFails(id, eventId, paymentIntent);
        expiresAndFreesTheSlot(id);
    }

    /** The retried debit's payment_failed (created now): one ordinary hold from it, answered. */
    private Instant retryFails(String id, String eventId, String paymentIntent) {
        Instant failedAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        sentAndProcessed(eventId, createdNow(event(eventId, "payment_intent.payment_failed",
                paymentIntent(id, paymentIntent, "requires_payment_method"))));

        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(booking(id).path("statusReason").asText()).contains("no payment is processing any more");
        assertThat(Instant.parse(booking(id).get("holdExpiresAt").asText()))
                .isEqualTo(failedAt.plus(Duration.ofMinutes(15)));
        return failedAt.plus(Duration.ofMinutes(15));
    }

    /** Once its hold is past, the sweep expires booking {@code id} and its slot is free. */
    private void expiresAndFreesTheSlot(String id) {
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");
        assertThat(bookingTheSlot().status()).as("the slot is free again").isEqualTo(201);
    }

    private void sentAndProcessed(String eventId, String event) {
        NotifyBuilder done = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch")
                .filter(e -> ("stripe:" + eventId).equals(e.getMessage().getHeader("eventKey", String.class)))
                .whenCompleted(1).create();
        assertThat(signedStripeWebhook(event).status()).isEqualTo(200);
        assertThat(done.matches(20, TimeUnit.SECONDS)).as(eventId + " processed").isTrue();
    }

    /** Stripe's event as {@link io.connectify.hub.support.StripeFake#event} writes it, created at the test's now. */
    private String createdNow(String event) {
        assertThat(event).contains("\"created\":1764486000");
        return event.replace("\"created\":1764486000", "\"created\":" + clock.instant().getEpochSecond());
    }

    private JsonNode booking(String id) {
        return httpGet("/api/v1/bookings/" + id).json();
    }

    /** Another customer asking for the slot at START. */
    private Response bookingTheSlot() {
        return httpPost("/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"customer":{"name":"B","email":"b@example.com"}}
                """.formatted(START));
    }
}
