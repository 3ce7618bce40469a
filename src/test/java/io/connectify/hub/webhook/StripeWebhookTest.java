package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static io.connectify.hub.support.StripeFake.checkoutSession;
import static io.connectify.hub.support.StripeFake.event;
import static io.connectify.hub.support.StripeFake.paymentIntent;
import static io.connectify.hub.support.StripeFake.processingIntent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.support.FailingWrite;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import org.apache.camel.CamelContext;
import org.apache.camel.Predicate;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jms.core.JmsTemplate;

/** Stripe webhooks: verified, deduplicated, durably queued, routed by type to the booking saga. */
@HubTest
class StripeWebhookTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";
    /** A confirmed booking's reason once its payment is disputed (fraudulent), and once the dispute is decided. */
    private static final String DISPUTE_OPEN =
            "the customer disputes the payment (fraudulent): answer the dispute at stripe before its deadline";
    private static final String DISPUTE_WON = "the payment dispute was won: the payment stands";
    private static final String DISPUTE_LOST =
            "the payment dispute was lost: the customer's bank has taken the payment back";

    @Autowired
    ConnectionFactory connectionFactory;

    @Autowired
    MeterRegistry meters;
    @Autowired
    CamelContext camel;
    @Autowired
    ProducerTemplate producer;
    @Value("${connectify.dead-letters.max-redeliveries}")
    int maxRedeliveries;

    @Test
    void aPaidCheckoutConfirmsTheBookingWithACalendarEventOfDerivedId() {
        String id = confirmedStripeBooking(START);

        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS))
                .withRequestBody(matchingJsonPath("$.id", equalTo(BookingSaga.eventIdFor(id))))
                .withRequestBody(matchingJsonPath("$.start.dateTime", equalTo("2026-12-01T09:00:00.000+01:00")))
                .withRequestBody(matchingJsonPath("$.extendedProperties.private.bookingId", equalTo(id)))
                .withRequestBody(matchingJsonPath("$.extendedProperties.private.paymentProvider", equalTo("stripe")))
                .withRequestBody(matchingJsonPath("$.extendedProperties.private.amount", equalTo("9000"))));
        assertThat(jdbc.sql("SELECT calendar_event_id FROM booking WHERE id = :id").param("id", id)
                .query(String.class).single()).isEqualTo(BookingSaga.eventIdFor(id));
    }

    @Test
    void aHundredDuplicateDeliveriesCreateOneCalendarEvent() throws Exception {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        String payload = event("evt_dup_1", "checkout.session.completed", checkoutSession(id, "paid", "pi_dup"));
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "stripe").count();
        double enqueuedBefore = meters.counter("connectify.webhook.enqueued", "provider", "stripe").count();

        Callable<Integer> deliver = () -> signedStripeWebhook(payload).status();
        var pool = Executors.newFixedThreadPool(8);
        try {
            List<Integer> statuses = pool.invokeAll(java.util.Collections.nCopies(100, deliver)).stream().map(f -> {
                try {
                    return f.get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
            assertThat(statuses).containsOnly(200);
        } finally {
            pool.shutdownNow();
        }

        awaitStatus(id, "CONFIRMED");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        // every delivery is acknowledged and queued; the queue's consumer processes the first and drops the rest
        // as duplicates once its key is recorded
        assertThat(meters.counter("connectify.webhook.enqueued", "provider", "stripe").count() - enqueuedBefore)
                .isEqualTo(100);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                meters.counter("connectify.webhook.duplicates", "provider", "stripe").count() - duplicatesBefore)
                .isEqualTo(99));
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id").param("id", id)
                .query(Integer.class).single()).isEqualTo(2); // SMS + email, planned once
    }

    @Test
    void anotherBookingsPaymentIsNotHeldUpBehindASlowOne() throws Exception {
        // the broker pins a message group (hashed into a bucket) to the consumer that took it first; after other
        // tests' events two new bookings may hash into buckets pinned to one consumer (about one in four). Fresh
        // consumers have no groups, and the broker hands two new groups to two of them.
        camel.getRouteController().stopRoute("stripe-event-dispatch");
        camel.getRouteController().startRoute("stripe-event-dispatch");
        calendarAcceptsEvents(START);
        String slow = pendingBooking(START, "stripe");
        String fast = pendingBooking("2026-12-01T13:00:00+01:00", "stripe");
        // Google does not answer the event inserts until released: the first booking's consumer waits for its answer
        google.holdInserts();
        try {
            assertThat(signedStripeWebhook(event("evt_slow", "checkout.session.completed",
                    checkoutSession(slow, "paid", "pi_slow"))).status()).isEqualTo(200);
            assertThat(signedStripeWebhook(event("evt_fast", "checkout.session.completed",
                    checkoutSession(fast, "paid", "pi_fast"))).status()).isEqualTo(200);

            // another consumer asks Google for the second booking's event while the first one still waits for its
            // answer; a single consumer would ask only once the first one's call had ended
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> google.heldInserts() >= 2);
            // both waiting for Google's answer at once, each asked once (not the first one's call timed out, 1 s in
            // the tests, and asked again)
            assertThat(calendarInsertsAsked(slow)).isEqualTo(1);
            assertThat(calendarInsertsAsked(fast)).isEqualTo(1);
        } finally {
            google.releaseInserts();
        }

        awaitStatus(fast, "CONFIRMED");
        awaitStatus(slow, "CONFIRMED");
        // and neither asked again: both answers reached the hub's calls in time (no timeout, no retry)
        assertThat(calendarInsertsAsked(slow)).isEqualTo(1);
        assertThat(calendarInsertsAsked(fast)).isEqualTo(1);
    }

    /**
     * Done once the queue's consumer has processed the Stripe events of these ids to their end, an id as often as it
     * is named (made before they are sent).
     */
    private NotifyBuilder processed(String... eventIds) {
        return new NotifyBuilder(camel).fromRoute("stripe-event-dispatch").filter(ofEvents(eventIds))
                .whenCompleted(eventIds.length).create();
    }

    /** An exchange of one of these Stripe events (by its event key): not one of another test still finishing. */
    private static Predicate ofEvents(String... eventIds) {
        Set<String> eventKeys = Stream.of(eventIds).map(id -> "stripe:" + id).collect(Collectors.toSet());
        return e -> eventKeys.contains(e.getMessage().getHeader("eventKey", String.class));
    }

    /** How many event inserts of the booking's calendar event the Google fake has received (held ones included). */
    private long calendarInsertsAsked(String bookingId) {
        return google.server().getAllServeEvents().stream().map(ServeEvent::getRequest)
                .filter(r -> r.getUrl().startsWith(EVENTS) && r.getBodyAsString().contains(BookingSaga.eventIdFor(bookingId)))
                .count();
    }

    @Test
    void aFailureAfterTheSuccessLeavesTheBookingConfirmed() {
        String id = confirmedStripeBooking(START);
        NotifyBuilder processed = processed("evt_late_fail");

        assertThat(signedStripeWebhook(event("evt_late_fail", "payment_intent.payment_failed",
                paymentIntent(id, "pi_late", "requires_payment_method"))).status()).isEqualTo(200);

        assertThat(processed.matches(20, TimeUnit.SECONDS)).as("the failure event processed").isTrue();
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    @Test
    void anUnpaidCompletedCheckoutWaitsForTheAsyncPayment() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");

        NotifyBuilder processed = processed("evt_unpaid");

        signedStripeWebhook(event("evt_unpaid", "checkout.session.completed", checkoutSession(id, "unpaid", "pi_async")));
        assertThat(processed.matches(20, TimeUnit.SECONDS)).as("the unpaid completion processed").isTrue();
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");

        signedStripeWebhook(event("evt_async_ok", "checkout.session.async_payment_succeeded",
                checkoutSession(id, "paid", "pi_async")));
        awaitStatus(id, "CONFIRMED");
    }

    @Test
    void failedAndExpiredPaymentsReleaseTheSlot() {
        String failed = pendingBooking(START, "stripe");
        String expired = pendingBooking("2026-12-01T13:00:00+01:00", "stripe");

        // a delayed payment method's final failure (a declined card's payment_intent.payment_failed is not: below)
        signedStripeWebhook(event("evt_fail", "checkout.session.async_payment_failed", checkoutSession(failed, "unpaid", "pi_f")));
        signedStripeWebhook(event("evt_exp", "checkout.session.expired", checkoutSession(expired, "unpaid", "")));

        awaitStatus(failed, "PAYMENT_FAILED");
        awaitStatus(expired, "EXPIRED");
        assertThat(httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"customer":{"name":"B","email":"b@example.com"}}
                """).status()).isEqualTo(201);
    }

    /**
     * Another Checkout Session naming a pending booking (one made through the payments API) expiring says nothing of
     * the booking's own payment page, which may still be open: the booking keeps its slot. Its own session's expiry
     * (cs_test_123, the one the Stripe fake answered for the booking) still releases it.
     */
    @Test
    void anotherCheckoutSessionNamingABookingExpiresWithoutReleasingIt() {
        String id = pendingBooking(START, "stripe");
        NotifyBuilder processed = processed("evt_other_expired");

        assertThat(signedStripeWebhook(event("evt_other_expired", "checkout.session.expired", """
                {"id":"cs_test_through_the_api","object":"checkout.session","status":"expired",
                 "payment_status":"unpaid","payment_intent":null,"amount_total":9000,"currency":"chf",
                 "client_reference_id":"%s","metadata":{"bookingId":"%s"}}""".formatted(id, id))).status())
                .isEqualTo(200);

        assertThat(processed.matches(20, TimeUnit.SECONDS)).as("the other session's expiry processed").isTrue();
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");

        signedStripeWebhook(event("evt_own_expired", "checkout.session.expired", checkoutSession(id, "unpaid", "")));
        awaitStatus(id, "EXPIRED");
    }

    /**
     * A delayed payment failing on another Checkout Session naming the booking (one made through the payments API)
     * says nothing of the booking's own payment page, which may still be paid: the booking keeps waiting, and its
     * slot, with no "payment failed" message. Before, it was PAYMENT_FAILED and its slot released. The failure of a
     * delayed payment on its own page still ends it.
     */
    @Test
    void anotherSessionsDelayedPaymentFailureLeavesTheBookingWaiting() {
        String id = pendingBooking(START, "stripe");
        NotifyBuilder processed = processed("evt_other_async_failed");

        assertThat(signedStripeWebhook(event("evt_other_async_failed", "checkout.session.async_payment_failed",
                sessionThroughTheApi(id, "unpaid", "pi_other_failed"))).status()).isEqualTo(200);

        assertThat(processed.matches(20, TimeUnit.SECONDS)).as("the other session's failure processed").isTrue();
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(bookingJson(id).path("statusReason").asText()).isEqualTo("a delayed payment on another Checkout "
                + "Session failed; the customer may try again until the hold expires");
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        assertThat(bookingTheSlot().status()).as("the slot is still the booking's").isEqualTo(409);

        signedStripeWebhook(event("evt_own_async_failed", "checkout.session.async_payment_failed",
                checkoutSession(id, "unpaid", "pi_own_failed")));
        awaitStatus(id, "PAYMENT_FAILED");
    }

    /**
     * Another session's delayed payment (a SEPA debit) holds the slot while it settles; the booking's own payment page,
     * left unpaid, then expires by itself (30 minutes or more after it was made). Its expiry does not release the slot
     * the processing payment keeps, and that payment confirms the booking when it settles. Before, the expiry made the
     * booking EXPIRED, its slot free for another customer, and the payment days later was refunded if it was taken.
     */
    @Test
    void theOwnPageExpiringKeepsTheSlotHeldForAnotherSessionsProcessingPayment() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        processedAndProcessing(id, "evt_other_processing", "checkout.session.completed",
                sessionThroughTheApi(id, "unpaid", "pi_other_sepa"));

        clock.advance(Duration.ofMinutes(31));
        NotifyBuilder expired = processed("evt_own_page_expired");
        signedStripeWebhook(event("evt_own_page_expired", "checkout.session.expired", checkoutSession(id, "unpaid", "")));

        assertThat(expired.matches(20, TimeUnit.SECONDS)).as("the own page's expiry processed").isTrue();
        stillWaitingWithItsSlot(id);

        signedStripeWebhook(event("evt_other_settled", "checkout.session.async_payment_succeeded",
                sessionThroughTheApi(id, "paid", "pi_other_sepa")));
        awaitStatus(id, "CONFIRMED");
    }

    /**
     * Another session's delayed payment held the slot, and that session's debit fails for good: the hub recorded the
     * payment the longer hold waits for (V38), none other is processing, so that hold ends: the booking is held for
     * one more ordinary hold (15 minutes) from the failure, the customer's own page still payable, and the hold sweep
     * then releases the slot. Before, the hub kept no record of the payment, and the slot stayed held for a failed
     * payment until the processing hold ran out (the start here; 21 days at most).
     */
    @Test
    void aFailureOfTheProcessingSessionEndsItsLongerHold() {
        String id = pendingBooking(START, "stripe");
        processedAndProcessing(id, "evt_other_sepa_started", "checkout.session.completed",
                sessionThroughTheApi(id, "unpaid", "pi_other_sepa_fails"));

        failureEndsTheProcessingHold(id, "evt_other_sepa_failed", "checkout.session.async_payment_failed",
                sessionThroughTheApi(id, "unpaid", "pi_other_sepa_fails"));
    }

    /**
     * A debit made through the payments API (payment_intent.processing) held the slot; its Payment Intent's
     * payment_intent.payment_failed (the debit returned) ends that longer hold, none other processing. Before, it was
     * taken for a card declined on the payment page, and the slot stayed held until the processing hold ran out.
     */
    @Test
    void aFailedDebitOfAPaymentIntentEndsItsLongerHold() {
        String id = pendingBooking(START, "stripe");
        processedAndProcessing(id, "evt_api_debit_started", "payment_intent.processing",
                processingIntent(id, "pi_api_debit_fails"));

        failureEndsTheProcessingHold(id, "evt_api_debit_failed", "payment_intent.payment_failed",
                paymentIntent(id, "pi_api_debit_fails", "requires_payment_method"));
    }

    /**
     * Two debits processing for one booking (one through the payments API, one on another Checkout Session): the
     * first one's failure keeps the hold the second still needs; the second's failure then ends it. Before, the
     * second's failure kept the slot held too.
     */
    @Test
    void aFailureOfOneProcessingPaymentKeepsTheHoldForAnotherStillProcessing() {
        String id = pendingBooking(START, "stripe");
        processedAndProcessing(id, "evt_two_api_started", "payment_intent.processing",
                processingIntent(id, "pi_two_api"));
        processedAndProcessing(id, "evt_two_session_started", "checkout.session.completed",
                sessionThroughTheApi(id, "unpaid", "pi_two_session"));

        failureKeepsTheProcessingHold(id, "evt_two_api_failed", "payment_intent.payment_failed",
                paymentIntent(id, "pi_two_api", "requires_payment_method"));
        failureEndsTheProcessingHold(id, "evt_two_session_failed", "checkout.session.async_payment_failed",
                sessionThroughTheApi(id, "unpaid", "pi_two_session"));
    }

    /**
     * A debit made through the payments API is processing, and the booking's own payment page's delayed payment fails
     * for good: the booking is not ended while that debit may still pay it. It waits, the failure its status reason,
     * no "payment failed" message sent, its slot held; the debit then settles and confirms it. Before, the own page's
     * failure made it PAYMENT_FAILED, its slot released, its customer told the payment failed.
     */
    @Test
    void theOwnPagesFailureWaitsForADebitStillProcessing() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        processedAndProcessing(id, "evt_debit_on_its_way", "payment_intent.processing",
                processingIntent(id, "pi_debit_on_its_way"));
        processedAndProcessing(id, "evt_own_page_sepa", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_own_page_sepa"));

        clock.advance(Duration.ofHours(6));
        NotifyBuilder failed = processed("evt_own_page_failed");
        signedStripeWebhook(event("evt_own_page_failed", "checkout.session.async_payment_failed",
                checkoutSession(id, "unpaid", "pi_own_page_sepa")));
        assertThat(failed.matches(20, TimeUnit.SECONDS)).as("the own page's failure processed").isTrue();

        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(bookingJson(id).path("statusReason").asText()).isEqualTo("the delayed payment on its payment "
                + "page failed; another payment is still processing: the booking waits for it");
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        stillHeldAfterTwoSweeps(id, Duration.ofMinutes(20));

        signedStripeWebhook(event("evt_debit_settled", "payment_intent.succeeded",
                paymentIntent(id, "pi_debit_on_its_way", "succeeded")));
        awaitStatus(id, "CONFIRMED");
    }

    /**
     * A failed payment ({@code type}) naming booking {@code id} hours later, the last payment recorded as processing:
     * the booking still waits, held for one ordinary hold (15 minutes) from the failure; once that is past, the hold
     * sweep expires it and its slot is free.
     */
    private void failureEndsTheProcessingHold(String id, String eventId, String type, String object) {
        clock.advance(Duration.ofHours(6));
        Instant failedAt = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        NotifyBuilder failed = processed(eventId);
        signedStripeWebhook(createdNow(event(eventId, type, object)));
        assertThat(failed.matches(20, TimeUnit.SECONDS)).as(type + " processed").isTrue();

        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(Instant.parse(bookingJson(id).get("holdExpiresAt").asText()))
                .isEqualTo(failedAt.plus(Duration.ofMinutes(15)));
        assertThat(bookingJson(id).path("statusReason").asText()).contains("no payment is processing any more");

        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");
        assertThat(bookingTheSlot().status()).as("the slot is free again").isEqualTo(201);
    }

    /** A delayed payment's event for booking {@code id}, processed: the booking's slot is held while it settles. */
    private void processedAndProcessing(String id, String eventId, String type, String object) {
        NotifyBuilder processing = processed(eventId);
        signedStripeWebhook(event(eventId, type, object));
        assertThat(processing.matches(20, TimeUnit.SECONDS)).as(type + " processed").isTrue();
        assertThat(bookingJson(id).path("statusReason").asText()).startsWith("the payment is processing");
    }

    /**
     * A failed payment ({@code type}) naming booking {@code id} hours later, while a payment is processing: recorded,
     * the booking still waiting and its slot held as long as before, also once the made hold and two sweeps are past.
     */
    private void failureKeepsTheProcessingHold(String id, String eventId, String type, String object) {
        Instant held = Instant.parse(bookingJson(id).get("holdExpiresAt").asText());
        clock.advance(Duration.ofHours(6));
        NotifyBuilder failed = processed(eventId);
        signedStripeWebhook(createdNow(event(eventId, type, object)));
        assertThat(failed.matches(20, TimeUnit.SECONDS)).as(type + " processed").isTrue();

        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(Instant.parse(bookingJson(id).get("holdExpiresAt").asText())).isEqualTo(held);
        stillHeldAfterTwoSweeps(id, Duration.ofMinutes(20));
    }

    /** {@code later} on, past two runs of the hold sweep: booking {@code id} still waiting, its slot still its own. */
    private void stillHeldAfterTwoSweeps(String id, Duration later) {
        NotifyBuilder twoSweeps = new NotifyBuilder(camel).fromRoute("booking-expire-holds").whenCompleted(2).create();
        clock.advance(later);
        assertThat(twoSweeps.matches(20, TimeUnit.SECONDS)).isTrue();
        stillWaitingWithItsSlot(id);
    }

    /** Booking {@code id} still waiting for its payment, its slot refused to another booking. */
    private void stillWaitingWithItsSlot(String id) {
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(bookingTheSlot().status()).as("the slot is still the booking's").isEqualTo(409);
    }

    /**
     * The booking's own page's debit fails: Stripe sends the Payment Intent's payment_failed (recorded; the processing
     * hold, the own page's payment the only one processing, back to an ordinary hold) and the session's
     * async_payment_failed, in either order; the latter, after the former, still makes the booking PAYMENT_FAILED and
     * tells its customer.
     */
    @Test
    void theOwnPagesDelayedPaymentFailingAfterItsAttemptFailureIsStillAPaymentFailure() {
        String id = pendingBooking(START, "stripe");
        NotifyBuilder processing = processed("evt_own_sepa_started");
        signedStripeWebhook(event("evt_own_sepa_started", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_own_sepa")));
        assertThat(processing.matches(20, TimeUnit.SECONDS)).as("the completion processed").isTrue();

        clock.advance(Duration.ofHours(12));
        NotifyBuilder attempt = processed("evt_own_sepa_attempt_failed");
        signedStripeWebhook(createdNow(event("evt_own_sepa_attempt_failed", "payment_intent.payment_failed",
                paymentIntent(id, "pi_own_sepa", "requires_payment_method"))));
        assertThat(attempt.matches(20, TimeUnit.SECONDS)).as("the attempt's failure processed").isTrue();
        clock.advance(Duration.ofMinutes(1));
        signedStripeWebhook(event("evt_own_sepa_failed", "checkout.session.async_payment_failed",
                checkoutSession(id, "unpaid", "pi_own_sepa")));

        awaitStatus(id, "PAYMENT_FAILED");
        await().atMost(Duration.ofSeconds(10)).until(() -> notifications(id, "payment-failed") > 0);
    }

    /**
     * The booking's own page's debit fails and its Payment Intent's payment_failed comes first: the own page has failed
     * for good (its debit recorded as processing), none other is processing, so the booking is PAYMENT_FAILED at once
     * and its customer told; the session's async_payment_failed, handled past two hold sweeps later, tells nothing
     * more. Before, the Payment Intent's failure left one more 15-minute hold, the sweep expired the booking, and the
     * session's failure found it EXPIRED: the customer was never told the payment failed.
     */
    @Test
    void theOwnPagesDebitFailedByItsPaymentIntentFirstEndsTheBookingAndTellsItsCustomerOnce() {
        String id = pendingBooking(START, "stripe");
        processedAndProcessing(id, "evt_own_debit_started", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_own_debit"));

        clock.advance(Duration.ofHours(12));
        handled("evt_own_debit_returned", "payment_intent.payment_failed",
                paymentIntent(id, "pi_own_debit", "requires_payment_method"));
        assertThat(status(id)).isEqualTo("PAYMENT_FAILED");

        NotifyBuilder twoSweeps = new NotifyBuilder(camel).fromRoute("booking-expire-holds").whenCompleted(2).create();
        clock.advance(Duration.ofMinutes(20));
        assertThat(twoSweeps.matches(20, TimeUnit.SECONDS)).isTrue();
        handled("evt_own_debit_failed", "checkout.session.async_payment_failed",
                checkoutSession(id, "unpaid", "pi_own_debit"));

        assertThat(status(id)).isEqualTo("PAYMENT_FAILED");
        toldThePaymentFailedOnce(id);
    }

    /**
     * The booking's own page's debit fails (its session's async_payment_failed) while a debit made through the payments
     * API is still processing: the booking waits for that one. That one then fails: no payment is left, the own page
     * has failed already, so the booking is PAYMENT_FAILED and its customer told once. Before, the last debit's failure
     * only ended the longer hold, and the sweep expired the booking 15 minutes later without telling the customer any
     * payment failed.
     */
    @Test
    void theOwnPagesFailureThenTheLastDebitsEndsTheBookingAndTellsItsCustomerOnce() {
        ownPageFailsThenTheDebitStillProcessing("evt_own_then_api_own_failed", "checkout.session.async_payment_failed",
                id -> checkoutSession(id, "unpaid", "pi_own_then_api_page"));
    }

    /**
     * As {@link #theOwnPagesFailureThenTheLastDebitsEndsTheBookingAndTellsItsCustomerOnce}, the own page's failure told
     * by its Payment Intent's payment_failed (its debit recorded as processing) instead of the session's. Before, the
     * last debit's failure ended the longer hold, and the booking expired without its customer told.
     */
    @Test
    void theOwnPagesPaymentIntentFailureThenTheLastDebitsEndsTheBookingAndTellsItsCustomerOnce() {
        ownPageFailsThenTheDebitStillProcessing("evt_own_pi_then_api_own_failed", "payment_intent.payment_failed",
                id -> paymentIntent(id, "pi_own_then_api_page", "requires_payment_method"));
    }

    /**
     * The other order: the debit made through the payments API fails first (the own page's debit still processing:
     * the hold kept), then the own page's: PAYMENT_FAILED, its customer told once.
     */
    @Test
    void theLastDebitsFailureThenTheOwnPagesEndsTheBookingAndTellsItsCustomerOnce() {
        String id = pendingBooking(START, "stripe");
        processedAndProcessing(id, "evt_api_then_own_api", "payment_intent.processing",
                processingIntent(id, "pi_api_then_own_api"));
        processedAndProcessing(id, "evt_api_then_own_page", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_api_then_own_page"));

        failureKeepsTheProcessingHold(id, "evt_api_then_own_api_failed", "payment_intent.payment_failed",
                paymentIntent(id, "pi_api_then_own_api", "requires_payment_method"));
        assertThat(notifications(id, "payment-failed")).isZero();
        handled("evt_api_then_own_page_failed", "checkout.session.async_payment_failed",
                checkoutSession(id, "unpaid", "pi_api_then_own_page"));

        assertThat(status(id)).isEqualTo("PAYMENT_FAILED");
        toldThePaymentFailedOnce(id);
    }

    /**
     * The own page's final failure handled only after the booking's hold ran out (a backlog, a dead letter replayed):
     * the booking stays EXPIRED, its slot free, and its customer is told once that the payment failed. Before, a
     * failure for an EXPIRED booking told nobody.
     */
    @Test
    void theOwnPagesFailureForAnExpiredBookingTellsItsCustomerOnce() {
        String id = pendingBooking(START, "stripe");
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");

        handled("evt_expired_own_failed", "checkout.session.async_payment_failed",
                checkoutSession(id, "unpaid", "pi_expired_own"));

        assertThat(status(id)).isEqualTo("EXPIRED");
        toldThePaymentFailedOnce(id);
    }

    /**
     * A card declined on the booking's own page (payment_intent.payment_failed), then a SEPA debit on the same page
     * (checkout.session.completed unpaid, the same Payment Intent); the decline, created before the completion, is
     * handled after it (Stripe does not promise order): it is older than the debit and fails nothing of it, the slot
     * held as before. The debit's own failure later still ends the booking. Before, the decline removed the debit's
     * record (it names the same Payment Intent), and the slot was released 15 minutes later while the debit was
     * processing.
     */
    @Test
    void anOlderDeclineDeliveredAfterTheDebitsCompletionKeepsTheProcessingHold() {
        String id = pendingBooking(START, "stripe");
        processedAndProcessing(id, "evt_debit_after_decline", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_decline_then_debit"));

        Instant held = Instant.parse(bookingJson(id).get("holdExpiresAt").asText());
        clock.advance(Duration.ofHours(1));
        NotifyBuilder decline = processed("evt_older_decline");
        signedStripeWebhook(createdEarlier(event("evt_older_decline", "payment_intent.payment_failed", """
                {"id":"pi_decline_then_debit","object":"payment_intent","status":"requires_payment_method",
                 "amount":9000,"amount_received":0,"currency":"chf","metadata":{"bookingId":"%s"},
                 "last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline",
                   "message":"Your card was declined."}}""".formatted(id))));
        assertThat(decline.matches(20, TimeUnit.SECONDS)).as("the decline processed").isTrue();

        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(Instant.parse(bookingJson(id).get("holdExpiresAt").asText())).isEqualTo(held);
        stillHeldAfterTwoSweeps(id, Duration.ofMinutes(20));

        handled("evt_debit_after_decline_failed", "checkout.session.async_payment_failed",
                checkoutSession(id, "unpaid", "pi_decline_then_debit"));
        assertThat(status(id)).isEqualTo("PAYMENT_FAILED");
        toldThePaymentFailedOnce(id);
    }

    /**
     * A debit made through the payments API fails, and its failure (payment_intent.payment_failed, created hours after
     * the debit started) is handled before its payment_intent.processing (Stripe does not order events; a dead letter
     * replayed late): the failure is remembered (V39), so the processing event does not hold the slot for a payment
     * known failed: the booking keeps the hold it was made with, and the sweep releases the slot. Before, the
     * processing event held the slot until the processing hold ran out (the start here; 21 days at most).
     */
    @Test
    void aDebitsFailureHandledBeforeItsProcessingEventLeavesTheHoldAsItWas() {
        String id = pendingBooking(START, "stripe");
        handled("evt_failed_before_pi", "payment_intent.payment_failed",
                paymentIntent(id, "pi_failed_before", "requires_payment_method"));

        processingHandledAfterItsFailure(id, "evt_processing_after_pi", "payment_intent.processing",
                processingIntent(id, "pi_failed_before"));
    }

    /**
     * As {@link #aDebitsFailureHandledBeforeItsProcessingEventLeavesTheHoldAsItWas}, the debit on another Checkout
     * Session (one made through the payments API): its checkout.session.async_payment_failed handled before its
     * completion (payment_status unpaid). A session's final failure always follows its completion, whatever their
     * created says. Before, the completion held the slot until the processing hold ran out.
     */
    @Test
    void anotherSessionsFailureHandledBeforeItsCompletionLeavesTheHoldAsItWas() {
        String id = pendingBooking(START, "stripe");
        handled("evt_failed_before_session", "checkout.session.async_payment_failed",
                sessionThroughTheApi(id, "unpaid", "pi_session_failed_before"));

        processingHandledAfterItsFailure(id, "evt_completed_after_session", "checkout.session.completed",
                sessionThroughTheApi(id, "unpaid", "pi_session_failed_before"));
    }

    /**
     * A processing event ({@code type}) of booking {@code id} handled after its payment's failure: the booking waits
     * with the hold it was made with, its reason not a processing one; the sweep then expires it and its slot is free.
     */
    private void processingHandledAfterItsFailure(String id, String eventId, String type, String object) {
        Instant made = Instant.parse(bookingJson(id).get("holdExpiresAt").asText());
        handledAsDated(eventId, type, object);

        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(Instant.parse(bookingJson(id).get("holdExpiresAt").asText())).as("not held longer").isEqualTo(made);
        assertThat(bookingJson(id).path("statusReason").asText()).doesNotStartWith("the payment is processing");
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");
        assertThat(bookingTheSlot().status()).as("the slot is free again").isEqualTo(201);
    }

    /**
     * The booking's own page's debit fails; Stripe sends its Payment Intent's payment_failed and the session's
     * async_payment_failed, the former handled before the session's completion (unpaid), the latter after it. The
     * completion finds its debit failed (V39): the own page has failed for good, none other processing, so the booking
     * is PAYMENT_FAILED at once; its customer is told once, and the failure counted once. Before, the completion held
     * the slot for the failed debit until the session's failure came (a lost one: until the processing hold ran out).
     */
    @Test
    void theOwnPagesDebitFailedBeforeItsCompletionEndsTheBookingAtItsCompletionTellingItsCustomerOnce() {
        String id = pendingBooking(START, "stripe");
        double failedBefore = attemptsFailed();
        handled("evt_own_pi_failed_first", "payment_intent.payment_failed",
                paymentIntent(id, "pi_own_failed_first", "requires_payment_method"));
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");

        handledAsDated("evt_own_completed_between", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_own_failed_first"));
        assertThat(status(id)).as("its debit failed already").isEqualTo("PAYMENT_FAILED");

        handled("evt_own_session_failed_last", "checkout.session.async_payment_failed",
                checkoutSession(id, "unpaid", "pi_own_failed_first"));
        assertThat(status(id)).isEqualTo("PAYMENT_FAILED");
        toldThePaymentFailedOnce(id);
        assertThat(attemptsFailed() - failedBefore).as("counted once").isEqualTo(1.0);
    }

    /**
     * The other order of {@link #theOwnPagesDebitFailedBeforeItsCompletionEndsTheBookingAtItsCompletionTellingItsCustomerOnce}:
     * the session's async_payment_failed before the completion (PAYMENT_FAILED, told), the Payment Intent's
     * payment_failed after it: the completion holds nothing, and the Payment Intent's failure, for a booking failed
     * already, tells nothing more and, changing nothing, is not counted (as when it follows the session's failure in
     * Stripe's order).
     */
    @Test
    void theOwnPagesSessionFailedBeforeItsCompletionAndItsPaymentIntentAfterTellsItsCustomerOnce() {
        String id = pendingBooking(START, "stripe");
        double failedBefore = attemptsFailed();
        handled("evt_own_session_failed_first", "checkout.session.async_payment_failed",
                checkoutSession(id, "unpaid", "pi_own_session_first"));
        assertThat(status(id)).isEqualTo("PAYMENT_FAILED");

        handledAsDated("evt_own_completed_after", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_own_session_first"));
        handled("evt_own_pi_failed_last", "payment_intent.payment_failed",
                paymentIntent(id, "pi_own_session_first", "requires_payment_method"));

        assertThat(status(id)).isEqualTo("PAYMENT_FAILED");
        toldThePaymentFailedOnce(id);
        assertThat(attemptsFailed() - failedBefore).as("not counted: it changed nothing").isZero();
        assertThat(bookingTheSlot().status()).as("the slot is free").isEqualTo(201);
    }

    /**
     * A debit made through the payments API recorded processing, then a failure of its Payment Intent created in the
     * same second (Stripe's created is in whole seconds: they cannot be ordered by it). The Payment Intent, asked at
     * Stripe, is still processing: the failure was an older attempt's (a card declined just before the debit), and
     * the slot stays held. Before, a failure of the same second was taken for the newer, ending the hold while the
     * debit was on its way.
     */
    @Test
    void aFailureInTheSecondOfTheDebitsProcessingWhileItIsStillProcessingKeepsTheHold() {
        String id = pendingBooking(START, "stripe");
        processedAndProcessing(id, "evt_same_second_debit", "payment_intent.processing",
                processingIntent(id, "pi_same_second"));
        stripe.paymentIntentIn("pi_same_second", id, "processing");

        Instant held = Instant.parse(bookingJson(id).get("holdExpiresAt").asText());
        handledAsDated("evt_same_second_decline", "payment_intent.payment_failed",
                paymentIntent(id, "pi_same_second", "requires_payment_method"));

        assertThat(Instant.parse(bookingJson(id).get("holdExpiresAt").asText())).isEqualTo(held);
        stillHeldAfterTwoSweeps(id, Duration.ofMinutes(20));
        stripe.server().verify(1, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathEqualTo("/v1/payment_intents/pi_same_second")));
    }

    /**
     * As {@link #aFailureInTheSecondOfTheDebitsProcessingWhileItIsStillProcessingKeepsTheHold}, the Payment Intent at
     * Stripe back to requires_payment_method: the debit failed, and its longer hold ends (one ordinary hold).
     */
    @Test
    void aFailureInTheSecondOfTheDebitsProcessingOfADebitFailedAtStripeEndsTheHold() {
        String id = pendingBooking(START, "stripe");
        processedAndProcessing(id, "evt_same_second_failed_debit", "payment_intent.processing",
                processingIntent(id, "pi_same_second_failed"));
        stripe.paymentIntentIn("pi_same_second_failed", id, "requires_payment_method");

        handledAsDated("evt_same_second_debit_failed", "payment_intent.payment_failed",
                paymentIntent(id, "pi_same_second_failed", "requires_payment_method"));

        assertThat(bookingJson(id).path("statusReason").asText()).contains("no payment is processing any more");
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");
    }

    /**
     * A Payment Intent's failure handled first, then its payment_intent.processing created in the same second: the
     * Payment Intent at Stripe back to requires_payment_method says the debit failed, so the processing event does not
     * hold the slot. Before, it held it until the processing hold ran out.
     */
    @Test
    void aProcessingEventInItsFailuresSecondOfADebitFailedAtStripeDoesNotHoldTheSlot() {
        String id = pendingBooking(START, "stripe");
        stripe.paymentIntentIn("pi_same_second_later", id, "requires_payment_method");
        handledAsDated("evt_same_second_failed_first", "payment_intent.payment_failed",
                paymentIntent(id, "pi_same_second_later", "requires_payment_method"));

        processingHandledAfterItsFailure(id, "evt_same_second_processing_later", "payment_intent.processing",
                processingIntent(id, "pi_same_second_later"));
    }

    /**
     * As {@link #aProcessingEventInItsFailuresSecondOfADebitFailedAtStripeDoesNotHoldTheSlot}, the Payment Intent at
     * Stripe still processing: the failure was the older attempt's, and the debit holds the slot.
     */
    @Test
    void aProcessingEventInItsFailuresSecondOfADebitStillProcessingHoldsTheSlot() {
        String id = pendingBooking(START, "stripe");
        stripe.paymentIntentIn("pi_declined_then_debit", id, "processing");
        handledAsDated("evt_declined_same_second", "payment_intent.payment_failed",
                paymentIntent(id, "pi_declined_then_debit", "requires_payment_method"));

        processedAndProcessing(id, "evt_debit_same_second", "payment_intent.processing",
                processingIntent(id, "pi_declined_then_debit"));
        stillHeldAfterTwoSweeps(id, Duration.ofMinutes(20));
    }

    /**
     * A debit made through the payments API processing and the own page's debit too; the own page fails for good
     * ({@code ownFailure}), the booking waits for the other debit, which then fails: PAYMENT_FAILED, told once.
     */
    private void ownPageFailsThenTheDebitStillProcessing(String ownFailureId, String ownFailureType,
                                                         java.util.function.Function<String, String> ownFailure) {
        String id = pendingBooking(START, "stripe");
        String api = ownFailureId.replace("_own_failed", "_api");
        processedAndProcessing(id, api, "payment_intent.processing", processingIntent(id, "pi_" + api));
        processedAndProcessing(id, ownFailureId.replace("_own_failed", "_page"), "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_own_then_api_page"));

        clock.advance(Duration.ofHours(6));
        handled(ownFailureId, ownFailureType, ownFailure.apply(id));
        assertThat(status(id)).as("waits for the debit still processing").isEqualTo("PENDING_PAYMENT");
        assertThat(notifications(id, "payment-failed")).isZero();

        clock.advance(Duration.ofHours(6));
        handled(api + "_failed", "payment_intent.payment_failed",
                paymentIntent(id, "pi_" + api, "requires_payment_method"));

        assertThat(status(id)).isEqualTo("PAYMENT_FAILED");
        toldThePaymentFailedOnce(id);
    }

    /** A signed Stripe event (a failure) sent, created when the test's clock says, and processed. */
    private void handled(String eventId, String type, String object) {
        sentAndProcessed(eventId, type, createdNow(event(eventId, type, object)));
    }

    /** A signed Stripe event sent as {@link StripeFake#event} dates it, and processed. */
    private void handledAsDated(String eventId, String type, String object) {
        sentAndProcessed(eventId, type, event(eventId, type, object));
    }

    private void sentAndProcessed(String eventId, String type, String event) {
        NotifyBuilder done = processed(eventId);
        signedStripeWebhook(event);
        assertThat(done.matches(20, TimeUnit.SECONDS)).as(type + " processed").isTrue();
    }

    /** Stripe's event as {@link StripeFake#event} writes it, created an hour before the others. */
    private static String createdEarlier(String event) {
        return createdAt(event, 1764482400L);
    }

    /**
     * Stripe's event as {@link StripeFake#event} writes it, created when the test's clock says: a failure hours after
     * the event that recorded its debit processing (created before: {@link StripeFake#event}'s), as Stripe dates it.
     */
    private String createdNow(String event) {
        return createdAt(event, clock.instant().getEpochSecond());
    }

    private static String createdAt(String event, long created) {
        assertThat(event).contains("\"created\":1764486000");
        return event.replace("\"created\":1764486000", "\"created\":" + created);
    }

    /** Booking {@code id}'s customer told its payment failed: one SMS, one email, one notice logged. */
    private void toldThePaymentFailedOnce(String id) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))).stream()
                    .map(r -> java.net.URLDecoder.decode(r.getBodyAsString(), StandardCharsets.UTF_8))
                    .filter(text -> text.contains("ist fehlgeschlagen, der Termin wurde freigegeben"))).hasSize(1);
            assertThat(notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND)))
                    .stream().filter(r -> r.getBodyAsString().contains("erneut buchen"))).hasSize(1);
        });
        assertThat(notifications(id, "payment-failed")).as("told once").isEqualTo(2); // its SMS and its email
    }

    /**
     * A Payment Intent made through the payments API for a booking (automatic payment methods: a SEPA debit) that is
     * processing keeps the booking's slot past its 15-minute hold, as a Checkout completed with a delayed method does,
     * and confirms it when it settles. Before, payment_intent.processing needed no action: the booking expired, and
     * the payment days later was refunded if someone had taken the slot.
     */
    @Test
    void aPaymentIntentStillProcessingKeepsTheSlotUntilItSettles() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");

        processedAndProcessing(id, "evt_pi_processing", "payment_intent.processing", processingIntent(id, "pi_api_sepa"));

        // held until the appointment's start, sooner than the 21 days a debit may take
        assertThat(Instant.parse(bookingJson(id).get("holdExpiresAt").asText()))
                .isEqualTo(Instant.parse("2026-12-01T08:00:00Z"));
        stillHeldAfterTwoSweeps(id, Duration.ofHours(2));

        signedStripeWebhook(event("evt_pi_settled", "payment_intent.succeeded",
                paymentIntent(id, "pi_api_sepa", "succeeded")));
        awaitStatus(id, "CONFIRMED");
    }

    /**
     * A Payment Intent made through the payments API is processing a debit and holds the slot; then a card is declined
     * on the booking's own payment page (another Payment Intent's payment_intent.payment_failed). That failure is not
     * the debit's: the slot stays held for it. Before, any failed attempt ended the processing hold (one more hold, then
     * the sweep released the slot the debit on its way had paid for).
     */
    @Test
    void aCardDeclinedOnTheOwnPageKeepsTheSlotHeldForADebitStillProcessing() {
        String id = pendingBooking(START, "stripe");
        processedAndProcessing(id, "evt_pi_sepa_started", "payment_intent.processing",
                processingIntent(id, "pi_sepa_on_its_way"));

        failureKeepsTheProcessingHold(id, "evt_card_declined", "payment_intent.payment_failed", """
                {"id":"pi_card_declined","object":"payment_intent","status":"requires_payment_method","amount":9000,
                 "amount_received":0,"currency":"chf","metadata":{"bookingId":"%s"},
                 "last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline",
                   "message":"Your card was declined."}}""".formatted(id));
    }

    /** A Checkout Session naming the booking that is not its own payment page: one made through the payments API. */
    private static String sessionThroughTheApi(String bookingId, String paymentStatus, String paymentIntent) {
        return """
                {"id":"cs_test_through_the_api","object":"checkout.session","status":"complete",
                 "payment_status":"%s","payment_intent":"%s","amount_total":9000,"currency":"chf",
                 "client_reference_id":"%s","metadata":{"bookingId":"%s"}}"""
                .formatted(paymentStatus, paymentIntent, bookingId, bookingId);
    }

    /** A Payment Intent naming the booking whose payment (a SEPA debit) is on its way: nothing received yet. */
    private JsonNode bookingJson(String id) {
        return httpGet("/api/v1/bookings/" + id).json();
    }

    /** Another customer asking for the slot at START. */
    private Response bookingTheSlot() {
        return httpPost("/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"customer":{"name":"B","email":"b@example.com"}}
                """.formatted(START));
    }

    @Test
    void aDeclinedCardKeepsTheSlotForTheCustomersNextAttempt() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        double failedBefore = meters.counter("connectify.payment.attempts.failed", "provider", "stripe").count();

        // as Stripe sends it when a card is declined on the Checkout page: the intent waits for another method
        String declined = """
                {"id":"pi_declined","object":"payment_intent","status":"requires_payment_method","amount":9000,
                 "amount_received":0,"currency":"chf","metadata":{"bookingId":"%s"},
                 "last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds",
                   "message":"Your card has insufficient funds.","payment_method":{"id":"pm_1","object":"payment_method"}}}
                """.formatted(id);
        assertThat(signedStripeWebhook(event("evt_declined", "payment_intent.payment_failed", declined)).status())
                .isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id).json()
                .get("statusReason").asText()).isEqualTo("a payment attempt failed (insufficient_funds); the customer "
                + "may try again until the hold expires"));
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(meters.counter("connectify.payment.attempts.failed", "provider", "stripe").count())
                .isEqualTo(failedBefore + 1);
        // no "payment failed" message while the customer is still on the payment page
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        // and the slot is still the booking's
        var taken = httpPost("/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"customer":{"name":"B","email":"b@example.com"}}
                """.formatted(START));
        assertThat(taken.status()).isEqualTo(409);

        // the next card is accepted
        signedStripeWebhook(event("evt_second_card", "checkout.session.completed", checkoutSession(id, "paid", "pi_declined")));
        awaitStatus(id, "CONFIRMED");
    }

    /**
     * A failed attempt counts only when it was acted on: one for a booking already paid, or for no booking the hub
     * has, changed nothing and is not counted; a redelivery of one acted on is a duplicate and not counted again.
     */
    @Test
    void aFailedPaymentAttemptIsCountedOnlyWhenItWasActedOn() {
        String paid = confirmedStripeBooking(START);
        String pending = pendingBooking("2026-12-01T13:00:00+01:00", "stripe");
        double failedBefore = attemptsFailed();
        double runsBefore = routeRuns("booking-payment-attempt-failed");

        signedStripeWebhook(event("evt_decl_paid", "payment_intent.payment_failed", declined(paid)));
        signedStripeWebhook(event("evt_decl_unknown", "payment_intent.payment_failed",
                declined(UUID.randomUUID().toString())));
        await().atMost(Duration.ofSeconds(10)).until(() -> routeRuns("booking-payment-attempt-failed") == runsBefore + 2);
        assertThat(attemptsFailed()).as("no-op failures").isEqualTo(failedBefore);
        assertThat(status(paid)).isEqualTo("CONFIRMED");

        signedStripeWebhook(event("evt_decl_pending", "payment_intent.payment_failed", declined(pending)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(attemptsFailed()).isEqualTo(failedBefore + 1));
        double duplicatesBefore = duplicates();
        signedStripeWebhook(event("evt_decl_pending", "payment_intent.payment_failed", declined(pending)));
        await().atMost(Duration.ofSeconds(10)).until(() -> duplicates() == duplicatesBefore + 1);
        assertThat(attemptsFailed()).isEqualTo(failedBefore + 1);
    }

    /**
     * A Payment Intent made through the payments API for a booking whose id the caller padded with a blank: the
     * metadata Stripe keeps, and its events carry, is the booking's id as stored, so its payment confirms the
     * booking. Before, the padded id went to Stripe as written, passed the price check (which strips it), and the
     * payment_intent.succeeded named no booking: the booking expired, the payment neither used nor refunded.
     */
    @Test
    void aPaymentIntentThroughTheApiForABookingPaddedWithABlankConfirmsIt() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        stripe.server().stubFor(post(urlPathEqualTo("/v1/payment_intents")).willReturn(okJson("""
                {"id":"pi_api_padded","object":"payment_intent","amount":9000,"currency":"chf",
                 "status":"requires_payment_method","client_secret":"pi_api_padded_secret_x"}""")));

        var made = httpPost("/api/v1/payments/stripe/payment-intents", """
                {"amount":9000,"currency":"CHF","metadata":{"bookingId":"%s "}}""".formatted(id));
        assertThat(made.status()).as(made.body()).isEqualTo(201);

        // the metadata as Stripe stored it, which its events carry
        String sent = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/payment_intents"))).get(0)
                .getBodyAsString();
        String stored = java.util.Arrays.stream(sent.split("&")).map(p -> p.split("=", 2))
                .filter(p -> java.net.URLDecoder.decode(p[0], StandardCharsets.UTF_8).equals("metadata[bookingId]"))
                .map(p -> java.net.URLDecoder.decode(p[1], StandardCharsets.UTF_8)).findFirst().orElseThrow();
        assertThat(stored).isEqualTo(id);
        assertThat(signedStripeWebhook(event("evt_api_padded", "payment_intent.succeeded",
                paymentIntent(stored, "pi_api_padded", "succeeded"))).status()).isEqualTo(200);

        awaitStatus(id, "CONFIRMED");
    }

    /**
     * A payment event naming its booking in upper case (a UUID in any case names the booking) acts on it as on one
     * naming it as stored: a declined card's reason, a delayed method's final failure, its own page's expiry. Before,
     * the booking was found but updated by the id as named, which matched no row: nothing changed, the attempt was
     * not counted.
     */
    @Test
    void paymentEventsNamingTheirBookingInUpperCaseActOnIt() {
        String attempted = pendingBooking(START, "stripe");
        String failed = pendingBooking("2026-12-01T13:00:00+01:00", "stripe");
        String expired = pendingBooking("2026-12-01T15:00:00+01:00", "stripe");
        double failedBefore = attemptsFailed();
        List<NotifyBuilder> processed = List.of(processed("evt_upper_declined"), processed("evt_upper_fail"),
                processed("evt_upper_exp"));

        signedStripeWebhook(event("evt_upper_declined", "payment_intent.payment_failed",
                declined(attempted.toUpperCase(java.util.Locale.ROOT))));
        signedStripeWebhook(event("evt_upper_fail", "checkout.session.async_payment_failed",
                checkoutSession(failed.toUpperCase(java.util.Locale.ROOT), "unpaid", "pi_upper_f")));
        signedStripeWebhook(event("evt_upper_exp", "checkout.session.expired",
                checkoutSession(expired.toUpperCase(java.util.Locale.ROOT), "unpaid", "")));

        for (NotifyBuilder done : processed) {
            assertThat(done.matches(30, TimeUnit.SECONDS)).as("the event processed").isTrue();
        }
        var declined = httpGet("/api/v1/bookings/" + attempted).json();
        assertThat(declined.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(declined.path("statusReason").asText()).isEqualTo("a payment attempt failed (generic_decline); "
                + "the customer may try again until the hold expires");
        assertThat(attemptsFailed()).isEqualTo(failedBefore + 1);
        assertThat(status(failed)).isEqualTo("PAYMENT_FAILED");
        assertThat(status(expired)).isEqualTo("EXPIRED");
    }

    private static String declined(String bookingId) {
        return """
                {"id":"pi_decl","object":"payment_intent","status":"requires_payment_method","amount":9000,
                 "amount_received":0,"currency":"chf","metadata":{"bookingId":"%s"},
                 "last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline"}}
                """.formatted(bookingId);
    }

    private double attemptsFailed() {
        return meters.counter("connectify.payment.attempts.failed", "provider", "stripe").count();
    }

    @Test
    void aRefundThatFailsAfterItWasMadeCancelsTheRefundedBookingAgainForSomeoneToPayBack() {
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        double failedBefore = refundsFailed();

        // the refund is on its way...
        assertThat(signedStripeWebhook(event("evt_refund_ok", "refund.updated", refund(payment, "succeeded", null)))
                .status()).isEqualTo(200);
        // ...then the card turns out closed
        assertThat(signedStripeWebhook(event("evt_refund_failed", "refund.updated",
                refund(payment, "failed", "expired_or_canceled_card"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status(id)).isEqualTo("CANCELLED"));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText()).isEqualTo(
                "the refund failed at the provider (expired_or_canceled_card): pay the customer back another way");
        assertThat(refundsFailed())
                .isEqualTo(failedBefore + 1);
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        // left for a person to pay the customer back: listed and counted, its reason the note
        String why = "the refund failed at the provider (expired_or_canceled_card): pay the customer back another way";
        var marked = attentionOf(id);
        assertThat(marked.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(marked.get("note").asText()).isEqualTo(why);
        assertThat(needingAttentionGauge()).isEqualTo(1);

        // a failed refund the hub made (marked) of a payment no booking was refunded by (a second payment's) changes
        // no booking, but is counted
        assertThat(signedStripeWebhook(event("evt_refund_stray", "refund.updated",
                strayHubRefund(id))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                refundsFailed()).isEqualTo(failedBefore + 2));
        assertThat(status(id)).isEqualTo("CANCELLED");
        // one without the hub's mark (made by hand in the dashboard) is counted apart, as foreign
        double foreignBefore = meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count();
        assertThat(signedStripeWebhook(event("evt_refund_stray_by_hand", "refund.updated",
                refund("re_by_hand_stray", "pi_unknown", "failed", "lost_or_stolen_card"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(meters.counter(
                "connectify.refunds.failed.foreign", "provider", "stripe").count()).isEqualTo(foreignBefore + 1));
        assertThat(refundsFailed()).isEqualTo(failedBefore + 2);

        // Stripe's redelivery of either is a duplicate: each failed refund is counted (and alerted on) once
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "stripe").count();
        signedStripeWebhook(event("evt_refund_stray", "refund.updated", strayHubRefund(id)));
        signedStripeWebhook(event("evt_refund_failed", "refund.updated", refund(payment, "failed", "expired_or_canceled_card")));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                meters.counter("connectify.webhook.duplicates", "provider", "stripe").count()).isEqualTo(duplicatesBefore + 2));
        assertThat(refundsFailed()).isEqualTo(failedBefore + 2);
        // neither the stray refunds (no booking change) nor the redelivery marked anything more
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(why);
        assertThat(needingAttentionGauge()).isEqualTo(1);
    }

    /**
     * The refund-failed notice survives a first attempt to queue it that fails (the broker, a lock timeout): it is
     * queued in the transaction that makes the booking CANCELLED, so that attempt leaves the booking refunded and the
     * event's redelivery acts on it in full. Queued after that commit, the redelivery found the failure said already,
     * and the customer was never told (nothing logged for the recovery sweep either).
     */
    @Test
    void theRefundFailedNoticeIsSentOnceWhenQueuingItFailsTheFirstTime() throws Exception {
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        AtomicBoolean failed = new AtomicBoolean();
        AdviceWith.adviceWith(camel, "booking-notify", route -> route.weaveAddFirst().process(exchange -> {
            if ("refund-failed".equals(exchange.getIn().getHeader("notificationKind")) && failed.compareAndSet(false,
                    true)) {
                throw new IllegalStateException("the broker is unavailable (injected once)");
            }
        }).id("fail-refund-failed-notice-once"));
        try {
            assertThat(signedStripeWebhook(event("evt_refund_failed_once", "refund.failed",
                    refund(payment, "failed", "expired_or_canceled_card"))).status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                assertThat(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES)))
                        .stream().map(r -> java.net.URLDecoder.decode(r.getBodyAsString(), StandardCharsets.UTF_8))
                        .filter(text -> text.contains("nicht auf Ihr ursprüngliches Zahlungsmittel"))).hasSize(1);
                assertThat(notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND)))
                        .stream().filter(r -> r.getBodyAsString().contains("wir klären Ihre Rückerstattung")))
                        .hasSize(1);
            });
        } finally {
            AdviceWith.adviceWith(camel, "booking-notify",
                    route -> route.weaveById("fail-refund-failed-notice-once").remove());
        }
        assertThat(failed).as("the first attempt to queue the notice failed").isTrue();
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = 'refund-failed' "
                + "AND provider_reference IS NOT NULL").param("id", id).query(Integer.class).single())
                .as("one SMS, one email, sent").isEqualTo(2);
    }

    /**
     * A refund-failed notice queued by a change that then rolls back (the booking's mark for a person fails to be
     * written, on every try of the event, which ends as a dead letter) is not sent: the booking is still REFUNDED, so
     * its customer is told nothing. Its messages went on the event consumer's session, which commits with the dead
     * letter; the sender finds no notification logged for them (their rows rolled back with the change) and sends
     * nothing. The dead letter replayed, the change is made and the customer told once. Before, the sender logged and
     * sent such a message: the customer heard their refund had failed while the hub still held it as made.
     */
    @Test
    void aRefundFailedNoticeQueuedByAChangeThatRollsBackIsNotSentAndItsReplayTellsItOnce() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        // the confirmation and the refund notices sent (or skipped), nothing left on the notifications queue
        await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql("SELECT COUNT(*) FROM notification WHERE "
                + "booking_id = :id AND status = 'queued' AND provider_reference IS NULL").param("id", id)
                .query(Integer.class).single() == 0
                && notificationsWaiting() == 0);
        int tries = maxRedeliveries + 1;
        JsonNode letter;
        try (var markFails = FailingWrite.updateTimes(jdbc, "booking", id, "attention_note", tries)) {
            NotifyBuilder leftovers = new NotifyBuilder(camel).fromRoute("notification-send-*").whenDone(2 * tries)
                    .create();
            assertThat(signedStripeWebhook(event("evt_refund_failed_rolled_back", "refund.failed",
                    refund(payment, "failed", "expired_or_canceled_card"))).status()).isEqualTo(200);
            letter = awaitDeadLetter("stripe");
            assertThat(markFails.failures()).as("every try failed after queueing the notice").isEqualTo(tries);
            // each try's SMS and email, committed with the dead letter, taken by the sender
            assertThat(leftovers.matches(20, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> notificationsWaiting() == 0);
        }
        assertThat(status(id)).as("the change rolled back").isEqualTo("REFUNDED");
        assertThat(refundFailedSms()).as("no SMS of a change that did not happen").isZero();
        assertThat(refundFailedEmails()).as("no email of a change that did not happen").isZero();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = 'refund-failed'")
                .param("id", id).query(Integer.class).single()).isZero();

        assertThat(send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(200);

        awaitStatus(id, "CANCELLED");
        await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql("SELECT COUNT(*) FROM notification WHERE "
                + "booking_id = :id AND kind = 'refund-failed' AND provider_reference IS NOT NULL").param("id", id)
                .query(Integer.class).single() == 2 && notificationsWaiting() == 0);
        assertThat(refundFailedSms()).as("told once").isEqualTo(1);
        assertThat(refundFailedEmails()).as("told once").isEqualTo(1);
        assertThat(attentionNote(id)).startsWith("the refund failed at the provider (expired_or_canceled_card)");
    }

    /** The refund-failed SMS the Twilio fake received (the test's customer writes German). */
    private long refundFailedSms() {
        return notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))).stream()
                .map(r -> java.net.URLDecoder.decode(r.getBodyAsString(), StandardCharsets.UTF_8))
                .filter(text -> text.contains("nicht auf Ihr ursprüngliches Zahlungsmittel")).count();
    }

    /** The refund-failed emails the SendGrid fake received. */
    private long refundFailedEmails() {
        return notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .filter(r -> r.getBodyAsString().contains("wir klären Ihre Rückerstattung")).count();
    }

    /**
     * A refund of the same payment the hub did not make (by hand in the Stripe dashboard) that fails: the event is
     * matched by the refund's id, not the payment, so the booking the hub refunded stays REFUNDED, nothing is counted
     * as the hub's failed refund (alert RefundFailed), its customer is told nothing; it is logged and counted apart.
     * The hub's own refund failing later is acted on as before.
     */
    @Test
    void aFailedRefundOfTheSamePaymentThatTheHubDidNotMakeLeavesTheBookingAsItIs() {
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        String reason = httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText();
        double failedBefore = refundsFailed();
        double foreignBefore = meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count();

        assertThat(signedStripeWebhook(event("evt_by_hand_failed", "refund.failed",
                refund("re_by_hand", payment, "failed", "expired_or_canceled_card"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_by_hand_failed'")
                .query(Integer.class).single() == 1);
        var booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("REFUNDED");
        assertThat(booking.get("statusReason").asText()).isEqualTo(reason);
        assertThat(refundsFailed()).isEqualTo(failedBefore);
        assertThat(meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count())
                .isEqualTo(foreignBefore + 1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = 'refund-failed'")
                .param("id", id).query(Integer.class).single()).isZero();
        assertThat(attentionOrNull(id)).as("whoever made that refund pays the customer back").isNull();

        // the hub's own refund failing: as before
        assertThat(signedStripeWebhook(event("evt_hub_refund_failed", "refund.failed",
                refund(payment, "failed", "expired_or_canceled_card"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status(id)).isEqualTo("CANCELLED"));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText()).isEqualTo(
                "the refund failed at the provider (expired_or_canceled_card): pay the customer back another way");
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
    }

    @Test
    void aFailedRefundReportedOnlyAsChargeRefundUpdatedOrInSeveralEventsIsActedOnAndCountedOnce() {
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        double failedBefore = refundsFailed();
        double runsBefore = routeRuns("booking-refund-failed");

        // an endpoint on an API version before 2024-10-28 hears of a card refund's failure in charge.refund.updated only
        assertThat(signedStripeWebhook(event("evt_charge_refund_failed", "charge.refund.updated",
                refund(payment, "failed", "expired_or_canceled_card"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status(id)).isEqualTo("CANCELLED"));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText()).isEqualTo(
                "the refund failed at the provider (expired_or_canceled_card): pay the customer back another way");
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);

        // later versions report the same failure in refund.failed and refund.updated as well
        signedStripeWebhook(event("evt_refund_failed_too", "refund.failed", refund(payment, "failed", "expired_or_canceled_card")));
        signedStripeWebhook(event("evt_refund_updated_too", "refund.updated", refund(payment, "failed", "expired_or_canceled_card")));
        await().atMost(Duration.ofSeconds(10)).until(() -> routeRuns("booking-refund-failed") == runsBefore + 3);
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId LIKE 'stripe:evt_refund_%_too'")
                .query(Integer.class).single()).isZero(); // they changed nothing
    }

    /**
     * A repeat of an event processed before whose own handling fails (its unsent notifications queued again under
     * the booking's row lock, held past the lock timeout) is dead-lettered; the original's key stays, so the dead
     * letter's replay is a repeat again, not the event processed in full a second time. With Camel's default
     * removeOnFailure (true) the failed repeat removed the original's key.
     */
    @Test
    void aRepeatWhoseHandlingFailsLeavesTheOriginalsKeyAndItsReplayIsARepeatAgain() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = confirmedStripeBooking(START);
        String eventId = "evt_paid_" + id.substring(0, 8);
        String key = "stripe:" + eventId;
        await().atMost(Duration.ofSeconds(15)).until(() -> processedKeys(key) == 1 && jdbc.sql(
                "SELECT COUNT(*) FROM notification WHERE booking_id = :id AND status <> 'queued'").param("id", id)
                .query(Integer.class).single() > 0);
        // a notification its first run queued, still unsent: a repeat queues it again, under the booking's row lock
        jdbc.sql("UPDATE notification SET status = 'queued', provider_reference = NULL WHERE booking_id = :id")
                .param("id", id).update();
        double duplicatesBefore = duplicates();

        var letter = whileRowsAreHeld("SELECT id FROM booking WHERE id = :id FOR UPDATE", java.util.Map.of("id", id),
                () -> {
                    assertThat(signedStripeWebhook(event(eventId, "checkout.session.completed",
                            checkoutSession(id, "paid", "pi_" + id.substring(0, 8)))).status()).isEqualTo(200);
                    return awaitDeadLetter("stripe");
                });

        assertThat(processedKeys(key)).as("the original's key, left in place by its failed repeat").isOne();
        assertThat(duplicates()).isEqualTo(duplicatesBefore + 1);
        assertThat(send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(duplicates()).as("the replay, a repeat again").isEqualTo(duplicatesBefore + 2));
        assertThat(processedKeys(key)).isOne();
        assertThat(status(id)).isEqualTo("CONFIRMED");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    private int processedKeys(String key) {
        return jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = :key").param("key", key)
                .query(Integer.class).single();
    }

    private double duplicates() {
        return meters.counter("connectify.webhook.duplicates", "provider", "stripe").count();
    }

    /** A confirmed Stripe booking cancelled in time: refunded. */
    /**
     * A booking refunded before the hub stored its refunds' ids (V17) or marked them (V23 refund_marked FALSE, as such
     * a row is): its refund's failure carries neither the id the hub knows nor its mark, and it is the hub's all the
     * same, so the payment decides: CANCELLED, the customer told, counted in connectify_refunds_failed_total, not as
     * foreign. Taken for a foreign one before, the booking stayed REFUNDED and its customer was never told.
     */
    @Test
    void aFailedRefundOfABookingRefundedBeforeTheHubMarkedItsRefundsIsTheHubs() {
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        jdbc.sql("UPDATE booking SET refund_reference = NULL, refund_marked = FALSE WHERE id = :id").param("id", id)
                .update();
        double failedBefore = refundsFailed();
        double foreignBefore = meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count();

        assertThat(signedStripeWebhook(event("evt_refund_before_mark", "refund.failed",
                refund("re_before_mark", payment, "failed", "expired_or_canceled_card"))).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status(id)).isEqualTo("CANCELLED"));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText()).isEqualTo(
                "the refund failed at the provider (expired_or_canceled_card): pay the customer back another way");
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
        assertThat(meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count())
                .isEqualTo(foreignBefore);
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = 'refund-failed'")
                .param("id", id).query(Integer.class).single() > 0);
    }

    private String refundedStripeBooking() {
        String id = confirmedStripeBooking(START);
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").json().get("status").asText()).isEqualTo("REFUNDED");
        return id;
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
    void aDisputedPaymentIsMarkedOnItsConfirmedBookingCountedAndAlertedOnOnce() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        double disputesBefore = meters.counter("connectify.payment.disputes", "provider", "stripe").count();

        disputeOpened("evt_dispute", id);

        assertThat(status(id)).isEqualTo("CONFIRMED"); // the appointment may still stand
        assertThat(meters.counter("connectify.payment.disputes", "provider", "stripe").count())
                .isEqualTo(disputesBefore + 1);

        // one of a payment no booking has is counted too (its Payment Intent, asked for, unknown to Stripe);
        // redeliveries of either are duplicates, counted once
        stripe.noPaymentIntent("pi_unknown");
        signedStripeWebhook(event("evt_dispute_stray", "charge.dispute.created", dispute("pi_unknown", "general")));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                meters.counter("connectify.payment.disputes", "provider", "stripe").count()).isEqualTo(disputesBefore + 2));
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "stripe").count();
        signedStripeWebhook(event("evt_dispute", "charge.dispute.created", dispute(payment, "fraudulent")));
        signedStripeWebhook(event("evt_dispute_stray", "charge.dispute.created", dispute("pi_unknown", "general")));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                meters.counter("connectify.webhook.duplicates", "provider", "stripe").count()).isEqualTo(duplicatesBefore + 2));
        assertThat(meters.counter("connectify.payment.disputes", "provider", "stripe").count())
                .isEqualTo(disputesBefore + 2);
        assertThat(status(id)).isEqualTo("CONFIRMED");

        // decided: the booking says how
        disputeDecided("evt_dispute_closed", id, "lost");
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    /**
     * An event whose key the database refused to record fails like any failure (retried in place), before its broker
     * transaction commits. Before, the key was recorded by Camel's completion hook, whose failure Camel only logs: the
     * event was acknowledged without its key, and Stripe's next delivery of it was processed in full again, the
     * dispute counted and alerted twice.
     */
    @Test
    void anEventWhoseKeyCannotBeRecordedIsRetriedAndItsRepeatIsADuplicate() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        double disputesBefore = meters.counter("connectify.payment.disputes", "provider", "stripe").count();
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "stripe").count();
        String delivery = event("evt_dispute_key_refused", "charge.dispute.created", dispute(payment, "fraudulent"));

        try (var refused = FailingWrite.insertOnce(jdbc, "CAMEL_MESSAGEPROCESSED", "messageId",
                "stripe:evt_dispute_key_refused")) {
            assertThat(signedStripeWebhook(delivery).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(refused::failed);
            await().atMost(Duration.ofSeconds(10)).alias("the key, recorded on the retry").until(() -> jdbc.sql(
                    "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_dispute_key_refused'")
                    .query(Integer.class).single() == 1);
        }

        signedStripeWebhook(delivery); // Stripe delivers it again
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                meters.counter("connectify.webhook.duplicates", "provider", "stripe").count())
                .isEqualTo(duplicatesBefore + 1));
        assertThat(meters.counter("connectify.payment.disputes", "provider", "stripe").count())
                .as("counted once").isEqualTo(disputesBefore + 1);
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .startsWith("the customer disputes the payment");
        assertThat(httpGet("/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters"))
                .as("retried in place, not dead-lettered")
                .noneMatch(letter -> letter.path("headers").path("eventKey").asText()
                        .equals("stripe:evt_dispute_key_refused"));
    }

    /**
     * An event processed whose key the database refused through every retry is dead-lettered with its key: while the
     * letter waits, Stripe's copy of the event is a duplicate, and the letter's replay records the key and is a
     * duplicate too. Before, the letter had no key: Stripe's copy and the replay each processed the event in full
     * again, the dispute counted (and alerted) three times.
     */
    @Test
    void anEventWhoseKeyCannotBeRecordedAtAllIsDeadLetteredWithItsKeyAndNeitherItsCopyNorItsReplayActsAgain() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        String key = "stripe:evt_dispute_key_lost";
        double disputesBefore = meters.counter("connectify.payment.disputes", "provider", "stripe").count();
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "stripe").count();
        String delivery = event("evt_dispute_key_lost", "charge.dispute.created", dispute(payment, "fraudulent"));
        JsonNode letter;

        try (var refused = FailingWrite.insertTimes(jdbc, "CAMEL_MESSAGEPROCESSED", "messageId", key, 1000)) {
            assertThat(signedStripeWebhook(delivery).status()).isEqualTo(200);
            letter = await().atMost(Duration.ofSeconds(15)).until(() -> deadLetterOf(key), java.util.Objects::nonNull);
            assertThat(refused.failures()).as("the first try and its redeliveries in place").isGreaterThan(1);
            assertThat(meters.counter("connectify.payment.disputes", "provider", "stripe").count())
                    .as("processed once: only the key's insert was retried").isEqualTo(disputesBefore + 1);

            signedStripeWebhook(delivery); // Stripe delivers it again while the letter waits
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    meters.counter("connectify.webhook.duplicates", "provider", "stripe").count())
                    .as("the copy is a duplicate").isEqualTo(duplicatesBefore + 1));
            assertThat(meters.counter("connectify.payment.disputes", "provider", "stripe").count())
                    .as("the copy acted on nothing").isEqualTo(disputesBefore + 1);
            assertThat(letter.path("headers").path("connectifyUnrecordedKey").asText()).isEqualTo(key);
            assertThat(letter.hasNonNull("retryAt")).as("replayed on its own").isTrue();
        }

        var replayed = send(request("/api/v1/admin/dead-letters/" + letter.path("id").asText() + "/replay")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);
        assertThat(replayed.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                meters.counter("connectify.webhook.duplicates", "provider", "stripe").count())
                .isEqualTo(duplicatesBefore + 2));
        assertThat(jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = :key").param("key", key)
                .query(Integer.class).single()).as("recorded by the replay").isEqualTo(1);
        assertThat(meters.counter("connectify.payment.disputes", "provider", "stripe").count())
                .as("counted once").isEqualTo(disputesBefore + 1);
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .startsWith("the customer disputes the payment");
    }

    /** The dead letter of the event whose key is {@code key}, or null. */
    private JsonNode deadLetterOf(String key) {
        for (JsonNode letter : httpGet("/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters")) {
            if (letter.path("headers").path("eventKey").asText().equals(key)) {
                return letter;
            }
        }
        return null;
    }

    /**
     * A booking cancelled in time and refunded by the hub, whose payment is then disputed: the customer may be paid
     * back twice (the refund and the chargeback). The booking keeps its status and reason, is marked for a person to
     * answer the dispute with the hub's refund (its id as Stripe answered it), nothing is refunded again, and the
     * dispute is counted. Before, it was only logged.
     */
    @Test
    void aDisputeOfABookingsPaymentTheHubRefundedOnItsCancelIsMarkedAsMaybePaidBackTwice() {
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);

        // the one refund asked for is the cancel's
        JsonNode booking = disputedAfterTheHubRefundedIt(id, payment, HUB_REFUND, "evt_dispute_refunded", "duplicate");

        assertThat(booking.get("status").asText()).isEqualTo("REFUNDED");
        assertThat(needingAttentionGauge()).isEqualTo(1);
    }

    /**
     * A second payment of a booking another payment confirmed, refunded by the hub, then disputed: marked for a person
     * on the booking its Payment Intent names (the customer may be paid back twice; the hub's refund named as Stripe
     * lists it), the booking left CONFIRMED by its own payment with its reason and no dispute of its own, nothing
     * refunded again, the dispute counted. Before, it was only logged ("no booking has that payment").
     */
    @Test
    void aSecondPaymentTheHubRefundedThenDisputedIsMarkedAsMaybePaidBackTwice() {
        String id = confirmedStripeBooking(START);
        String first = "pi_" + id.substring(0, 8);
        String second = "pi_second_" + id.substring(0, 8);
        NotifyBuilder paidTwice = processed("evt_second_paid");
        signedStripeWebhook(event("evt_second_paid", "payment_intent.succeeded", paymentIntent(id, second,
                "succeeded")));
        assertThat(paidTwice.matches(15, TimeUnit.SECONDS)).isTrue();
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(StripeFake.formField("payment_intent", second)));
        stripe.paymentIntentOf(second, "{\"bookingId\":\"" + id + "\"}");
        stripe.refundsOf(second, StripeFake.refund("re_second", second, 9000, "succeeded",
                "{\"connectify\":\"booking\",\"bookingId\":\"" + id + "\"}"));
        JsonNode booking = disputedAfterTheHubRefundedIt(id, second, "re_second", "evt_second_disputed", "duplicate");

        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(booking.get("paymentReference").asText()).isEqualTo(first);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking WHERE id = :id AND dispute_status IS NULL").param("id", id)
                .query(Integer.class).single()).as("the booking's own payment is not disputed").isEqualTo(1);
        assertThat(needingAttentionGauge()).isEqualTo(1);
    }

    /**
     * A payment below the price (5000 of 9000), refunded by the hub, then disputed: the booking still waits for its
     * payment, with its reason, and is marked for a person as maybe paid back twice, never refunded again. Before, the
     * dispute took it for a payment disputed before its event and left it "neither confirmed nor refunded …: settle it
     * by hand", inviting a person to pay back what the hub had refunded.
     */
    @Test
    void aShortStripePaymentTheHubRefundedThenDisputedIsMarkedAsMaybePaidBackTwice() {
        String id = pendingBooking(START, "stripe");
        String payment = "pi_short_" + id.substring(0, 8);
        NotifyBuilder paid = processed("evt_short_paid");
        signedStripeWebhook(event("evt_short_paid", "payment_intent.succeeded", """
                {"id":"%s","object":"payment_intent","status":"succeeded","amount":5000,"amount_received":5000,
                 "currency":"chf","metadata":{"bookingId":"%s"}}""".formatted(payment, id)));
        assertThat(paid.matches(15, TimeUnit.SECONDS)).isTrue();
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        stripe.paymentIntentOf(payment, "{\"bookingId\":\"" + id + "\"}", 5000, "chf");
        stripe.refundsOf(payment, StripeFake.refund("re_short", payment, 5000, "succeeded",
                "{\"connectify\":\"booking\",\"bookingId\":\"" + id + "\"}"));
        JsonNode booking = disputedAfterTheHubRefundedIt(id, payment, "re_short", "evt_short_disputed", "fraudulent");

        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.path("statusReason").asText("")).doesNotContain("neither confirmed nor refunded");
    }

    /**
     * The dispute {@code eventId} of a payment the hub refunded ({@code refund}) handled: the booking's reason as it
     * was, the booking marked "stripe payment … is disputed, but the hub refunded it (refund …): …", no refund asked
     * for again (Stripe asked for the one refund only), the dispute counted. The booking as it is then.
     */
    private JsonNode disputedAfterTheHubRefundedIt(String id, String payment, String refund, String eventId,
                                                   String disputeReason) {
        String reason = httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText("");
        double disputesBefore = meters.counter("connectify.payment.disputes", "provider", "stripe").count();

        disputedAndProcessed(eventId, payment, disputeReason);

        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.path("statusReason").asText("")).isEqualTo(reason);
        assertThat(attentionNote(id)).isEqualTo("stripe payment " + payment + " is disputed, but the hub refunded it "
                + "(refund " + refund + "): the customer may be paid back twice; answer the dispute at stripe with the "
                + "refund");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(meters.counter("connectify.payment.disputes", "provider", "stripe").count())
                .isEqualTo(disputesBefore + 1);
        return booking;
    }

    /**
     * A second payment of a booking another payment confirmed, disputed before its own events: the dispute marks the
     * booking for a person at once ("arrived disputed and was neither confirmed nor refunded (the booking was paid by
     * …): settle it by hand"), and the payment's events handled later (payment_intent.succeeded, then
     * checkout.session.completed) find it marked disputed and refund nothing (Stripe refuses to refund a disputed
     * charge, or the customer is paid back twice), the note not added again. The booking stays CONFIRMED by its own
     * payment, its reason as it was. Before, the dispute was only logged and the payment's event then refunded it.
     */
    @Test
    void aSecondPaymentDisputedBeforeItsEventsIsLeftForAPersonAtOnceAndNeverRefunded() {
        String id = confirmedStripeBooking(START);
        String first = "pi_" + id.substring(0, 8);
        String second = "pi_twice_" + id.substring(0, 8);
        stripe.paymentIntentOf(second, "{\"bookingId\":\"" + id + "\"}");
        stripe.refundsOf(second);
        String reason = httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText("");
        double disputesBefore = meters.counter("connectify.payment.disputes", "provider", "stripe").count();
        String note = "stripe payment " + second + " arrived disputed and was neither confirmed nor refunded (the "
                + "booking was paid by stripe payment " + first + "): settle it by hand";

        disputedAndProcessed("evt_twice_disputed", second, "duplicate");

        assertThat(attentionNote(id)).isEqualTo(note);
        assertThat(meters.counter("connectify.payment.disputes", "provider", "stripe").count())
                .isEqualTo(disputesBefore + 1);
        paidAndProcessed("evt_twice_paid", "evt_twice_completed", id, second);

        leftForAPersonConfirmedByItsOwnPayment(id, first, reason, note);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking WHERE id = :id AND dispute_status IS NULL").param("id", id)
                .query(Integer.class).single()).as("the booking's own payment is not disputed").isEqualTo(1);
        assertThat(meters.counter("connectify.payment.disputes", "provider", "stripe").count())
                .isEqualTo(disputesBefore + 1);
    }

    /**
     * Two more payments of a booking another payment confirmed, each disputed before its own events: the booking
     * remembers both, so neither payment's events, handled after both disputes, refund it (Stripe refuses to refund a
     * disputed charge, or the customer is paid back twice); each is left for a person with its note, added once, the
     * booking CONFIRMED by its own payment. Each dispute's error line names the booking its Payment Intent names,
     * marked for a person. Before, a booking kept one such payment (V29): the third's dispute replaced the second's
     * mark, and the second's event then refunded it into its chargeback; and the line said "no booking has that
     * payment".
     */
    @Test
    void twoPaymentsDisputedBeforeTheirEventsAreBothLeftForAPersonAndNeverRefunded() {
        String id = confirmedStripeBooking(START);
        String first = "pi_" + id.substring(0, 8);
        List<String> later = List.of("pi_2nd_" + id.substring(0, 8), "pi_3rd_" + id.substring(0, 8));
        later.forEach(payment -> {
            stripe.paymentIntentOf(payment, "{\"bookingId\":\"" + id + "\"}");
            stripe.refundsOf(payment);
        });
        String reason = httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText("");
        String notes = later.stream().map(payment -> "stripe payment " + payment + " arrived disputed and was neither "
                + "confirmed nor refunded (the booking was paid by stripe payment " + first + "): settle it by hand")
                .collect(Collectors.joining("; "));

        try (LogLines lines = LogLines.of(BookingSaga.class)) {
            for (String payment : later) {
                disputedAndProcessed("evt_disputed_" + payment, payment, "duplicate");
            }

            for (String payment : later) {
                assertThat(lines.errors().stream().map(ILoggingEvent::getFormattedMessage)
                        .filter(line -> line.contains(payment))).containsExactly("A stripe payment " + payment
                        + " is disputed (duplicate); booking " + id + ", which its Payment Intent names, is not paid "
                        + "by it: marked for a person, nothing refunded: answer the dispute at the provider");
            }
        }
        assertThat(attentionNote(id)).isEqualTo(notes);
        for (String payment : later) {
            paidAndProcessed("evt_paid_" + payment, "evt_completed_" + payment, id, payment);
        }

        leftForAPersonConfirmedByItsOwnPayment(id, first, reason, notes);
    }

    /**
     * A later payment of a confirmed booking: its payment_intent.succeeded ({@code paidEventId}), then its
     * checkout.session.completed ({@code completedEventId}), each sent and processed.
     */
    private void paidAndProcessed(String paidEventId, String completedEventId, String id, String payment) {
        NotifyBuilder paid = processed(paidEventId);
        signedStripeWebhook(event(paidEventId, "payment_intent.succeeded", paymentIntent(id, payment, "succeeded")));
        assertThat(paid.matches(15, TimeUnit.SECONDS)).isTrue();
        NotifyBuilder completed = processed(completedEventId);
        signedStripeWebhook(event(completedEventId, "checkout.session.completed", checkoutSession(id, "paid",
                payment)));
        assertThat(completed.matches(15, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * The booking after its later payments, disputed before their events, had those handled: nothing refunded, still
     * CONFIRMED by its own payment {@code first} with its {@code reason} as it was, marked for a person with
     * {@code notes} once, and the one calendar event its own payment's.
     */
    private void leftForAPersonConfirmedByItsOwnPayment(String id, String first, String reason, String notes) {
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(booking.get("paymentReference").asText()).isEqualTo(first);
        assertThat(booking.path("statusReason").asText("")).isEqualTo(reason);
        assertThat(attentionNote(id)).as("each marked once, with its note").isEqualTo(notes);
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS))); // the first payment's
    }

    /**
     * A second payment an instance of the older version marked as disputed before its events (V29's column alone,
     * during a rolling upgrade) is still known so when its event reaches this version: left for a person, never
     * refunded.
     */
    @Test
    void aPaymentAnOlderInstanceMarkedDisputedBeforeItsEventsIsNeverRefunded() {
        String id = confirmedStripeBooking(START);
        String first = "pi_" + id.substring(0, 8);
        String second = "pi_older_" + id.substring(0, 8);
        jdbc.sql("UPDATE booking SET dispute_seen_payment = :payment WHERE id = :id").param("payment", second)
                .param("id", id).update();

        NotifyBuilder paid = processed("evt_older_paid");
        signedStripeWebhook(event("evt_older_paid", "payment_intent.succeeded", paymentIntent(id, second,
                "succeeded")));
        assertThat(paid.matches(15, TimeUnit.SECONDS)).isTrue();

        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(attentionNote(id)).isEqualTo("stripe payment " + second + " arrived disputed and was neither "
                + "confirmed nor refunded (the booking was paid by stripe payment " + first + "): settle it by hand");
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    /**
     * A payment disputed with the customer's bank is settled by the dispute: cancelling its booking in time refunds
     * nothing while the dispute is open (a refund as well would pay the customer back twice, and Stripe may refuse
     * it), neither then nor on a repeated cancel or the retry sweep; its refund is stopped, for the dispute to decide,
     * and the customer is told the dispute decides, not that the cut-off had passed.
     */
    @Test
    void aBookingCancelledWhileItsPaymentIsDisputedIsNotRefunded() {
        String id = confirmedStripeBooking(START);
        disputeOpened("evt_dispute_then_cancel", id);

        cancelledRefundingNothing(id,
                "cancelled, its refund stopped: the customer disputes the payment, the dispute decides");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))).stream()
                    .map(r -> java.net.URLDecoder.decode(r.getBodyAsString(), StandardCharsets.UTF_8))
                    .filter(text -> text.contains("wurde abgesagt"))).singleElement().asString()
                    .contains("entscheidet diese Beanstandung über die Zahlung");
            assertThat(notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND)))
                    .stream().map(r -> r.getBodyAsString()).filter(body -> body.contains("wurde abgesagt")))
                    .singleElement().asString().contains("entscheidet diese Beanstandung über die Zahlung")
                    .doesNotContain("Rückerstattungsfrist");
        });
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = 'cancellation-disputed' "
                + "AND provider_reference IS NOT NULL").param("id", id).query(Integer.class).single())
                .as("one SMS, one email, sent").isEqualTo(2);
        assertThat(status(id)).isEqualTo("CANCELLED");
    }

    /**
     * A charge.dispute.created handled before its payment's checkout.session.completed (Stripe does not order them;
     * its test dispute card delivers the dispute first; or the payment's event was dead-lettered): a Dispute names no
     * booking, and none had the payment recorded. The booking its Payment Intent names at Stripe is paid by it and
     * confirmed, never refunded, and keeps the dispute: its reason says so, the dispute is stored open, and a cancel
     * in time asks Stripe for no refund. Before, the dispute was only logged ("no booking has that payment"), and the
     * payment then confirmed the booking with no dispute: a cancel in time asked Stripe to refund a disputed charge.
     */
    @Test
    void aDisputeHandledBeforeItsPaymentsEventIsKeptByTheBookingThePaymentConfirms() {
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkevent",
                "Consultation", START, START))));
        String id = pendingBooking(START, "stripe");
        String payment = "pi_" + id.substring(0, 8);
        stripe.paymentIntentOf(payment, "{\"bookingId\":\"" + id + "\"}");
        double disputesBefore = meters.counter("connectify.payment.disputes", "provider", "stripe").count();

        disputedAndProcessed("evt_disputed_first", payment, "fraudulent");
        NotifyBuilder paid = processed("evt_paid_after_dispute");
        signedStripeWebhook(event("evt_paid_after_dispute", "checkout.session.completed",
                checkoutSession(id, "paid", payment)));
        assertThat(paid.matches(15, TimeUnit.SECONDS)).isTrue();

        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(booking.get("paymentReference").asText()).isEqualTo(payment);
        assertThat(booking.path("statusReason").asText()).isEqualTo(
                "the customer disputes the payment (fraudulent): answer the dispute at stripe before its deadline");
        assertThat(jdbc.sql("SELECT dispute_status FROM booking WHERE id = :id").param("id", id).query(String.class)
                .single()).isEqualTo("open");
        assertThat(meters.counter("connectify.payment.disputes", "provider", "stripe").count())
                .isEqualTo(disputesBefore + 1);
        assertThat(notifications(id, "confirmation")).as("confirmed once").isPositive();
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo("cancelled, its refund stopped: the customer disputes the payment, the dispute decides");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * A charge.dispute.created handled before its payment's events, the payment unable to pay for its booking (5000 of
     * the price 9000): the booking is left for a person, as Payrexx leaves a payment that arrived disputed, and the
     * payment's events handled later (payment_intent.succeeded, then checkout.session.completed) leave it so: no refund
     * is asked of Stripe (with the chargeback the customer would be paid back twice, and Stripe may refuse to refund a
     * disputed charge), the booking keeps waiting for its payment, marked with the note. Before, the dispute left it for
     * a person and the payment's event then refunded the disputed payment as any short payment.
     */
    @Test
    void aPaymentDisputedBeforeItsEventsThatCannotPayForItsBookingIsLeftForAPersonNeverRefunded() {
        disputedFirstThenPaidIsLeftForAPerson("short", 5000, "chf", "it paid 5000 of the price 9000");
    }

    /** As above, a payment in another currency (9000 EUR for a booking priced 9000 CHF). */
    @Test
    void aPaymentInAnotherCurrencyDisputedBeforeItsEventsIsLeftForAPersonNeverRefunded() {
        disputedFirstThenPaidIsLeftForAPerson("eur", 9000, "eur", "it paid in EUR, the booking is priced in CHF");
    }

    /**
     * A pending Stripe booking priced 9000 CHF; a dispute of its Payment Intent (which received {@code amount} in
     * {@code currency}) handled first, then payment_intent.succeeded and checkout.session.completed of that payment:
     * the booking is left for a person with the note saying why the payment cannot pay ({@code cannot}), waiting for
     * its payment, and no refund is asked of Stripe.
     */
    private void disputedFirstThenPaidIsLeftForAPerson(String tag, long amount, String currency, String cannot) {
        String id = pendingBooking(START, "stripe");
        String payment = "pi_" + id.substring(0, 8);
        stripe.paymentIntentOf(payment, "{\"bookingId\":\"" + id + "\"}", amount, currency);
        stripe.refundsOf(payment); // none: the hub refunds no payment disputed first
        String note = "stripe payment " + payment + " arrived disputed and was neither confirmed nor refunded ("
                + cannot + "): settle it by hand";

        disputedAndProcessed("evt_" + tag + "_disputed_first", payment, "fraudulent");
        assertThat(attentionNote(id)).isEqualTo(note);
        NotifyBuilder paid = processed("evt_" + tag + "_paid_after_dispute");
        signedStripeWebhook(event("evt_" + tag + "_paid_after_dispute", "payment_intent.succeeded", """
                {"id":"%s","object":"payment_intent","status":"succeeded","amount":%d,"amount_received":%d,
                 "currency":"%s","metadata":{"bookingId":"%s"}}""".formatted(payment, amount, amount, currency, id)));
        assertThat(paid.matches(15, TimeUnit.SECONDS)).isTrue();
        NotifyBuilder completed = processed("evt_" + tag + "_completed_after_dispute");
        signedStripeWebhook(event("evt_" + tag + "_completed_after_dispute", "checkout.session.completed", """
                {"id":"cs_test_%s","object":"checkout.session","payment_status":"paid","status":"complete",
                 "payment_intent":"%s","amount_total":%d,"currency":"%s","client_reference_id":"%s",
                 "metadata":{"bookingId":"%s"}}""".formatted(tag, payment, amount, currency, id, id)));
        assertThat(completed.matches(15, TimeUnit.SECONDS)).isTrue();

        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.path("statusReason").asText()).isEqualTo(note);
        assertThat(attentionNote(id)).as("marked once, with that note").isEqualTo(note);
        assertThat(notifications(id, "confirmation")).isZero();
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    /**
     * A dispute lost: the customer's bank has taken the payment back, so cancelling its booking in time refunds
     * nothing (there is nothing left to refund), neither then nor on a repeated cancel or the retry sweep; the customer
     * is told the dispute settled the payment.
     */
    @Test
    void aBookingWhosePaymentDisputeWasLostIsNotRefundedOnACancelInTime() {
        String id = confirmedStripeBooking(START);
        disputeOpened("evt_dispute_lost_created", id);
        disputeDecided("evt_dispute_lost_closed", id, "lost");

        cancelledRefundingNothing(id, "cancelled after its payment dispute was lost: nothing to refund");

        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = 'cancellation-disputed'")
                .param("id", id).query(Integer.class).single()).as("its SMS and email queued").isEqualTo(2);
        assertThat(status(id)).isEqualTo("CANCELLED");
    }

    /**
     * A booking cancelled in time while its payment's dispute is open, the dispute then won: the payment stands and
     * the customer cancelled in time, so its stopped refund is made, and the customer told of it. Before, the cancel
     * left it "cancelled while its payment is disputed", which nothing refunded.
     */
    @Test
    void aBookingCancelledInTimeWhileItsPaymentIsDisputedIsRefundedOnceTheDisputeIsWon() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        cancelledInTimeWhileDisputed("evt_cancel_then_won_created", id);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));

        signedStripeWebhook(event("evt_cancel_then_won_closed", "charge.dispute.closed",
                dispute(payment, "fraudulent", "won")));

        awaitStatus(id, "REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("cancelled and refunded");
        refundedOnceAtStripe(payment);
        await().atMost(Duration.ofSeconds(5)).until(() -> jdbc.sql("SELECT COUNT(*) FROM notification WHERE "
                + "booking_id = :id AND kind = 'refund'").param("id", id).query(Integer.class).single() == 2);
    }

    /**
     * A won dispute's charge.dispute.closed carries the dispute's evidence (Stripe allows 150,000 characters of text):
     * with 70,000 characters of it, the event is acknowledged and restarts the refund the dispute stopped. Before, its
     * body was over the API's 64 KB limit: 413, retried by Stripe for three days and given up, the customer never paid
     * back.
     */
    @Test
    void aWonDisputesClosedEventWithLongEvidenceRestartsTheRefundTheDisputeStopped() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        cancelledInTimeWhileDisputed("evt_long_evidence_created", id);
        String closed = event("evt_long_evidence_closed", "charge.dispute.closed",
                disputeWithEvidence(payment, "won", "x".repeat(70_000)));
        assertThat(closed.length()).isGreaterThan(70_000);

        var answer = signedStripeWebhook(closed);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        awaitStatus(id, "REFUNDED");
        refundedOnceAtStripe(payment);
    }

    /**
     * The most evidence Stripe allows, 150,000 characters, each 3 bytes in UTF-8 (450 KB), in an event of exactly the
     * webhooks' limit (512 KB; the rest of a Dispute, its metadata say, here whitespace): acknowledged, queued whole
     * through the webhook inbox's journal and the queue, and acted on. One byte over the limit is 413
     * payload-too-large before its signature is checked, and nothing is queued.
     */
    @Test
    void aDisputeEventWithTheMostEvidenceStripeAllowsIsTakenAndABodyOverTheWebhooksLimitIs413() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        String closed = ofBytes(event("evt_most_evidence_closed", "charge.dispute.closed",
                disputeWithEvidence(payment, "won", "\u20ac".repeat(150_000))), 524_288);

        assertThat(signedStripeWebhook(closed).status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).until(() -> httpGet("/api/v1/bookings/" + id).json()
                .path("statusReason").asText().equals("the payment dispute was won: the payment stands"));
        double enqueuedBefore = meters.counter("connectify.webhook.enqueued", "provider", "stripe").count();
        String over = ofBytes(event("evt_over_the_limit", "charge.dispute.closed",
                disputeWithEvidence(payment, "won", "")), 524_289);

        var refused = signedStripeWebhook(over);

        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.json().get("type").asText()).isEqualTo("payload-too-large");
        assertThat(meters.counter("connectify.webhook.enqueued", "provider", "stripe").count())
                .isEqualTo(enqueuedBefore);
    }

    /**
     * Cancelled after the refund cut-off while its payment's dispute is open: nothing to refund however the dispute
     * ends (the cut-off had passed), so a dispute then won refunds nothing.
     */
    @Test
    void aBookingCancelledAfterTheCutOffWhileItsPaymentIsDisputedIsNotRefundedOnceTheDisputeIsWon() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        disputeOpened("evt_late_cancel_won_created", id);
        clock.set(java.time.Instant.parse("2026-12-01T07:00:00Z")); // an hour before its start: past the cut-off

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo("cancelled while its payment is disputed: not refunded, the dispute decides");
        signedStripeWebhook(event("evt_late_cancel_won_closed", "charge.dispute.closed",
                dispute(payment, "fraudulent", "won")));
        await().atMost(Duration.ofSeconds(10)).until(() -> "won".equals(jdbc.sql(
                "SELECT dispute_status FROM booking WHERE id = :id").param("id", id).query(String.class).single()));
        assertThat(producer.requestBody("direct:booking-retry-refunds", null, Integer.class)).isZero();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("CANCELLED");
    }

    /**
     * Stripe's dispute events name no booking and are not ordered: a charge.dispute.created handled after its
     * charge.dispute.closed (a dead letter replayed late) leaves the booking as the outcome left it, counted as every
     * dispute is. Before, the booking's reason said the customer disputes the payment beside the outcome.
     */
    @Test
    void aDisputesOpeningHandledAfterItsOutcomeLeavesTheOutcomeInTheReason() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        disputeDecided("evt_outcome_first_closed", id, "won");
        double disputesBefore = meters.counter("connectify.payment.disputes", "provider", "stripe").count();

        signedStripeWebhook(event("evt_outcome_first_created", "charge.dispute.created",
                dispute(payment, "fraudulent")));

        await().atMost(Duration.ofSeconds(10)).until(() -> meters.counter("connectify.payment.disputes", "provider",
                "stripe").count() == disputesBefore + 1);
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .isEqualTo("the payment dispute was won: the payment stands");
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    /** A dispute the consultancy won leaves the payment standing: a cancel in time refunds it as any other. */
    @Test
    void aBookingWhosePaymentDisputeWasWonIsRefundedOnACancelInTime() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        disputeOpened("evt_dispute_won_created", id);
        disputeDecided("evt_dispute_won_closed", id, "won");

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        refundedOnceAtStripe(payment);
    }

    /**
     * Stripe's charge.dispute.created of the booking's payment (as {@code confirmedStripeBooking} pays it; fraudulent),
     * acknowledged and handled: the booking's reason says the customer disputes the payment.
     */
    private void disputeOpened(String eventId, String bookingId) {
        assertThat(signedStripeWebhook(event(eventId, "charge.dispute.created",
                dispute("pi_" + bookingId.substring(0, 8), "fraudulent"))).status()).isEqualTo(200);
        awaitReason(bookingId, DISPUTE_OPEN);
    }

    /** Its charge.dispute.closed, {@code outcome} "won" or "lost", handled: the booking's reason says how. */
    private void disputeDecided(String eventId, String bookingId, String outcome) {
        signedStripeWebhook(event(eventId, "charge.dispute.closed",
                dispute("pi_" + bookingId.substring(0, 8), "fraudulent", outcome)));
        awaitReason(bookingId, "won".equals(outcome) ? DISPUTE_WON : DISPUTE_LOST);
    }

    /** Stripe's charge.dispute.created of a payment, sent and processed (whatever it did). */
    private void disputedAndProcessed(String eventId, String payment, String reason) {
        NotifyBuilder disputed = processed(eventId);
        assertThat(signedStripeWebhook(event(eventId, "charge.dispute.created", dispute(payment, reason))).status())
                .isEqualTo(200);
        assertThat(disputed.matches(15, TimeUnit.SECONDS)).isTrue();
    }

    /** The booking disputed ({@link #disputeOpened}), then cancelled in time: CANCELLED, its refund stopped. */
    private void cancelledInTimeWhileDisputed(String eventId, String bookingId) {
        disputeOpened(eventId, bookingId);
        assertThat(httpPost("/api/v1/bookings/" + bookingId + "/cancel", "").json().get("status").asText())
                .isEqualTo("CANCELLED");
    }

    /**
     * The booking cancelled: CANCELLED with {@code reason}; a repeated cancel is a conflict, the retry sweep refunds
     * nothing, and no refund was asked of Stripe.
     */
    private void cancelledRefundingNothing(String bookingId, String reason) {
        var cancelled = httpPost("/api/v1/bookings/" + bookingId + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo(reason);
        assertThat(httpPost("/api/v1/bookings/" + bookingId + "/cancel", "").status()).isEqualTo(409);
        assertThat(producer.requestBody("direct:booking-retry-refunds", null, Integer.class)).isZero();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /** One refund asked of Stripe, of this payment. */
    private void refundedOnceAtStripe(String payment) {
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("payment_intent=" + payment)));
    }

    private void awaitReason(String bookingId, String reason) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + bookingId).json().path("statusReason").asText()).isEqualTo(reason));
    }

    /** A Dispute object as Stripe's charge.dispute.created event carries it. */
    private static String dispute(String paymentIntent, String reason) {
        return dispute(paymentIntent, reason, "needs_response");
    }

    /** A Dispute object as Stripe's charge.dispute.* events carry it. */
    private static String dispute(String paymentIntent, String reason, String status) {
        return """
                {"id":"dp_%s","object":"dispute","amount":9000,"charge":"ch_%s","currency":"chf","metadata":{},
                 "payment_intent":"%s","reason":"%s","status":"%s"}"""
                .formatted(paymentIntent, paymentIntent, paymentIntent, reason, status);
    }

    /** The JSON padded with whitespace before its last brace to exactly {@code bytes} bytes of UTF-8. */
    private static String ofBytes(String json, int bytes) {
        int padding = bytes - json.getBytes(StandardCharsets.UTF_8).length;
        assertThat(padding).isNotNegative();
        String padded = json.substring(0, json.length() - 1) + " ".repeat(padding) + "}";
        assertThat(padded.getBytes(StandardCharsets.UTF_8)).hasSize(bytes);
        return padded;
    }

    /** A Dispute object with the evidence's {@code uncategorized_text}, as charge.dispute.closed carries it. */
    private static String disputeWithEvidence(String paymentIntent, String status, String evidence) {
        String dispute = dispute(paymentIntent, "fraudulent", status);
        return dispute.substring(0, dispute.length() - 1) + ",\"evidence\":{\"uncategorized_text\":\"" + evidence
                + "\",\"uncategorized_file\":null}}";
    }

    /**
     * A refund made in the Stripe Dashboard of a confirmed booking's payment (charge.refunded, without the Charge's
     * list of refunds, as newer API versions send it) is recorded on the booking and marked for a person, logged and
     * counted once; the hub refunds and cancels nothing, and the calendar event stays. Before, the event was
     * acknowledged and ignored: the booking still said CONFIRMED, paid.
     */
    @Test
    void aRefundInFullMadeOutsideTheHubIsRecordedOnItsConfirmedBookingForAPersonAndNothingIsRefunded() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        double outsideBefore = refundsOutsideHub();
        String why = "a refund the hub did not make: stripe shows 9000 of the payment's 9000 refunded outside the hub";
        String note = why + " (in full): decide whether the appointment stands";
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 9000, "succeeded", "{}"));

        assertThat(signedStripeWebhook(event("evt_refunded_by_hand", "charge.refunded", charge(id, 9000)))
                .status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(why));
        assertThat(status(id)).isEqualTo("CONFIRMED"); // a person decides whether the appointment stands
        assertThat(attentionNote(id)).isEqualTo(note);
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        google.server().verify(0, com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(EVENTS + "/.*")));
        google.server().verify(0, com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(EVENTS + "/.*")));

        // Stripe's redelivery is a duplicate: no second note, not counted again
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "stripe").count();
        signedStripeWebhook(event("evt_refunded_by_hand", "charge.refunded", charge(id, 9000)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(meters.counter(
                "connectify.webhook.duplicates", "provider", "stripe").count()).isEqualTo(duplicatesBefore + 1));
        assertThat(attentionNote(id)).isEqualTo(note);
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(why);
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * Part of a confirmed booking's payment refunded in the Dashboard shows on the booking with how much, a reason it
     * had kept; a second partial refund replaces the first's amount in its reason (the mark keeps both notes).
     */
    @Test
    void aPartialRefundMadeOutsideTheHubShowsHowMuchOnItsConfirmedBooking() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        disputeOpened("evt_partial_dispute", id);
        String disputed = DISPUTE_OPEN;
        double outsideBefore = refundsOutsideHub();
        String part = "a refund the hub did not make: stripe shows 3000 of the payment's 9000 refunded outside the hub";
        String partNote = part + " (in part): decide whether the appointment stands";
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 3000, "succeeded", "{}"));

        signedStripeWebhook(event("evt_refunded_part", "charge.refunded", charge(id, 3000)));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .isEqualTo(part + "; " + disputed));
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(attentionNote(id)).isEqualTo(partNote);
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);

        String more = part.replace("3000", "5000");
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 3000, "succeeded", "{}"),
                StripeFake.refund("re_by_hand_too", payment, 2000, "pending", "{}"));
        signedStripeWebhook(event("evt_refunded_more", "charge.refunded", charge(id, 5000)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .isEqualTo(more + "; " + disputed));
        assertThat(attentionNote(id)).isEqualTo(partNote + "; " + partNote.replace("3000", "5000"));
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 2);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    /**
     * A booking cancelled after the cut-off (no refund due) whose payment is then refunded in the Dashboard says so
     * after its cancellation's reason, and is marked for a person; it stays CANCELLED, nothing refunded by the hub.
     */
    @Test
    void aRefundOutsideTheHubOfABookingCancelledAfterTheCutOffIsRecordedAfterItsReason() {
        String id = confirmedStripeBooking(START);
        clock.advance(Duration.ofHours(2)); // within the 24 h before its start: no refund due
        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo(
                "cancelled after the refund cut-off: not refunded");
        double outsideBefore = refundsOutsideHub();
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 9000, "succeeded", "{}"));

        signedStripeWebhook(event("evt_refunded_late", "charge.refunded", charge(id, 9000)));

        String why = "a refund the hub did not make: stripe shows 9000 of the payment's 9000 refunded outside the hub";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .isEqualTo("cancelled after the refund cut-off: not refunded; " + why));
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(attentionNote(id)).isEqualTo(why + " (in full): check it at stripe");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * The charge.refunded of the hub's own refund (its cancel's, which Stripe lists with the hub's mark) is its echo:
     * nothing is marked, counted or kept.
     */
    @Test
    void theEchoOfTheHubsOwnRefundMarksNothing() {
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment, hubRefund(id, "succeeded"));
        String reason = httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText();
        double outsideBefore = refundsOutsideHub();
        NotifyBuilder processed = processed("evt_refunded_echo");

        signedStripeWebhook(event("evt_refunded_echo", "charge.refunded", charge(id, 9000)));

        assertThat(processed.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(reason);
        assertThat(httpGet("/api/v1/admin/bookings/attention", ADMIN_KEY).json().get("bookings")).isEmpty();
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
        assertThat(jdbc.sql("SELECT messageId FROM CAMEL_MESSAGEPROCESSED").query(String.class).list())
                .doesNotContain("stripe:evt_refunded_echo");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))); // the cancel's, only
    }

    /**
     * A booking whose payment was refunded in full in the Dashboard, then cancelled in time through the hub, is not
     * paid back twice: Stripe refuses the hub's refund (charge_already_refunded), the hub finds the payment refunded in
     * full at Stripe and takes it as refunded. It ends as in the other order (charge.refunded after the cancel,
     * {@link #aRefundInFullOutsideTheHubToldAfterACancelInTimeIsACancelledBookingsNote}): the refund's part kept after
     * "cancelled and refunded", the mark's note a cancelled booking's. Before, the part was dropped and the note still
     * asked a person to decide whether the appointment of a cancelled, repaid booking stands.
     */
    @Test
    void aCancelInTimeAfterARefundInFullOutsideTheHubDoesNotPayTwice() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        // made by hand in the Dashboard: Stripe lists it without the hub's mark
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 9000, "succeeded", "{}"));
        signedStripeWebhook(event("evt_refunded_then_cancel", "charge.refunded", charge(id, 9000)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).startsWith("a refund the hub"));
        refusesRefundsOfRefundedCharges();

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))); // refused: nothing paid
        assertThat(producer.requestBody("direct:booking-retry-refunds", null, Integer.class)).isZero();
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertRefundedInFullOutsideAndCancelledInTime(id);
    }

    /**
     * The other order: a booking whose payment was refunded in full in the Dashboard is cancelled in time before that
     * refund's charge.refunded is handled (the hub's refund refused, taken as refunded), then the event comes: the
     * refund's part after "cancelled and refunded", the mark a cancelled booking's, "… check it at stripe".
     */
    @Test
    void aRefundInFullOutsideTheHubToldAfterACancelInTimeIsACancelledBookingsNote() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        refusesRefundsOfRefundedCharges();
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 9000, "succeeded", "{}"));
        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancelled.json().get("status").asText()).as(cancelled.body()).isEqualTo("REFUNDED");

        refundedAndProcessed("evt_refunded_after_cancel", id, 9000);

        assertRefundedInFullOutsideAndCancelledInTime(id);
    }

    /** Stripe refuses every refund as of a charge refunded in full already (charge_already_refunded). */
    private void refusesRefundsOfRefundedCharges() {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/refunds")).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(400)
                        .withHeader("Content-Type", "application/json").withBody("""
                                {"error":{"type":"invalid_request_error","code":"charge_already_refunded",
                                 "message":"Charge ch_x has already been refunded."}}""")));
    }

    /** A booking refunded in full outside the hub and cancelled in time, whatever the order: reason and note. */
    private void assertRefundedInFullOutsideAndCancelledInTime(String id) {
        String why = "a refund the hub did not make: stripe shows 9000 of the payment's 9000 refunded outside the hub";
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .isEqualTo("cancelled and refunded; " + why);
        assertThat(attentionNote(id)).isEqualTo(why + " (in full): check it at stripe");
    }

    /**
     * Part of a confirmed booking's payment refunded in the Dashboard, then a cancel in time: the hub refunds the rest,
     * the part kept after "cancelled and refunded", the mark's note "… (in part): check it at stripe" (as in the other
     * order); a mark a person cleared before the cancel is not set again (nothing is owed). Before, the reason was
     * "cancelled and refunded" alone and the note still said "decide whether the appointment stands".
     */
    @Test
    void aCancelInTimeAfterAPartRefundedOutsideTheHubKeepsThePartAndACancelledBookingsNote() {
        String id = confirmedStripeBooking(START);
        String other = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String why = "a refund the hub did not make: stripe shows 2000 of the payment's 9000 refunded outside the hub";
        for (String booking : List.of(id, other)) {
            String payment = "pi_" + booking.substring(0, 8);
            stripe.refundsOf(payment, StripeFake.refund("re_part_" + booking.substring(0, 8), payment, 2000,
                    "succeeded", "{}"));
            refundedAndProcessed("evt_part_" + booking.substring(0, 8), booking, 2000);
            assertThat(attentionNote(booking)).isEqualTo(why + " (in part): decide whether the appointment stands");
        }
        clearAttention(other); // a person looked at it

        for (String booking : List.of(id, other)) {
            var cancelled = httpPost("/api/v1/bookings/" + booking + "/cancel", "");
            assertThat(cancelled.json().get("status").asText()).as(cancelled.body()).isEqualTo("REFUNDED");
            assertThat(httpGet("/api/v1/bookings/" + booking).json().path("statusReason").asText())
                    .isEqualTo("cancelled and refunded; " + why);
        }
        assertThat(attentionNote(id)).isEqualTo(why + " (in part): check it at stripe");
        assertThat(attentionNote(other)).isNull();
        stripe.server().verify(2, postRequestedFor(urlPathEqualTo("/v1/refunds"))); // the rest of each
    }

    /**
     * A customer whose payment was refunded in full in the Dashboard, then cancelled in time, is told the appointment
     * is cancelled and the payment was refunded already (cancellation-refunded-outside, as after such a Payrexx
     * refund), by SMS and email: the hub refunded nothing (Stripe refused its refund). Before, they got the usual
     * refund notice, "cancelled and 90,00 CHF refunded", as if the hub had paid them back.
     */
    @Test
    void aCustomerRefundedInFullOutsideTheHubIsToldOfTheCancelNotOfARefundByTheHub() {
        String id = confirmedStripeBooking(START);
        stripe.refundsOf("pi_" + id.substring(0, 8), StripeFake.refund("re_told", "pi_" + id.substring(0, 8), 9000,
                "succeeded", "{}"));
        refundedAndProcessed("evt_refunded_then_told", id, 9000);
        refusesRefundsOfRefundedCharges();

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.json().get("status").asText()).as(cancelled.body()).isEqualTo("REFUNDED");
        await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql("SELECT COUNT(*) FROM notification WHERE "
                + "booking_id = :id AND kind = 'cancellation-refunded-outside' AND provider_reference IS NOT NULL")
                .param("id", id).query(Integer.class).single() == 2);
        assertThat(notifications(id, "refund")).isZero();
        assertThat(smsTexts(id)).hasSize(2).last().asString().contains("wurde abgesagt. Unser Zahlungsanbieter hat "
                + "Ihnen Ihre Zahlung bereits erstattet");
        assertThat(smsTexts(id)).noneMatch(text -> text.contains("90,00 CHF erstattet"));
        assertThat(emailsAbout(id)).filteredOn(mail -> mail.contains("abgesagt")).singleElement().asString()
                .contains("Unser Zahlungsanbieter hat Ihre Zahlung bereits").doesNotContain("Wir haben");
        // a repeated cancel finds the customer told (no notice owed): refused, nothing sent again
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        assertThat(notifications(id, "cancellation-refunded-outside")).isEqualTo(2);
    }

    /**
     * A cancel in time while the payment's dispute is open, after part or all of it was refunded in the Dashboard:
     * the refund stopped (the dispute decides), the refund's part kept after the dispute's reason and the mark's note
     * a cancelled booking's, as when its charge.refunded comes after such a cancel: in part, "… (in part): check it at
     * stripe"; in full, the warning that the customer is paid back twice should the dispute be lost. Before, the
     * disputed reason dropped the part and the note still asked a person to decide whether the appointment stands.
     */
    @Test
    void aCancelInTimeWhileDisputedAfterARefundOutsideTheHubKeepsItsPartAndACancelledBookingsNote() {
        String part = confirmedStripeBooking(START);
        String whole = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String partWhy = "a refund the hub did not make: stripe shows 2000 of the payment's 9000 refunded outside the "
                + "hub";
        String wholeWhy = "a refund the hub did not make: stripe shows 9000 of the payment's 9000 refunded outside the "
                + "hub";
        for (String booking : List.of(part, whole)) {
            String payment = "pi_" + booking.substring(0, 8);
            stripe.refundsOf(payment, StripeFake.refund("re_d_" + booking.substring(0, 8), payment,
                    booking.equals(part) ? 2000 : 9000, "succeeded", "{}"));
            refundedAndProcessed("evt_d_refunded_" + booking.substring(0, 8), booking, booking.equals(part) ? 2000
                    : 9000);
            disputedAndProcessed("evt_d_disputed_" + booking.substring(0, 8), payment, "fraudulent");
        }
        String stopped = "cancelled, its refund stopped: the customer disputes the payment, the dispute decides; ";

        cancelledRefundingNothing(part, stopped + partWhy);
        stripe.server().resetRequests();
        cancelledRefundingNothing(whole, stopped + wholeWhy);

        assertThat(attentionNote(part)).isEqualTo(partWhy + " (in part): check it at stripe");
        assertThat(attentionNote(whole)).isEqualTo(wholeWhy + " (in full): the customer is paid back; the dispute of "
                + "stripe payment pi_" + whole.substring(0, 8) + " is still open: should it be lost as well, the "
                + "customer is paid back twice (tell stripe the payment was refunded)");
        // the part's dispute won: the stopped refund made of what is left, the part still after the reason
        signedStripeWebhook(event("evt_d_won_" + part.substring(0, 8), "charge.dispute.closed",
                dispute("pi_" + part.substring(0, 8), "fraudulent", "won")));
        awaitStatus(part, "REFUNDED");
        assertThat(reason(part)).isEqualTo("cancelled and refunded; " + partWhy);
        refundedOnceAtStripe("pi_" + part.substring(0, 8));
    }

    /**
     * A cancel after the cut-off of a booking part of whose payment an operator refunded through the hub's refund
     * endpoint (classed outside the hub, its note naming that endpoint after it): the note becomes a cancelled
     * booking's, "… (in part): check it at stripe (3000 of it through the hub's refund endpoint, …)", the part kept
     * after the cut-off's reason. Before, the note, matched whole, was not found with that tail and still asked a
     * person to decide whether the appointment of a cancelled booking stands.
     */
    @Test
    void aCancelAfterTheCutOffRestatesANoteNamingARefundThroughTheHubsRefundEndpoint() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        assertThat(httpPost("/api/v1/payments/refunds", "{\"paymentIntent\":\"" + payment + "\",\"amount\":3000}")
                .status()).isEqualTo(201);
        stripe.refundsOf(payment, StripeFake.refund("re_operator_late_cut", payment, 3000, "succeeded",
                "{\"connectify\":\"api\"}"));
        refundedAndProcessed("evt_operator_part_cut_off", id, 3000);
        String why = "a refund the hub did not make: stripe shows 3000 of the payment's 9000 refunded outside the hub";
        assertThat(attentionNote(id)).isEqualTo(why + " (in part): decide whether the appointment stands (3000 of it "
                + "through the hub's refund endpoint, POST /payments/refunds, not as the booking's refund)");
        clock.set(java.time.Instant.parse("2026-12-01T07:00:00Z")); // an hour before its start: past the cut-off

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.json().get("status").asText()).as(cancelled.body()).isEqualTo("CANCELLED");
        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo("cancelled after the refund cut-off: not refunded; " + why);
        assertThat(attentionNote(id)).isEqualTo(why + OPERATORS_PART_NOTE);
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))); // the operator's only
    }

    /**
     * A booking whose hub refund failed, paid back as the README tells an operator to, through the hub's
     * POST /api/v1/payments/refunds (a refund marked connectify=api): its charge.refunded is the echo of the hub's own
     * refunds, and nothing is recorded, marked or counted. Before, a booking CANCELLED with its refund failed was
     * taken for one refunded outside the hub: its reason said so, a second note marked it, the metric counted it.
     */
    @Test
    void theChargeRefundedOfAnOperatorsRefundThroughTheHubAfterAFailedRefundRecordsNothing() {
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        String failed = hubRefundFailed(id);
        var paidBack = httpPost("/api/v1/payments/refunds", "{\"paymentIntent\":\"" + payment + "\"}");
        assertThat(paidBack.status()).as(paidBack.body()).isEqualTo(201);
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(StripeFake.formField("metadata[connectify]", "api")));
        stripe.refundsOf(payment, hubRefund(id, "failed"),
                StripeFake.refund("re_operator", payment, 9000, "succeeded", "{\"connectify\":\"api\"}"));
        double outsideBefore = refundsOutsideHub();

        refundedAndProcessed("evt_refunded_by_operator", id, 9000);

        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(failed);
        assertThat(attentionNote(id)).isEqualTo(failed); // the failure's note only
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
        assertThat(keys()).doesNotContain("stripe:evt_refunded_by_operator");
        stripe.server().verify(1, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathEqualTo("/v1/refunds")).withQueryParam("payment_intent", equalTo(payment)));
    }

    /**
     * A confirmed booking's payment refunded in full through the hub's POST /api/v1/payments/refunds (marked
     * connectify=api): no refund of the booking's, so its charge.refunded is handled as a Dashboard refund's, the
     * booking CONFIRMED with the reason, marked for a person with a note naming the hub's refund endpoint, counted.
     * Before, every refund with the api mark was taken for the hub's own echo: CONFIRMED, paid back, nothing said.
     */
    @Test
    void aConfirmedBookingsPaymentRefundedThroughTheHubsRefundEndpointIsRecordedForAPerson() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        var paidBack = httpPost("/api/v1/payments/refunds", "{\"paymentIntent\":\"" + payment + "\"}");
        assertThat(paidBack.status()).as(paidBack.body()).isEqualTo(201);
        stripe.refundsOf(payment,
                StripeFake.refund("re_operator", payment, 9000, "succeeded", "{\"connectify\":\"api\"}"));
        double outsideBefore = refundsOutsideHub();
        String why = "a refund the hub did not make: stripe shows 9000 of the payment's 9000 refunded outside the hub";

        refundedAndProcessed("evt_refunded_through_api", id, 9000);

        assertThat(status(id)).isEqualTo("CONFIRMED"); // a person decides whether the appointment stands
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(why);
        assertThat(attentionNote(id)).isEqualTo(why + " (in full): decide whether the appointment stands (9000 of "
                + "it through the hub's refund endpoint, POST /payments/refunds, not as the booking's refund)");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
        assertThat(keys()).contains("stripe:evt_refunded_through_api");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))); // the operator's, only
    }

    /**
     * Part of a confirmed booking's payment refunded by an operator through POST /api/v1/payments/refunds (marked
     * connectify=api) is classed outside the hub when its charge.refunded first lists it, and keeps that class: after a
     * cancel in time (the hub refunds the rest), the echo of the hub's refund lists the operator's part again, and the
     * booking, REFUNDED by then, still records it as refunded outside the hub (amount, reason), nothing counted again.
     * Before, each event classed the operator's refund by the booking's status then: the echo took it for the hub's
     * own and undid its record ("nothing refunded outside the hub any more").
     */
    @Test
    void anOperatorsPartRefundClassedOutsideTheHubWhileConfirmedKeepsItsClassAfterACancelInTime() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        var part = httpPost("/api/v1/payments/refunds", "{\"paymentIntent\":\"" + payment + "\",\"amount\":3000}");
        assertThat(part.status()).as(part.body()).isEqualTo(201);
        String operators = StripeFake.refund("re_operator_part", payment, 3000, "succeeded", "{\"connectify\":\"api\"}");
        stripe.refundsOf(payment, operators);
        double outsideBefore = refundsOutsideHub();
        refundedAndProcessed("evt_operator_part", id, 3000);
        String why = "a refund the hub did not make: stripe shows 3000 of the payment's 9000 refunded outside the hub";
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(why);
        assertThat(refundedOutside(id)).isEqualTo(3000L);
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        // as in the other order (anOperatorsPartRefundDeliveredAfterACancelInTimeIsClassedByWhenItWasMade)
        String reason = httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText();
        assertThat(reason).isEqualTo("cancelled and refunded; " + why);
        assertThat(attentionNote(id)).isEqualTo(why + OPERATORS_PART_NOTE);
        stripe.refundsOf(payment, operators, StripeFake.refund(HUB_REFUND, payment, 6000, "succeeded",
                "{\"connectify\":\"booking\",\"bookingId\":\"" + id + "\"}"));

        refundedAndProcessed("evt_hub_rest", id, 9000);

        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(refundedOutside(id)).isEqualTo(3000L);
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(reason);
        assertThat(attentionNote(id)).isEqualTo(why + OPERATORS_PART_NOTE);
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
    }

    /** The note of an operator's 3000 through the hub's refund endpoint marked on a cancelled booking. */
    private static final String OPERATORS_PART_NOTE = " (in part): check it at stripe (3000 of it through the hub's "
            + "refund endpoint, POST /payments/refunds, not as the booking's refund)";

    /**
     * An operator's part refund of a confirmed booking, whose charge.refunded is delayed past a cancel in time: the
     * first event that lists it is the echo of the hub's refund of the rest, the booking REFUNDED by then. Classed by
     * when Stripe made it (its created, before the cancel was asked), it is outside the hub: recorded, counted once.
     * Before, it was classed by the booking's status when first listed (REFUNDED: the hub's own), and stored so.
     */
    @Test
    void anOperatorsPartRefundDeliveredAfterACancelInTimeIsClassedByWhenItWasMade() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        var part = httpPost("/api/v1/payments/refunds", "{\"paymentIntent\":\"" + payment + "\",\"amount\":3000}");
        assertThat(part.status()).as(part.body()).isEqualTo(201);
        String operators = StripeFake.refund("re_operator_late", payment, 3000, "succeeded",
                "{\"connectify\":\"api\"}").replace("{\"id\"", "{\"created\":" + clock.instant().getEpochSecond()
                + ",\"id\"");
        double outsideBefore = refundsOutsideHub();
        clock.advance(Duration.ofMinutes(5)); // the operator's charge.refunded not delivered yet

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        stripe.refundsOf(payment, operators, StripeFake.refund(HUB_REFUND, payment, 6000, "succeeded",
                "{\"connectify\":\"booking\",\"bookingId\":\"" + id + "\"}"));

        refundedAndProcessed("evt_hub_rest_late", id, 9000);

        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(refundedOutside(id)).isEqualTo(3000L);
        String why = "a refund the hub did not make: stripe shows 3000 of the payment's 9000 refunded outside the hub";
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .isEqualTo("cancelled and refunded; " + why);
        assertThat(attentionNote(id)).isEqualTo(why + OPERATORS_PART_NOTE);
        assertThat(jdbc.sql("SELECT outside FROM booking_api_refund WHERE booking_id = :id AND refund_id = :refund")
                .param("id", id).param("refund", "re_operator_late").query(Boolean.class).single()).isTrue();
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
    }

    /** The booking's refunded_outside_amount (V24); null when none was recorded. */
    private Long refundedOutside(String bookingId) {
        return jdbc.sql("SELECT refunded_outside_amount FROM booking WHERE id = :id").param("id", bookingId)
                .query((rs, row) -> rs.getObject(1, Long.class)).single();
    }

    /**
     * The echo of the hub's own refund handled after that refund's failure (Stripe's events are not ordered; a lock
     * timeout then a late replay) finds the booking CANCELLED, its refund failed: Stripe lists the hub's refund alone,
     * failed, so nothing is recorded. Before, it was recorded as a refund the hub did not make.
     */
    @Test
    void theEchoOfTheHubsRefundHandledAfterItsFailureRecordsNothing() {
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        String failed = hubRefundFailed(id);
        stripe.refundsOf(payment, hubRefund(id, "failed"));
        double outsideBefore = refundsOutsideHub();

        refundedAndProcessed("evt_refunded_echo_late", id, 9000);

        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(failed);
        assertThat(attentionNote(id)).isEqualTo(failed);
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
        assertThat(keys()).doesNotContain("stripe:evt_refunded_echo_late");
    }

    /**
     * A booking CANCELLED with its refund pending (the hub's refund made, its answer lost): the echo of that refund,
     * listed with the hub's mark, changes nothing; the booking keeps the reason that keeps its refund going.
     */
    @Test
    void theEchoOfARefundPendingBookingsRefundRecordsNothing() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        jdbc.sql("UPDATE booking SET status = 'CANCELLED', status_reason = 'cancelled: refund pending' WHERE id = :id")
                .param("id", id).update();
        stripe.refundsOf(payment, hubRefund(id, "succeeded"));
        double outsideBefore = refundsOutsideHub();

        refundedAndProcessed("evt_refunded_pending_echo", id, 9000);

        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .isEqualTo("cancelled: refund pending");
        assertThat(attentionNote(id)).isNull();
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
        assertThat(keys()).doesNotContain("stripe:evt_refunded_pending_echo");
    }

    /**
     * A booking whose hub refund failed, paid back in part through the hub's payments API and in part by hand in the
     * Dashboard (a refund created there carries no metadata): only the Dashboard's part is recorded as refunded
     * outside the hub, after the failure's reason, marked and counted once. Before, the whole amount_refunded was.
     * The column's 200 characters cut the failure's reason, never the part added (a later refund's replaces it).
     */
    @Test
    void aDashboardRefundOfABookingWhoseHubRefundFailedIsRecordedWithWhatWasRefundedOutsideTheHub() {
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        String failed = hubRefundFailed(id, "charge_for_pending_refund_disputed");
        stripe.refundsOf(payment, hubRefund(id, "failed"),
                StripeFake.refund("re_operator", payment, 5000, "succeeded", "{\"connectify\":\"api\"}"),
                StripeFake.refund("re_dashboard", payment, 3000, "succeeded", "{}"));
        double outsideBefore = refundsOutsideHub();
        String why = "a refund the hub did not make: stripe shows 3000 of the payment's 9000 refunded outside the hub";
        String kept = failed.substring(0, 200 - "; ".length() - why.length()); // the older reason is cut

        signedStripeWebhook(event("evt_refunded_dashboard", "charge.refunded", charge(id, 8000)));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(kept + "; " + why));
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(attentionNote(id)).isEqualTo(failed + "; " + why + " (in part): check it at stripe");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);

        // another refund by hand: its amount replaces the first's, the failure's reason as it was kept
        stripe.refundsOf(payment, hubRefund(id, "failed"),
                StripeFake.refund("re_operator", payment, 5000, "succeeded", "{\"connectify\":\"api\"}"),
                StripeFake.refund("re_dashboard", payment, 3000, "succeeded", "{}"),
                StripeFake.refund("re_dashboard_2", payment, 1000, "succeeded", "{}"));
        signedStripeWebhook(event("evt_refunded_dashboard_more", "charge.refunded", charge(id, 9000)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .isEqualTo(kept + "; " + why.replace("3000", "4000")));
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 2);
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))); // the cancel's, only
    }

    /**
     * A paid booking still waiting for its confirmation (Google down, its payment's event a dead letter) refunded in
     * full in the Dashboard is REFUNDED, as a Payrexx payment refunded before the hub confirmed it: the replayed
     * payment event no longer confirms it (no calendar event, no confirmation sent), its customer is told of the
     * refund, and it is marked and counted. Before, only its reason was written, and the replay confirmed it.
     */
    @Test
    void aPaymentRefundedInFullOutsideTheHubWhileItsBookingWaitsForItsConfirmationIsNeverConfirmed() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        String payment = "pi_" + id.substring(0, 8);
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(GoogleCalendarFake.error(500, "backendError")));
        assertThat(signedStripeWebhook(event("evt_paid_waiting", "checkout.session.completed",
                checkoutSession(id, "paid", payment))).status()).isEqualTo(200);
        var letter = awaitDeadLetter("stripe");
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        google.reset();
        resilience.circuitBreaker("google-calendar").reset();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkevent",
                "Consultation", START, START))));
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 9000, "succeeded", "{}"));
        double outsideBefore = refundsOutsideHub();
        String why = "a refund the hub did not make: stripe shows 9000 of the payment's 9000 refunded outside the hub";

        signedStripeWebhook(event("evt_refunded_waiting", "charge.refunded", charge(id, 9000)));

        awaitStatus(id, "REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(
                "paid, then refunded at stripe (refunded) before the hub confirmed it; " + why);
        assertThat(attentionNote(id)).isEqualTo(
                why + " (in full) before its confirmation: not confirmed, its customer told of the refund");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);

        NotifyBuilder replayedRun = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch")
                .filter(e -> "stripe:evt_paid_waiting".equals(e.getMessage().getHeader("eventKey", String.class)))
                .whenCompleted(1).create();
        assertThat(send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(200);
        assertThat(replayedRun.matches(20, TimeUnit.SECONDS)).as("the replayed payment processed").isTrue();
        assertThat(status(id)).isEqualTo("REFUNDED");
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);
        assertThat(notifications(id, "confirmation")).isZero();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * Part of such a waiting booking's payment refunded in the Dashboard: only marked (the rest may still pay for it;
     * its confirmation writes its reason), counted.
     */
    @Test
    void aPaymentRefundedInPartOutsideTheHubWhileItsBookingWaitsForItsConfirmationIsMarked() {
        String id = pendingBooking(START, "stripe");
        String payment = "pi_" + id.substring(0, 8);
        jdbc.sql("UPDATE booking SET provider = 'stripe', payment_reference = :payment, paid_amount = 9000, "
                + "hold_expires_at = NULL WHERE id = :id").param("payment", payment).param("id", id).update();
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 3000, "succeeded", "{}"));
        double outsideBefore = refundsOutsideHub();
        String why = "a refund the hub did not make: stripe shows 3000 of the payment's 9000 refunded outside the hub";

        signedStripeWebhook(event("evt_refunded_waiting_part", "charge.refunded", charge(id, 3000)));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(attentionNote(id)).isEqualTo(
                why + " (in part) before its confirmation: decide whether the appointment stands"));
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
    }

    /**
     * Stripe not answering the look-up of the payment's refunds fails the event (retried, then a dead letter to
     * replay): nothing is recorded on a guess. Before, the event's amount_refunded was recorded as is.
     */
    @Test
    void aChargeRefundedWhoseRefundsCannotBeLookedUpIsADeadLetterAndRecordsNothing() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = confirmedStripeBooking(START);
        stripe.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/v1/refunds"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(500)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"down\"}}")));
        double outsideBefore = refundsOutsideHub();

        signedStripeWebhook(event("evt_refunded_unlisted", "charge.refunded", charge(id, 9000)));

        awaitDeadLetter("stripe");
        resilience.circuitBreaker("stripe").reset();
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().has("statusReason")).isFalse();
        assertThat(attentionNote(id)).isNull();
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
    }

    /**
     * A refund made by hand in the Dashboard, recorded, its mark cleared by a person, then the booking cancelled in
     * time (the hub refunds the rest): the hub's refund's charge.refunded lists the refund made by hand again, and it
     * is not recorded again (V24 refunded_outside_amount). Before, it was: the reason rewritten, the booking marked
     * again, logged and counted a second time.
     */
    @Test
    void theHubsLaterRefundsEchoDoesNotRecordARefundOutsideTheHubAgain() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        String byHand = StripeFake.refund("re_by_hand", payment, 3000, "succeeded", "{}");
        stripe.refundsOf(payment, byHand);
        double outsideBefore = refundsOutsideHub();
        refundedAndProcessed("evt_refunded_before_cancel", id, 3000);
        assertThat(attentionNote(id)).isEqualTo("a refund the hub did not make: stripe shows 3000 of the payment's "
                + "9000 refunded outside the hub (in part): decide whether the appointment stands");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
        clearAttention(id); // a person looked at it
        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancelled.json().get("status").asText()).as(cancelled.body()).isEqualTo("REFUNDED");
        String reason = cancelled.json().get("statusReason").asText();
        // Stripe refunds what is left, with the hub's mark
        stripe.refundsOf(payment, byHand, StripeFake.refund(HUB_REFUND, payment, 6000, "succeeded",
                "{\"connectify\":\"booking\",\"bookingId\":\"" + id + "\"}"));

        refundedAndProcessed("evt_refunded_by_the_hub", id, 9000);

        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(reason);
        assertThat(attentionNote(id)).isNull();
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
        assertThat(keys()).doesNotContain("stripe:evt_refunded_by_the_hub");
    }

    /**
     * A waiting booking's payment refunded in full by hand: REFUNDED, marked, and logged and counted as soon as that
     * commits, although the removal of an event a failed first confirmation may have made fails (Google down: the
     * event a dead letter); its replay removes it and counts nothing again. Before, the count came after the removal:
     * its failure lost it, and the redelivery found the note and counted nothing.
     */
    @Test
    void aWaitingBookingRefundedOutsideTheHubIsCountedOnceThoughRemovingItsEventFails() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = waitingStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 9000, "succeeded", "{}"));
        var eventPath = com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(
                EVENTS + "/" + BookingSaga.eventIdFor(id));
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(eventPath).willReturn(
                GoogleCalendarFake.error(503, "backendError")));
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.patch(eventPath).willReturn(
                GoogleCalendarFake.error(503, "backendError")));
        double outsideBefore = refundsOutsideHub();

        signedStripeWebhook(event("evt_refunded_google_down", "charge.refunded", charge(id, 9000)));

        var letter = awaitDeadLetter("stripe");
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(attentionNote(id)).isEqualTo("a refund the hub did not make: stripe shows 9000 of the payment's "
                + "9000 refunded outside the hub (in full) before its confirmation: not confirmed, its customer told "
                + "of the refund");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);

        google.reset();
        resilience.circuitBreaker("google-calendar").reset();
        NotifyBuilder replayed = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch")
                .filter(e -> "stripe:evt_refunded_google_down".equals(e.getMessage().getHeader("eventKey",
                        String.class))).whenCompleted(1).create();
        assertThat(send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(200);
        assertThat(replayed.matches(20, TimeUnit.SECONDS)).as("the replayed refund processed").isTrue();
        assertThat(google.server().findAll(com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor(eventPath))
                .size() + google.server().findAll(com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor(
                eventPath)).size()).as("the event's removal tried again").isPositive();
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
        assertThat(status(id)).isEqualTo("REFUNDED");
    }

    /**
     * The payment's refunds on more than one page (Stripe says has_more): every page is read, starting_after the last
     * refund of the page before, and a refund made by hand on the second page counts. Before, only the first page was.
     */
    @Test
    void aRefundOutsideTheHubOnALaterPageOfThePaymentsRefundsIsRecorded() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundPagesOf(payment, List.of(StripeFake.refund("re_by_hand_1", payment, 3000, "succeeded", "{}")),
                List.of(StripeFake.refund("re_by_hand_2", payment, 2000, "succeeded", "{}")));

        refundedAndProcessed("evt_refunded_two_pages", id, 5000);

        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(
                "a refund the hub did not make: stripe shows 5000 of the payment's 9000 refunded outside the hub");
        stripe.server().verify(1, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathEqualTo("/v1/refunds")).withQueryParam("payment_intent", equalTo(payment))
                .withQueryParam("starting_after", equalTo("re_by_hand_1")));
    }

    /**
     * A booking's own refund without the hub's mark (made before the hub marked its refunds; its refund_marked set
     * since by a marked refund of a second payment) is its refund_reference: not taken for one made outside the hub.
     * Before, its charge.refunded recorded the booking's own refund as made outside the hub.
     */
    @Test
    void theBookingsOwnRefundWithoutTheHubsMarkIsNotTakenForARefundOutsideTheHub() {
        String id = refundedStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        assertThat(jdbc.sql("SELECT refund_reference FROM booking WHERE id = :id").param("id", id)
                .query(String.class).single()).isEqualTo(HUB_REFUND);
        String reason = httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText();
        stripe.refundsOf(payment, StripeFake.refund(HUB_REFUND, payment, 9000, "succeeded", "{}"));
        double outsideBefore = refundsOutsideHub();

        refundedAndProcessed("evt_refunded_unmarked_own", id, 9000);

        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(reason);
        assertThat(attentionNote(id)).isNull();
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
    }

    /**
     * A waiting booking's payment refunded in full by a mix (an operator's refund through POST /payments/refunds, the
     * rest by hand in the Dashboard): REFUNDED, its customer told, marked and counted for the part by hand, and a late
     * run of its payment does not confirm it. Before, only the part by hand counted: "in part", only marked, and the
     * payment's run confirmed the booking whose payment was all given back.
     */
    @Test
    void aWaitingBookingsPaymentRefundedInFullByAnOperatorAndByHandIsNeverConfirmed() {
        String id = waitingStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment,
                StripeFake.refund("re_operator", payment, 5000, "succeeded", "{\"connectify\":\"api\"}"),
                StripeFake.refund("re_dashboard", payment, 4000, "succeeded", "{}"));
        double outsideBefore = refundsOutsideHub();
        String why = "a refund the hub did not make: stripe shows 4000 of the payment's 9000 refunded outside the hub";

        refundedAndProcessed("evt_refunded_mix", id, 9000);

        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(
                "paid, then refunded at stripe (refunded) before the hub confirmed it; " + why);
        assertThat(attentionNote(id)).isEqualTo(why + " (in part, the rest through the hub) before its "
                + "confirmation: not confirmed, its customer told of the refund");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
        toldOfTheRefundAndNeverConfirmed(id);
    }

    /**
     * A waiting booking refunded in full by a mix (REFUNDED, its reason naming the 4000 by hand); the refund by hand then
     * fails and an operator's refund through the hub makes it good: the next charge.refunded finds the payment still
     * refunded in full, nothing outside the hub, and the reason no longer names the 4000 (the mark stays, a person was
     * told). Before, the stored amount went back to 0 but the reason kept the refund by hand that failed.
     */
    @Test
    void aRefundedWaitingBookingsReasonFollowsTheAmountRefundedOutsideTheHub() {
        String id = waitingStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment,
                StripeFake.refund("re_operator", payment, 5000, "succeeded", "{\"connectify\":\"api\"}"),
                StripeFake.refund("re_dashboard", payment, 4000, "succeeded", "{}"));
        refundedAndProcessed("evt_refunded_mix_first", id, 9000);
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).endsWith(
                "a refund the hub did not make: stripe shows 4000 of the payment's 9000 refunded outside the hub");
        String note = attentionNote(id);
        double failedBefore = refundsFailed();
        stripe.refundsOf(payment,
                StripeFake.refund("re_operator", payment, 5000, "succeeded", "{\"connectify\":\"api\"}"),
                StripeFake.refund("re_dashboard", payment, 4000, "failed", "{}"),
                StripeFake.refund("re_operator_again", payment, 4000, "succeeded", "{\"connectify\":\"api\"}"));

        refundedAndProcessed("evt_refunded_made_good", id, 9000);

        refundedUnconfirmedNothingOutside(id);
        assertThat(attentionNote(id)).isEqualTo(note);
        assertThat(refundsFailed()).isEqualTo(failedBefore);
    }

    /**
     * A waiting booking's payment refunded in full through the hub alone (an operator's POST /payments/refunds):
     * REFUNDED, its customer told, never confirmed, but neither marked nor counted (nothing was refunded outside the
     * hub). Before, it was the echo of the hub's refunds: left waiting, and a late run of its payment confirmed it.
     */
    @Test
    void aWaitingBookingsPaymentRefundedInFullThroughTheHubAloneIsNeverConfirmedNorMarked() {
        String id = waitingStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment,
                StripeFake.refund("re_operator", payment, 9000, "succeeded", "{\"connectify\":\"api\"}"));
        double outsideBefore = refundsOutsideHub();

        refundedAndProcessed("evt_refunded_operator_alone", id, 9000);

        refundedUnconfirmedNothingOutside(id);
        assertThat(attentionNote(id)).isNull();
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
        toldOfTheRefundAndNeverConfirmed(id);
    }

    /**
     * A refund made by hand that waits for the customer's details to pay it out (requires_action) is money on its way
     * back: counted with those that succeeded or are pending. Before, it was left out: nothing recorded.
     */
    @Test
    void aRefundOutsideTheHubAwaitingTheCustomersDetailsIsRecorded() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 3000, "requires_action", "{}"));
        double outsideBefore = refundsOutsideHub();

        refundedAndProcessed("evt_refunded_requires_action", id, 3000);

        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(
                "a refund the hub did not make: stripe shows 3000 of the payment's 9000 refunded outside the hub");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
    }

    /**
     * A refund made by hand that failed after its charge.refunded was recorded: a later charge.refunded (delivered
     * again, its snapshot stale) finds nothing refunded outside the hub any more, and the booking's reason no longer says
     * so, the rest of it (the dispute) as it was; the mark stays for the person it told. Before, the reason kept "a
     * refund the hub did not make: ... 3000 ..." though the stored amount went back to 0.
     */
    @Test
    void aRefundOutsideTheHubNoLongerShownLeavesItsBookingsReasonAsItWasBeforeIt() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        disputeOpened("evt_no_longer_dispute", id);
        String disputed = DISPUTE_OPEN;
        String part = "a refund the hub did not make: stripe shows 3000 of the payment's 9000 refunded outside the hub";
        String partNote = part + " (in part): decide whether the appointment stands";
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 3000, "succeeded", "{}"));
        refundedAndProcessed("evt_no_longer_part", id, 3000);
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .isEqualTo(part + "; " + disputed);
        double outsideBefore = refundsOutsideHub();

        // the refund by hand failed (an operator's refund through the hub of a confirmed booking's payment is no
        // longer the hub's own: aConfirmedBookingsPaymentRefundedThroughTheHubsRefundEndpointIsRecordedForAPerson)
        stripe.refundsOf(payment, StripeFake.refund("re_by_hand", payment, 3000, "failed", "{}"));
        refundedAndProcessed("evt_no_longer_outside", id, 3000);

        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(disputed);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(attentionNote(id)).isEqualTo(partNote); // a person was told; they clear it
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
        assertThat(jdbc.sql("SELECT refunded_outside_amount FROM booking WHERE id = :id").param("id", id)
                .query(Long.class).single()).isZero();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * A waiting booking made REFUNDED as its payment was refunded in full by hand, whose refund then fails
     * (refund.failed): the money did not go back, so it no longer says REFUNDED: CANCELLED, its reason saying the
     * refund failed and the booking was never confirmed, marked for a person, counted once; nothing refunded again,
     * and a late run of its payment confirms nothing. Before, the refund was taken for one the hub did not make and
     * the booking left REFUNDED.
     */
    @Test
    void aWaitingBookingRefundedInFullWhoseRefundThenFailsIsLeftForAPersonNeverConfirmed() {
        String id = waitingStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment, StripeFake.refund("re_dashboard", payment, 9000, "succeeded", "{}"));
        refundedAndProcessed("evt_refunded_then_failed", id, 9000);
        assertThat(status(id)).isEqualTo("REFUNDED");
        double failedBefore = refundsFailed();
        String failed = "the refund failed at the provider (expired_or_canceled_card): its payment was refunded before "
                + "its confirmation, the booking never confirmed; pay the customer back another way";
        // as Stripe lists the payment's refunds after that failure (the hub looks them up before acting on it)
        stripe.refundsOf(payment, StripeFake.refund("re_dashboard", payment, 9000, "failed", "{}"));

        signedStripeWebhook(event("evt_dashboard_refund_failed", "refund.failed",
                refund("re_dashboard", payment, "failed", "expired_or_canceled_card")));

        awaitStatus(id, "CANCELLED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(failed);
        assertThat(attentionNote(id)).endsWith(failed);
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
        // another event of the same failure changes and counts nothing
        NotifyBuilder again = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch").filter(e ->
                "stripe:evt_dashboard_refund_updated".equals(e.getMessage().getHeader("eventKey", String.class)))
                .whenCompleted(1).create();
        signedStripeWebhook(event("evt_dashboard_refund_updated", "charge.refund.updated",
                refund("re_dashboard", payment, "failed", "expired_or_canceled_card")));
        assertThat(again.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(failed);

        paidLateAndProcessed(id);
        assertThat(status(id)).isEqualTo("CANCELLED");
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(notifications(id, "confirmation")).isZero();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * Such a booking (refunded in full by an operator through the hub and by hand) whose later charge.refunded shows
     * less refunded (the operator's refund failed): CANCELLED for a person, never confirmed, nothing refunded. Before,
     * the amount by hand was recorded already, and the booking stayed REFUNDED.
     */
    @Test
    void aWaitingBookingRefundedInFullWhosePaymentThenShowsLessRefundedIsLeftForAPerson() {
        String id = waitingStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment,
                StripeFake.refund("re_operator", payment, 5000, "succeeded", "{\"connectify\":\"api\"}"),
                StripeFake.refund("re_dashboard", payment, 4000, "succeeded", "{}"));
        refundedAndProcessed("evt_refunded_mix_first", id, 9000);
        assertThat(status(id)).isEqualTo("REFUNDED");
        double failedBefore = refundsFailed();
        stripe.refundsOf(payment,
                StripeFake.refund("re_operator", payment, 5000, "failed", "{\"connectify\":\"api\"}"),
                StripeFake.refund("re_dashboard", payment, 4000, "succeeded", "{}"));

        refundedAndProcessed("evt_refunded_mix_less", id, 4000);

        String failed = "the refund failed at the provider (stripe shows 4000 of 9000 refunded): its payment was "
                + "refunded before its confirmation, the booking never confirmed; pay the customer back another way";
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(failed);
        assertThat(attentionNote(id)).endsWith(failed);
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
        // the operator's refund's own failure event, handled after it, counts nothing again
        NotifyBuilder failedEvent = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch").filter(e ->
                "stripe:evt_operator_refund_failed".equals(e.getMessage().getHeader("eventKey", String.class)))
                .whenCompleted(1).create();
        signedStripeWebhook(event("evt_operator_refund_failed", "refund.failed", refund("re_operator", payment,
                "failed", "lost_or_stolen_card", "{\"connectify\":\"api\"}")));
        assertThat(failedEvent.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(failed);
        paidLateAndProcessed(id);
        assertThat(status(id)).isEqualTo("CANCELLED");
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * Two refunds through the hub (5000, then 4000) refund a waiting booking's payment in full, and Stripe delivers
     * their charge.refunded out of order: the second's (9000 refunded) makes the booking REFUNDED, then the first's
     * (5000, a snapshot older than the second refund) changes nothing, as the payment's refunds still refund all of
     * it: REFUNDED, not marked, no failed refund counted. Before, the event's 5000 was taken for a refund that failed:
     * CANCELLED, marked for a person and counted.
     */
    @Test
    void aWaitingBookingsOlderChargeRefundedDeliveredLateLeavesItRefunded() {
        String id = waitingStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment,
                StripeFake.refund("re_operator_first", payment, 5000, "succeeded", "{\"connectify\":\"api\"}"),
                StripeFake.refund("re_operator_second", payment, 4000, "succeeded", "{\"connectify\":\"api\"}"));
        refundedAndProcessed("evt_refunded_second", id, 9000);
        assertThat(status(id)).isEqualTo("REFUNDED");
        double failedBefore = refundsFailed();

        refundedAndProcessed("evt_refunded_first_late", id, 5000);

        refundedUnconfirmedNothingOutside(id);
        assertThat(attentionNote(id)).isNull();
        assertThat(refundsFailed()).isEqualTo(failedBefore);
        toldOfTheRefundAndNeverConfirmed(id);
    }

    /**
     * A charge.refunded showing a waiting booking's payment refunded in full, handled after that refund failed (its
     * delivery late or repeated): the payment's refunds refund nothing now, so the booking is not made REFUNDED; it
     * still waits for its confirmation. Before, the event's amount_refunded made it REFUNDED and its customer was told
     * of a refund that never reached them.
     */
    @Test
    void aStaleChargeRefundedOfARefundThatHasFailedSinceDoesNotMakeAWaitingBookingRefunded() {
        String id = waitingStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment,
                StripeFake.refund("re_operator", payment, 9000, "failed", "{\"connectify\":\"api\"}"));

        refundedAndProcessed("evt_refunded_stale", id, 9000);

        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(notifications(id, "payment-refunded")).isZero();
        assertThat(attentionNote(id)).isNull();
    }

    /**
     * A refund of a waiting booking's payment failed (R1, by an operator through the hub), then another (R2) refunded
     * it in full: the booking is REFUNDED. R1's failure event, delivered late (or again), changes nothing: the payment's
     * refunds, looked up at Stripe, still refund all of it. REFUNDED, not marked, no failed refund counted. Before, any
     * failure of a refund of its payment made it CANCELLED, marked for a person and counted.
     */
    @Test
    void aLateFailureOfARefundThatAnotherRefundMadeGoodLeavesTheWaitingBookingRefunded() {
        String id = waitingStripeBooking();
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment,
                StripeFake.refund("re_operator_failed", payment, 9000, "failed", "{\"connectify\":\"api\"}"),
                StripeFake.refund("re_operator_again", payment, 9000, "succeeded", "{\"connectify\":\"api\"}"));
        refundedAndProcessed("evt_refunded_again", id, 9000);
        assertThat(status(id)).isEqualTo("REFUNDED");
        double failedBefore = refundsFailed();
        double foreignBefore = meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count();
        NotifyBuilder lateFailure = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch").filter(e ->
                "stripe:evt_operator_refund_failed_late".equals(e.getMessage().getHeader("eventKey", String.class)))
                .whenCompleted(1).create();

        signedStripeWebhook(event("evt_operator_refund_failed_late", "refund.failed", refund("re_operator_failed",
                payment, "failed", "expired_or_canceled_card", "{\"connectify\":\"api\"}")));

        assertThat(lateFailure.matches(15, TimeUnit.SECONDS)).isTrue();
        refundedUnconfirmedNothingOutside(id);
        assertThat(attentionNote(id)).isNull();
        assertThat(refundsFailed()).isEqualTo(failedBefore);
        assertThat(meters.counter("connectify.refunds.failed.foreign", "provider", "stripe").count())
                .isEqualTo(foreignBefore);
        // looked up at the charge.refunded, and again at the failure
        stripe.server().verify(2, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathEqualTo("/v1/refunds")).withQueryParam("payment_intent", equalTo(payment)));
        toldOfTheRefundAndNeverConfirmed(id);
    }

    /**
     * The same with the booking's id in upper case in the Charge's metadata (a UUID in any case names the booking, as
     * every payment event's does): the booking is found and marked by its stored id. Before, it was found but the mark
     * was written under the id as sent, matched nothing, and the payment then confirmed it.
     */
    @Test
    void aChargeRefundedBeforeThePaymentNamingItsBookingInUpperCaseStillLeavesItRefunded() {
        String id = pendingBookingRefundedByHand("re_by_hand_upper", 9000);
        String payment = "pi_" + id.substring(0, 8);

        refundedAndProcessed("evt_refunded_early_upper", id.toUpperCase(java.util.Locale.ROOT), payment, 9000);
        assertThat(refundSeen(id)).isEqualTo(payment);
        paidLateAndProcessed(id);

        refundedNeverConfirmed(id);
    }

    /**
     * A charge.refunded in full (by hand) handled before its booking's checkout.session.completed: the booking
     * remembers it, the event completes, and the payment then makes the booking REFUNDED, never CONFIRMED: no calendar
     * event, its customer told of the refund once (a repeat of the payment tells nothing more), marked for a person
     * and counted as refunded outside the hub, no dead letter. Before, the event failed (EventOutOfOrderException, a
     * dead letter), and the payment confirmed the booking.
     */
    @Test
    void aChargeRefundedInFullBeforeItsBookingsPaymentLeavesTheBookingRefundedNeverConfirmed() {
        String id = pendingBookingRefundedByHand("re_by_hand", 9000);
        String payment = "pi_" + id.substring(0, 8);
        double outsideBefore = refundsOutsideHub();

        refundedAndProcessed("evt_refunded_early", id, 9000);
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        paidLateAndProcessed(id);

        refundedNeverConfirmed(id);
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
        int told = notifications(id, "payment-refunded");
        // another event of its payment: nothing more
        NotifyBuilder again = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch").filter(e ->
                "stripe:evt_paid_again".equals(e.getMessage().getHeader("eventKey", String.class)))
                .whenCompleted(1).create();
        signedStripeWebhook(event("evt_paid_again", "payment_intent.succeeded",
                StripeFake.paymentIntent(id, payment, "succeeded")));
        assertThat(again.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(notifications(id, "payment-refunded")).isEqualTo(told);
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    /**
     * Payment A refunded in full by hand, then a charge.refunded of another payment B of the same unpaid booking (a
     * second Checkout attempt refunded by hand; or a short payment the hub refunded), both before A's payment event:
     * the booking keeps that a payment of it was seen refunded (B named for the log), and A's payment looks up its
     * own refunds: REFUNDED, never confirmed, the mark then cleared. Before, B's event replaced A on the mark, and A,
     * refunded in full, confirmed the booking.
     */
    @Test
    void aChargeRefundedOfAnotherPaymentOfTheBookingStillLeavesItRefundedInFullNeverConfirmed() {
        String id = pendingBookingRefundedByHand("re_by_hand", 9000);
        String payment = "pi_" + id.substring(0, 8);
        String other = payment + "_second";

        refundedAndProcessed("evt_refunded_a", id, 9000);
        refundedAndProcessed("evt_refunded_b", id, other, 9000);
        assertThat(refundSeen(id)).as("the payment seen last, for the log").isEqualTo(other);
        paidLateAndProcessed(id);

        refundedNeverConfirmed(id);
        assertThat(refundSeen(id)).as("cleared").isNull();
    }

    /**
     * The same for a booking whose hold ran out (EXPIRED by the hold sweep) before the charge.refunded, then paid late
     * while its slot is still free: REFUNDED, never confirmed. Before, the event was dropped (the booking no longer
     * PENDING_PAYMENT), and the late payment held the booking again and confirmed it.
     */
    @Test
    void aChargeRefundedInFullOfAnExpiredBookingBeforeItsLatePaymentLeavesItRefundedNeverConfirmed() {
        String id = pendingBookingRefundedByHand("re_by_hand", 9000);
        String payment = "pi_" + id.substring(0, 8);
        clock.advance(Duration.ofMinutes(16)); // the hold runs out
        awaitStatus(id, "EXPIRED");

        refundedAndProcessed("evt_refunded_expired", id, 9000);
        assertThat(status(id)).isEqualTo("EXPIRED");
        paidLateAndProcessed(id);

        refundedNeverConfirmed(id);
    }

    /**
     * A part (3000 of 9000) refunded by hand before the booking's payment event: the booking is CONFIRMED as usual,
     * then the part is recorded as charge.refunded records it on a confirmed booking (reason, mark, count). Before,
     * the event was a dead letter, and the booking was confirmed with nothing recorded.
     */
    @Test
    void aChargeRefundedInPartBeforeItsBookingsPaymentIsRecordedOnceTheBookingIsConfirmed() {
        String id = pendingBookingRefundedByHand("re_by_hand", 3000);
        String payment = "pi_" + id.substring(0, 8);
        double outsideBefore = refundsOutsideHub();

        refundedAndProcessed("evt_refunded_part_early", id, 3000);
        paidLateAndProcessed(id);

        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(notifications(id, "confirmation")).isPositive();
        String why = "a refund the hub did not make: stripe shows 3000 of the payment's 9000 refunded outside the hub";
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(why);
        assertThat(attentionNote(id)).isEqualTo(why + " (in part): decide whether the appointment stands");
        assertThat(jdbc.sql("SELECT refunded_outside_amount FROM booking WHERE id = :id").param("id", id)
                .query(Long.class).single()).isEqualTo(3000L);
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
        assertThat(httpGet("/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters"))
                .isEmpty();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * The same, the recording of the part after the confirmation failing once (the note's write: the database, say):
     * the payment's event is redelivered, and its run, finding the booking CONFIRMED by that payment and still marked,
     * records the part then, once (reason, note, amount, counted once), and clears the mark; the booking stays
     * CONFIRMED with its one calendar event, and its customer gets one confirmation.
     */
    @Test
    void aChargeRefundedInPartBeforeItsBookingsPaymentIsRecordedByTheRedeliveryWhenItsNoteFailsOnce() {
        refundedInPartBeforeThePaymentFailingOnce("attention_note");
    }

    /**
     * The same, the clearing of the mark failing once, after the part was recorded and counted: the redelivery finds
     * the amount recorded already and counts nothing again; the mark is cleared then.
     */
    @Test
    void aChargeRefundedInPartBeforeItsBookingsPaymentIsCountedOnceWhenClearingItsMarkFailsOnce() {
        refundedInPartBeforeThePaymentFailingOnce("refund_seen_at");
    }

    /**
     * A part (3000 of 9000) refunded by hand before the booking's payment event, whose run, after it confirmed the
     * booking, fails once at the update of the booking that changes {@code failingColumn}.
     */
    private void refundedInPartBeforeThePaymentFailingOnce(String failingColumn) {
        String id = pendingBookingRefundedByHand("re_by_hand", 3000);
        refundedAndProcessed("evt_refunded_part_" + failingColumn, id, 3000);
        assertThat(refundSeen(id)).as("remembered").isNotNull();
        double outsideBefore = refundsOutsideHub();

        try (var failing = FailingWrite.updateOnce(jdbc, "booking", id, failingColumn)) {
            paidLateAndProcessed(id);
            assertThat(failing.failed()).as("the update of %s failed once", failingColumn).isTrue();
        }

        assertThat(status(id)).isEqualTo("CONFIRMED");
        String why = "a refund the hub did not make: stripe shows 3000 of the payment's 9000 refunded outside the hub";
        var booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.path("statusReason").asText()).isEqualTo(why);
        assertThat(booking.has("refundSeenBeforePayment")).as("the saga's, not the API's").isFalse();
        assertThat(attentionNote(id)).isEqualTo(why + " (in part): decide whether the appointment stands");
        assertThat(jdbc.sql("SELECT refunded_outside_amount FROM booking WHERE id = :id").param("id", id)
                .query(Long.class).single()).isEqualTo(3000L);
        assertThat(refundsOutsideHub()).as("counted once").isEqualTo(outsideBefore + 1);
        assertThat(refundSeen(id)).as("cleared").isNull();
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        confirmationSentOnce(id);
        assertThat(httpGet("/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters"))
                .isEmpty();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /** The booking's customer (the only one of the test) sent its confirmation once: one SMS, one email. */
    private void confirmationSentOnce(String id) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.sql("SELECT COUNT(*) FROM "
                + "notification WHERE booking_id = :id AND kind = 'confirmation' AND provider_reference IS NOT NULL")
                .param("id", id).query(Integer.class).single()).as("one SMS, one email, sent").isEqualTo(2));
        assertThat(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))).stream()
                .map(r -> java.net.URLDecoder.decode(r.getBodyAsString(), StandardCharsets.UTF_8))
                .filter(text -> text.contains("ist bestätigt"))).hasSize(1);
        assertThat(notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .filter(r -> r.getBodyAsString().contains("ist bestätigt"))).hasSize(1);
    }

    /** REFUNDED before its confirmation, its reason naming no refund outside the hub. */
    private void refundedUnconfirmedNothingOutside(String id) {
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(
                "paid, then refunded at stripe (refunded) before the hub confirmed it");
    }

    /** A booking paid after its payment was seen refunded in full: REFUNDED, never confirmed, told once. */
    private void refundedNeverConfirmed(String id) {
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).startsWith(
                "paid, then refunded at stripe (refunded) before the hub confirmed it");
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(notifications(id, "confirmation")).isZero();
        assertThat(notifications(id, "payment-refunded")).isPositive();
        assertThat(attentionNote(id)).endsWith("(in full) before its confirmation: not confirmed, its customer told of "
                + "the refund");
        assertThat(httpGet("/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters"))
                .isEmpty();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * One naming no booking, of a payment no booking was paid by, whose Payment Intent at Stripe names none either (a
     * payment made outside the hub's bookings), is still dropped: no dead letter, its refunds not looked up, logged
     * once with the reason. The Payment Intent is asked for once.
     */
    @Test
    void aChargeRefundedNamingNoBookingOfAPaymentNoBookingHasNeedsNoAction() {
        jdbc.sql("DELETE FROM dead_letter").update();
        pendingBooking(START, "stripe"); // one waiting for a Stripe payment: the Payment Intent could name it
        stripe.paymentIntentOf("pi_nobody", "{}");
        NotifyBuilder processed = processed("evt_refunded_nobody");
        try (LogLines lines = LogLines.of(BookingSaga.class)) {
            signedStripeWebhook(event("evt_refunded_nobody", "charge.refunded",
                    chargeNamingNoBooking("pi_nobody", 9000)));
            assertThat(processed.matches(15, TimeUnit.SECONDS)).isTrue();

            assertThat(lines.lines().stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(line -> line.contains("pi_nobody"))).containsExactly("stripe payment pi_nobody shows "
                    + "9000 refunded; no booking was paid by it, and neither the event nor its Payment Intent at "
                    + "stripe names a booking: no action");
        }
        assertThat(httpGet("/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters"))
                .isEmpty();
        stripe.server().verify(0, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathEqualTo("/v1/refunds")));
        stripe.server().verify(1, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathEqualTo("/v1/payment_intents/pi_nobody")));
    }

    /**
     * One naming no booking whose Payment Intent Stripe does not show the hub's key (404 resource_missing: another
     * account's, or, in sandbox with a webhook secret set, one {@code stripe trigger charge.refunded} made at Stripe
     * that the simulator never made) names none of its bookings: dropped as one whose Payment Intent names none, no
     * dead letter, no redelivery (the Payment Intent asked for once), logged once with the reason. Before, the
     * NotFoundException failed the event: redelivered, then a dead letter for a person.
     */
    @Test
    void aChargeRefundedNamingNoBookingWhosePaymentIntentStripeDoesNotShowNeedsNoAction() {
        jdbc.sql("DELETE FROM dead_letter").update();
        pendingBooking(START, "stripe"); // one waiting for a Stripe payment: the Payment Intent is asked for
        stripe.noPaymentIntent("pi_unknown");
        NotifyBuilder processed = processed("evt_refunded_unknown");
        try (LogLines lines = LogLines.of(BookingSaga.class)) {
            assertThat(signedStripeWebhook(event("evt_refunded_unknown", "charge.refunded",
                    chargeNamingNoBooking("pi_unknown", 9000))).status()).isEqualTo(200);
            assertThat(processed.matches(15, TimeUnit.SECONDS)).isTrue();

            assertThat(httpGet("/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters"))
                    .as("no dead letter").isEmpty();
            assertThat(stripe.server().findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                    urlPathEqualTo("/v1/payment_intents/pi_unknown")))).as("asked once: not redelivered").hasSize(1);
            assertThat(lines.lines().stream().filter(line -> line.getLevel() == Level.INFO)
                    .map(ILoggingEvent::getFormattedMessage).filter(line -> line.contains("pi_unknown")))
                    .containsExactly("stripe payment pi_unknown shows 9000 refunded; no booking was paid by it, and "
                            + "the event names none, and stripe shows the hub no such Payment Intent (404): no action");
        }
        stripe.server().verify(0, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathEqualTo("/v1/refunds")));
    }

    /**
     * With no Stripe booking waiting for a payment (none unpaid in PENDING_PAYMENT, EXPIRED or PAYMENT_FAILED: here a
     * Payrexx one waiting for its payment and a Stripe one paid, waiting for its confirmation), a charge.refunded
     * naming no booking, of a payment no booking was paid by (one made through the payments API, or by another system
     * on the account), could be remembered on no booking whatever its Payment Intent names: Stripe is not asked (no
     * call, no rate-limiter permit shared with booking creation, no dead letter while Stripe is down), and it is
     * dropped, logged once with the reason. Before, its Payment Intent was asked for on every such refund.
     */
    @Test
    void aChargeRefundedNamingNoBookingWithNoStripeBookingWaitingForAPaymentAsksStripeNothing() {
        jdbc.sql("DELETE FROM dead_letter").update();
        pendingBooking("2026-12-01T13:00:00+01:00", "payrexx");
        waitingStripeBooking();
        stripe.paymentIntentOf("pi_outside", "{}");
        NotifyBuilder processed = processed("evt_refunded_outside");
        try (LogLines lines = LogLines.of(BookingSaga.class)) {
            assertThat(signedStripeWebhook(event("evt_refunded_outside", "charge.refunded",
                    chargeNamingNoBooking("pi_outside", 9000))).status()).isEqualTo(200);
            assertThat(processed.matches(15, TimeUnit.SECONDS)).isTrue();

            assertThat(lines.lines().stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(line -> line.contains("pi_outside"))).containsExactly("stripe payment pi_outside shows "
                    + "9000 refunded; no booking was paid by it, and the event names none, and no stripe booking is "
                    + "waiting for a payment (its Payment Intent not asked for): no action");
        }
        stripe.server().verify(0, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathMatching("/v1/payment_intents/.*")));
        assertThat(httpGet("/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters"))
                .isEmpty();
    }

    /**
     * A charge.refunded whose Charge names no booking (no bookingId in its metadata), its payment refunded in full by
     * hand, handled before the payment's payment_intent.succeeded: the hub asks Stripe for the Payment Intent
     * ({@code GET /v1/payment_intents/{id}} with its key), whose metadata names the booking, and the booking remembers
     * it (V25) as for a Charge naming it. The payment then leaves the booking REFUNDED, never confirmed: no calendar
     * event, its customer told of the refund once (the Checkout's other event of the payment tells nothing more).
     * Before, the event was dropped (no booking was paid by the payment yet, and it named none), and the payment
     * confirmed the booking.
     */
    @Test
    void aChargeRefundedNamingNoBookingBeforeItsPaymentFindsTheBookingByItsPaymentIntentAndLeavesItRefunded() {
        String id = pendingBookingRefundedByHand("re_by_hand", 9000);
        String payment = "pi_" + id.substring(0, 8);
        stripe.paymentIntentOf(payment, "{\"bookingId\":\"" + id + "\"}");
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkevent",
                "Consultation", START, START))));

        NotifyBuilder refundedFirst = processed("evt_refunded_unnamed");
        assertThat(signedStripeWebhook(event("evt_refunded_unnamed", "charge.refunded",
                chargeNamingNoBooking(payment, 9000))).status()).isEqualTo(200);
        assertThat(refundedFirst.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(refundSeen(id)).as("remembered on the booking its Payment Intent names").isEqualTo(payment);
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");

        NotifyBuilder paid = processed("evt_unnamed_paid");
        signedStripeWebhook(event("evt_unnamed_paid", "payment_intent.succeeded",
                paymentIntent(id, payment, "succeeded")));
        assertThat(paid.matches(15, TimeUnit.SECONDS)).isTrue();

        refundedNeverConfirmed(id);
        int told = notifications(id, "payment-refunded");
        NotifyBuilder again = processed("evt_unnamed_paid_again");
        signedStripeWebhook(event("evt_unnamed_paid_again", "checkout.session.completed",
                checkoutSession(id, "paid", payment)));
        assertThat(again.matches(15, TimeUnit.SECONDS)).isTrue();
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(notifications(id, "payment-refunded")).as("told once").isEqualTo(told);
        assertThat(notifications(id, "confirmation")).isZero();
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        stripe.server().verify(1, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathEqualTo("/v1/payment_intents/" + payment))
                .withHeader("Authorization", equalTo("Bearer " + StripeFake.SECRET_KEY)));
    }

    /**
     * The Payment Intent's look-up failing (Stripe answering 503 through the retries) fails the event as any provider
     * failure: redelivered, then a dead letter, nothing remembered on a guess; replayed once Stripe answers, the booking
     * its Payment Intent names remembers the refund.
     */
    @Test
    void aChargeRefundedNamingNoBookingWhosePaymentIntentCannotBeLookedUpFailsAndIsReplayed() {
        String id = pendingBookingRefundedByHand("re_by_hand", 9000);
        String payment = "pi_" + id.substring(0, 8);
        stripe.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(
                urlPathEqualTo("/v1/payment_intents/" + payment)).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(503)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"unavailable\"}}")));

        signedStripeWebhook(event("evt_refunded_unnamed_down", "charge.refunded",
                chargeNamingNoBooking(payment, 9000)));

        var letter = awaitDeadLetter("stripe");
        assertThat(letter.get("errorMessage").asText()).startsWith("provider-");
        assertThat(stripe.server().findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathEqualTo("/v1/payment_intents/" + payment)))).as("retried").hasSizeGreaterThan(1);
        assertThat(refundSeen(id)).as("nothing remembered").isNull();
        assertThat(keys()).doesNotContain("stripe:evt_refunded_unnamed_down");

        stripe.paymentIntentOf(payment, "{\"bookingId\":\"" + id + "\"}");
        resilience.circuitBreaker("stripe").reset();
        assertThat(send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(refundSeen(id)).isEqualTo(payment));
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
    }

    /** A Charge as charge.refunded carries it without its Payment Intent's metadata: it names no booking. */
    private static String chargeNamingNoBooking(String paymentIntent, long refunded) {
        return """
                {"id":"ch_%s","object":"charge","amount":9000,"amount_refunded":%d,"currency":"chf","metadata":{},
                 "payment_intent":"%s","refunded":%b,"status":"succeeded"}""".formatted(paymentIntent, refunded,
                paymentIntent, refunded >= 9000);
    }

    /**
     * A booking waiting for its Stripe payment (pi_ and its id's first 8 characters) that Stripe lists refunded by hand
     * ({@code amount}, {@code refundId}, unmarked), earlier tests' dead letters removed (the tests find none of their
     * own).
     */
    private String pendingBookingRefundedByHand(String refundId, long amount) {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        String payment = "pi_" + id.substring(0, 8);
        stripe.refundsOf(payment, StripeFake.refund(refundId, payment, amount, "succeeded", "{}"));
        return id;
    }

    /** A paid booking waiting for its confirmation (its payment recorded, Google down when it came). */
    private String waitingStripeBooking() {
        String id = pendingBooking(START, "stripe");
        jdbc.sql("UPDATE booking SET provider = 'stripe', payment_reference = :payment, paid_amount = 9000, "
                + "hold_expires_at = NULL WHERE id = :id").param("payment", "pi_" + id.substring(0, 8))
                .param("id", id).update();
        return id;
    }

    /** A late run of the booking's payment (its checkout.session.completed handled only now), processed. */
    private void paidLateAndProcessed(String bookingId) {
        String eventId = "evt_paid_late_" + bookingId.substring(0, 8);
        NotifyBuilder processed = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch")
                .filter(e -> ("stripe:" + eventId).equals(e.getMessage().getHeader("eventKey", String.class)))
                .whenCompleted(1).create();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkevent",
                "Consultation", START, START))));
        assertThat(signedStripeWebhook(event(eventId, "checkout.session.completed",
                checkoutSession(bookingId, "paid", "pi_" + bookingId.substring(0, 8)))).status()).isEqualTo(200);
        assertThat(processed.matches(15, TimeUnit.SECONDS)).as(eventId + " processed").isTrue();
    }

    /** The hub's refund of a booking fails at Stripe (refund.updated failed): answers the booking's reason then. */
    private String hubRefundFailed(String bookingId) {
        return hubRefundFailed(bookingId, "expired_or_canceled_card");
    }

    private String hubRefundFailed(String bookingId, String failureReason) {
        signedStripeWebhook(event("evt_failed_" + bookingId.substring(0, 8), "refund.updated",
                refund("pi_" + bookingId.substring(0, 8), "failed", failureReason)));
        String failed = "the refund failed at the provider (" + failureReason + "): pay the customer back another way";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + bookingId).json().path("statusReason").asText()).isEqualTo(failed));
        return failed;
    }

    /** Stripe's charge.refunded of a booking's payment, {@code refunded} of it, sent and processed. */
    private void refundedAndProcessed(String eventId, String bookingId, long refunded) {
        refundedAndProcessed(eventId, bookingId, "pi_" + bookingId.substring(0, 8), refunded);
    }

    /** The same of a payment {@code paymentIntent} naming the booking (another Checkout attempt's, say). */
    private void refundedAndProcessed(String eventId, String bookingId, String paymentIntent, long refunded) {
        NotifyBuilder processed = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch")
                .filter(e -> ("stripe:" + eventId).equals(e.getMessage().getHeader("eventKey", String.class)))
                .whenCompleted(1).create();
        assertThat(signedStripeWebhook(event(eventId, "charge.refunded", charge(bookingId, paymentIntent, refunded)))
                .status()).isEqualTo(200);
        assertThat(processed.matches(15, TimeUnit.SECONDS)).as(eventId + " processed").isTrue();
    }

    private List<String> keys() {
        return jdbc.sql("SELECT messageId FROM CAMEL_MESSAGEPROCESSED").query(String.class).list();
    }

    /** The payment a refund seen before payment names on the booking (V25); null when none is remembered. */
    private String refundSeen(String bookingId) {
        return jdbc.sql("SELECT refund_seen_payment FROM booking WHERE id = :id").param("id", bookingId)
                .query(String.class).list().get(0);
    }

    private int notifications(String bookingId, String kind) {
        return jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = :kind")
                .param("id", bookingId).param("kind", kind).query(Integer.class).single();
    }

    /**
     * The hub's refund of a booking's payment (re_123, as the Stripe fake answers every refund) as Stripe lists it,
     * with the mark the hub sent (metadata connectify=booking and the bookingId).
     */
    private static String hubRefund(String bookingId, String status) {
        return StripeFake.refund(HUB_REFUND, "pi_" + bookingId.substring(0, 8), 9000, status,
                "{\"connectify\":\"booking\",\"bookingId\":\"" + bookingId + "\"}");
    }

    private double refundsOutsideHub() {
        return meters.counter("connectify.refunds.outside.hub", "provider", "stripe").count();
    }

    /** The booking's note in GET /api/v1/admin/bookings/attention; null when it is not listed. */
    private String attentionNote(String bookingId) {
        for (var marked : httpGet("/api/v1/admin/bookings/attention", ADMIN_KEY).json().get("bookings")) {
            if (marked.get("bookingId").asText().equals(bookingId)) {
                return marked.get("note").asText();
            }
        }
        return null;
    }

    /**
     * The Charge of a booking's payment (its Payment Intent pi_ and the booking id's first 8 characters, as
     * {@code confirmedStripeBooking} pays it) as Stripe's charge.refunded carries it, {@code refunded} of its 9000
     * refunded: its metadata the Payment Intent's (a Charge inherits it: the bookingId), its list of refunds left out,
     * as API versions from 2022-11-15 on send it.
     */
    private static String charge(String bookingId, long refunded) {
        return charge(bookingId, "pi_" + bookingId.substring(0, 8), refunded);
    }

    /** The same of the payment {@code paymentIntent} naming the booking. */
    private static String charge(String bookingId, String paymentIntent, long refunded) {
        return """
                {"id":"ch_%s","object":"charge","amount":9000,"amount_captured":9000,"amount_refunded":%d,
                 "captured":true,"currency":"chf","metadata":{"bookingId":"%s"},"paid":true,"payment_intent":"%s",
                 "refunded":%b,"status":"succeeded"}""".formatted(paymentIntent, refunded, bookingId, paymentIntent,
                refunded >= 9000);
    }

    @Test
    void aRefundCanceledAfterItWasMadeCancelsTheRefundedBookingAgainToo() {
        String id = refundedStripeBooking();
        double failedBefore = refundsFailed();

        // some payment methods' refunds can be canceled; such a refund names no failure_reason
        signedStripeWebhook(event("evt_refund_canceled", "refund.updated", refund("pi_" + id.substring(0, 8), "canceled", null)));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status(id)).isEqualTo("CANCELLED"));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText()).isEqualTo(
                "the refund failed at the provider (canceled): pay the customer back another way");
        assertThat(refundsFailed()).isEqualTo(failedBefore + 1);
    }

    /** The hub's refund as the Stripe fake answers it (StripeFake: every refund is re_123). */
    private static final String HUB_REFUND = "re_123";

    /** The hub's refund of a payment as Stripe's refund.* events carry it. */
    private static String refund(String paymentIntent, String status, String failureReason) {
        return refund(HUB_REFUND, paymentIntent, status, failureReason);
    }

    /** A Refund object as Stripe's refund.* events carry it, without the hub's mark (as one made by hand). */
    private static String refund(String refundId, String paymentIntent, String status, String failureReason) {
        return refund(refundId, paymentIntent, status, failureReason, "{}");
    }

    /** The hub's failed refund of a second payment of the booking, one no booking was paid (and refunded) by. */
    private static String strayHubRefund(String bookingId) {
        return refund("re_unknown", "pi_unknown", "failed", "lost_or_stolen_card",
                "{\"connectify\":\"booking\",\"bookingId\":\"" + bookingId + "\"}");
    }

    /** A Refund object as Stripe's refund.* events carry it, with this metadata. */
    private static String refund(String refundId, String paymentIntent, String status, String failureReason,
                                 String metadata) {
        return """
                {"id":"%s","object":"refund","amount":9000,"currency":"chf","payment_intent":"%s",
                 "reason":"requested_by_customer","status":"%s","failure_reason":%s,"metadata":%s}"""
                .formatted(refundId, paymentIntent, status, failureReason == null ? "null" : "\"" + failureReason + "\"",
                        metadata);
    }

    @Test
    void aPaymentForASlotTakenMeanwhileIsRefunded() {
        String late = pendingBooking(START, "stripe");
        clock.advance(Duration.ofMinutes(16)); // the hold runs out...
        awaitStatus(late, "EXPIRED");
        pendingBooking(START, "stripe"); // ...and someone else takes the slot

        signedStripeWebhook(event("evt_late_pay", "checkout.session.completed", checkoutSession(late, "paid", "pi_late")));

        awaitStatus(late, "REFUNDED");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("payment_intent=pi_late"))
                // marked as the hub's, for this booking: its events are told from a refund made by hand
                .withRequestBody(StripeFake.formField("metadata[connectify]", "booking"))
                .withRequestBody(StripeFake.formField("metadata[bookingId]", late))
                .withHeader("Idempotency-Key", equalTo("booking-" + late + "-refund-pi_late")));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    @Test
    void aPaidCheckoutInAnotherCurrencyIsRefundedAndConfirmsNothing() {
        String id = pendingBooking(START, "stripe"); // 9000 CHF
        try (LogLines lines = LogLines.of(BookingSaga.class)) {
            // the price's amount, but in yen: about 50 CHF
            assertThat(signedStripeWebhook(event("evt_jpy_cs", "checkout.session.completed",
                    inYen(checkoutSession(id, "paid", "pi_jpy_cs")))).status()).isEqualTo(200);

            paidInYenRefundedNeverConfirmed(id, "pi_jpy_cs");
            assertThat(lines.lines()).anySatisfy(line -> assertThat(line.getFormattedMessage())
                    .contains(id).contains("9000 JPY").contains("9000 CHF").contains("refunding"));
        }
    }

    @Test
    void aSucceededPaymentIntentInAnotherCurrencyIsRefundedAndConfirmsNothing() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");

        assertThat(signedStripeWebhook(event("evt_jpy_pi", "payment_intent.succeeded",
                inYen(paymentIntent(id, "pi_jpy_pi", "succeeded")))).status()).isEqualTo(200);

        paidInYenRefundedNeverConfirmed(id, "pi_jpy_pi");
        // the customer then pays in the booking's currency: confirmed
        assertThat(signedStripeWebhook(event("evt_chf_pi", "payment_intent.succeeded",
                paymentIntent(id, "pi_chf_pi", "succeeded"))).status()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("payment_intent=pi_chf_pi")));
    }

    /**
     * An event queued as text, as the webhook inbox forwarded every event before it sent their UTF-8 bytes (or as
     * another producer, or a person, queues one): processed as one queued as bytes, its body read where the route
     * needs it (a debit's completion: its Checkout Session and when Stripe created it).
     */
    @Test
    void anEventQueuedAsTextIsProcessedAsOneQueuedAsItsBytes() {
        String id = pendingBooking(START, "stripe");
        NotifyBuilder processing = processed("evt_text_processing");
        String body = event("evt_text_processing", "checkout.session.completed",
                checkoutSession(id, "unpaid", "pi_text_sepa"));
        new JmsTemplate(connectionFactory).send("stripe-events", session -> {
            Message message = session.createTextMessage(body);
            message.setStringProperty("provider", "stripe");
            message.setStringProperty("eventKey", "stripe:evt_text_processing");
            message.setStringProperty("eventType", "checkout.session.completed");
            message.setStringProperty("bookingId", id);
            message.setStringProperty("JMSXGroupID", "payment:pi_text_sepa");
            message.setStringProperty("paymentStatus", "unpaid");
            message.setStringProperty("paymentReference", "pi_text_sepa");
            message.setLongProperty("paidAmount", 9000);
            message.setStringProperty("paidCurrency", "CHF");
            return message;
        });

        assertThat(processing.matches(20, TimeUnit.SECONDS)).as("the text event processed").isTrue();
        assertThat(bookingJson(id).path("statusReason").asText()).startsWith("the payment is processing");
        stillWaitingWithItsSlot(id);
    }

    @Test
    void aPaymentEventQueuedBeforeTheHubReadItsCurrencyIsJudgedByTheCurrencyInItsBody() {
        calendarAcceptsEvents(START);
        String inYen = pendingBooking(START, "stripe");
        String inFrancs = pendingBooking("2026-12-01T13:00:00+01:00", "stripe");

        // as the ingress queued them before: every header but the currency, the event as Stripe sent it the body
        queuedWithoutCurrency("evt_old_jpy", inYen, "pi_old_jpy",
                event("evt_old_jpy", "checkout.session.completed", inYen(checkoutSession(inYen, "paid", "pi_old_jpy"))));
        queuedWithoutCurrency("evt_old_chf", inFrancs, "pi_old_chf",
                event("evt_old_chf", "checkout.session.completed", checkoutSession(inFrancs, "paid", "pi_old_chf")));

        awaitStatus(inFrancs, "CONFIRMED");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> stripe.server().verify(1,
                postRequestedFor(urlPathEqualTo("/v1/refunds")).withRequestBody(
                        com.github.tomakehurst.wiremock.client.WireMock.containing("payment_intent=pi_old_jpy"))));
        assertThat(status(inYen)).isEqualTo("PENDING_PAYMENT");
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS))
                .withRequestBody(matchingJsonPath("$.extendedProperties.private.bookingId", equalTo(inYen))));
    }

    /**
     * A payment recorded on its booking before the hub judged currencies (paid in yen, its confirmation failed: Google
     * down), its event redelivered or replayed after the change: judged as it was when recorded, so its booking is
     * confirmed as the first run would have done. Before, the recorded payment was refunded and its booking left paid
     * and PENDING_PAYMENT, holding its slot, with no reason and no mark.
     */
    @Test
    void aPaymentRecordedBeforeTheHubJudgedCurrenciesIsNotJudgedAgainOnItsRepeat() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        jdbc.sql("UPDATE booking SET provider = 'stripe', payment_reference = 'pi_recorded_jpy', paid_amount = 9000 "
                + "WHERE id = :id").param("id", id).update();

        assertThat(signedStripeWebhook(event("evt_recorded_jpy", "payment_intent.succeeded",
                inYen(paymentIntent(id, "pi_recorded_jpy", "succeeded")))).status()).isEqualTo(200);

        awaitStatus(id, "CONFIRMED");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")).withRequestBody(
                com.github.tomakehurst.wiremock.client.WireMock.containing("payment_intent=pi_recorded_jpy")));
    }

    /**
     * A payment above the price (a Dashboard payment or Payment Link naming the booking: 12000 of its 9000 CHF)
     * confirms the booking, the customer having paid at least the price; the 3000 over it are left for a person to
     * refund, never refunded by the hub (it could not tell a refund a person made already): its reason says so, marked
     * for a person, counted, its customer confirmed once with the 120,00 CHF received. A repeat of the payment (its
     * payment_intent.succeeded, after the person cleared the mark) marks and counts nothing more. Before, the booking
     * was confirmed keeping the 3000, unflagged.
     */
    @Test
    void aPaymentAboveThePriceConfirmsItsBookingAndIsMarkedForAPersonToRefundTheExcess() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe"); // 9000 CHF
        double overBefore = overPrice();
        String why = "paid 12000, the price is 9000: 3000 over it not refunded";

        assertThat(signedStripeWebhook(event("evt_paid_over", "checkout.session.completed",
                checkoutSession(id, "paid", "pi_paid_over").replace("\"amount_total\":9000",
                        "\"amount_total\":12000"))).status()).isEqualTo(200);

        awaitStatus(id, "CONFIRMED");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id).json()
                .path("statusReason").asText()).isEqualTo(why));
        assertThat(attentionNote(id)).isEqualTo(why + ": refund 3000 at stripe");
        assertThat(overPrice()).isEqualTo(overBefore + 1);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(smsTexts(id)).singleElement()
                .asString().contains("Zahlung erhalten: 120,00 CHF"));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));

        // a person refunds the 3000 at Stripe and clears the mark; the payment's own event comes later
        JsonNode marked = null;
        for (var booking : httpGet("/api/v1/admin/bookings/attention", ADMIN_KEY).json().get("bookings")) {
            marked = booking.get("bookingId").asText().equals(id) ? booking : marked;
        }
        String seen = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("since", marked.get("since").asText()).put("note", marked.get("note").asText()).toString();
        assertThat(httpPost("/api/v1/admin/bookings/" + id + "/attention/clear", seen, ADMIN_KEY).status())
                .isEqualTo(200);
        NotifyBuilder repeated = processed("evt_paid_over_again");
        assertThat(signedStripeWebhook(event("evt_paid_over_again", "payment_intent.succeeded",
                paymentIntent(id, "pi_paid_over", "succeeded").replace("\"amount\":9000,\"amount_received\":9000",
                        "\"amount\":12000,\"amount_received\":12000"))).status()).isEqualTo(200);
        assertThat(repeated.matches(15, TimeUnit.SECONDS)).isTrue();

        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText()).isEqualTo(why);
        assertThat(attentionNote(id)).isNull();
        assertThat(overPrice()).isEqualTo(overBefore + 1);
        assertThat(smsTexts(id)).hasSize(1);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    private double overPrice() {
        return meters.counter("connectify.payments.over.price", "provider", "stripe").count();
    }

    /**
     * A person refunds the excess of a payment above the price in the Stripe Dashboard (unmarked refunds), as its mark
     * asked ("refund 3000 at stripe"): only refunds that total exactly the excess are taken for it. A refund of 1000
     * first (for another reason, or a part) is a refund outside the hub: recorded, marked "decide whether the
     * appointment stands" and counted, the excess's note kept. 2000 more make the total 3000, the excess: its reason
     * says "3000 over it refunded at stripe" (the refund outside the hub no longer in it), its note settled, nothing
     * counted. 1500 more (4500) are a refund outside the hub again, the excess not refunded again and marked to be
     * checked. Before (r8), any total up to the excess was taken for (a part of) it: a goodwill refund for another
     * reason settled the excess's note, and nobody refunded the excess; before r8, the excess's refund too was a
     * refund the hub did not make, marked "decide whether the appointment stands" and counted.
     */
    @Test
    void onlyRefundsThatTotalTheExcessOverThePriceSettleItsMark() {
        String id = paidOverThePrice("evt_excess_paid", "pi_excess_"); // 12000 for its 9000 CHF
        String payment = "pi_excess_" + id.substring(0, 8);
        String head = "paid 12000, the price is 9000: ";
        String excessNote = head + "3000 over it not refunded: refund 3000 at stripe";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(reason(id))
                .isEqualTo(head + "3000 over it not refunded"));
        assertThat(attentionNote(id)).isEqualTo(excessNote);
        double outsideBefore = refundsOutsideHub();

        stripe.refundsOf(payment, StripeFake.refund("re_excess_part", payment, 1000, "succeeded", "{}"));
        overPriceRefunded("evt_excess_part", id, payment, 1000);

        String outside1000 = "a refund the hub did not make: stripe shows 1000 of the payment's 12000 refunded outside "
                + "the hub";
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(reason(id)).isEqualTo(outside1000 + "; " + head + "3000 over it not refunded");
        assertThat(attentionNote(id)).contains(excessNote)
                .contains(outside1000 + " (in part): decide whether the appointment stands");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);

        stripe.refundsOf(payment, StripeFake.refund("re_excess_part", payment, 1000, "succeeded", "{}"),
                StripeFake.refund("re_excess_rest", payment, 2000, "succeeded", "{}"));
        overPriceRefunded("evt_excess_rest", id, payment, 3000);

        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(reason(id)).isEqualTo(head + "3000 over it refunded at stripe");
        assertThat(attentionNote(id)).as("the excess's note settled; a person was told of the 1000")
                .doesNotContain(excessNote).contains(outside1000);
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);

        // beyond the excess: a refund outside the hub, as any; the excess no longer taken for refunded
        stripe.refundsOf(payment, StripeFake.refund("re_excess_part", payment, 1000, "succeeded", "{}"),
                StripeFake.refund("re_excess_rest", payment, 2000, "succeeded", "{}"),
                StripeFake.refund("re_beyond", payment, 1500, "succeeded", "{}"));
        overPriceRefunded("evt_excess_beyond", id, payment, 4500);

        String outside = "a refund the hub did not make: stripe shows 4500 of the payment's 12000 refunded outside "
                + "the hub";
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(reason(id)).isEqualTo(outside + "; " + head + "3000 over it not refunded");
        assertThat(attentionNote(id)).contains(outside + " (in part): decide whether the appointment stands")
                .contains(head + "3000 over it not refunded: stripe shows 4500 refunded outside the hub, check what it "
                        + "refunds already, then refund 3000 at stripe");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 2);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * Refunds outside the hub of 3000 and 2000 (5000, beyond the excess: a refund outside the hub), then the 2000 fails:
     * what is left is the excess, refunded as its mark asked. The reason says so, and no longer the 5000. Before (r8),
     * it kept "stripe shows 5000 ... refunded outside the hub" beside "2000 of the 3000 over it refunded".
     */
    @Test
    void aRefundOutsideTheHubThatFailsBackToTheExcessLeavesTheExcessRefunded() {
        String id = paidOverThePrice("evt_excess_back_paid", "pi_excess_back_");
        String payment = "pi_excess_back_" + id.substring(0, 8);
        String head = "paid 12000, the price is 9000: ";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(attentionNote(id)).isNotNull());
        stripe.refundsOf(payment, StripeFake.refund("re_excess_back", payment, 3000, "succeeded", "{}"),
                StripeFake.refund("re_other_back", payment, 2000, "succeeded", "{}"));
        overPriceRefunded("evt_excess_back_5000", id, payment, 5000);
        assertThat(reason(id)).contains("stripe shows 5000 of the payment's 12000 refunded outside the hub");
        double outsideBefore = refundsOutsideHub();

        stripe.refundsOf(payment, StripeFake.refund("re_excess_back", payment, 3000, "succeeded", "{}"),
                StripeFake.refund("re_other_back", payment, 2000, "failed", "{}"));
        overPriceRefunded("evt_excess_back_3000", id, payment, 3000);

        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(reason(id)).isEqualTo(head + "3000 over it refunded at stripe");
        assertThat(attentionNote(id)).doesNotContain(head + "3000 over it not refunded");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
    }

    /**
     * A booking paid above its price whose excess a person refunded, then cancelled after the cut-off (no refund due):
     * its reason is the cancellation's, with no refund the hub did not make after it, and nothing is marked. Before,
     * the excess's refund was recorded as one outside the hub, and the cancel kept it after its reason.
     */
    @Test
    void aBookingWhoseExcessWasRefundedCancelledAfterTheCutOffTellsNoRefundOutsideTheHub() {
        String id = paidOverThePrice("evt_excess_late_paid", "pi_excess_late_");
        String payment = "pi_excess_late_" + id.substring(0, 8);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(attentionNote(id)).isNotNull());
        stripe.refundsOf(payment, StripeFake.refund("re_excess_late", payment, 3000, "succeeded", "{}"));
        overPriceRefunded("evt_excess_late", id, payment, 3000);
        assertThat(attentionNote(id)).isNull();
        double outsideBefore = refundsOutsideHub();
        clock.advance(Duration.ofHours(2)); // within the 24 h before its start: no refund due

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(reason(id)).isEqualTo("cancelled after the refund cut-off: not refunded");
        assertThat(attentionNote(id)).isNull();
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * The excess's refund failing after it settled the mark (a later charge.refunded lists it failed): the reason's
     * over-price part says "not refunded" again and the booking is marked again for a person to refund it, nothing
     * counted as a refund outside the hub.
     */
    @Test
    void anExcessRefundThatFailsAfterItSettledTheMarkMarksTheBookingAgain() {
        String id = paidOverThePrice("evt_excess_failed_paid", "pi_excess_failed_");
        String payment = "pi_excess_failed_" + id.substring(0, 8);
        String notRefunded = "paid 12000, the price is 9000: 3000 over it not refunded";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(attentionNote(id)).isNotNull());
        stripe.refundsOf(payment, StripeFake.refund("re_excess_failing", payment, 3000, "succeeded", "{}"));
        overPriceRefunded("evt_excess_refunded", id, payment, 3000);
        assertThat(attentionNote(id)).isNull();
        double outsideBefore = refundsOutsideHub();

        stripe.refundsOf(payment, StripeFake.refund("re_excess_failing", payment, 3000, "failed", "{}"));
        overPriceRefunded("evt_excess_refund_failed", id, payment, 3000);

        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(reason(id)).isEqualTo(notRefunded);
        assertThat(attentionNote(id)).isEqualTo(notRefunded + ": refund 3000 at stripe");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
    }

    /**
     * A booking paid above its price (12000 for 9000, marked "refund 3000 at stripe") cancelled in time: the hub refunds
     * the whole payment, the excess with it, so the note asking a person to refund the excess leaves the mark, which
     * is cleared (nothing else in it): the booking is no longer listed for a person. Before, it stayed REFUNDED with
     * that note, an instruction no one could carry out, counted in connectify_bookings_needing_attention.
     */
    @Test
    void aBookingPaidAboveItsPriceCancelledInTimeIsRefundedInFullAndNoLongerAsksForTheExcess() {
        String id = paidOverThePrice("evt_excess_cancel_paid", "pi_excess_cancel_");
        String payment = "pi_excess_cancel_" + id.substring(0, 8);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(attentionNote(id))
                .isEqualTo("paid 12000, the price is 9000: 3000 over it not refunded: refund 3000 at stripe"));

        var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        assertThat(reason(id)).isEqualTo("cancelled and refunded");
        assertThat(attentionNote(id)).isNull();
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")).withRequestBody(
                com.github.tomakehurst.wiremock.client.WireMock.containing("payment_intent=" + payment)));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")).withRequestBody(
                com.github.tomakehurst.wiremock.client.WireMock.containing("amount=")));
    }

    /**
     * A booking paid above its price whose whole payment a person refunds outside the hub (12000 of 12000, in the
     * Dashboard or through the hub's payments API): a refund outside the hub in full, marked "decide whether the
     * appointment stands", and the excess went back with it: its reason says "3000 over it refunded at stripe" and
     * the note asking to refund it leaves the mark. Before, that note stayed beside the refund in full.
     */
    @Test
    void aWholePaymentAboveThePriceRefundedOutsideTheHubNoLongerAsksForTheExcess() {
        String id = paidOverThePrice("evt_excess_all_paid", "pi_excess_all_");
        String payment = "pi_excess_all_" + id.substring(0, 8);
        String head = "paid 12000, the price is 9000: ";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(attentionNote(id)).isNotNull());
        String outside = "a refund the hub did not make: stripe shows 12000 of the payment's 12000 refunded outside "
                + "the hub";

        stripe.refundsOf(payment, StripeFake.refund("re_excess_all", payment, 12000, "succeeded", "{}"));
        overPriceRefunded("evt_excess_all", id, payment, 12000);

        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(reason(id)).isEqualTo(outside + "; " + head + "3000 over it refunded at stripe");
        assertThat(attentionNote(id)).isEqualTo(outside + " (in full): decide whether the appointment stands");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * A booking paid above its price whose payment dispute is lost: the customer's bank has taken the whole payment
     * back, the excess with it, so the note asking a person to refund the excess leaves the mark. Before, it stayed,
     * asking for a refund of money the hub no longer held.
     */
    @Test
    void aLostDisputeOfAPaymentAboveThePriceNoLongerAsksForTheExcess() {
        String id = paidOverThePrice("evt_excess_dispute_paid", "pi_");
        String excess = "paid 12000, the price is 9000: 3000 over it not refunded";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(attentionNote(id))
                .isEqualTo(excess + ": refund 3000 at stripe"));
        String payment = "pi_" + id.substring(0, 8);
        disputedAndProcessed("evt_excess_dispute", payment, "fraudulent");
        assertThat(attentionNote(id)).as("an open dispute may still be won").isEqualTo(excess
                + ": refund 3000 at stripe");

        NotifyBuilder lost = processed("evt_excess_dispute_lost");
        assertThat(signedStripeWebhook(event("evt_excess_dispute_lost", "charge.dispute.closed",
                dispute(payment, "fraudulent", "lost"))).status()).isEqualTo(200);
        assertThat(lost.matches(15, TimeUnit.SECONDS)).isTrue();

        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(reason(id)).isEqualTo(DISPUTE_LOST + "; " + excess);
        assertThat(attentionNote(id)).isNull();
    }

    @Test
    void aLostDisputeOfPartOfAPaymentAboveThePriceAsksForWhatIsLeftOfTheExcess() {
        String id = paidOverThePrice("evt_excess_part_dispute_paid", "pi_");
        String excess = "paid 12000, the price is 9000: 3000 over it not refunded";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(attentionNote(id))
                .isEqualTo(excess + ": refund 3000 at stripe"));
        String payment = "pi_" + id.substring(0, 8);

        NotifyBuilder lost = processed("evt_excess_part_dispute_lost");
        assertThat(signedStripeWebhook(event("evt_excess_part_dispute_lost", "charge.dispute.closed",
                dispute(payment, "product_unacceptable", "lost").replace("\"amount\":9000", "\"amount\":1000")))
                .status()).isEqualTo(200);
        assertThat(lost.matches(15, TimeUnit.SECONDS)).isTrue();

        // the bank took 1000 back: the hub still holds 2000 above the price, the customer's
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(attentionNote(id)).isEqualTo(excess + ": the lost dispute took 1000 back: refund 2000 at stripe");
    }

    /**
     * A booking paid 12000 for its 9000 (the excess 3000 asked for), 1000 of it refunded outside the hub (a part, not
     * the excess), then a lost dispute of 1000: the customer has 2000 back, so the note asks for the 1000 left of the
     * excess, naming both. Before, the dispute alone was counted: "refund 2000", 1000 more than the hub held above
     * the price.
     */
    @Test
    void aLostDisputeAfterAPartRefundedOutsideTheHubAsksForWhatNeitherPaidBack() {
        String id = paidOverThePrice("evt_excess_refund_dispute_paid", "pi_excess_rd_");
        String payment = "pi_excess_rd_" + id.substring(0, 8);
        String excess = "paid 12000, the price is 9000: 3000 over it not refunded";
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(attentionNote(id))
                .isEqualTo(excess + ": refund 3000 at stripe"));
        stripe.refundsOf(payment, StripeFake.refund("re_excess_rd", payment, 1000, "succeeded", "{}"));
        overPriceRefunded("evt_excess_refund_dispute_refunded", id, payment, 1000);

        NotifyBuilder lost = processed("evt_excess_refund_dispute_lost");
        assertThat(signedStripeWebhook(event("evt_excess_refund_dispute_lost", "charge.dispute.closed",
                dispute(payment, "product_unacceptable", "lost").replace("\"amount\":9000", "\"amount\":1000")))
                .status()).isEqualTo(200);
        assertThat(lost.matches(15, TimeUnit.SECONDS)).isTrue();

        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(attentionNote(id)).contains(excess + ": stripe shows 1000 refunded outside the hub and the lost "
                + "dispute took 1000 back: refund 1000 at stripe").doesNotContain("refund 2000")
                .doesNotContain(excess + ": refund 3000 at stripe");
    }

    /** A booking of 9000 CHF confirmed by a Checkout payment of 12000 ({@code prefix} and its id's first 8). */
    private String paidOverThePrice(String eventId, String prefix) {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        assertThat(signedStripeWebhook(event(eventId, "checkout.session.completed",
                checkoutSession(id, "paid", prefix + id.substring(0, 8)).replace("\"amount_total\":9000",
                        "\"amount_total\":12000"))).status()).isEqualTo(200);
        return id;
    }

    private String reason(String bookingId) {
        return httpGet("/api/v1/bookings/" + bookingId).json().path("statusReason").asText();
    }

    /** charge.refunded of a 12000 payment of the booking, {@code refunded} of it refunded, handled. */
    private void overPriceRefunded(String eventId, String bookingId, String paymentIntent, long refunded) {
        NotifyBuilder processed = processed(eventId);
        assertThat(signedStripeWebhook(event(eventId, "charge.refunded", charge(bookingId, paymentIntent, refunded)
                .replace("\"amount\":9000,\"amount_captured\":9000", "\"amount\":12000,\"amount_captured\":12000")
                .replace("\"refunded\":true", "\"refunded\":false"))).status()).isEqualTo(200);
        assertThat(processed.matches(15, TimeUnit.SECONDS)).as(eventId + " processed").isTrue();
    }

    /**
     * A payment in another currency, then one below the price, each refunded: the customer is told each once (SMS and
     * email, in their language), with that payment's amount in its own currency and the booking still held for its
     * payment until its hold ends; the first one's event failing after its notice was planned (redelivered, refunded
     * again under the same key) and the payment's second event (payment_intent.succeeded after
     * checkout.session.completed) tell it to no one again. Before, the customer was told nothing.
     */
    @Test
    void eachPaymentRefundedAsItCannotPayForItsBookingIsToldToItsCustomerOnce() throws Exception {
        String id = pendingBooking(START, "stripe"); // 9000 CHF, held until 08:15 (+01:00)
        AtomicBoolean failed = new AtomicBoolean();
        AdviceWith.adviceWith(camel, "booking-notify", route -> route.weaveAddLast().process(exchange -> {
            if ("payment-mismatch".equals(exchange.getIn().getHeader("notificationKind"))
                    && failed.compareAndSet(false, true)) {
                throw new IllegalStateException("the broker is unavailable (injected once, the notice planned)");
            }
        }).id("fail-payment-mismatch-notice-once"));
        try {
            assertThat(signedStripeWebhook(event("evt_jpy_told", "checkout.session.completed",
                    inYen(checkoutSession(id, "paid", "pi_jpy_told")))).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(sentNotices(id)).hasSize(2));
        } finally {
            AdviceWith.adviceWith(camel, "booking-notify",
                    route -> route.weaveById("fail-payment-mismatch-notice-once").remove());
        }
        assertThat(failed).as("the first run failed once its notice was planned").isTrue();
        stripe.server().verify(2, postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("payment_intent=pi_jpy_told"))
                .withHeader("Idempotency-Key", equalTo("booking-" + id + "-refund-pi_jpy_told")));
        NotifyBuilder secondEvent = processed("evt_jpy_told_pi");
        assertThat(signedStripeWebhook(event("evt_jpy_told_pi", "payment_intent.succeeded",
                inYen(paymentIntent(id, "pi_jpy_told", "succeeded")))).status()).isEqualTo(200);
        assertThat(secondEvent.matches(20, TimeUnit.SECONDS)).isTrue();

        String held = " Der Termin bleibt bis Montag, 30. November 2026, 08:15 für Ihre Zahlung reserviert: bitte "
                + "bezahlen Sie 90,00 CHF vollständig in dieser Währung.";
        assertThat(smsTexts(id)).containsExactly("Hallo John Doe, wir haben Ihre Zahlung von 9.000 ¥ erstattet: Ihre "
                + "Buchung für den Termin am Dienstag, 1. Dezember 2026, 09:00 kostet 90,00 CHF." + held
                + " Connectify");
        assertThat(emailsAbout(id)).hasSize(1).first().satisfies(mail -> assertThat(mail)
                .contains("Wir haben eine Zahlung für Ihren Termin am Dienstag, 1. Dezember 2026, 09:00 erstattet")
                .contains("kostet 90,00 CHF"));

        // a second payment, 4500 of the 9000 CHF: refunded, and told of on its own
        assertThat(signedStripeWebhook(event("evt_short_told", "checkout.session.completed",
                checkoutSession(id, "paid", "pi_short_told").replace("\"amount_total\":9000",
                        "\"amount_total\":4500"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(sentNotices(id)).hasSize(4));
        assertThat(smsTexts(id)).hasSize(2).last().asString().contains("Ihre Zahlung von 45,00 CHF erstattet")
                .endsWith(held + " Connectify");
        assertThat(emailsAbout(id)).hasSize(2);
        assertThat(sentNotices(id)).containsExactlyInAnyOrder("payment-mismatch 9000 JPY stripe pi_jpy_told SMS",
                "payment-mismatch 9000 JPY stripe pi_jpy_told EMAIL", "payment-mismatch 4500 CHF stripe pi_short_told SMS",
                "payment-mismatch 4500 CHF stripe pi_short_told EMAIL");
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
    }

    /**
     * A payment in yen refunded, its notice held back (the sender stopped, as while Twilio is down and its message
     * waits as a dead letter), the booking then paid in francs and confirmed: the notice sent late tells of the
     * refund, as the booking is now, with no invitation to pay and no hold. Before, it was sent as rendered when
     * planned: "to be paid in full in that currency. It stays reserved for your payment until ..." to a customer whose
     * booking was paid and confirmed.
     */
    @Test
    void aRefundedPaymentsNoticeSentAfterItsBookingWasPaidTellsOfTheRefundWithoutAskingForAPayment() throws Exception {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe"); // 9000 CHF, held until 08:15 (+01:00)
        stopNotificationSenders();
        try {
            assertThat(signedStripeWebhook(event("evt_jpy_late", "checkout.session.completed",
                    inYen(checkoutSession(id, "paid", "pi_jpy_late")))).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(jdbc.sql("SELECT COUNT(*) FROM "
                    + "notification WHERE booking_id = :id AND kind = 'payment-mismatch'").param("id", id)
                    .query(Integer.class).single()).isEqualTo(2));
            assertThat(signedStripeWebhook(event("evt_chf_late", "checkout.session.completed",
                    checkoutSession(id, "paid", "pi_chf_late"))).status()).isEqualTo(200);
            awaitStatus(id, "CONFIRMED");
        } finally {
            startNotificationSenders();
        }

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(sentNotices(id)).hasSize(4));
        assertThat(smsTexts(id)).filteredOn(text -> text.contains("erstattet")).containsExactly("Hallo John Doe, wir "
                + "haben Ihre Zahlung von 9.000 ¥ erstattet: Ihre Buchung für den Termin am Dienstag, 1. Dezember 2026, "
                + "09:00 kostet 90,00 CHF. Connectify");
        assertThat(emailsAbout(id)).filteredOn(mail -> mail.contains("erstattet")).singleElement().asString()
                .contains("kostet 90,00 CHF.</p>").doesNotContain("bezahlen").doesNotContain("reserviert");
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    /** The booking's notifications sent (a provider reference recorded): kind, occasion and channel of each. */
    private List<String> sentNotices(String id) {
        return jdbc.sql("SELECT kind, occasion, channel FROM notification WHERE booking_id = :id "
                        + "AND provider_reference IS NOT NULL ORDER BY created_at, channel")
                .param("id", id).query((rs, i) -> rs.getString("kind") + " " + rs.getString("occasion") + " "
                        + rs.getString("channel")).list();
    }

    /** The texts of the SMS the Twilio fake received that tell of the booking's appointment, in order. */
    private List<String> smsTexts(String id) {
        return notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))).stream()
                .map(r -> java.net.URLDecoder.decode(r.getBodyAsString(), StandardCharsets.UTF_8))
                .filter(form -> form.contains("Dezember 2026"))
                .map(form -> form.substring(form.indexOf("Body=") + 5).split("&", 2)[0]).toList();
    }

    /** The bodies of the emails the SendGrid fake received about the booking (its reference is in each). */
    private List<String> emailsAbout(String id) {
        return notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(r -> r.getBodyAsString()).filter(body -> body.contains(id)).toList();
    }

    /** A Stripe object of the fake's in yen instead of francs, the amounts unchanged. */
    private static String inYen(String object) {
        assertThat(object).contains("\"currency\":\"chf\"");
        return object.replace("\"currency\":\"chf\"", "\"currency\":\"jpy\"");
    }

    /** Stripe was asked to refund the payment in full; the booking still waits for its payment, no calendar event. */
    private void paidInYenRefundedNeverConfirmed(String id, String paymentIntent) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> stripe.server().verify(1,
                postRequestedFor(urlPathEqualTo("/v1/refunds"))
                        .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing(
                                "payment_intent=" + paymentIntent))
                        .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.notContaining("amount="))
                        .withRequestBody(StripeFake.formField("metadata[bookingId]", id))));
        // written once the refund is made
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id).json()
                .path("statusReason").asText()).isEqualTo("stripe payment " + paymentIntent
                + " was refunded: it paid in JPY, the booking is priced in CHF"));
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.has("paidAmount")).isFalse();
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(notifications(id, "confirmation")).isZero();
    }

    /** A paid event put on the Stripe queue as the ingress queued it before it read the payment's currency. */
    private void queuedWithoutCurrency(String eventId, String bookingId, String paymentIntent, String body) {
        new JmsTemplate(connectionFactory).send("stripe-events", session -> {
            Message message = session.createTextMessage(body);
            message.setStringProperty("provider", "stripe");
            message.setStringProperty("eventKey", "stripe:" + eventId);
            message.setStringProperty("eventType", "checkout.session.completed");
            message.setStringProperty("bookingId", bookingId);
            message.setStringProperty("JMSXGroupID", bookingId);
            message.setStringProperty("paymentStatus", "paid");
            message.setStringProperty("paymentReference", paymentIntent);
            message.setLongProperty("paidAmount", 9000);
            return message;
        });
    }

    @Test
    void badSignaturesAreRejectedAndNothingIsQueued() {
        String id = pendingBooking(START, "stripe");
        String payload = event("evt_forged", "checkout.session.completed", checkoutSession(id, "paid", "pi_x"));
        long now = clock.instant().getEpochSecond();
        String valid = StripeFake.signature(payload, now, StripeFake.WEBHOOK_SECRET);
        var rejectedBefore = java.util.Map.of("bad-signature", rejected("bad-signature"), "stale-timestamp",
                rejected("stale-timestamp"), "missing-header", rejected("missing-header"), "malformed-header",
                rejected("malformed-header"), "not-an-event", rejected("not-an-event"));
        double enqueuedBefore = meters.counter("connectify.webhook.enqueued", "provider", "stripe").count();

        List<Response> responses = List.of(
                // bad-signature
                stripeWebhook(payload, StripeFake.signature(payload, now, "whsec_wrong")),
                stripeWebhook(payload.replace("\"paid\"", "\"PAID\""), valid),
                // stale-timestamp
                stripeWebhook(payload, StripeFake.signature(payload, now - 301, StripeFake.WEBHOOK_SECRET)),
                // missing-header
                stripeWebhook(payload, null),
                // malformed-header
                stripeWebhook(payload, "garbage"),
                stripeWebhook(payload, valid.replace("v1=", "v0=")),
                stripeWebhook(payload, valid.replace("t=" + now, "t=abc")), // stripe-java threw on these: 500
                stripeWebhook(payload, "t"),
                // not-an-event
                stripeWebhook("not json", StripeFake.signature("not json", now, StripeFake.WEBHOOK_SECRET)));

        for (Response response : responses) {
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.json().get("type").asText()).isEqualTo("invalid-signature");
        }
        assertThat(java.util.Map.of("bad-signature", 2.0, "stale-timestamp", 1.0, "missing-header", 1.0,
                "malformed-header", 4.0, "not-an-event", 1.0)).allSatisfy((reason, count) ->
                assertThat(rejected(reason) - rejectedBefore.get(reason)).as(reason).isEqualTo(count));
        // refused before the queue: none was enqueued (the counter counts at the enqueue, before the answer)
        assertThat(meters.counter("connectify.webhook.enqueued", "provider", "stripe").count())
                .isEqualTo(enqueuedBefore);
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
    }

    /**
     * The hub's clock 400 s ahead of Stripe's: every correctly signed event is stale. Each is counted as
     * stale-timestamp, not bad-signature; one WARN says how far behind the signatures are, then none until a minute
     * has passed.
     */
    @Test
    void staleSignaturesAreCountedApartAndWarnedWithTheirAgeOnceAMinute() {
        String payload = event("evt_stale", "payment_intent.succeeded", paymentIntent("unknown", "pi_stale", "succeeded"));
        double staleBefore = rejected("stale-timestamp");
        double forgedBefore = rejected("bad-signature");
        clock.advance(Duration.ofHours(1)); // past the minute of any stale signature another test sent

        try (LogLines lines = LogLines.of(io.connectify.hub.payment.stripe.StripeWebhookVerifier.class)) {
            for (int i = 0; i < 3; i++) {
                assertThat(stripeWebhook(payload, StripeFake.signature(payload,
                        clock.instant().getEpochSecond() - 400, StripeFake.WEBHOOK_SECRET)).status()).isEqualTo(400);
            }
            clock.advance(Duration.ofSeconds(61));
            assertThat(stripeWebhook(payload, StripeFake.signature(payload, clock.instant().getEpochSecond() - 400,
                    StripeFake.WEBHOOK_SECRET)).status()).isEqualTo(400);

            List<String> warnings = lines.lines().stream().filter(line -> line.getLevel() == Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(warnings).hasSize(2).allSatisfy(warning -> assertThat(warning)
                    .contains("signed 400 s ago, past the tolerance of 300 s").contains("clock"));
        }
        assertThat(rejected("stale-timestamp")).isEqualTo(staleBefore + 4);
        assertThat(rejected("bad-signature")).isEqualTo(forgedBefore);
    }

    private double rejected(String reason) {
        return meters.counter("connectify.webhook.rejected", "provider", "stripe", "reason", reason).count();
    }

    @Test
    void eventsSignedWithThePreviousSecretPassWhileSecretsRoll() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        String payload = event("evt_rolled", "checkout.session.completed", checkoutSession(id, "paid", "pi_r"));

        var response = stripeWebhook(payload, StripeFake.signature(payload, clock.instant().getEpochSecond(),
                StripeFake.OLD_WEBHOOK_SECRET));

        assertThat(response.status()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
    }

    @Test
    void theSignatureCoversTheBodysUtf8BytesAndTheEventArrivesIntact() throws Exception {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        String payload = event("evt_utf8", "checkout.session.completed", checkoutSession(id, "paid", "pi_utf8")
                .replace("\"currency\"", "\"customer_details\":{\"name\":\"Zoë Müller, Zürich – 東京\"},\"currency\""));
        long now = clock.instant().getEpochSecond();
        // the same characters signed as ISO-8859-1 are other bytes: refused
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(StripeFake.WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String latin1 = "t=" + now + ",v1=" + HexFormat.of().formatHex(
                mac.doFinal((now + "." + payload).getBytes(StandardCharsets.ISO_8859_1)));

        assertThat(stripeWebhook(payload, latin1).status()).isEqualTo(400);
        assertThat(signedStripeWebhook(payload).status()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
    }

    @Test
    void unknownEventTypesAreAcknowledgedAndIgnored() {
        var response = signedStripeWebhook(event("evt_other", "customer.created", "{\"id\":\"cus_1\",\"object\":\"customer\"}"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("received").asBoolean()).isTrue();
        // the acknowledgement in one piece, with its length, not chunked (WebhookAck)
        assertThat(response.header("Content-Length")).isEqualTo(String.valueOf(response.body().length()));
        assertThat(response.header("Transfer-Encoding")).isNull();
    }

    @Test
    void onlyEventsThatActedLeaveAKeySoRepeatsOfOthersAreProcessedAgain() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        String unknownBooking = UUID.randomUUID().toString();
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "stripe").count();
        NotifyBuilder fourProcessed = processed("evt_other_type", "evt_unknown_booking", "evt_unknown_booking",
                "evt_acted");

        signedStripeWebhook(event("evt_other_type", "customer.created", "{\"id\":\"cus_1\",\"object\":\"customer\"}"));
        String forAnUnknownBooking = event("evt_unknown_booking", "checkout.session.completed",
                checkoutSession(unknownBooking, "paid", "pi_unknown"));
        signedStripeWebhook(forAnUnknownBooking);
        signedStripeWebhook(forAnUnknownBooking);
        String confirming = event("evt_acted", "checkout.session.completed", checkoutSession(id, "paid", "pi_acted"));
        signedStripeWebhook(confirming);

        assertThat(fourProcessed.matches(15, TimeUnit.SECONDS)).isTrue();
        awaitStatus(id, "CONFIRMED");
        // the repeat for the unknown booking was processed again (no key), not dropped as a duplicate
        assertThat(jdbc.sql("SELECT messageId FROM CAMEL_MESSAGEPROCESSED").query(String.class).list())
                .containsExactly("stripe:evt_acted");
        assertThat(meters.counter("connectify.webhook.duplicates", "provider", "stripe").count())
                .isEqualTo(duplicatesBefore);

        signedStripeWebhook(confirming);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                meters.counter("connectify.webhook.duplicates", "provider", "stripe").count())
                .isEqualTo(duplicatesBefore + 1));
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    @Test
    void acknowledgedEventsWaitInTheQueueWhileNothingConsumesThem() throws Exception {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        camel.getRouteController().stopRoute("stripe-event-dispatch");
        try {
            assertThat(signedStripeWebhook(event("evt_queued", "checkout.session.completed",
                    checkoutSession(id, "paid", "pi_q"))).status()).isEqualTo(200);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(status(id)).isEqualTo("PENDING_PAYMENT"));
            // queued as a member of its payment's message group: the consumers take a payment's events in order
            // (awaited: the webhook inbox forwards it to the queue after the answer)
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(queuedGroups())
                    .containsExactly("payment:pi_q"));
        } finally {
            camel.getRouteController().startRoute("stripe-event-dispatch");
        }

        awaitStatus(id, "CONFIRMED");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    /**
     * Every event of one payment is queued in the payment's message group (payment:<pi>), whether it names its booking
     * (the Checkout's two events, the hub's refund) or not (a Charge without the Payment Intent's metadata, a dispute),
     * so the consumers take them in order, one at a time; an event without a Payment Intent (a Checkout Session expired
     * before any payment attempt) in its booking's group. Before, an event naming its booking was queued in the
     * booking's group and one naming none in the payment's: a charge.refunded carrying the bookingId and a dispute of
     * the same payment could run in parallel, and their look-ups commit out of order.
     */
    @Test
    void aPaymentsEventsAreQueuedInThePaymentsMessageGroupWhetherOrNotTheyNameTheBooking() throws Exception {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "stripe");
        String unpaid = pendingBooking("2026-12-01T13:00:00+01:00", "stripe");
        String charge = """
                {"id":"ch_nobody","object":"charge","amount":9000,"amount_refunded":3000,"currency":"chf",
                 "metadata":{},"payment_intent":"pi_nobody","refunded":false,"status":"succeeded"}""";
        // the Charge names no booking: the hub asks Stripe for its Payment Intent, which names none either
        stripe.paymentIntentOf("pi_nobody", "{}");
        camel.getRouteController().stopRoute("stripe-event-dispatch");
        // all handled before the test ends: the payment's events must not run into the next test's counts
        NotifyBuilder handled = new NotifyBuilder(camel).fromRoute("stripe-event-dispatch")
                .filter(ofEvents("evt_grouped_paid", "evt_grouped_intent", "evt_grouped_hub_refund", "evt_grouped_refunded",
                        "evt_grouped_refunded_more", "evt_grouped_disputed", "evt_grouped_expired"))
                .whenDone(7).create();
        try {
            signedStripeWebhook(event("evt_grouped_paid", "checkout.session.completed",
                    checkoutSession(id, "paid", "pi_grouped")));
            signedStripeWebhook(event("evt_grouped_intent", "payment_intent.succeeded",
                    paymentIntent(id, "pi_grouped", "succeeded")));
            signedStripeWebhook(event("evt_grouped_hub_refund", "refund.updated", refund("re_grouped", "pi_grouped",
                    "succeeded", null, "{\"connectify\":\"booking\",\"bookingId\":\"" + id + "\"}")));
            signedStripeWebhook(event("evt_grouped_refunded", "charge.refunded", charge));
            signedStripeWebhook(event("evt_grouped_refunded_more", "charge.refunded", charge.replace("3000", "5000")));
            signedStripeWebhook(event("evt_grouped_disputed", "charge.dispute.created",
                    dispute("pi_nobody", "fraudulent")));
            signedStripeWebhook(event("evt_grouped_expired", "checkout.session.expired", """
                    {"id":"cs_test_123","object":"checkout.session","status":"expired","payment_status":"unpaid",
                     "payment_intent":null,"amount_total":9000,"currency":"chf","client_reference_id":"%s",
                     "metadata":{"bookingId":"%s"}}""".formatted(unpaid, unpaid)));

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(queuedGroups())
                    .containsExactlyInAnyOrder("payment:pi_grouped", "payment:pi_grouped", "payment:pi_grouped",
                            "payment:pi_nobody", "payment:pi_nobody", "payment:pi_nobody", unpaid));
        } finally {
            camel.getRouteController().startRoute("stripe-event-dispatch");
        }
        assertThat(handled.matches(10, TimeUnit.SECONDS)).as("the seven events handled").isTrue();
        awaitStatus(id, "CONFIRMED");
        awaitStatus(unpaid, "EXPIRED");
    }

    /** The message groups (JMSXGroupID) of the Stripe events waiting in their queue. */
    private List<String> queuedGroups() {
        return new JmsTemplate(connectionFactory).browse("stripe-events", (session, browser) -> {
            List<String> found = new ArrayList<>();
            for (var e = browser.getEnumeration(); e.hasMoreElements(); ) {
                found.add(((Message) e.nextElement()).getStringProperty("JMSXGroupID"));
            }
            return found;
        });
    }

    /** The booking's customer is told of the refund, and a late run of its payment confirms nothing. */
    private void toldOfTheRefundAndNeverConfirmed(String id) {
        await().atMost(Duration.ofSeconds(5)).until(() -> notifications(id, "payment-refunded") > 0);

        paidLateAndProcessed(id);
        assertThat(status(id)).isEqualTo("REFUNDED");
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(notifications(id, "confirmation")).isZero();
    }
}
