package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.connectify.hub.booking.AvailabilityProperties;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.payment.payrexx.PayrexxRefundWatch;
import io.connectify.hub.payment.payrexx.PayrexxRefundWatchProperties;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.payment.payrexx.PayrexxEvents;
import io.connectify.hub.support.GoogleCalendarFake;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.micrometer.core.instrument.MeterRegistry;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.PayrexxFake;
import io.connectify.hub.support.TimerRoutes;
import io.connectify.hub.support.Webhooks;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.ExchangeBuilder;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.transaction.support.TransactionTemplate;

/** Payrexx webhooks: path token, then only the transaction status the Payrexx API reports counts. */
@HubTest
class PayrexxWebhookTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";

    @Autowired
    MeterRegistry meters;
    @Autowired
    CamelContext camel;
    @Autowired
    PayrexxEvents payrexxEvents;
    @Autowired
    org.apache.camel.ProducerTemplate producer;
    @Autowired
    BookingRepository bookingRepository;
    @Autowired
    PayrexxRefundWatchProperties watchProperties;
    @Autowired
    TransactionTemplate transactions;
    @Autowired
    AvailabilityProperties availability;
    @Value("${connectify.queues.payrexx-events}")
    String payrexxQueue;
    private static final String FORM = "application/x-www-form-urlencoded";
    /** The reasons a partial refund and a dispute give a confirmed Payrexx booking. */
    private static final String PART_REFUND =
            "part of the payment was refunded at payrexx (amount not given): the booking stands";
    private static final String DISPUTE =
            "the customer disputes the payment: answer the dispute at payrexx before its deadline";

    @BeforeEach
    void calendarAccepts() {
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
    }

    @Test
    void bothDeliveriesOfAPaymentConfirmTheBookingOnce() {
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4711, "confirmed", id);
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count();

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4711, "waiting", id)).status()).isEqualTo(200);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4711, "confirmed", id)).status()).isEqualTo(200);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4711, "confirmed", id)).status()).isEqualTo(200);

        awaitStatus(id, "CONFIRMED");
        // the "waiting" delivery, handled once Payrexx says confirmed, acted on confirmed and recorded that: both
        // "confirmed" deliveries are dropped as its duplicates without asking Payrexx again (one look-up, not three)
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count() - duplicatesBefore)
                .isEqualTo(2));
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        payrexx.server().verify(1, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4711/")));
    }

    /**
     * A step that fails once after Payrexx was asked (the saga's): the redelivery in place runs the delivery's steps
     * again from the first (Payrexx asked again), and the payment is acted on once: one calendar event, one SMS and one
     * email, no dead letter. Before, the failed step alone ran again (Payrexx asked once): each step of the consumer's
     * route cost a copy of the exchange, taken in case it was redelivered.
     */
    @Test
    void aDeliveryWhoseStepFailsOnceIsRunAgainFromItsFirstStepAndActedOnOnce() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4796, "confirmed", id);
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        AdviceWith.adviceWith(camel, "payrexx-transaction-act", route -> route.weaveAddFirst().process(exchange -> {
            if ("payrexx:4796:confirmed".equals(exchange.getIn().getHeader(WebhookHeaders.EVENT_KEY))
                    && failed.compareAndSet(false, true)) {
                throw new IllegalStateException("the database is unavailable (injected once)");
            }
        }).id("fail-act-once"));
        try {
            deliveryHandled(4796, "confirmed", id);
        } finally {
            AdviceWith.adviceWith(camel, "payrexx-transaction-act", route -> route.weaveById("fail-act-once").remove());
        }
        assertThat(failed).as("the first attempt failed").isTrue();

        assertThat(status(id)).isEqualTo("CONFIRMED");
        payrexx.server().verify(2, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4796/")));
        actedOnOnce(id);
    }

    /**
     * A delivery whose step fails once after the payment was acted on (the saga confirmed the booking and the
     * exchange says "acted on"), before its key is recorded: the redelivery in place fetches the transaction again and
     * acts on it again, as nothing recorded it acted on, rather than skipping it: its key recorded then, and one
     * calendar event, one SMS and one email, no dead letter. A guard: the redelivery starts from what the message
     * carries, the failed attempt's decisions cleared (ProcessedEventRepository.recordCarried).
     */
    @Test
    void aRedeliveryAfterAStepFailedOnceBehindTheActedOnPaymentActsAgainAndIsRecordedOnce() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4797, "confirmed", id);
        java.util.concurrent.atomic.AtomicReference<Object> actedOnWhenFailed =
                new java.util.concurrent.atomic.AtomicReference<>();
        AdviceWith.adviceWith(camel, "payrexx-transaction-act", route -> route.weaveAddLast().process(exchange -> {
            if ("payrexx:4797:confirmed".equals(exchange.getIn().getHeader(WebhookHeaders.EVENT_KEY))
                    && actedOnWhenFailed.compareAndSet(null, exchange.getProperty(WebhookHeaders.ACTED_ON))) {
                throw new IllegalStateException("the broker is unavailable (injected once, after the act)");
            }
        }).id("fail-after-act-once"));
        try {
            deliveryHandled(4797, "confirmed", id);
        } finally {
            AdviceWith.adviceWith(camel, "payrexx-transaction-act",
                    route -> route.weaveById("fail-after-act-once").remove());
        }
        assertThat(actedOnWhenFailed.get()).as("the first attempt had acted on the payment, then failed")
                .isIn(true, "true");

        assertThat(status(id)).isEqualTo("CONFIRMED");
        payrexx.server().verify(2, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4797/"))); // acted on twice
        assertThat(jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'payrexx:4797:confirmed'")
                .query(Integer.class).single()).isEqualTo(1);
        actedOnOnce(id);
    }

    /** The booking's payment acted on once: one calendar event, one SMS and one email sent, no dead letter. */
    private void actedOnOnce(String id) {
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.sql("SELECT channel FROM "
                        + "notification WHERE booking_id = :id AND provider_reference IS NOT NULL").param("id", id)
                .query(String.class).list()).containsExactlyInAnyOrder("SMS", "EMAIL"));
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES)));
        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND)));
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * A delivery taken for a repeat (its fetched status acted on before) whose repeat steps fail once, Payrexx
     * showing the transaction disputed by the redelivery: the redelivery fetches it again and acts on the dispute.
     * Camel's idempotent consumer marks a duplicate in the exchange's properties and never clears the mark, and a
     * redelivery in place puts back only the message: without clearing it, the rerun sent the new status to the
     * repeat's steps too, and the dispute went unseen until a delivery of its own.
     */
    @Test
    void aRedeliveryActsOnTheStatusItFetchesThoughTheFailedAttemptWasARepeat() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = confirmedBooking(4798);
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        AdviceWith.adviceWith(camel, "payrexx-event-repeat", route -> route.weaveAddFirst().process(exchange -> {
            if ("payrexx:4798:waiting".equals(exchange.getIn().getHeader(WebhookHeaders.EVENT_KEY))
                    && failed.compareAndSet(false, true)) {
                payrexx.transaction(4798, "disputed", id);
                throw new IllegalStateException("the database is unavailable (injected once)");
            }
        }).id("fail-repeat-once"));
        try {
            deliveryHandled(4798, "waiting", id);
        } finally {
            AdviceWith.adviceWith(camel, "payrexx-event-repeat", route -> route.weaveById("fail-repeat-once").remove());
        }
        assertThat(failed).as("the first attempt, a repeat of the confirmed status, failed").isTrue();

        awaitReason(id, DISPUTE);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aConfirmedWebhookAheadOfPayrexxsApiIsAskedAgainUntilTheApiShowsThePayment() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        // Payrexx's API still says waiting when its confirmed webhook's event is handled, confirmed a moment later
        payrexx.transaction(4712, "confirmed", id);
        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Transaction/4712/")).inScenario("api-behind")
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("caught-up").willReturn(okJson(
                        transactionJson(4712, "waiting", id))));

        // the only delivery of the payment: Payrexx has its 200 and sends confirmed no more
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4712, "confirmed", id)).status())
                .isEqualTo(200);

        awaitStatus(id, "CONFIRMED");
        payrexx.server().verify(2, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4712/")));
        assertThat(deadLetters()).as("confirmed by its redelivery").isEmpty();
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    @Test
    void aConfirmedWebhookPayrexxsApiStaysBehindIsDeadLetteredAndReplayedOnItsOwn() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4723, "waiting", id);

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4723, "confirmed", id)).status())
                .isEqualTo(200);

        JsonNode letter = awaitDeadLetter("payrexx");
        assertThat(letter.get("routeId").asText()).isEqualTo("payrexx-event-dispatch");
        assertThat(letter.get("errorMessage").asText()).isEqualTo("provider-error: Payrexx's API shows transaction "
                + "4723 waiting, its webhook said confirmed: asked again later");
        assertThat(letter.has("retryAt")).as("a passing failure: replayed on its own").isTrue();
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");

        payrexx.transaction(4723, "confirmed", id); // the API catches up
        clock.advance(Duration.ofMinutes(1));
        assertThat(camel.createProducerTemplate().requestBody("direct:ops-dead-letter-auto-replay", null,
                Integer.class)).isEqualTo(1);

        awaitStatus(id, "CONFIRMED");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    /**
     * A Payrexx delivery names only its transaction; the booking is the one the fetched transaction names. Its dead
     * letter names that booking (header bookingId, as a Stripe event's does), so an operator can tell whose payment
     * waits. Before, the letter held the transaction id, event key, message group and provider only.
     */
    @Test
    void aPayrexxPaymentEventsDeadLetterNamesTheBookingItsTransactionIsFor() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");

        paidByPayrexxWhileGoogleFails(id, 4801);

        JsonNode letter = awaitDeadLetter("payrexx");
        assertThat(letter.get("headers").get("transactionId").asText()).isEqualTo("4801");
        assertThat(letter.get("headers").get("bookingId").asText()).isEqualTo(id);
    }

    /**
     * A repeated delivery (its status acted on before: Payrexx is not asked again) whose repeat steps fail through
     * every attempt: its dead letter names the booking the transaction paid, as the first delivery's letter does.
     * Before, the repeat path found the booking for its own steps only, and its letter named none.
     */
    @Test
    void aRepeatedPayrexxDeliverysDeadLetterNamesItsBookingToo() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = confirmedBooking(4806);
        AdviceWith.adviceWith(camel, "payrexx-event-repeat", route -> route.weaveAddLast().process(exchange -> {
            if ("payrexx:4806:confirmed".equals(exchange.getIn().getHeader(WebhookHeaders.EVENT_KEY))) {
                throw new IllegalStateException("the database is unavailable (injected)");
            }
        }).id("fail-repeat"));
        JsonNode letter;
        try {
            assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4806, "confirmed", id)).status())
                    .isEqualTo(200);
            letter = awaitDeadLetter("payrexx");
        } finally {
            AdviceWith.adviceWith(camel, "payrexx-event-repeat", route -> route.weaveById("fail-repeat").remove());
        }

        assertThat(letter.get("headers").get("eventKey").asText()).isEqualTo("payrexx:4806:confirmed");
        assertThat(letter.get("headers").get("bookingId").asText()).isEqualTo(id);
        // the repeat's path: the transaction was fetched by its first delivery only
        payrexx.server().verify(1, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4806/")));
    }

    @Test
    void aPaymentEventPayrexxCannotAnswerIsDeadLetteredAfterItsRedeliveriesNotRedeliveredForEver() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Transaction/4727/")).willReturn(aResponse().withStatus(503)));

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4727, "confirmed", id)).status())
                .isEqualTo(200);

        JsonNode letter = awaitDeadLetter("payrexx");
        assertThat(letter.get("attempts").asInt()).isEqualTo(2); // test profile: one redelivery
        assertThat(letter.has("retryAt")).as("Payrexx down: a passing failure").isTrue();
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
    }

    @Test
    void aConfirmedDeliveryHandledOnceItsTransactionIsRefundedRecordsThePaymentAsRefundedWithoutConfirming() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        // paid, then refunded in Payrexx's back office before the hub handled the confirmed delivery (a backlog)
        payrexx.transaction(4731, "refunded", id);
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count();
        NotifyBuilder handled = deliveriesHandled(4731, "confirmed", "refunded");

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4731, "confirmed", id)).status())
                .isEqualTo(200);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4731, "refunded", id)).status())
                .isEqualTo(200);

        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("REFUNDED");
        assertThat(booking.get("paymentReference").asText()).isEqualTo("4731");
        assertThat(booking.get("paidAmount").asLong()).isEqualTo(9000);
        assertThat(booking.get("statusReason").asText())
                .isEqualTo("paid, then refunded at payrexx (refunded) before the hub confirmed it");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications"))
                .extracting(n -> n.get("kind").asText()).containsOnly("payment-refunded"));
        // its (German) customer is told the payment was refunded and the booking not confirmed: nothing was cancelled
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(notify.sendGrid()
                .findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(r -> r.getBodyAsString()).filter(body -> body.contains(id)).toList())
                .singleElement().asString().contains("wurde nicht best").contains("Wir haben Ihre Zahlung von")
                .doesNotContain("abgesagt"));
        // the refunded delivery is the confirmed one's repeat
        assertThat(meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count())
                .isEqualTo(duplicatesBefore + 1);
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4731/refund")));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aPartlyRefundedTransactionIsRecordedOnItsConfirmedBookingNeverTakenForAFullRefund() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        // paid, then partly refunded in Payrexx's back office before the hub handled the confirmed delivery
        payrexx.transaction(4734, "partially-refunded", id);
        NotifyBuilder handled = deliveriesHandled(4734, "confirmed", "partially-refunded");

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4734, "confirmed", id)).status())
                .isEqualTo(200);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4734, "partially-refunded", id)).status())
                .isEqualTo(200);

        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(booking.get("paymentReference").asText()).isEqualTo("4734");
        assertThat(booking.get("paidAmount").asLong()).isEqualTo(9000);
        assertThat(booking.get("statusReason").asText()).isEqualTo(PART_REFUND);
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4734/refund")));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aConfirmedBookingWhosePaymentIsThenPartlyRefundedSaysSoAndStands() {
        String id = confirmedBooking(4735);

        transactionReported(4735, "partially-refunded", id);

        awaitReason(id, PART_REFUND);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4735/refund")));
    }

    /** What a confirmed Payrexx booking refunded in full in Payrexx's back office says, and its mark's note. */
    private static final String REFUNDED_OUTSIDE =
            "a refund the hub did not make: payrexx shows 9000 of the payment's 9000 refunded outside the hub";

    /** What a confirmed Payrexx booking whose refund is under way in Payrexx's back office says (no amount given). */
    private static final String REFUND_PENDING_OUTSIDE =
            "a refund the hub did not make: a refund is pending at payrexx (amount not given)";

    /**
     * A booking its transaction confirmed, the transaction then refunded in full in Payrexx's back office (the hub
     * refunds a confirmed booking only once it is cancelled): the appointment stands for a customer paid back, so the
     * booking is marked for a person, its reason saying so, and counted, as a Stripe payment refunded outside the hub
     * is; once, for the refund under way (no amount given: "pending") and then made (in full: the note says so).
     * Before, both deliveries were "no action".
     */
    @Test
    void aConfirmedBookingWhosePaymentIsRefundedInPayrexxsBackOfficeIsMarkedForAPersonOnce() {
        String id = confirmedBooking(4736);
        double before = refundsOutsideTheHub();

        payrexx.transaction(4736, "refund_pending", id);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4736, "refund_pending", id)).status())
                .isEqualTo(200);
        awaitReason(id, REFUND_PENDING_OUTSIDE);
        assertThat(refundsOutsideTheHub()).isEqualTo(before + 1);
        transactionReported(4736, "refunded", id); // the refund made: in full, its amount now known

        awaitReason(id, REFUNDED_OUTSIDE);
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED"); // a person decides whether it stands
        assertThat(booking.get("statusReason").asText()).isEqualTo(REFUNDED_OUTSIDE);
        assertThat(markedNote(id, "CONFIRMED"))
                .isEqualTo(REFUNDED_OUTSIDE + " (in full): decide whether the appointment stands");
        assertThat(refundsOutsideTheHub()).as("counted once").isEqualTo(before + 1);
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4736/refund")));
    }

    /**
     * A part refunded in Payrexx's back office, then a chargeback, the part's delivery handled only then: the API shows
     * the transaction disputed, for good. The delivery is acted on as the dispute (no dead letter); before the merge
     * review's fix it was taken for the API behind the refund and dead-lettered, its every replay failing alike.
     */
    @Test
    void aPartRefundsDeliveryReadOnceTheTransactionIsDisputedIsActedOnAsTheDispute() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = confirmedBooking(4951);
        payrexx.transaction(4951, "disputed", id);

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4951, "partially-refunded", id)).status())
                .isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id).json()
                .get("statusReason").asText()).contains("the customer disputes the payment"));
        awaitQueuesIdle();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM dead_letter").query(Integer.class).single()).isZero();
    }

    /**
     * A refund made in Payrexx's back office whose refunded delivery is handled while Payrexx's API still shows it
     * refund_pending: the API is behind, so the delivery is asked again (redelivered, then dead-lettered for a passing
     * reason and replayed), and once the API shows it refunded the reason says refunded in full. Before, refunded and
     * refund_pending were one stage: the delivery was acted on as refund_pending, whose key the refund_pending
     * delivery had recorded, dropped as a duplicate (200, Payrexx sends it no more), and the booking said "a refund
     * is pending at payrexx" for good.
     */
    @Test
    void aRefundedDeliveryReadWhilePayrexxsApiStillShowsTheRefundPendingIsAskedAgainNotDropped() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = confirmedBooking(4745);
        transactionReported(4745, "refund_pending", id);
        awaitReason(id, REFUND_PENDING_OUTSIDE);
        double duplicates = meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count();

        // the refund made: Payrexx's webhook says refunded, its API still says refund_pending
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4745, "refunded", id)).status())
                .isEqualTo(200);

        JsonNode letter = awaitDeadLetter("payrexx");
        assertThat(letter.get("errorMessage").asText()).isEqualTo("provider-error: Payrexx's API shows transaction "
                + "4745 refund_pending, its webhook said refunded: asked again later");
        assertThat(letter.get("attempts").asInt()).as("redelivered first").isEqualTo(2);
        assertThat(letter.has("retryAt")).as("a passing failure: replayed on its own").isTrue();
        assertThat(meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count())
                .as("not dropped as a duplicate").isEqualTo(duplicates);
        assertThat(reasonOf(id)).isEqualTo(REFUND_PENDING_OUTSIDE);

        payrexx.transaction(4745, "refunded", id); // the API catches up
        clock.advance(Duration.ofMinutes(1));
        assertThat(camel.createProducerTemplate().requestBody("direct:ops-dead-letter-auto-replay", null,
                Integer.class)).isEqualTo(1);

        awaitReason(id, REFUNDED_OUTSIDE);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(attentionOf(id).get("note").asText())
                .isEqualTo(REFUNDED_OUTSIDE + " (in full): decide whether the appointment stands");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4745/refund")));
    }

    /**
     * A booking confirmed by its transaction's partially-refunded delivery (no confirmed delivery acted on), the rest
     * then refunded in the back office: marked for a person as well, the part refund's note replaced by the whole.
     */
    @Test
    void aBookingConfirmedByAPartlyRefundedDeliveryWhoseRestIsRefundedInTheBackOfficeIsMarkedForAPerson() {
        String id = pendingBooking(START, "payrexx");
        transactionReported(4737, "partially-refunded", id);
        awaitReason(id, PART_REFUND);
        assertThat(status(id)).isEqualTo("CONFIRMED");

        transactionReported(4737, "refunded", id);

        awaitReason(id, REFUNDED_OUTSIDE);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(attentionOf(id).get("note").asText())
                .isEqualTo(REFUNDED_OUTSIDE + " (in full): decide whether the appointment stands");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4737/refund")));
    }

    /**
     * A confirmed booking whose payment Payrexx shows refund_pending (a refund begun in the back office: Payrexx names
     * no amount), then partially-refunded: the booking is marked and counted once, on the refund under way, and its
     * reason and mark end saying part of the payment was refunded, never "in full". Before, refund_pending already
     * said "9000 of the payment's 9000 refunded outside the hub (in full)", and the partial refund kept that mark.
     */
    @Test
    void aRefundPendingThenPartlyRefundedInTheBackOfficeEndsSayingPartRefundedNeverInFull() {
        String id = confirmedBooking(4738);
        double before = refundsOutsideTheHub();

        transactionReported(4738, "refund_pending", id);
        awaitReason(id, REFUND_PENDING_OUTSIDE);
        assertThat(attentionOf(id).get("note").asText())
                .isEqualTo(REFUND_PENDING_OUTSIDE + ": decide whether the appointment stands");
        assertThat(refundsOutsideTheHub()).isEqualTo(before + 1);

        transactionReported(4738, "partially-refunded", id);

        awaitReason(id, PART_REFUND);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(attentionOf(id).get("note").asText())
                .isEqualTo("part of the payment was refunded at payrexx (amount not given): decide whether the "
                        + "appointment stands");
        assertThat(refundsOutsideTheHub()).as("counted once").isEqualTo(before + 1);
        assertThat(jdbc.sql("SELECT refunded_outside_amount FROM booking WHERE id = :id").param("id", id)
                .query(Long.class).optional()).as("no amount given").isEmpty();
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4738/refund")));
    }

    /**
     * A refund under way in the back office, its mark cleared by a person (told once), then made: the reason says it
     * in full, and the booking is not marked again nor counted again.
     */
    @Test
    void aMarkClearedWhileItsRefundWasPendingIsNotSetAgainByTheRefundedDelivery() {
        String id = confirmedBooking(4740);
        double before = refundsOutsideTheHub();
        transactionReported(4740, "refund_pending", id);
        awaitReason(id, REFUND_PENDING_OUTSIDE);
        clearAttention(id);

        transactionReported(4740, "refunded", id);

        awaitReason(id, REFUNDED_OUTSIDE);
        assertThat(attentionOrNull(id)).as("not marked again").isNull();
        assertThat(refundsOutsideTheHub()).isEqualTo(before + 1);
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    /**
     * A confirmed booking cancelled after the refund cut-off (not refunded: the policy), then refunded as a goodwill
     * gesture in Payrexx's back office: recorded after its cancellation's reason and marked for a person, counted,
     * once for the refund under way and then made, as Stripe's charge.refunded of such a booking is; it stays
     * CANCELLED, nothing refunded by the hub. Before, both deliveries were taken for the echo of the hub's own refund.
     */
    @Test
    void aBookingCancelledAfterTheCutOffThenRefundedInPayrexxsBackOfficeIsRecordedAfterItsReason() {
        String id = cancelledAfterTheCutOff(4739);
        double before = refundsOutsideTheHub();

        transactionReported(4739, "refund_pending", id);
        awaitReason(id, CANCELLED_LATE + "; " + REFUND_PENDING_OUTSIDE);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(REFUND_PENDING_OUTSIDE + ": check it at payrexx");
        transactionReported(4739, "refunded", id);

        awaitReason(id, CANCELLED_LATE + "; " + REFUNDED_OUTSIDE);
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(attentionOf(id).get("note").asText())
                .isEqualTo(REFUNDED_OUTSIDE + " (in full): check it at payrexx");
        assertThat(jdbc.sql("SELECT refunded_outside_amount FROM booking WHERE id = :id").param("id", id)
                .query(Long.class).single()).isEqualTo(9000L);
        deliveryHandled(4739, "refunded", id); // again: a duplicate
        assertThat(refundsOutsideTheHub()).as("counted once").isEqualTo(before + 1);
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4739/refund")));
    }

    /**
     * A booking cancelled after the refund cut-off whose payment is then partly refunded in the back office: recorded
     * after its cancellation's reason, marked and counted, as Stripe's partial refund outside the hub of such a
     * booking. Before, the delivery changed nothing.
     */
    @Test
    void aBookingCancelledAfterTheCutOffThenPartlyRefundedInPayrexxsBackOfficeIsRecordedAfterItsReason() {
        String id = cancelledAfterTheCutOff(4742);
        double before = refundsOutsideTheHub();

        transactionReported(4742, "partially-refunded", id);

        String part = "part of the payment was refunded at payrexx (amount not given)";
        awaitReason(id, CANCELLED_LATE + "; " + part);
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(part + ": check it at payrexx");
        assertThat(refundsOutsideTheHub()).isEqualTo(before + 1);
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4742/refund")));
    }

    /**
     * A confirmed booking whose refund is under way in Payrexx's back office (refund_pending: marked and counted), then
     * cancelled after the refund cut-off (the hub refunds nothing), then refunded: one refund, counted once, its
     * reason and mark ending saying the whole payment was refunded outside the hub. Before, the cancel's reason lost
     * the pending note, and the refunded delivery was taken for a fresh refund: counted and marked a second time.
     */
    @Test
    void aRefundPendingThenCancelledAfterTheCutOffThenRefundedIsCountedOnce() {
        double before = refundsOutsideTheHub();
        String id = confirmedWithARefundPending(4743);
        clock.advance(Duration.ofHours(2)); // within the 24 h before its start: no refund due
        var cancelled = cancelAccepted(id);
        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo(CANCELLED_LATE + "; " + REFUND_PENDING_OUTSIDE);

        transactionReported(4743, "refunded", id);

        awaitReason(id, CANCELLED_LATE + "; " + REFUNDED_OUTSIDE);
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(attentionOf(id).get("note").asText())
                .isEqualTo(REFUNDED_OUTSIDE + " (in full): check it at payrexx");
        assertThat(refundsOutsideTheHub()).as("one refund, counted once").isEqualTo(before + 1);
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4743/refund")));
    }

    /**
     * A confirmed booking whose refund is under way in Payrexx's back office, cancelled in time: the hub does not
     * refund it too (Payrexx is paying the customer back already, and names no amount: what is left, if anything, is
     * for a person), so it is CANCELLED, not refunded by the hub, marked; neither a repeated cancel nor the retry
     * sweep refunds it, and Payrexx's refunded delivery then settles the note, counting nothing again. Before, the
     * cancel refunded the full price at Payrexx a second time.
     */
    @Test
    void aBookingCancelledInTimeWhileARefundIsPendingInPayrexxsBackOfficeIsNotRefundedAgain() {
        double before = refundsOutsideTheHub();
        String id = confirmedWithARefundPending(4744);

        var cancelled = cancelAccepted(id);

        assertThat(cancelled.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo(CANCELLED_REFUND_OUTSIDE + "; " + REFUND_PENDING_OUTSIDE);
        assertThat(markedNote(id, "CANCELLED")).isEqualTo(REFUND_PENDING_OUTSIDE + ": check it at payrexx");
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        assertThat(producer.requestBody("direct:booking-retry-refunds", null, Integer.class)).isZero();
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4744/refund")));

        transactionReported(4744, "refunded", id);

        awaitReason(id, CANCELLED_REFUND_OUTSIDE + "; " + REFUNDED_OUTSIDE);
        assertThat(attentionOf(id).get("note").asText())
                .isEqualTo(REFUNDED_OUTSIDE + " (in full): check it at payrexx");
        assertThat(refundsOutsideTheHub()).as("one refund, counted once").isEqualTo(before + 1);
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4744/refund")));
    }

    /**
     * A confirmed booking cancelled in time while a refund is under way in Payrexx's back office is told that refund
     * pays it back (cancellation-refund-outside), not "we could not refund your payment automatically: please contact
     * us" (cancellation-unrefunded), which it was told before while Payrexx was paying it back already.
     */
    @Test
    void aBookingCancelledInTimeWhileARefundIsPendingInPayrexxsBackOfficeIsToldThatRefundPaysItBack() {
        String id = confirmedWithARefundPending(4746);

        var cancelled = cancelAccepted(id);

        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo(CANCELLED_REFUND_OUTSIDE + "; " + REFUND_PENDING_OUTSIDE);
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications"))
                .extracting(n -> n.get("kind").asText()).contains("cancellation-refund-outside")
                .doesNotContain("cancellation-unrefunded", "cancellation");
        // its (German) customer's email: the provider's refund pays them back, no "contact us"
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(notify.sendGrid()
                .findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(r -> r.getBodyAsString()).filter(body -> body.contains(id) && body.contains("abgesagt")).toList())
                .singleElement().asString().contains("bei unserem Zahlungsanbieter")
                .doesNotContain("melden Sie sich bei uns"));
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4746/refund")));
    }

    /**
     * A confirmed booking whose refund is under way in Payrexx's back office (marked, counted), its payment then
     * disputed, then cancelled after the refund cut-off: the dispute's reason keeps the refund under way after it, so
     * Payrexx's refunded delivery settles it ("in full"), counting and marking nothing again, its note warning that the
     * customer is paid back twice should the dispute, still open, be lost. Before, a disputed cancel dropped the
     * pending part: the refunded delivery was taken for a new refund, marked and counted a second time.
     */
    @Test
    void aRefundPendingThenDisputedThenCancelledAfterTheCutOffThenRefundedIsCountedOnce() {
        double before = refundsOutsideTheHub();
        String id = refundPendingThenDisputed(4747); // its refund under way counted
        clock.advance(Duration.ofHours(2)); // within the 24 h before its start: no refund due

        var cancelled = cancelAccepted(id);

        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo(CANCELLED_DISPUTED + "; " + REFUND_PENDING_OUTSIDE);
        pendingRefundMadeWhileDisputed(4747, id, before);
        assertThat(status(id)).isEqualTo("CANCELLED");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4747/refund")));
    }

    /**
     * The same cancelled in time: the hub refunds nothing while Payrexx's refund is under way, so the open dispute
     * stops no refund of the hub's (no "refund it at payrexx if the dispute was won" for a person, who would pay the
     * customer back twice); the refund under way is kept, and Payrexx's refunded delivery settles it ("in full"),
     * counting nothing again, warning of paying back twice should the dispute be lost. Before, the cancel's reason was the stopped refund's only: the refunded delivery was
     * only logged, and the note asking for a refund at Payrexx stayed though Payrexx had paid the customer back.
     */
    @Test
    void aRefundPendingThenDisputedThenCancelledInTimeIsSettledByTheRefundedDeliveryNotRefundedAgain() {
        double before = refundsOutsideTheHub();
        String id = refundPendingThenDisputed(4748); // its refund under way counted

        var cancelled = cancelAccepted(id);

        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo(CANCELLED_DISPUTED + "; " + REFUND_PENDING_OUTSIDE);
        assertThat(attentionOf(id).get("note").asText())
                .isEqualTo(REFUND_PENDING_OUTSIDE + ": check it at payrexx");
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        assertThat(producer.requestBody("direct:booking-retry-refunds", null, Integer.class)).isZero();
        pendingRefundMadeWhileDisputed(4748, id, before);
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications"))
                .extracting(n -> n.get("kind").asText()).contains("cancellation-disputed");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4748/refund")));
    }

    /**
     * A confirmed Payrexx booking (transaction {@code transaction}) whose refund is under way in Payrexx's back office
     * (refund_pending: told in its reason, marked, counted once); its event's removal answered, for a cancel.
     */
    private String confirmedWithARefundPending(long transaction) {
        String id = confirmedBooking(transaction);
        transactionReported(transaction, "refund_pending", id);
        awaitReason(id, REFUND_PENDING_OUTSIDE);
        eventRemovalAnswered(id);
        return id;
    }

    /**
     * A confirmed Payrexx booking (transaction {@code transaction}) whose refund is under way in Payrexx's back office
     * (refund_pending: marked, counted once), its payment then disputed (stored open); its event's removal answered.
     */
    private String refundPendingThenDisputed(long transaction) {
        String id = confirmedWithARefundPending(transaction);
        transactionReported(transaction, "disputed", id);
        awaitReasonContaining(id, DISPUTE, REFUND_PENDING_OUTSIDE);
        return id;
    }

    /**
     * Booking {@code id}, cancelled while its payment is disputed and a refund outside the hub is under way, whose
     * refund Payrexx then reports made: it settles the booking ("in full"), one note warning of paying back twice
     * should the dispute, still open, be lost; one refund outside the hub counted since {@code before}.
     */
    private void pendingRefundMadeWhileDisputed(long transaction, String id, double before) {
        transactionReported(transaction, "refunded", id);

        awaitReason(id, CANCELLED_DISPUTED + "; " + REFUNDED_OUTSIDE);
        assertThat(attentionOf(id).get("note").asText()).as("one refund note, the dispute still open")
                .isEqualTo(PAID_BACK.formatted(transaction));
        assertThat(refundsOutsideTheHub()).as("one refund, counted once").isEqualTo(before + 1);
    }

    /**
     * A confirmed booking whose payment is disputed, cancelled in time (its refund stopped: a person is asked to refund
     * it at Payrexx should the dispute be won), then refunded in full in Payrexx's back office: the refunded delivery
     * settles it. Its reason says the payment was refunded outside the hub (the stopped refund gone, so no won dispute
     * restarts it), the mark's note no longer asks for a refund (a person making it would pay the customer back a
     * second time) and, the dispute still open, says the customer is paid back twice should it be lost; counted once.
     * Before, the refunded delivery was only logged and the stopped refund's "refund it at payrexx" note stayed.
     */
    @Test
    void aDisputedBookingCancelledInTimeThenRefundedInPayrexxsBackOfficeNoLongerAsksForTheStoppedRefund() {
        String id = disputedThenCancelledInTime(4781);

        refundedSettlesTheStoppedRefundOnce(4781, id);
    }

    /**
     * A confirmed booking whose payment Payrexx's back office refunded in full (its refunded delivery: marked, counted),
     * then cancelled in time: nothing is left to refund, so the hub asks Payrexx for no refund (Payrexx refuses one of
     * a refunded transaction), the booking is CANCELLED saying so, the mark's note a cancelled booking's, nothing
     * counted again, and its customer told their payment was refunded already (kind cancellation-refunded-outside):
     * neither "your refund is under way" nor "contact us". Before, the cancel asked Payrexx to refund the full price.
     */
    @Test
    void aBookingCancelledInTimeAfterPayrexxsBackOfficeRefundedItInFullIsNotRefundedAgain() {
        String id = confirmedThenRefundedOutside(4782, "refunded", REFUNDED_OUTSIDE);
        double counted = refundsOutsideTheHub();
        refundsRefused(4782, id);

        var cancelled = cancelAccepted(id);

        assertThat(cancelled.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo("cancelled after its payment was refunded "
                + "in full outside the hub: nothing left to refund; " + REFUNDED_OUTSIDE);
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4782/refund")));
        assertThat(markedNote(id, "CANCELLED")).isEqualTo(REFUNDED_OUTSIDE + " (in full): check it at payrexx");
        assertThat(refundsOutsideTheHub()).as("counted once, by the refunded delivery").isEqualTo(counted);
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications"))
                .extracting(n -> n.get("kind").asText()).contains("cancellation-refunded-outside")
                .doesNotContain("refund", "cancellation-refund-pending", "refund-failed", "cancellation-unrefunded",
                        "cancellation-refund-outside");
        // its (German) customer's email: paid back already, nothing under way, no "contact us"
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(notify.sendGrid()
                .findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(r -> r.getBodyAsString()).filter(body -> body.contains(id) && body.contains("abgesagt")).toList())
                .singleElement().asString().contains("Ihre Zahlung bereits")
                .doesNotContain("melden Sie sich").doesNotContain("laufende"));
        nothingMoreRefunded(4782, id);
    }

    /**
     * A confirmed booking part of whose payment Payrexx's back office refunded (partially-refunded: marked, counted;
     * Payrexx names no amount), then cancelled in time: the hub cannot tell what is left, so it asks Payrexx for no
     * refund (one of the whole would be refused) and marks the booking for a person to refund the rest, its customer
     * told part was refunded already and the rest follows; nothing counted again. Before, the cancel asked Payrexx to
     * refund the full price: refused, the booking stayed waiting for a refund that could never be made, until the
     * retries ended and a person was told to pay the customer back another way.
     */
    @Test
    void aBookingCancelledInTimeAfterPayrexxsBackOfficeRefundedPartOfItIsLeftForAPersonToRefundTheRest() {
        String id = confirmedThenRefundedOutside(4783, "partially-refunded", PART_REFUND);
        double counted = refundsOutsideTheHub();
        refundsRefused(4783, id);

        var cancelled = cancelAccepted(id);

        assertThat(cancelled.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo("cancelled after part of its payment was "
                + "refunded outside the hub: the rest not refunded by the hub; part of the payment was refunded at "
                + "payrexx (amount not given)");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4783/refund")));
        assertThat(markedNote(id, "CANCELLED")).isEqualTo("part of the payment was refunded at payrexx (amount not "
                + "given): cancelled in time, the rest not refunded by the hub: refund what is left at payrexx");
        assertThat(refundsOutsideTheHub()).as("counted once, by the partially-refunded delivery").isEqualTo(counted);
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications"))
                .extracting(n -> n.get("kind").asText()).contains("cancellation-part-refunded")
                .doesNotContain("refund", "cancellation-refund-pending", "refund-failed", "cancellation-unrefunded");
        nothingMoreRefunded(4783, id);
    }

    /**
     * A confirmed booking paid by {@code transaction}, then Payrexx's back office refunded it ({@code status}:
     * refunded, partially-refunded): its reason {@code reason}, counted once in connectify_refunds_outside_hub_total.
     */
    private String confirmedThenRefundedOutside(long transaction, String status, String reason) {
        String id = confirmedBooking(transaction);
        double before = refundsOutsideTheHub();
        transactionReported(transaction, status, id);
        awaitReason(id, reason);
        awaitRefundsOutsideTheHub(before + 1);
        return id;
    }

    /** Nothing more to refund: a second cancel refused, the retry sweep refunding none, Payrexx asked for no refund. */
    private void nothingMoreRefunded(long transaction, String bookingId) {
        assertThat(httpPost("/api/v1/bookings/" + bookingId + "/cancel", "").status()).isEqualTo(409);
        assertThat(producer.requestBody("direct:booking-retry-refunds", null, Integer.class)).isZero();
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/" + transaction + "/refund")));
    }

    /**
     * Payrexx refuses a refund of the transaction, as it does one of a transaction refunded (in full, or the whole of
     * one refunded in part); the booking's event's removal answered, for a cancel.
     */
    private void refundsRefused(long transaction, String bookingId) {
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/" + transaction + "/refund")).willReturn(
                okJson("""
                        {"status":"error","message":"The transaction cannot be refunded"}""")));
        eventRemovalAnswered(bookingId);
    }

    /**
     * A confirmed booking part of whose payment Payrexx's back office refunded, cancelled in time (marked for a person
     * to refund what is left at Payrexx), whose rest the person then refunds at Payrexx: its refunded delivery settles
     * that mark (the person did what was asked: the note removed, the mark cleared with nothing else in it), the
     * reason tells the rest refunded, and nothing is counted again. Before, the delivery was taken for another refund
     * outside the hub: counted a second time, and its "check it at payrexx" note added beside "refund what is left".
     */
    @Test
    void aPartRefundedBookingCancelledInTimeWhoseRestAPersonRefundsAtPayrexxIsSettledNotCountedAgain() {
        String id = confirmedThenRefundedOutside(4784, "partially-refunded", PART_REFUND);
        double counted = refundsOutsideTheHub();
        refundsRefused(4784, id);
        cancelAccepted(id);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(REST_LEFT);

        transactionHandled(4784, "refunded", id); // the person refunded what was left

        assertThat(reasonOf(id)).isEqualTo("cancelled "
                + "after part of its payment was refunded outside the hub: the rest not refunded by the hub; the rest "
                + "refunded at payrexx too: payrexx shows 9000 of the payment's 9000 refunded");
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(attentionOrNull(id)).as("its mark settled").isNull();
        assertThat(refundsOutsideTheHub()).as("no further refund outside the hub").isEqualTo(counted);
        nothingMoreRefunded(4784, id);
    }

    /**
     * A confirmed booking whose payment Payrexx's back office refunded in full, then disputed, cancelled in time: the
     * mark's note warns that the customer is paid back twice should the dispute be lost as well, as the other order
     * (the dispute stops the cancel's refund, then refunded) says. Before, only "check it at payrexx".
     */
    @Test
    void aBookingRefundedInFullOutsideThenDisputedCancelledInTimeIsMarkedAsPaidBackTwiceShouldTheDisputeBeLost() {
        String id = confirmedThenRefundedOutside(4785, "refunded", REFUNDED_OUTSIDE);
        double counted = refundsOutsideTheHub();

        var cancelled = cancelledInTimeOnceDisputed(4785, id);

        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo(CANCELLED_DISPUTED + "; " + REFUNDED_OUTSIDE);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(PAID_BACK.formatted(4785));
        assertThat(refundsOutsideTheHub()).as("counted once, by the refunded delivery").isEqualTo(counted);
        nothingMoreRefunded(4785, id);
    }

    /**
     * A disputed booking cancelled in time (its refund stopped: "refund it at payrexx if the dispute was won"), whose
     * payment Payrexx then shows with a refund under way: it names no amount, and may end in part or fail, so the
     * refund stays stopped, the refund under way after its reason, and the note, replaced, asks for what that refund
     * does not pay back should the dispute be won; counted once. The refunded delivery then settles it as for any
     * stopped refund, counting nothing again, and warns of paying back twice should the dispute be lost. Before, the
     * refund_pending delivery was only logged and the note kept asking for the refund; then (until the stopped refund
     * was kept) it made the booking one cancelled while disputed, "check it at payrexx", nobody asked to refund the
     * rest should the refund end partial or fail.
     */
    @Test
    void aDisputedBookingCancelledInTimeThenARefundPendingAtPayrexxIsMarkedAndCountedOnce() {
        String id = disputedThenCancelledInTime(4786);
        double before = refundsOutsideTheHub();

        assertThat(refundPendingOfAStoppedRefund(4786, id, before + 1, "the refund under way, counted once"))
                .isEqualTo(STOPPED_PENDING.formatted(4786));

        restRefundedSettlesTheStoppedRefund(4786, id, before + 1, "one refund, counted once");
    }

    /**
     * A disputed booking cancelled in time (its refund stopped), part of whose payment Payrexx then shows refunded:
     * the refund stays stopped, the part after its reason, and the note asks a person to refund what is left, not the
     * whole, should the dispute be won; counted once (a repeat is a duplicate). The refunded delivery of the rest then
     * settles it as for a stopped refund, counting nothing again. Before, the partially-refunded delivery was only
     * logged and the note kept asking for a refund of the whole.
     */
    @Test
    void aDisputedBookingCancelledInTimeThenPartlyRefundedAtPayrexxAsksForWhatIsLeftCountedOnce() {
        String id = disputedThenCancelledInTime(4787);
        double before = refundsOutsideTheHub();

        assertThat(partRefundOfAStoppedRefund(4787, id, before + 1, "the part, counted once"))
                .isEqualTo(STOPPED_PART.formatted(4787));
        deliveryHandled(4787, "partially-refunded", id); // again: a duplicate
        assertThat(refundsOutsideTheHub()).isEqualTo(before + 1);

        restRefundedSettlesTheStoppedRefund(4787, id, before + 1, "counted once, by the part");
    }

    /**
     * A booking cancelled in time whose refund's answer was lost (Payrexx answered 500: it may have made it), then
     * disputed (its refund stopped), then shown refunded: that may be the hub's own refund, so it settles the stopped
     * refund as any refund made outside the hub does, but is not counted as one. Before, it was counted in
     * connectify_refunds_outside_hub_total though its note said it may be the hub's own.
     */
    @Test
    void aRefundedDeliveryThatMayBeTheHubsOwnRefundWhoseAnswerWasLostIsNotCountedAsOutsideTheHub() {
        String id = cancelledWithItsRefundsAnswerLostThenDisputed(4788);
        double before = refundsOutsideTheHub();

        transactionHandled(4788, "refunded", id);

        assertThat(reasonOf(id)).isEqualTo(CANCELLED_DISPUTED + "; " + REFUNDED_OUTSIDE);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(REFUNDED_OUTSIDE + " (in full): the customer is "
                + "paid back, its refund stopped by the dispute is not to be made (it may be the hub's own refund, "
                + "asked for before the dispute, its answer lost); " + STILL_OPEN.formatted(4788));
        assertThat(refundsOutsideTheHub()).as("maybe the hub's own: not a refund outside the hub").isEqualTo(before);
        resilience.circuitBreaker("payrexx").reset();
        nothingMoreRefunded(4788, id);
    }

    /** A Payrexx booking confirmed by {@code transaction}, then disputed: its reason the dispute's. */
    private String confirmedThenDisputed(long transaction) {
        String id = confirmedBooking(transaction);
        transactionReported(transaction, "disputed", id);
        awaitReason(id, DISPUTE);
        return id;
    }

    /**
     * Booking {@code id}, its refund stopped by a dispute, whose payment Payrexx then reports refunded in full: the
     * refunded delivery settles the stopped refund (CANCELLED; its reason and the mark's note say the customer is paid
     * back, no longer "refund it at payrexx"), counted once; a duplicate of it counts nothing, nothing more refunded.
     */
    private void refundedSettlesTheStoppedRefundOnce(long transaction, String id) {
        double before = refundsOutsideTheHub();

        transactionReported(transaction, "refunded", id);

        awaitReason(id, CANCELLED_DISPUTED + "; " + REFUNDED_OUTSIDE);
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(markedNote(id, "CANCELLED")).isEqualTo(STOPPED_SETTLED.formatted(transaction))
                .doesNotContain("refund it at payrexx");
        // counted once the booking's change has committed
        awaitRefundsOutsideTheHub(before + 1);

        deliveryHandled(transaction, "refunded", id); // again: a duplicate

        assertThat(refundsOutsideTheHub()).as("counted once").isEqualTo(before + 1);
        nothingMoreRefunded(transaction, id);
    }

    /**
     * Booking {@code id}, its refund stopped by a dispute, whose payment Payrexx then shows with a refund pending: the
     * refund stays stopped, the refund under way after its reason, the refunds outside the hub counted {@code counted}
     * in all ({@code why}). Returns the mark's note (read before the count).
     */
    private String refundPendingOfAStoppedRefund(long transaction, String id, double counted, String why) {
        transactionHandled(transaction, "refund_pending", id);
        assertThat(reasonOf(id)).isEqualTo(REFUND_STOPPED + "; " + REFUND_PENDING_OUTSIDE);
        String note = attentionOf(id).get("note").asText();
        assertThat(refundsOutsideTheHub()).as(why).isEqualTo(counted);
        return note;
    }

    /** As {@link #refundPendingOfAStoppedRefund}, Payrexx showing part of the payment refunded: the part told. */
    private String partRefundOfAStoppedRefund(long transaction, String id, double counted, String why) {
        transactionHandled(transaction, "partially-refunded", id);
        assertThat(reasonOf(id)).isEqualTo(REFUND_STOPPED + "; " + PART);
        String note = attentionOf(id).get("note").asText();
        assertThat(refundsOutsideTheHub()).as(why).isEqualTo(counted);
        return note;
    }

    /**
     * A confirmed booking paid by {@code transaction}, its payment disputed, cancelled in time: its refund stopped,
     * marked for a person to make it should the dispute be won; its event's removal answered.
     */
    private String disputedThenCancelledInTime(long transaction) {
        String id = confirmedThenDisputed(transaction);
        refundsRefused(transaction, id);
        var cancelled = cancelAccepted(id);
        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo(REFUND_STOPPED);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(STOPPED_FOR_GOOD.formatted(transaction));
        return id;
    }

    /**
     * A booking confirmed by its transaction's confirmed delivery handled only once Payrexx showed the transaction
     * disputed (a backlog: the disputed branch confirmed it, so the key recorded is the disputed one, never the
     * confirmed one), cancelled in time (its refund stopped), then refunded in full in Payrexx's back office: settled
     * as when the confirmed delivery was handled first. Its reason says the payment was refunded outside the hub, the
     * note no longer asks for the stopped refund (the customer is paid back: a person making it would pay them a
     * second time), counted once. Before, the refunded delivery, its confirmed key missing, was taken for a payment
     * returned before the hub confirmed it: only logged, "refund it at payrexx" left standing.
     */
    @Test
    void aBookingConfirmedByItsDisputedDeliveryCancelledInTimeThenRefundedInPayrexxsBackOfficeSettlesTheStoppedRefund() {
        String id = confirmedLateThenDisputedAndCancelledInTime(4792, "disputed");

        refundedSettlesTheStoppedRefundOnce(4792, id);
    }

    /**
     * As above, its refund then under way in Payrexx's back office (refund_pending): kept stopped, the refund under
     * way after its reason, the stopped refund's note replaced by one asking for what that refund does not pay back
     * should the dispute be won, counted once, as when the confirmed delivery was handled first. Before, only logged,
     * the note kept asking for the refund.
     */
    @Test
    void aBookingConfirmedByItsDisputedDeliveryCancelledInTimeThenARefundPendingAtPayrexxIsMarkedAndCountedOnce() {
        String id = confirmedLateThenDisputedAndCancelledInTime(4793, "disputed");
        double before = refundsOutsideTheHub();

        assertThat(refundPendingOfAStoppedRefund(4793, id, before + 1, "the refund under way, counted once"))
                .endsWith(STOPPED_PENDING.formatted(4793)).doesNotContain(STOPPED_FOR_GOOD.formatted(4793));
        nothingMoreRefunded(4793, id);
    }

    /**
     * A booking confirmed by its transaction's confirmed delivery handled only once Payrexx showed part of it refunded
     * (no confirmed key recorded: the part counted then), then disputed, cancelled in time (its refund stopped, the
     * part kept), then the rest refunded in Payrexx's back office: the stopped refund is settled as when the part comes
     * after the stop, the note no longer asking for it, the rest not counted again. Before, the refunded delivery was
     * only logged, "refund it at payrexx" left standing; then (the cancel having dropped the part) it was counted a
     * second time, as the whole payment refunded outside the hub.
     */
    @Test
    void aBookingConfirmedByItsPartlyRefundedDeliveryDisputedCancelledInTimeThenRefundedSettlesTheStoppedRefund() {
        String id = confirmedLateThenDisputedAndCancelledInTime(4794, "partially-refunded");
        double before = refundsOutsideTheHub();

        theRestRefundedOfAStoppedRefund(4794, id, before, "the rest of a part counted before: not counted again");
        assertThat(status(id)).isEqualTo("CANCELLED");
        deliveryHandled(4794, "refunded", id); // again: a duplicate
        assertThat(refundsOutsideTheHub()).as("counted once, by the part").isEqualTo(before);
        nothingMoreRefunded(4794, id);
    }

    /**
     * A confirmed booking part of whose payment Payrexx's back office refunded (marked "decide whether the appointment
     * stands", counted), then disputed, cancelled in time: its refund is stopped with the part kept in its reason, and
     * the mark's note, in place of the confirmed booking's (the appointment is cancelled: nothing left to decide), asks
     * a person to refund only what is left should the dispute be won, as when the part comes after the stop. The rest
     * then refunded at Payrexx settles it, the part counted once in all. Before, the cancel dropped the part from the
     * reason ("cancelled, its refund stopped: …" alone), the note asked for the whole payment ("refund it at payrexx")
     * beside "decide whether the appointment stands", and the refunded delivery was counted a second time.
     */
    @Test
    void aPartRefundedBookingDisputedThenCancelledInTimeKeepsThePartAndAsksOnlyForWhatIsLeft() {
        String id = confirmedThenRefundedOutside(4971, "partially-refunded", PART_REFUND);
        double counted = refundsOutsideTheHub();

        var cancelled = cancelledInTimeOnceDisputed(4971, id);

        assertThat(cancelled.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo(REFUND_STOPPED + "; " + PART);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(STOPPED_PART.formatted(4971));
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4971/refund")));

        // the rest refunded in the back office
        restRefundedSettlesTheStoppedRefund(4971, id, counted, "counted once, by the part");
    }

    /**
     * As above, the dispute won by the cancel (its outcome as stored on the booking, written here: Payrexx reports
     * none): nothing stops the refund, so the booking is cancelled as any part refunded one, a person asked to refund
     * what is left, and the rest refunded settles that mark, counted no more.
     */
    @Test
    void aPartRefundedBookingWhoseDisputeWasWonCancelledInTimeAsksForWhatIsLeft() {
        String id = partRefundedThenDisputeDecided(4972, "won");

        var cancelled = cancelAccepted(id);

        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo("cancelled after part of its payment was "
                + "refunded outside the hub: the rest not refunded by the hub; " + PART);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(REST_LEFT);
        double counted = refundsOutsideTheHub();

        transactionHandled(4972, "refunded", id);

        assertThat(attentionOrNull(id)).as("its mark settled").isNull();
        assertThat(refundsOutsideTheHub()).isEqualTo(counted);
        nothingMoreRefunded(4972, id);
    }

    /**
     * As above, the dispute lost by the cancel: the bank took the payment back, nothing is owed, so the part stays in
     * the reason after the lost dispute's and the mark's note becomes a cancelled booking's ("check it at payrexx"),
     * as after a refund in full; the rest then refunded at Payrexx is another refund outside the hub, its note
     * replacing the part's. Before, the cancel dropped the part and left "decide whether the appointment stands" (of an
     * appointment cancelled) in the mark, the refunded delivery's note added beside it.
     */
    @Test
    void aPartRefundedBookingWhoseDisputeWasLostCancelledInTimeKeepsThePartForAPersonToCheck() {
        String id = partRefundedThenDisputeDecided(4973, "lost");

        var cancelled = cancelAccepted(id);

        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo("cancelled after its payment dispute was lost: nothing to refund; " + PART);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(PART + ": check it at payrexx");
        double counted = refundsOutsideTheHub();

        transactionHandled(4973, "refunded", id);

        assertThat(reasonOf(id)).isEqualTo(
                "cancelled after its payment dispute was lost: nothing to refund; " + REFUNDED_OUTSIDE);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(REFUNDED_OUTSIDE + " (in full): check it at "
                + "payrexx");
        assertThat(refundsOutsideTheHub()).isEqualTo(counted + 1);
        nothingMoreRefunded(4973, id);
    }

    /**
     * A confirmed booking part of whose payment Payrexx's back office refunded, then disputed, the dispute's outcome
     * {@code outcome} (won, lost) stored on the booking (written here: Payrexx reports none); its refunds refused.
     */
    private String partRefundedThenDisputeDecided(long transaction, String outcome) {
        String id = confirmedThenRefundedOutside(transaction, "partially-refunded", PART_REFUND);
        disputedItsRefundsRefused(transaction, id);
        assertThat(jdbc.sql("UPDATE booking SET dispute_status = :outcome WHERE id = :id AND dispute_status = 'open'")
                .param("outcome", outcome).param("id", id).update()).isEqualTo(1);
        return id;
    }

    /** What a part refunded at Payrexx adds to a booking's status reason. */
    private static final String PART = "part of the payment was refunded at payrexx (amount not given)";

    /** The note of a booking whose refund a dispute stopped, part of its payment refunded at Payrexx. */
    private static final String STOPPED_PART = PART + ": its refund is stopped by the dispute of payrexx payment %d, "
            + "whose outcome payrexx does not report: once it is decided, refund what is left at payrexx if the "
            + "dispute was won";

    /**
     * A booking confirmed by transaction {@code transaction}'s confirmed delivery handled only once Payrexx showed it
     * {@code shown} (disputed, partially-refunded: no confirmed key recorded), its payment then disputed where it was
     * not yet, and cancelled in time: its refund stopped, a person asked to refund it (after a part refunded, what is
     * left) at Payrexx should the dispute be won; its event's removal answered.
     */
    private String confirmedLateThenDisputedAndCancelledInTime(long transaction, String shown) {
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(transaction, shown, id); // the confirmed delivery waited (a backlog) past this status
        deliveryHandled(transaction, "confirmed", id);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(payrexxEvents.paymentActedOn(Long.toString(transaction))).as("no confirmed key recorded").isFalse();
        if (!"disputed".equals(shown)) {
            transactionHandled(transaction, "disputed", id);
        }
        assertThat(reasonOf(id)).contains(DISPUTE);
        refundsRefused(transaction, id);
        var cancelled = cancelAccepted(id);
        if ("partially-refunded".equals(shown)) {
            // the part kept, only what is left asked for, in place of "decide whether the appointment stands"
            assertThat(cancelled.json().get("statusReason").asText()).isEqualTo(REFUND_STOPPED + "; " + PART);
            assertThat(attentionOf(id).get("note").asText()).isEqualTo(STOPPED_PART.formatted(transaction));
        } else {
            assertThat(cancelled.json().get("statusReason").asText()).isEqualTo(REFUND_STOPPED);
            assertThat(attentionOf(id).get("note").asText()).endsWith(STOPPED_FOR_GOOD.formatted(transaction));
        }
        return id;
    }

    /** The note of a booking cancelled in time after part of its payment was refunded at Payrexx. */
    private static final String REST_LEFT = "part of the payment was refunded at payrexx (amount not given): "
            + "cancelled in time, the rest not refunded by the hub: refund what is left at payrexx";

    /** The reason of a confirmed booking cancelled in time while its payment's dispute is open: its refund stopped. */
    private static final String REFUND_STOPPED =
            "cancelled, its refund stopped: the customer disputes the payment, the dispute decides";

    /** The warning of a payment refunded in full whose dispute is still open. */
    private static final String STILL_OPEN = "the dispute of payrexx payment %d is still open: should it be lost as "
            + "well, the customer is paid back twice (tell payrexx the payment was refunded)";

    /** The note of a booking cancelled while disputed, its payment then refunded in full at Payrexx. */
    private static final String PAID_BACK = REFUNDED_OUTSIDE + " (in full): the customer is paid back; " + STILL_OPEN;

    /** The note of a stopped refund settled by a refund in full at Payrexx, its dispute still open. */
    private static final String STOPPED_SETTLED = REFUNDED_OUTSIDE + " (in full): the customer is paid back, its "
            + "refund stopped by the dispute is not to be made; " + STILL_OPEN;

    /** The reason of a confirmed booking cancelled while its payment's dispute is open, no refund of the hub's to stop. */
    private static final String CANCELLED_DISPUTED =
            "cancelled while its payment is disputed: not refunded, the dispute decides";

    /** The reason of a confirmed booking cancelled in time while a refund outside the hub was under way. */
    private static final String CANCELLED_REFUND_OUTSIDE =
            "cancelled while a refund the hub did not make was pending: not refunded by the hub";

    /**
     * A confirmed booking whose payment is partly refunded in Payrexx's back office: the appointment stands for a
     * customer paid part back, so it is marked for a person and counted, as Stripe's partial refund outside the hub
     * of a confirmed booking; a repeat of the delivery is a duplicate and counts nothing. Before, only its reason
     * told it: neither marked nor counted.
     */
    @Test
    void aConfirmedBookingPartlyRefundedInPayrexxsBackOfficeIsMarkedForAPersonAndCountedOnce() {
        String id = confirmedBooking(4745);
        double before = refundsOutsideTheHub();

        transactionReported(4745, "partially-refunded", id);

        awaitReason(id, PART_REFUND);
        assertThat(markedNote(id, "CONFIRMED")).isEqualTo(
                "part of the payment was refunded at payrexx (amount not given): decide whether the appointment stands");
        assertThat(refundsOutsideTheHub()).isEqualTo(before + 1);

        deliveryHandled(4745, "partially-refunded", id); // again: a duplicate

        assertThat(refundsOutsideTheHub()).as("counted once").isEqualTo(before + 1);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4745/refund")));
    }

    private static final String CANCELLED_LATE = "cancelled after the refund cut-off: not refunded";

    /** A Payrexx booking confirmed by {@code transaction}, then cancelled after the refund cut-off: not refunded. */
    private String cancelledAfterTheCutOff(long transaction) {
        String id = confirmedBooking(transaction);
        eventRemovalAnswered(id);
        clock.advance(Duration.ofHours(2)); // within the 24 h before its start: no refund due
        var cancelled = cancelAccepted(id);
        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo(CANCELLED_LATE);
        return id;
    }

    /**
     * A confirmed booking cancelled in time, which the hub refunded itself: Payrexx's refunded delivery of that refund
     * is its echo, and changes nothing (no reason, no mark, no count).
     */
    @Test
    void theRefundedDeliveryOfTheHubsOwnRefundChangesNothing() {
        String id = confirmedBooking(4741);
        eventRemovalAnswered(id);
        var cancelled = cancelAccepted(id);
        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo("cancelled and refunded");
        double before = refundsOutsideTheHub();

        transactionHandled(4741, "refunded", id);

        assertThat(reasonOf(id)).isEqualTo("cancelled and refunded");
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(attentionOrNull(id)).isNull();
        assertThat(refundsOutsideTheHub()).isEqualTo(before);
    }

    @Test
    void aPaymentBelowThePriceThatTheHubRefundedLeavesItsBookingWaitingWhenPayrexxReportsTheRefund() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        transactionOf(4750, "confirmed", id, 4500);
        // both deliveries: created once the refund is seen, one completion could be the confirmed one's still running
        NotifyBuilder handled = deliveriesHandled(4750, "confirmed", "refunded");
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4750, "confirmed", id)).status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> payrexx.server().verify(1,
                postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4750/refund"))));

        // Payrexx reports the refund the hub made itself
        transactionOf(4750, "refunded", id, 4500);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4750, "refunded", id)).status())
                .isEqualTo(200);

        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.has("paidAmount")).isFalse();
        // told once, by the refund the hub made; Payrexx's report of it tells nothing more
        toldOfTheRefundedPaymentOnce(id, "4500 CHF payrexx 4750", "Ihre Zahlung von 45,00 CHF erstattet");
        // the customer then pays the price: confirmed, not refunded as a second payment
        transactionReported(4751, "confirmed", id);
        awaitStatus(id, "CONFIRMED");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4751/refund")));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aTransactionInAnotherCurrencyIsRefundedAndConfirmsNothing() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx"); // 9000 CHF
        transactionIn(4770, "confirmed", id, "JPY");

        // the webhook says CHF: only the transaction fetched from Payrexx's API counts
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4770, "confirmed", id)
                + "&transaction%5Binvoice%5D%5Bcurrency%5D=CHF").status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> payrexx.server().verify(1,
                postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4770/refund"))));
        // written once the refund is made
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id).json()
                .path("statusReason").asText())
                .isEqualTo("payrexx payment 4770 was refunded: it paid in JPY, the booking is priced in CHF"));
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.has("paidAmount")).isFalse();
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(deadLetters()).isEmpty();

        // Payrexx then reports the refund the hub made: the booking still waits for its payment, its customer told
        // of the refund once (by the hub's refund), in the payment's currency
        transactionIn(4770, "refunded", id, "JPY");
        deliveryHandled(4770, "refunded", id);
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        toldOfTheRefundedPaymentOnce(id, "9000 JPY payrexx 4770", "Ihre Zahlung von 9.000 ¥ erstattet");
    }

    /**
     * The customer was told once, by SMS and by email, that their payment (the occasion: its amount, currency,
     * provider and reference) was refunded ({@code sms} in the SMS), and the booking still waits for its payment until
     * its hold ends; the notification rows say so, both sent. Before, nothing was told.
     */
    private void toldOfTheRefundedPaymentOnce(String id, String occasion, String sms) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.sql("SELECT channel FROM "
                        + "notification WHERE booking_id = :id AND kind = 'payment-mismatch' AND occasion = :occasion "
                        + "AND provider_reference IS NOT NULL").param("id", id).param("occasion", occasion)
                .query(String.class).list()).containsExactlyInAnyOrder("SMS", "EMAIL"));
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id").param("id", id)
                .query(Integer.class).single()).as("no other notice").isEqualTo(2);
        assertThat(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))).stream()
                .map(r -> java.net.URLDecoder.decode(r.getBodyAsString(), java.nio.charset.StandardCharsets.UTF_8))
                .filter(text -> text.contains(sms))).singleElement().asString()
                .contains("bis Montag, 30. November 2026, 08:15 für Ihre Zahlung reserviert");
        assertThat(notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(r -> r.getBodyAsString()).filter(body -> body.contains(id))).singleElement().asString()
                .contains("Wir haben eine Zahlung für Ihren Termin am");
    }

    @Test
    void aTransactionWhoseCurrencyPayrexxDoesNotNameIsLeftForAPersonNeitherConfirmedNorRefunded() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Transaction/4772/")).willReturn(okJson("""
                {"status":"success","data":[{"id":4772,"uuid":"u-4772","status":"confirmed","referenceId":"%s",
                 "amount":9000,"invoice":{"totalAmount":9000,"referenceId":"%s"}}]}""".formatted(id, id))));

        deliveryHandled(4772, "confirmed", id);

        String why = "payrexx payment 4772 arrived paid and was neither confirmed nor refunded (its currency is not "
                + "known): settle it by hand";
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText()).isEqualTo(why);
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(why);
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4772/refund")));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aConfirmedDeliveryInAnotherCurrencyHandledOnceDisputedIsLeftForAPersonNeverRefunded() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        transactionIn(4771, "disputed", id, "EUR");

        deliveryHandled(4771, "confirmed", id);

        String why = "payrexx payment 4771 arrived disputed and was neither confirmed nor refunded (it paid in EUR, "
                + "the booking is priced in CHF): settle it by hand";
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.get("statusReason").asText()).isEqualTo(why);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(why);
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4771/refund")));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aConfirmedDeliveryHandledOnceItsTransactionIsRefundPendingTellsTheCustomerOnlyOnceRefunded() {
        String id = pendingBooking(START, "payrexx");
        transactionOf(4753, "refund_pending", id, 9500); // paid above the price
        deliveryHandled(4753, "confirmed", id);
        awaitStatus(id, "REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications"))
                .as("its refund is only under way").isEmpty();

        transactionOf(4753, "refunded", id, 9500);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4753, "refunded", id)).status())
                .isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("paid, then refunded at payrexx (refunded) before the hub confirmed it"));
        // what was paid, and so refunded, not the price
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(notify.sendGrid()
                .findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(r -> r.getBodyAsString()).filter(body -> body.contains(id)).toList())
                .singleElement().asString().contains("95,00").doesNotContain("90,00"));
    }

    @Test
    void aConfirmedDeliveryHandledOnceItsTransactionIsDisputedNeverRefundsItAndCountsTheDispute() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");
        String other = pendingBooking(START, "payrexx"); // the slot is taken meanwhile
        payrexx.transaction(4754, "disputed", id);
        double disputesBefore = disputesCounted();

        deliveryHandled(4754, "confirmed", id);

        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("EXPIRED");
        assertThat(booking.get("statusReason").asText()).isEqualTo("payrexx payment 4754 arrived disputed and was "
                + "neither confirmed nor refunded (its slot was taken): settle it by hand");
        // refunded, it would be paid back twice: the refund and the chargeback
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4754/refund")));
        assertThat(disputesCounted()).isEqualTo(disputesBefore + 1);
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        assertThat(status(other)).isEqualTo("PENDING_PAYMENT");
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aConfirmedDeliveryHandledOnceItsShortTransactionIsPartlyRefundedIsLeftForAPerson() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        transactionOf(4755, "partially-refunded", id, 4500);

        deliveryHandled(4755, "confirmed", id);

        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.get("statusReason").asText()).isEqualTo("payrexx payment 4755 arrived partially-refunded "
                + "and was neither confirmed nor refunded (it paid 4500 of the price 9000): settle it by hand");
        // a refund in full of a partly refunded transaction: Payrexx refuses it
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4755/refund")));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * A payment left for a person is marked on its booking (V20) and counted until a person clears it: a later payment
     * that confirms the booking rewrites its status reason, not the mark.
     */
    @Test
    void aPaymentLeftForAPersonStaysMarkedThroughALaterPaymentUntilAPersonClearsIt() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        double before = needingAttentionGauge();
        transactionOf(4758, "partially-refunded", id, 4500);
        NotifyBuilder left = new NotifyBuilder(camel).fromRoute("payrexx-event-dispatch").whenCompleted(1).create();
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4758, "confirmed", id)).status())
                .isEqualTo(200);
        assertThat(left.matches(20, TimeUnit.SECONDS)).isTrue();
        String why = "payrexx payment 4758 arrived partially-refunded and was neither confirmed nor refunded (it "
                + "paid 4500 of the price 9000): settle it by hand";
        assertThat(needingAttentionGauge()).isEqualTo(before + 1);

        // the customer pays again, in full: the booking is confirmed, its status reason no longer tells of 4758
        payrexx.transaction(4759, "confirmed", id);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4759, "confirmed", id)).status())
                .isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText("")).doesNotContain("4758");
        JsonNode marked = attentionOf(id);
        assertThat(marked.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(marked.get("note").asText()).isEqualTo(why);
        assertThat(marked.get("since").asText()).isNotBlank();
        assertThat(needingAttentionGauge()).isEqualTo(before + 1);

        // only an admin clears it, as read, and only once
        String seen = seen(marked);
        var notAdmin = httpPost("/api/v1/admin/bookings/" + id + "/attention/clear", seen, API_KEY);
        assertThat(notAdmin.status()).isEqualTo(403);
        var unknown = httpPost("/api/v1/admin/bookings/" + UUID.randomUUID() + "/attention/clear", seen, ADMIN_KEY);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.header("Content-Type")).startsWith("application/problem+json");
        assertThat(unknown.json().get("type").asText()).isEqualTo("not-found");
        var blind = httpPost("/api/v1/admin/bookings/" + id + "/attention/clear", "{}", ADMIN_KEY);
        assertThat(blind.status()).as("what the person saw is required").isEqualTo(400);
        assertThat(blind.json().get("type").asText()).isEqualTo("validation");
        var cleared = httpPost("/api/v1/admin/bookings/" + id + "/attention/clear", seen, ADMIN_KEY);
        assertThat(cleared.status()).isEqualTo(200);
        assertThat(cleared.json().get("bookingId").asText()).isEqualTo(id);
        assertThat(cleared.json().get("note").asText()).isEqualTo(why);
        assertThat(needingAttentionGauge()).isEqualTo(before);
        assertThat(httpGet("/api/v1/admin/bookings/attention", ADMIN_KEY).json().get("bookings"))
                .extracting(b -> b.get("bookingId").asText()).doesNotContain(id);
        var again = httpPost("/api/v1/admin/bookings/" + id + "/attention/clear", seen, ADMIN_KEY);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.header("Content-Type")).startsWith("application/problem+json");
        assertThat(again.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * Two payments of one booking left for a person: the mark keeps both notes (the first mark's time), and a clear
     * of the mark as read before the second note is refused (409 invalid-state), so the second payment is not cleared
     * unseen; cleared as read again, it goes. Before, the second note overwrote the first and any clear removed both.
     */
    @Test
    void aSecondPaymentLeftForAPersonAddsItsNoteAndAClearOfTheMarkReadBeforeIsRefused() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        String first = leftForAPerson(id, 4763);
        JsonNode readFirst = attentionOf(id);
        assertThat(readFirst.get("note").asText()).isEqualTo(first);
        String second = leftForAPerson(id, 4764);

        JsonNode readAgain = attentionOf(id);
        assertThat(readAgain.get("note").asText()).isEqualTo(first + "; " + second);
        assertThat(readAgain.get("since").asText()).isEqualTo(readFirst.get("since").asText());

        var stale = httpPost("/api/v1/admin/bookings/" + id + "/attention/clear", seen(readFirst), ADMIN_KEY);
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.header("Content-Type")).startsWith("application/problem+json");
        assertThat(stale.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(first + "; " + second);

        var cleared = httpPost("/api/v1/admin/bookings/" + id + "/attention/clear", seen(readAgain), ADMIN_KEY);
        assertThat(cleared.status()).isEqualTo(200);
        assertThat(cleared.json().get("note").asText()).isEqualTo(first + "; " + second);
        assertThat(httpGet("/api/v1/admin/bookings/attention", ADMIN_KEY).json().get("bookings"))
                .extracting(b -> b.get("bookingId").asText()).doesNotContain(id);
    }

    /** Payrexx transaction {@code transaction} pays part of the booking, refunded in part: left for a person (its note). */
    private String leftForAPerson(String id, long transaction) {
        transactionOf(transaction, "partially-refunded", id, 4500);
        deliveryHandled(transaction, "confirmed", id);
        return "payrexx payment " + transaction + " arrived partially-refunded and was neither confirmed nor refunded "
                + "(it paid 4500 of the price 9000): settle it by hand";
    }

    /** The body of a clear: the mark as the person read it. */
    private static String seen(JsonNode mark) {
        return new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("since", mark.get("since").asText()).put("note", mark.get("note").asText()).toString();
    }

    @Test
    void aRepeatOfAPartlyRefundedPaymentLeftForAPersonIsADuplicateAndChangesNothing() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        transactionOf(4757, "partially-refunded", id, 4500);
        deliveryHandled(4757, "confirmed", id);
        String reason = "payrexx payment 4757 arrived partially-refunded and was neither confirmed nor refunded (it "
                + "paid 4500 of the price 9000): settle it by hand";
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText()).isEqualTo(reason);
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count();
        // this delivery's own exchange: another completing meanwhile (an earlier test's) matched an unfiltered one
        NotifyBuilder repeat = new NotifyBuilder(camel).fromRoute("payrexx-event-dispatch")
                .filter(exchange -> "payrexx:4757:partially-refunded".equals(
                        exchange.getMessage().getHeader(WebhookHeaders.EVENT_KEY)))
                .whenCompleted(1).create();

        // Payrexx's own partially-refunded delivery: the status the confirmed one acted on
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4757, "partially-refunded", id)).status())
                .isEqualTo(200);

        assertThat(repeat.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count())
                .isEqualTo(duplicatesBefore + 1);
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.get("statusReason").asText()).isEqualTo(reason);
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4757/refund")));
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aDisputedPaymentWhoseStartPassesWhileItsSlotIsCheckedIsLeftForAPersonNeverRefunded() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED"); // its slot is taken again only if FreeBusy and the other bookings leave it free
        payrexx.transaction(4758, "disputed", id);
        int freeBusyBefore = google.server().findAll(postRequestedFor(urlPathEqualTo(GoogleCalendarFake.FREEBUSY)))
                .size();
        NotifyBuilder handled = new NotifyBuilder(camel).fromRoute("payrexx-event-dispatch").whenCompleted(1).create();

        // the slot lock held until FreeBusy has answered and the appointment's start has passed
        whileRowsAreHeld("SELECT name FROM booking_lock WHERE name = 'slots' FOR UPDATE", java.util.Map.of(), () -> {
            assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4758, "confirmed", id)).status())
                    .isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> google.server()
                    .findAll(postRequestedFor(urlPathEqualTo(GoogleCalendarFake.FREEBUSY))).size() > freeBusyBefore);
            clock.set(java.time.OffsetDateTime.parse(START).toInstant().plusSeconds(1));
            return null;
        });

        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
        // refunded, it would be paid back twice: the refund and the chargeback
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4758/refund")));
        // confirmed, its customer would be told of an appointment that has begun: left for a person, as one handled
        // after its start is (its payment recorded, its slot held again; no event made)
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.get("paidAmount").asLong()).isEqualTo(9000);
        assertThat(booking.get("statusReason").asText()).isEqualTo("payrexx payment 4758 arrived disputed and was "
                + "neither confirmed nor refunded (the appointment had begun): settle it by hand");
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aDisputedPaymentWhoseStartPassesWhileItsEventIsMadeIsLeftForAPersonAndTheEventRemoved() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4770, "disputed", id);
        NotifyBuilder handled = new NotifyBuilder(camel).fromRoute("payrexx-event-dispatch").whenCompleted(1).create();
        google.holdInserts();

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4770, "confirmed", id)).status())
                .isEqualTo(200);
        // Google has the insert (its retries may take minutes) and answers only once the appointment has begun
        await().atMost(Duration.ofSeconds(10)).until(() -> google.heldInserts() > 0);
        clock.set(java.time.OffsetDateTime.parse(START).toInstant().plusSeconds(1));
        google.releaseInserts();

        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.get("statusReason").asText()).isEqualTo("payrexx payment 4770 arrived disputed and was "
                + "neither confirmed nor refunded (the appointment had begun): settle it by hand");
        // the event just made goes; refunded, the payment would be paid back twice (the refund and the chargeback)
        google.server().verify(1, deleteRequestedFor(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))));
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4770/refund")));
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aShortPaymentRefundedAtPayrexxBeforeTheHubActedOnItLeavesItsBookingWaiting() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        // paid 4500 of 9000, refunded in the back office before the hub handled the confirmed delivery: the hub
        // never acted on its payment (no confirmed key), so only the saga's own guard tells it paid for nothing
        transactionOf(4759, "refunded", id, 4500);

        deliveryHandled(4759, "confirmed", id);

        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.has("paidAmount")).isFalse();
        // its customer is told the payment came back, as for one the hub refunds (the hub cannot tell a refund in
        // the back office from its own whose notice was lost)
        toldOfTheRefundedPaymentOnce(id, "4500 CHF payrexx 4759", "Ihre Zahlung von 45,00 CHF erstattet");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4759/refund")));
        assertThat(deadLetters()).isEmpty();
        // the customer then pays the price: confirmed
        transactionReported(4760, "confirmed", id);
        awaitStatus(id, "CONFIRMED");
    }

    /**
     * A payment below the price refunded by the hub, whose notice fails on every try (the confirmed event
     * dead-lettered, its confirmed key never recorded): the replay finds the transaction refunded, and Payrexx's own
     * refunded delivery follows; the customer is told of the refund once, by SMS and email. Before, both left the
     * booking as it was and told nothing: the customer never learnt the payment came back.
     */
    @Test
    void aShortPaymentWhoseRefundNoticeWasDeadLetteredIsToldOnceWhenItsReplayFindsItRefunded() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        transactionOf(4791, "confirmed", id, 4500);
        AdviceWith.adviceWith(camel, "booking-notify", route -> route.weaveAddFirst().process(exchange -> {
            if ("payment-mismatch".equals(exchange.getIn().getHeader("notificationKind"))) {
                throw new IllegalStateException("the broker is unavailable (injected)");
            }
        }).id("fail-payment-mismatch-notice"));
        JsonNode letter;
        try {
            assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4791, "confirmed", id)).status())
                    .isEqualTo(200);
            letter = awaitDeadLetter("payrexx");
        } finally {
            AdviceWith.adviceWith(camel, "booking-notify",
                    route -> route.weaveById("fail-payment-mismatch-notice").remove());
        }
        payrexx.server().verify(com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly(1),
                postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4791/refund")));
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();

        // Payrexx now shows the refund the hub made; the dead letter is replayed, then Payrexx reports the refund
        transactionOf(4791, "refunded", id, 4500);
        NotifyBuilder replayed = new NotifyBuilder(camel).fromRoute("payrexx-event-dispatch").whenCompleted(1)
                .create();
        assertThat(send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(200);
        assertThat(replayed.matches(20, TimeUnit.SECONDS)).isTrue();
        deliveryHandled(4791, "refunded", id);

        toldOfTheRefundedPaymentOnce(id, "4500 CHF payrexx 4791", "Ihre Zahlung von 45,00 CHF erstattet");
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(deadLetters().findValuesAsText("status")).as("replayed, nothing failed since")
                .containsExactly("REPLAYED");
    }

    @Test
    void aRefundNoticeIsNotHeldBackByAGoogleOutageWhenTheRefundCompletes() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        transactionOf(4761, "refund_pending", id, 9000);
        deliveryHandled(4761, "confirmed", id);
        awaitStatus(id, "REFUNDED");
        // Google down: removing the event a booking paid only by its refund never had fails
        google.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.delete(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(EVENTS + "/.*"))
                .willReturn(aResponse().withStatus(500)));
        google.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.patch(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(EVENTS + "/.*"))
                .willReturn(aResponse().withStatus(500)));

        transactionOf(4761, "refunded", id, 9000);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4761, "refunded", id)).status())
                .isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(notify.sendGrid()
                .findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(r -> r.getBodyAsString()).filter(body -> body.contains(id)).toList()).hasSize(1));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("paid, then refunded at payrexx (refunded) before the hub confirmed it");
        awaitDeadLetter("payrexx"); // the removal is retried from its dead letter
    }

    /**
     * A refund under way at Payrexx (refund_pending) whose refunded delivery is lost: the watch (payrexx-refund-watch)
     * asks Payrexx about it once it has waited longer than connectify.payrexx.refund-watch.age, and handles the
     * transaction it finds refunded as that delivery would be: the booking says refunded and its customer is told,
     * once. Without the watch the booking waited for ever, its customer told nothing.
     */
    @Test
    void aRefundUnderWayWhoseRefundedDeliveryIsLostIsFoundByTheWatchAndItsCustomerTold() {
        String id = refundUnderWay(4770);
        assertThat(awaitingGauge("connectify.refunds.awaiting.provider")).isEqualTo(1);

        // waiting less than the age (1h): Payrexx is not asked
        assertThat(TimerRoutes.fire(camel, REFUND_WATCH).getException()).isNull();
        payrexx.server().verify(1, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4770/")));

        transactionOf(4770, "refunded", id, 9000); // refunded at Payrexx; its webhook never comes
        clock.advance(Duration.ofMinutes(61));
        assertThat(awaitingGauge("connectify.refunds.awaiting.provider.oldest")).isEqualTo(61 * 60);
        Exchange run = TimerRoutes.fire(camel, REFUND_WATCH);

        assertThat(run.getException()).isNull();
        assertThat(run.getMessage().getBody(Integer.class)).as("queued as its delivery").isEqualTo(1);
        refundedAndItsCustomerToldOnce(id);
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(awaitingGauge("connectify.refunds.awaiting.provider")).isZero();
        assertThat(awaitingGauge("connectify.refunds.awaiting.provider.oldest")).isZero();

        // nothing waits any more: the next run asks Payrexx nothing
        int asked = payrexx.server().findAll(getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4770/"))).size();
        assertThat(TimerRoutes.fire(camel, REFUND_WATCH).getMessage().getBody(Integer.class)).isZero();
        payrexx.server().verify(asked, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4770/")));
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * A refund Payrexx still shows under way when the watch asks: nothing is queued, the booking keeps waiting (its
     * customer told nothing yet), and the gauges say how many wait and for how long (alert RefundAwaitingProvider).
     * Payrexx not answering only passes the run.
     */
    @Test
    void aRefundStillUnderWayAtPayrexxKeepsWaitingAndIsCounted() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = refundUnderWay(4771);
        clock.advance(Duration.ofHours(3));

        Exchange run = TimerRoutes.fire(camel, REFUND_WATCH);

        assertThat(run.getException()).isNull();
        assertThat(run.getMessage().getBody(Integer.class)).isZero();
        payrexx.server().verify(2, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4771/")));
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("paid, then refunded at payrexx (refund_pending) before the hub confirmed it");
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        assertThat(awaitingGauge("connectify.refunds.awaiting.provider")).isEqualTo(1);
        assertThat(awaitingGauge("connectify.refunds.awaiting.provider.oldest")).isEqualTo(3 * 3600);

        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Transaction/4771/")).willReturn(aResponse().withStatus(503)));
        assertThat(TimerRoutes.fire(camel, REFUND_WATCH).getException()).as("Payrexx down passes the run").isNull();
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * A repeated cancel of a booking REFUNDED while its refund is only under way at Payrexx (refund_pending before
     * the hub confirmed it): 409, nothing queued, the booking as it was; its customer is told once Payrexx shows the
     * refund made. Before, the cancel took it for a refunded booking whose notice was lost: 200, and payment-refunded
     * queued (SMS and email) while Payrexx could still fail the refund.
     */
    @Test
    void aRepeatedCancelOfARefundStillUnderWayAtPayrexxTellsNothing() {
        String id = refundUnderWay(4801);

        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);

        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("paid, then refunded at payrexx (refund_pending) before the hub confirmed it");
    }

    /**
     * A refund under way that Payrexx then shows disputed (a chargeback), not refunded: it is not the hub's to decide,
     * so the watch marks the booking for a person once (the attention mark, its note saying why) and queues nothing;
     * its later runs neither queue it nor mark it again. Before, every run queued it as a delivery, for ever.
     */
    @Test
    void aRefundUnderWayThatPayrexxShowsDisputedIsMarkedForAPersonOnceAndNeverQueued() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = refundUnderWay(4772);
        transactionOf(4772, "disputed", id, 9000);
        clock.advance(Duration.ofHours(2));
        double before = needingAttentionGauge();

        Exchange first = TimerRoutes.fire(camel, REFUND_WATCH);
        Exchange second = TimerRoutes.fire(camel, REFUND_WATCH);

        assertThat(first.getException()).isNull();
        assertThat(first.getMessage().getBody(Integer.class)).as("nothing queued").isZero();
        assertThat(second.getMessage().getBody(Integer.class)).isZero();
        payrexx.server().verify(3, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4772/")));
        assertThat(attentionOf(id).get("note").asText()).isEqualTo("its refund under way at payrexx was not made: "
                + "payrexx shows transaction 4772 disputed, and the customer has not been told: settle it by hand");
        assertThat(needingAttentionGauge()).isEqualTo(before + 1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'payrexx:4772:disputed'")
                .query(Integer.class).single()).as("no delivery of disputed handled").isZero();
        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();

        // Payrexx then shows it refunded after all: queued once, and its customer told
        transactionOf(4772, "refunded", id, 9000);
        assertThat(TimerRoutes.fire(camel, REFUND_WATCH).getMessage().getBody(Integer.class)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("paid, then refunded at payrexx (refunded) before the hub confirmed it"));
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * The watch finds a refund made, but its delivery cannot be queued (the broker refuses the send): the status is
     * not taken as acted on, so the next run queues it and the customer is told, once. Before, the status was
     * recorded as seen before the send, and every later run took it for acted on: never queued, never told.
     */
    @Test
    void aRefundFoundMadeWhoseDeliveryCouldNotBeQueuedIsQueuedByTheNextRun() {
        String id = refundUnderWay(4773);
        transactionOf(4773, "refunded", id, 9000);
        clock.advance(Duration.ofMinutes(61));
        PayrexxRefundWatch refused = new PayrexxRefundWatch(bookingRepository, sendsRefused(producer),
                watchProperties, clock, payrexxQueue);

        assertThat(refused.sweep(ExchangeBuilder.anExchange(camel).build())).as("nothing queued").isZero();
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("paid, then refunded at payrexx (refund_pending) before the hub confirmed it");

        assertThat(TimerRoutes.fire(camel, REFUND_WATCH).getException()).isNull();
        refundedAndItsCustomerToldOnce(id);
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * The watch finds a refund settled otherwise (disputed), but the booking's mark for a person fails (its row held
     * past the lock timeout, say): the next run marks it. Before, the status was recorded as seen before the mark,
     * and no later run marked it: only the RefundAwaitingProvider alert, which says to wait, was left.
     */
    @Test
    void aRefundFoundDisputedWhoseMarkFailedIsMarkedByTheNextRun() {
        String id = refundUnderWay(4774);
        transactionOf(4774, "disputed", id, 9000);
        clock.advance(Duration.ofMinutes(61));
        BookingRepository markFails = new BookingRepository(jdbc, transactions, availability) {
            @Override
            public boolean needsAttention(String booking, String note, java.time.Instant now) {
                throw new org.springframework.dao.CannotAcquireLockException("the booking's row is held");
            }
        };
        PayrexxRefundWatch failing = new PayrexxRefundWatch(markFails, producer, watchProperties, clock, payrexxQueue);

        assertThat(failing.sweep(ExchangeBuilder.anExchange(camel).build())).isZero();
        assertThat(attentionOrNull(id)).as("not marked yet").isNull();

        assertThat(TimerRoutes.fire(camel, REFUND_WATCH).getException()).isNull();
        assertThat(attentionOf(id).get("note").asText()).isEqualTo("its refund under way at payrexx was not made: "
                + "payrexx shows transaction 4774 disputed, and the customer has not been told: settle it by hand");
        assertThat(status(id)).isEqualTo("REFUNDED");
    }

    /** The hub's template, whose sends to the broker are refused (as an unreachable broker's are: on the exchange). */
    private ProducerTemplate sendsRefused(ProducerTemplate template) {
        return (ProducerTemplate) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ProducerTemplate.class}, (proxy, method, args) -> {
                    if (method.getName().equals("send") && args.length == 2 && args[0] instanceof String uri
                            && uri.startsWith("jms:")) {
                        Exchange refused = ExchangeBuilder.anExchange(camel).build();
                        refused.setException(new IllegalStateException("the broker is unreachable"));
                        return refused;
                    }
                    try {
                        return method.invoke(template, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /**
     * More bookings wait for their Payrexx refund than one run asks about (connectify.payrexx.refund-watch.batch, 50):
     * each run takes those looked at longest ago, so two runs look at every one; a booking whose payment reference is
     * no transaction id is skipped with one WARN, however many runs pass. Before, every run took the same 50 longest
     * waiting, the others never looked at, and the bad reference failed (and was logged) every run.
     */
    @Test
    void theWatchLooksAtEveryWaitingRefundInTurnHoweverManyWait() {
        String template = refundUnderWay(4800);
        int copies = 50;
        for (int i = 1; i <= copies; i++) {
            String copy = UUID.randomUUID().toString();
            copyOf(template, copy, String.valueOf(4800 + i));
            transactionOf(4800 + i, "refund_pending", copy, 9000);
        }
        String unwatchable = UUID.randomUUID().toString();
        copyOf(template, unwatchable, "not-a-transaction-id");
        clock.advance(Duration.ofHours(2));

        try (var lines = io.connectify.hub.support.LogLines.of(
                io.connectify.hub.payment.payrexx.PayrexxRefundWatch.class)) {
            for (int run = 0; run < 3; run++) {
                Exchange done = TimerRoutes.fire(camel, REFUND_WATCH);
                assertThat(done.getException()).isNull();
                assertThat(done.getMessage().getBody(Integer.class)).isZero();
            }
            assertThat(lines.lines()).filteredOn(line -> line.getFormattedMessage().contains("not-a-transaction-id"))
                    .as("one WARN for the bad reference").singleElement()
                    .extracting(line -> line.getLevel().toString()).isEqualTo("WARN");
        }
        // the watch cannot look it up: left for a person, marked once
        assertThat(attentionOf(unwatchable).get("note").asText()).isEqualTo("its refund under way at payrexx cannot be "
                + "watched (its payment reference is no transaction id), and the customer has not been told: check "
                + "the refund at payrexx by hand");
        assertThat(needingAttentionGauge()).isEqualTo(1);
        for (int i = 0; i <= copies; i++) {
            assertThat(payrexx.server().findAll(getRequestedFor(urlPathEqualTo("/v1.0/Transaction/" + (4800 + i)
                    + "/")))).as("transaction " + (4800 + i) + " looked at by the watch").hasSizeGreaterThan(
                    i == 0 ? 1 : 0);
        }
    }

    /** A second booking waiting for its Payrexx refund as {@code template} does, paid by {@code reference}. */
    private void copyOf(String template, String id, String reference) {
        jdbc.sql("""
                INSERT INTO booking (id, status, start_at, end_at, duration_minutes, amount, currency, customer_name,
                    customer_email, summary, provider, payment_reference, paid_amount, status_reason, created_at,
                    updated_at)
                SELECT :id, status, start_at, end_at, duration_minutes, amount, currency, customer_name, customer_email,
                    summary, provider, :reference, paid_amount, status_reason, created_at, updated_at
                FROM booking WHERE id = :template""")
                .param("id", id).param("reference", reference).param("template", template).update();
    }

    /** The booking says its Payrexx refund is made, and its customer was sent the refund email once. */
    private void refundedAndItsCustomerToldOnce(String id) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("paid, then refunded at payrexx (refunded) before the hub confirmed it"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(notify.sendGrid()
                .findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))).stream()
                .map(r -> r.getBodyAsString()).filter(body -> body.contains(id)).toList()).hasSize(1));
    }

    private static final String REFUND_WATCH = "payrexx-refund-watch";

    /**
     * A Payrexx booking REFUNDED by its transaction {@code transaction}, which its confirmed delivery found
     * refund_pending: its customer is told once the refund is made.
     */
    private String refundUnderWay(long transaction) {
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .until(() -> camel.getRouteController().getRouteStatus(REFUND_WATCH).isStarted());
        String id = pendingBooking(START, "payrexx");
        transactionOf(transaction, "refund_pending", id, 9000);
        deliveryHandled(transaction, "confirmed", id);
        awaitStatus(id, "REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        return id;
    }

    private double awaitingGauge(String name) {
        refreshDatabaseGauges();
        return meters.get(name).tag("provider", "payrexx").gauge().value();
    }

    @Test
    void aDisputeAfterAPartRefundKeepsBothInTheReason() {
        confirmedThenReportedTwice(4762, "partially-refunded", PART_REFUND, "disputed",
                DISPUTE + "; " + PART_REFUND);
    }

    @Test
    void aPartRefundOfADisputedBookingKeepsTheDisputeInItsReason() {
        confirmedThenReportedTwice(4756, "disputed", DISPUTE, "partially-refunded", PART_REFUND + "; " + DISPUTE);
    }

    /**
     * A Payrexx booking confirmed by transaction {@code transaction}, which Payrexx then reports {@code first} (the
     * booking's reason then {@code firstReason}) and {@code second}: the booking stays CONFIRMED with
     * {@code finalReason}.
     */
    private void confirmedThenReportedTwice(long transaction, String first, String firstReason, String second,
                                            String finalReason) {
        String id = confirmedBooking(transaction);
        transactionReported(transaction, first, id);
        awaitReason(id, firstReason);

        transactionReported(transaction, second, id);

        awaitReason(id, finalReason);
        assertThat(status(id)).isEqualTo("CONFIRMED");
    }

    @Test
    void aRepeatedDeliveryAsksPayrexxForItsBookingWithItsCorrelationId() {
        String id = pendingBooking(START, "payrexx");
        gatewayIs(77, "cancelled");
        payrexx.transaction(4732, "declined", id);
        NotifyBuilder handled = new NotifyBuilder(camel).fromRoute("payrexx-event-dispatch").whenCompleted(2).create();

        // the delivery names no booking: its repeat finds it only by asking Payrexx (the failure paid no booking)
        String declined = "transaction%5Bid%5D=4732&transaction%5Bstatus%5D=declined";
        assertThat(payrexxWebhookWithId("px-first-1", declined).status()).isEqualTo(200);
        awaitStatus(id, "PAYMENT_FAILED");
        assertThat(payrexxWebhookWithId("px-repeat-1", declined).status()).isEqualTo(200);

        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(payrexx.server().findAll(getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4732/"))))
                .extracting(r -> r.getHeader("X-Correlation-Id")).containsExactly("px-first-1", "px-repeat-1");
    }

    @Test
    void aRepeatsBookingIsAskedOfPayrexxWithTheExchangesCorrelationIdOnAnyThread() {
        String named = UUID.randomUUID().toString();
        payrexx.transaction(4733, "declined", named);
        // a thread that runs no exchange (no correlation id in its MDC to inherit): only the exchange carries it
        var exchange = ExchangeBuilder.anExchange(camel)
                .withHeader(CorrelationId.CAMEL_HEADER, "px-repeat-2").build();

        assertThat(payrexxEvents.bookingOfRepeat(4733L, null, exchange)).isEqualTo(named);

        payrexx.server().verify(1, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4733/"))
                .withHeader("X-Correlation-Id", equalTo("px-repeat-2")));
    }

    private Response payrexxWebhookWithId(String correlationId, String form) {
        return send(request("/webhooks/payrexx/" + PayrexxFake.WEBHOOK_TOKEN).header("Content-Type", FORM)
                .header("X-Correlation-Id", correlationId)
                .POST(HttpRequest.BodyPublishers.ofString(form)), null);
    }

    @Test
    void aConfirmedDeliveryHandledOnceItsTransactionIsDisputedRecordsThePaymentAndCountsTheDisputeOnce() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4724, "disputed", id); // the confirmed delivery waited (a backlog) past the chargeback
        double disputesBefore = disputesCounted();
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count();
        NotifyBuilder handled = new NotifyBuilder(camel).fromRoute("payrexx-event-dispatch").whenCompleted(2).create();

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4724, "confirmed", id)).status())
                .isEqualTo(200);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(4724, "disputed", id)).status())
                .isEqualTo(200);

        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
        // the first recorded the payment (money was taken) and acted on the dispute Payrexx showed; the second is
        // its repeat
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(booking.get("paymentReference").asText()).isEqualTo("4724");
        assertThat(booking.get("paidAmount").asLong()).isEqualTo(9000);
        assertThat(booking.get("statusReason").asText()).isEqualTo(DISPUTE);
        assertThat(disputesCounted()).isEqualTo(disputesBefore + 1);
        assertThat(meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count())
                .isEqualTo(duplicatesBefore + 1);
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aCancelledTransactionWhileThePaymentPageIsOpenFailsNothingAndThePageClosesWithTheHold() {
        String id = pendingBooking(START, "payrexx");
        gatewayIs(77, "waiting"); // the customer left the page: it still takes payments

        transactionReported(4713, "cancelled", id);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id).json()
                .path("statusReason").asText()).isEqualTo("a payment attempt failed (cancelled); the customer may try "
                + "again until the hold expires"));
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        payrexx.server().verify(0, deleteRequestedFor(urlPathEqualTo("/v1.0/Gateway/77/")));

        // no payment: the hold runs out, the slot is released and the page deleted, so no one pays for it
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> payrexx.server().verify(1,
                deleteRequestedFor(urlPathEqualTo("/v1.0/Gateway/77/"))));
    }

    @Test
    void aCustomerWhoCancelledAndThenPaidOnTheSamePageIsToldOnlyOfTheConfirmation() {
        String id = pendingBooking(START, "payrexx");
        gatewayIs(77, "waiting");
        transactionReported(4725, "expired", id);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id).json()
                .path("statusReason").asText()).startsWith("a payment attempt failed (expired)"));

        transactionReported(4726, "confirmed", id);

        awaitStatus(id, "CONFIRMED");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications"))
                .extracting(n -> n.get("kind").asText()).contains("confirmation").doesNotContain("payment-failed"));
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4726/refund")));
    }

    @Test
    void aDeclinedTransactionWhileThePaymentPageIsOpenKeepsTheSlotForTheCustomersNextAttempt() {
        String id = pendingBooking(START, "payrexx");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("paymentReference").asText()).isEqualTo("77");
        gatewayIs(77, "waiting");
        double failedBefore = meters.counter("connectify.payment.attempts.failed", "provider", "payrexx").count();

        transactionReported(4714, "declined", id);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(httpGet("/api/v1/bookings/" + id).json()
                .path("statusReason").asText()).isEqualTo("a payment attempt failed (declined); the customer may try "
                + "again until the hold expires"));
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        payrexx.server().verify(1, getRequestedFor(urlPathEqualTo("/v1.0/Gateway/77/"))
                .withQueryParam("instance", equalTo(PayrexxFake.INSTANCE)));
        assertThat(meters.counter("connectify.payment.attempts.failed", "provider", "payrexx").count())
                .isEqualTo(failedBefore + 1);
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        assertThat(httpPost("/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"customer":{"name":"B","email":"b@example.com"}}
                """.formatted(START)).status()).isEqualTo(409);

        // the customer pays another way on the same page
        transactionReported(4715, "confirmed", id);
        awaitStatus(id, "CONFIRMED");
    }

    @Test
    void aDeclinedTransactionWhoseDoneOrDeletedPaymentPageTakesNoMoreIsTheEndOfThePayment() {
        String done = pendingBooking(START, "payrexx");
        gatewayIs(77, "cancelled");
        transactionReported(4716, "error", done);
        awaitStatus(done, "PAYMENT_FAILED");

        String deleted = pendingBooking(START, "payrexx"); // the failed booking's slot is free again
        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Gateway/77/")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"status\":\"error\",\"message\":\"No Gateway found with id 77\"}")));
        transactionReported(4717, "declined", deleted);
        awaitStatus(deleted, "PAYMENT_FAILED");
        payrexx.server().verify(2, getRequestedFor(urlPathEqualTo("/v1.0/Gateway/77/")));
    }

    @Test
    void aDeclinedTransactionHandledAfterAnotherOneOfItsPagePaidEndsNothing() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        gatewayIs(77, "confirmed"); // the customer's second attempt paid; its event is still on its way
        double failedBefore = meters.counter("connectify.payment.attempts.failed", "provider", "payrexx").count();
        NotifyBuilder handled = new NotifyBuilder(camel).fromRoute("payrexx-event-dispatch").whenCompleted(1).create();

        transactionReported(4719, "declined", id);

        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.path("statusReason").asText()).as("not counted as a failed attempt either").isEmpty();
        assertThat(meters.counter("connectify.payment.attempts.failed", "provider", "payrexx").count())
                .isEqualTo(failedBefore);
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();

        transactionReported(4720, "confirmed", id);
        awaitStatus(id, "CONFIRMED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("paymentReference").asText()).isEqualTo("4720");
        // queued after the confirmation commits: awaited, where reading them at once raced their sender
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications"))
                .extracting(n -> n.get("kind").asText()).contains("confirmation").doesNotContain("payment-failed"));
        // "completed" above also counts an exchange the dead-letter channel took (the booking then sits
        // PENDING_PAYMENT too, with nothing sent), and was seen to match before its dead letter could be read: checked
        // here, long after the declined event's redeliveries (10 ms apart in the test profile) are over
        assertThat(deadLetters()).as("the declined event was handled, not dead-lettered").isEmpty();
        payrexx.server().verify(1, getRequestedFor(urlPathEqualTo("/v1.0/Gateway/77/")));
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    /** The dead letters of Payrexx events stored (the table is emptied by the test that reads this). */
    private JsonNode deadLetters() {
        var response = httpGet("/api/v1/admin/dead-letters?provider=payrexx", ADMIN_KEY);
        assertThat(response.status()).isEqualTo(200);
        return response.json().get("deadLetters");
    }

    @Test
    void aDisputedTransactionIsMarkedOnItsConfirmedBookingAndCounted() {
        String id = confirmedBooking(4718);
        double disputesBefore = disputesCounted();

        // the customer's bank takes the payment back: Payrexx reports the same transaction disputed
        transactionReported(4718, "disputed", id);

        awaitReason(id, DISPUTE);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(disputesCounted()).isEqualTo(disputesBefore + 1);
    }

    /**
     * A Payrexx booking cancelled while Payrexx refused its refund (CANCELLED, refund pending), whose transaction Payrexx
     * then reports disputed: the dispute settles the payment, so the refund is stopped (the booking's reason says so)
     * and neither the retry sweep nor a repeated cancel asks Payrexx for it, which would pay the customer back twice.
     */
    @Test
    void aDisputedTransactionOfABookingCancelledWithItsRefundPendingStopsTheRefund() {
        String id = confirmedBooking(4770);
        eventRemovalAnswered(id);
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/4770/refund")).willReturn(aResponse()
                .withStatus(500)));
        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancel.status()).as(cancel.body()).isIn(502, 503);
        assertThat(reasonOf(id)).isEqualTo("cancelled: refund pending");
        double disputesBefore = disputesCounted();

        // the customer's bank takes the payment back; Payrexx would refund now
        payrexx.server().resetRequests();
        transactionReported(4770, "disputed", id);

        awaitReason(id, REFUND_STOPPED);
        assertThat(disputesCounted()).isEqualTo(disputesBefore + 1);
        resilience.circuitBreaker("payrexx").reset();
        assertThat(producer.requestBody("direct:booking-retry-refunds", null, Integer.class)).isZero();
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4770/refund")));
        assertThat(status(id)).isEqualTo("CANCELLED");
        // Payrexx reports no dispute's outcome, so nothing restarts the refund: left for a person, once
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(STOPPED_FOR_GOOD.formatted(4770));
        assertThat(needingAttentionGauge()).isEqualTo(1);
    }

    /** The note of a booking whose refund a dispute of its Payrexx payment stopped. */
    private static final String STOPPED_FOR_GOOD = "its refund is stopped by the dispute of payrexx payment %d, whose "
            + "outcome payrexx does not report: once it is decided, refund it at payrexx if the dispute was won";

    /**
     * A confirmed Payrexx booking whose payment is disputed, cancelled in time: its refund is stopped while the dispute
     * is open, and Payrexx reports no dispute's outcome (Stripe's charge.dispute.closed restarts such a refund), so
     * the hub would never make it: the booking is marked for a person (listed, counted), once, however often the
     * disputed transaction is delivered again.
     */
    @Test
    void aConfirmedBookingCancelledInTimeWhilePayrexxShowsItsPaymentDisputedIsLeftForAPerson() {
        String id = confirmedThenDisputed(4773);
        assertThat(attentionOrNull(id)).as("a dispute alone is not marked").isNull();
        eventRemovalAnswered(id);
        double before = needingAttentionGauge();

        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
        assertThat(cancel.json().get("statusReason").asText())
                .isEqualTo("cancelled, its refund stopped: the customer disputes the payment, the dispute decides");
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4773/refund")));
        assertThat(markedNote(id, "CANCELLED")).isEqualTo(STOPPED_FOR_GOOD.formatted(4773));
        assertThat(needingAttentionGauge()).isEqualTo(before + 1);

        // the disputed transaction delivered again: a duplicate, handled, and the booking not marked again (the mark
        // cleared first: a note the booking has already would not show twice)
        clearAttention(id);
        deliveryHandled(4773, "disputed", id);
        assertThat(attentionOrNull(id)).as("not marked again by a redelivery").isNull();
        assertThat(needingAttentionGauge()).isEqualTo(before);
    }

    /**
     * A second payment of a booking another transaction confirmed, whose first delivery Payrexx sends disputed (the
     * customer paid twice and disputes the second): it pays nothing, so it is left for a person, never refunded (with
     * the chargeback the customer would be paid back twice); the booking keeps CONFIRMED and its reason (its own
     * payment is not disputed), and the dispute is counted. Before, the dispute was added to the confirmed booking's
     * reason, as if its payment were disputed, and nobody was asked to settle the disputed one.
     */
    @Test
    void aDisputedSecondPaymentOfABookingAnotherTransactionConfirmedIsLeftForAPersonNeverRefunded() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        transactionHandled(4901, "confirmed", id); // handled in full, its notifications too
        awaitStatus(id, "CONFIRMED");
        String reason = httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText("");
        payrexx.transaction(4902, "disputed", id);
        double disputesBefore = disputesCounted();

        deliveryHandled(4902, "disputed", id);

        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(booking.get("paymentReference").asText()).isEqualTo("4901");
        assertThat(booking.path("statusReason").asText("")).isEqualTo(reason);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo("payrexx payment 4902 arrived disputed and was "
                + "neither confirmed nor refunded (the booking was paid by payrexx payment 4901): settle it by hand");
        payrexx.server().verify(0, postRequestedFor(urlPathMatching("/v1.0/Transaction/.*/refund")));
        assertThat(disputesCounted()).isEqualTo(disputesBefore + 1);
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * A payment below the price, refunded by the hub, then disputed: the customer may be paid back twice (the refund
     * and the chargeback). Marked for a person saying so, never refunded again, the dispute counted. Before, it was
     * taken for a disputed payment not yet recorded and left for a person as "neither confirmed nor refunded ...:
     * settle it by hand", so a person might pay back by hand what the hub had refunded already.
     */
    @Test
    void aShortPaymentTheHubRefundedThenDisputedIsMarkedAsMaybePaidBackTwice() {
        String id = shortPaymentRefunded(4903);
        transactionOf(4903, "disputed", id, 4500);
        double disputesBefore = disputesCounted();

        deliveryHandled(4903, "disputed", id);

        shortPaymentMarkedAsMaybePaidBackTwice(4903, id);
        assertThat(disputesCounted()).isEqualTo(disputesBefore + 1);
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * A payment that arrived after its booking's slot was taken, refunded by the hub (the booking REFUNDED by it), then
     * disputed: the booking stays as it is, marked for a person (the customer may be paid back twice), the dispute
     * counted. Before, the dispute was only logged.
     */
    @Test
    void aPaymentRefundedAsItsSlotWasTakenThenDisputedIsMarkedAsMaybePaidBackTwice() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        clock.advance(Duration.ofMinutes(16));
        awaitStatus(id, "EXPIRED");
        pendingBooking(START, "payrexx"); // the slot is taken meanwhile
        transactionHandled(4904, "confirmed", id); // handled in full, its notifications too
        awaitStatus(id, "REFUNDED");
        String reason = reasonOf(id);
        payrexx.transaction(4904, "disputed", id);
        double disputesBefore = disputesCounted();

        deliveryHandled(4904, "disputed", id);

        assertThat(status(id)).isEqualTo("REFUNDED");
        assertThat(reasonOf(id)).isEqualTo(reason);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo("payrexx payment 4904 is disputed, but it was "
                + "refunded (" + reason + "): the customer may be paid back twice; answer the dispute at payrexx "
                + "with the refund");
        payrexx.server().verify(1, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4904/refund")));
        assertThat(disputesCounted()).isEqualTo(disputesBefore + 1);
    }

    /**
     * A booking confirmed by a disputed delivery (its payment recorded first, then the dispute) tells the dispute as
     * one disputed after its confirmation does: the same status, statusReason and stored dispute state, no mark.
     */
    @Test
    void aDisputeFirstConfirmationTellsTheDisputeAsADisputeAfterTheConfirmationDoes() {
        String first = pendingBooking(START, "payrexx");
        transactionHandled(4905, "disputed", first);
        String after = pendingBooking("2026-12-01T11:00:00+01:00", "payrexx");
        transactionHandled(4906, "confirmed", after); // handled in full, its notifications too
        awaitStatus(after, "CONFIRMED");
        transactionHandled(4906, "disputed", after);

        JsonNode disputedFirst = httpGet("/api/v1/bookings/" + first).json();
        JsonNode disputedAfter = httpGet("/api/v1/bookings/" + after).json();
        for (String field : java.util.List.of("status", "statusReason", "paidAmount")) {
            assertThat(disputedFirst.path(field).toString()).as(field).isEqualTo(disputedAfter.path(field).toString());
        }
        assertThat(disputedFirst.path("statusReason").asText()).isEqualTo(DISPUTE);
        assertThat(bookingRepository.disputeStatus(first)).isEqualTo(bookingRepository.disputeStatus(after))
                .contains(io.connectify.hub.booking.DisputeStatus.OPEN);
        assertThat(attentionOrNull(first)).isNull();
        assertThat(attentionOrNull(after)).isNull();
    }

    /**
     * Done once the dispatch route has handled these deliveries of the transaction to their end (their event keys:
     * not another test's delivery still finishing, nor a completion of an earlier one).
     */
    private NotifyBuilder deliveriesHandled(long transaction, String... statuses) {
        Set<String> eventKeys = Arrays.stream(statuses).map(status -> "payrexx:" + transaction + ":" + status)
                .collect(Collectors.toSet());
        return new NotifyBuilder(camel).fromRoute("payrexx-event-dispatch")
                .filter(exchange -> eventKeys.contains(
                        exchange.getMessage().getHeader(WebhookHeaders.EVENT_KEY, String.class)))
                .whenCompleted(statuses.length).create();
    }

    /** A delivery of the transaction with that status, answered 200, and handled by the dispatch route once. */
    private void deliveryHandled(long transaction, String status, String bookingId) {
        // this delivery's own exchange (its event key): another completing meanwhile (a delivery of an earlier step
        // still finishing, a redelivery) returned before this one was handled, and the test read the state before it
        String eventKey = "payrexx:" + transaction + ":" + status;
        NotifyBuilder handled = new NotifyBuilder(camel).fromRoute("payrexx-event-dispatch")
                .filter(exchange -> eventKey.equals(exchange.getMessage().getHeader(WebhookHeaders.EVENT_KEY)))
                .whenCompleted(1).create();
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(transaction, status, bookingId)).status())
                .isEqualTo(200);
        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
    }

    /** Payrexx's API answers the transaction with this status, and Payrexx's webhook reports it. */
    private void transactionReported(long id, String status, String bookingId) {
        payrexx.transaction(id, status, bookingId);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, form(id, status, bookingId)).status())
                .isEqualTo(200);
    }

    /** A Payrexx booking paid by {@code transaction}: reported confirmed, and CONFIRMED. */
    private String confirmedBooking(long transaction) {
        String id = pendingBooking(START, "payrexx");
        transactionReported(transaction, "confirmed", id);
        awaitStatus(id, "CONFIRMED");
        return id;
    }

    /** The booking's status reason, as its API shows it. */
    private String reasonOf(String bookingId) {
        return httpGet("/api/v1/bookings/" + bookingId).json().path("statusReason").asText();
    }

    /** Waits (10 s at most) until the booking's status reason is {@code reason}. */
    private void awaitReason(String bookingId, String reason) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(reasonOf(bookingId)).isEqualTo(reason));
    }

    /** Waits (10 s at most) until the booking's status reason contains each of {@code parts}. */
    private void awaitReasonContaining(String bookingId, String... parts) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(reasonOf(bookingId)).contains(parts));
    }

    /** connectify_refunds_outside_hub_total of Payrexx. */
    private double refundsOutsideTheHub() {
        return meters.counter("connectify.refunds.outside.hub", "provider", "payrexx").count();
    }

    /** Waits (10 s at most; it is counted once the booking's change has committed) until it is {@code count}. */
    private void awaitRefundsOutsideTheHub(double count) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(refundsOutsideTheHub()).isEqualTo(count));
    }

    /** The note of the booking's mark, which shows the booking {@code status}. */
    private String markedNote(String id, String status) {
        JsonNode marked = attentionOf(id);
        assertThat(marked.get("status").asText()).isEqualTo(status);
        return marked.get("note").asText();
    }

    /** Booking {@code id} cancelled: the cancel answered 200. */
    private Response cancelAccepted(String id) {
        Response cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        return cancelled;
    }

    /** connectify_payment_disputes_total of Payrexx. */
    private double disputesCounted() {
        return meters.counter("connectify.payment.disputes", "provider", "payrexx").count();
    }

    /** Google Calendar answers the removal of the booking's event, for a cancel. */
    private void eventRemovalAnswered(String bookingId) {
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(
                EVENTS + "/" + io.connectify.hub.booking.BookingSaga.eventIdFor(bookingId)))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.noContent()));
    }

    /** Payrexx's API answers the transaction with this status, and its delivery is handled to its end. */
    private void transactionHandled(long id, String status, String bookingId) {
        payrexx.transaction(id, status, bookingId);
        deliveryHandled(id, status, bookingId);
    }

    private static String transactionJson(long id, String status, String bookingId) {
        return """
                {"status":"success","data":[{"id":%d,"uuid":"u-%d","status":"%s","referenceId":"%s","amount":9000,
                 "invoice":{"currencyAlpha3":"CHF","totalAmount":9000,"referenceId":"%s"}}]}"""
                .formatted(id, id, status, bookingId, bookingId);
    }

    /** Payrexx's API answers the transaction with this status and amount; a refund of it is made. */
    private void transactionOf(long id, String status, String bookingId, long amount) {
        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Transaction/" + id + "/")).willReturn(okJson("""
                {"status":"success","data":[{"id":%d,"uuid":"u-%d","status":"%s","referenceId":"%s","amount":%d,
                 "invoice":{"currencyAlpha3":"CHF","totalAmount":%d,"referenceId":"%s"}}]}"""
                .formatted(id, id, status, bookingId, amount, amount, bookingId))));
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/" + id + "/refund")).willReturn(okJson("""
                {"status":"success","data":[{"id":%d,"status":"refunded"}]}""".formatted(id))));
    }

    /** Payrexx's API answers the transaction, of the price's amount in {@code currency}; a refund of it is made. */
    private void transactionIn(long id, String status, String bookingId, String currency) {
        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Transaction/" + id + "/")).willReturn(okJson("""
                {"status":"success","data":[{"id":%d,"uuid":"u-%d","status":"%s","referenceId":"%s","amount":9000,
                 "invoice":{"currencyAlpha3":"%s","totalAmount":9000,"referenceId":"%s"}}]}"""
                .formatted(id, id, status, bookingId, currency, bookingId))));
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/" + id + "/refund")).willReturn(okJson("""
                {"status":"success","data":[{"id":%d,"status":"refunded"}]}""".formatted(id))));
    }

    private void gatewayIs(long id, String status) {
        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Gateway/" + id + "/")).willReturn(okJson("""
                {"status":"success","data":[{"id":%d,"status":"%s","amount":9000,"currency":"CHF",
                 "link":"https://connectify-test.payrexx.com/?payment=abc"}]}""".formatted(id, status))));
    }

    @Test
    void aWrongTokenIsNotFoundAndMalformedDeliveriesAreRefused() {
        double rejected = meters.counter("connectify.webhook.rejected", "provider", "payrexx", "reason", "bad-token")
                .count();
        var wrongToken = payrexxWebhook("guessed-token", FORM, form(1, "confirmed", "x"));
        assertThat(wrongToken.status()).isEqualTo(404);
        assertThat(wrongToken.json().get("type").asText()).isEqualTo("not-found");
        assertThat(meters.counter("connectify.webhook.rejected", "provider", "payrexx", "reason", "bad-token").count())
                .isEqualTo(rejected + 1);

        var noTransaction = payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/json", "{\"foo\":1}");
        assertThat(noTransaction.status()).isEqualTo(400);
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/json", "{not json").status()).isEqualTo(400);
        payrexx.server().verify(0, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/1/")));
    }

    /**
     * A JSON delivery with no body is the sender's 400 validation, "Request body is empty". Before, Jackson refused
     * the null body with an IllegalArgumentException the reader did not catch: 500 internal-error, an ERROR with a
     * stack trace.
     */
    @Test
    void aJsonDeliveryWithNoBodyIsRefusedAsTheSendersError() {
        double before = notATransaction();

        var empty = payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "application/json", "");

        assertThat(empty.status()).as(empty.body()).isEqualTo(400);
        assertThat(empty.json().get("type").asText()).isEqualTo("validation");
        assertThat(empty.json().get("detail").asText()).isEqualTo("Request body is empty");
        assertThat(notATransaction()).as("counted as the other unreadable deliveries").isEqualTo(before + 1);
    }

    /**
     * A delivery with the right token whose body names no transaction (not JSON, no status, broken percent-encoding,
     * multipart; an empty one above) is refused 400 and seen: counted in connectify_webhook_rejected_total under
     * not-a-transaction, audited with that outcome, and WARNed without its body or token, as Stripe's unreadable event
     * is. Before, it was refused unseen: no metric, no audit row, no log line.
     */
    @Test
    void anUnreadableDeliveryWithTheRightTokenIsCountedAuditedAndLogged() {
        String[][] deliveries = {
                {"application/json", "{not json"},
                {"application/json", "{\"transaction\":{\"id\":4852}}"},
                {"Application/X-WWW-Form-Urlencoded",
                        "transaction%5Bid%5D=4852&transaction%5Bstatus%5D=confirmed&x=%zz"},
                {"multipart/form-data; boundary=b",
                        "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--\r\n"}};
        double before = notATransaction();
        try (LogLines logged = LogLines.of(io.connectify.hub.payment.payrexx.PayrexxWebhookReader.class)) {
            for (int i = 0; i < deliveries.length; i++) {
                var refused = send(request("/webhooks/payrexx/" + PayrexxFake.WEBHOOK_TOKEN)
                        .header("Content-Type", deliveries[i][0]).header("X-Correlation-Id", "px-unreadable-" + i)
                        .POST(HttpRequest.BodyPublishers.ofString(deliveries[i][1])), null);
                assertThat(refused.status()).as(deliveries[i][1]).isEqualTo(400);
                assertThat(refused.json().get("type").asText()).isEqualTo("validation");
            }

            assertThat(notATransaction()).isEqualTo(before + deliveries.length);
            assertThat(logged.lines()).hasSize(deliveries.length).allSatisfy(line -> {
                assertThat(line.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
                assertThat(line.getFormattedMessage()).startsWith("Payrexx webhook refused: ")
                        .doesNotContain(PayrexxFake.WEBHOOK_TOKEN).doesNotContain("4852").doesNotContain("%zz");
                assertThat(line.getThrowableProxy()).isNull();
            });
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(jdbc.sql(
                        "SELECT provider, operation, outcome, booking_id FROM integration_audit "
                        + "WHERE correlation_id LIKE 'px-unreadable-%'")
                .query((rs, i) -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " "
                        + rs.getString(4)).list())
                .hasSize(deliveries.length).containsOnly("payrexx webhook not-a-transaction null"));
        payrexx.server().verify(0, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4852/")));
    }

    private double notATransaction() {
        return meters.counter("connectify.webhook.rejected", "provider", "payrexx", "reason", "not-a-transaction")
                .count();
    }

    /**
     * Media types are case-insensitive (RFC 9110): a JSON delivery sent as Application/JSON is read as JSON. Before,
     * anything not starting with the lower-case "application/json" was read as a form and refused 400.
     */
    @Test
    void aJsonDeliveryWhoseContentTypeIsInAnotherCaseConfirmsTheBooking() {
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4850, "confirmed", id);

        var delivered = payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "Application/JSON; charset=UTF-8", """
                {"transaction":{"id":4850,"status":"confirmed","invoice":{"referenceId":"%s"}}}""".formatted(id));

        assertThat(delivered.status()).as(delivered.body()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        payrexx.server().verify(getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4850/")));
    }

    /** A form in another case is read as a form; one that cannot be decoded is the sender's 400, never a 500. */
    @Test
    void aFormDeliveryWhoseContentTypeIsInAnotherCaseIsReadAsAForm() {
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4851, "confirmed", id);

        var broken = payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "Application/X-WWW-Form-Urlencoded",
                "transaction%5Bid%5D=4851&transaction%5Bstatus%5D=confirmed&x=%zz");
        assertThat(broken.status()).as(broken.body()).isEqualTo(400);
        assertThat(broken.json().get("type").asText()).isEqualTo("validation");

        var delivered = payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, "Application/X-WWW-Form-Urlencoded",
                form(4851, "confirmed", id));
        assertThat(delivered.status()).as(delivered.body()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
    }

    private static String form(long id, String status, String bookingId) {
        return "transaction%5Bid%5D=" + id + "&transaction%5Bstatus%5D=" + status
                + "&transaction%5Binvoice%5D%5BreferenceId%5D=" + bookingId;
    }

    /**
     * Payrexx numbers gateways and transactions alike: a booking left unpaid keeps its gateway's id, 4711, as its
     * payment reference, and transaction 4711 pays another booking. A repeated delivery of that transaction acts on
     * the booking it paid, the only one with a payment recorded. Before, its look-up found both (the event failed on
     * two rows and was dead-lettered), or the unpaid one.
     */
    @Test
    void aRepeatedTransactionIsTheBookingItPaidNotOneWhosePaymentPageHadItsNumber() {
        jdbc.sql("DELETE FROM dead_letter").update();
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Gateway/")).atPriority(1).willReturn(okJson("""
                {"status":"success","data":[{"id":4711,"status":"waiting","hash":"abc",
                 "link":"https://connectify-test.payrexx.com/?payment=abc","amount":9000,"currency":"CHF"}]}""")));
        String unpaid = pendingBooking(START, "payrexx");
        payrexx.reset();
        jdbc.sql("UPDATE booking SET status = 'EXPIRED' WHERE id = :id").param("id", unpaid).update(); // hold ran out
        assertThat(httpGet("/api/v1/bookings/" + unpaid).json().get("paymentReference").asText()).isEqualTo("4711");
        String paid = pendingBooking("2026-12-01T11:00:00+01:00", "payrexx");
        double duplicates = meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count();
        NotifyBuilder handled = new NotifyBuilder(camel).fromRoute("payrexx-event-dispatch").whenCompleted(2).create();
        transactionReported(4711, "confirmed", paid);
        awaitStatus(paid, "CONFIRMED");

        transactionReported(4711, "confirmed", paid); // its repeat

        assertThat(handled.matches(20, TimeUnit.SECONDS)).isTrue();
        assertThat(meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count())
                .isEqualTo(duplicates + 1);
        assertThat(deadLetters()).isEmpty();
        assertThat(status(paid)).isEqualTo("CONFIRMED");
        assertThat(status(unpaid)).isEqualTo("EXPIRED");
        // the repeat's booking is the one the transaction paid, found without asking Payrexx
        payrexx.server().resetRequests();
        var exchange = ExchangeBuilder.anExchange(camel).withHeader(CorrelationId.CAMEL_HEADER, "px-repeat-4711")
                .build();
        assertThat(payrexxEvents.bookingOfRepeat(4711L, null, exchange)).isEqualTo(paid);
        payrexx.server().verify(0, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4711/")));
    }

    /** The note of a booking whose refund a dispute stopped, its payment then shown with a refund pending at Payrexx. */
    private static final String STOPPED_PENDING = REFUND_PENDING_OUTSIDE + ": its refund is stopped by the dispute of "
            + "payrexx payment %d, whose outcome payrexx does not report: once it is decided, refund at payrexx what "
            + "the pending refund does not pay back if the dispute was won (it may still fail, and no payrexx status "
            + "the hub knows of tells a failed refund: check at payrexx that it was paid out, else nothing was paid "
            + "back)";

    /**
     * A disputed booking cancelled in time (its refund stopped), whose payment Payrexx then shows with a refund
     * pending, which ends partially-refunded (a pending refund names no amount), then refunded: the booking stays
     * stopped by the dispute throughout, so the part is told as when partially-refunded comes directly (the note asks
     * for what is left should the dispute be won), and the one refund outside the hub is counted once. Before, the
     * refund_pending made it a booking cancelled while disputed: the part then took the general path ("check it at
     * payrexx", no one asked to refund what is left), and the rest's refunded was counted a second time.
     */
    @Test
    void aStoppedRefundWhosePendingRefundEndsPartlyRefundedAsksForWhatIsLeftAndIsCountedOnce() {
        String id = disputedThenCancelledInTime(4960);
        double before = refundsOutsideTheHub();

        assertThat(refundPendingOfAStoppedRefund(4960, id, before + 1, "the refund under way, counted once"))
                .isEqualTo(STOPPED_PENDING.formatted(4960));
        assertThat(partRefundOfAStoppedRefund(4960, id, before + 1, "the pending refund, counted then"))
                .isEqualTo(STOPPED_PART.formatted(4960));

        restRefundedSettlesTheStoppedRefund(4960, id, before + 1, "one refund, counted once");
    }

    /**
     * A booking whose refund's answer was lost at the cancel (Payrexx may have made it), then disputed (its refund
     * stopped), whose payment Payrexx then shows with a refund pending: that may be the hub's own refund, so it is not
     * counted, and the booking stays stopped, the note still asking for what the pending refund does not pay back
     * should the dispute be won (should that refund fail, the obligation stands). The partially-refunded that follows
     * is no refund of the hub's (it refunds the whole payment): counted then, once; the rest's refunded no more.
     * Before, the refund_pending dropped the stopped refund's note ("check it at payrexx"), and the part was not
     * counted at all.
     */
    @Test
    void aPendingRefundThatMayBeTheHubsOwnKeepsTheRefundStoppedAndItsPartIsCountedOnce() {
        String id = cancelledWithItsRefundsAnswerLostThenDisputed(4961);
        double before = refundsOutsideTheHub();

        assertThat(refundPendingOfAStoppedRefund(4961, id, before, "maybe the hub's own: not a refund outside the hub"))
                .isEqualTo(STOPPED_PENDING.formatted(4961));
        assertThat(partRefundOfAStoppedRefund(4961, id, before + 1, "a part: not the hub's refund of the whole"))
                .endsWith("refund what is left at payrexx if the dispute was won");

        transactionHandled(4961, "refunded", id);

        assertThat(reasonOf(id)).isEqualTo(CANCELLED_DISPUTED + "; " + REFUNDED_OUTSIDE);
        assertThat(refundsOutsideTheHub()).as("counted once, by the part").isEqualTo(before + 1);
        resilience.circuitBreaker("payrexx").reset();
        nothingMoreRefunded(4961, id);
    }

    /**
     * A confirmed booking paid by {@code transaction}, cancelled in time while Payrexx lost the answer to its refund
     * (500: it may have made it), then disputed: its refund stopped, marked for a person to make it should the
     * dispute be won.
     */
    private String cancelledWithItsRefundsAnswerLostThenDisputed(long transaction) {
        String id = confirmedBooking(transaction);
        eventRemovalAnswered(id);
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/" + transaction + "/refund"))
                .willReturn(aResponse().withStatus(500)));
        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(cancel.status()).as(cancel.body()).isIn(502, 503);
        assertThat(jdbc.sql("SELECT refund_answer_lost_at IS NOT NULL FROM booking WHERE id = :id").param("id", id)
                .query(Boolean.class).single()).as("its refund's answer lost").isTrue();
        payrexx.server().resetRequests();
        transactionReported(transaction, "disputed", id);
        awaitReason(id, REFUND_STOPPED);
        assertThat(attentionOf(id).get("note").asText()).endsWith(STOPPED_FOR_GOOD.formatted(transaction));
        return id;
    }

    /** {@link #theRestRefundedOfAStoppedRefund}, and nothing more refunded by the hub. */
    private void restRefundedSettlesTheStoppedRefund(long transaction, String id, double counted, String why) {
        theRestRefundedOfAStoppedRefund(transaction, id, counted, why);
        nothingMoreRefunded(transaction, id);
    }

    /**
     * What is left of a stopped refund's payment (its dispute open) then refunded at Payrexx: the booking's reason
     * says refunded outside the hub, its note that the customer is paid back (twice, should the dispute be lost), the
     * refunds outside the hub counted {@code counted} in all ({@code why}).
     */
    private void theRestRefundedOfAStoppedRefund(long transaction, String id, double counted, String why) {
        transactionHandled(transaction, "refunded", id);

        assertThat(reasonOf(id)).isEqualTo(CANCELLED_DISPUTED + "; " + REFUNDED_OUTSIDE);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(STOPPED_SETTLED.formatted(transaction));
        assertThat(refundsOutsideTheHub()).as(why).isEqualTo(counted);
    }

    /** Booking {@code id}'s Payrexx transaction then disputed (its refunds refused), and the booking cancelled in time. */
    private Response cancelledInTimeOnceDisputed(long transaction, String id) {
        disputedItsRefundsRefused(transaction, id);
        return cancelAccepted(id);
    }

    /** As {@link #cancelledInTimeOnceDisputed}, cancelled after the refund cut-off. */
    private Response cancelledAfterTheCutOffOnceDisputed(long transaction, String id) {
        disputedItsRefundsRefused(transaction, id);
        clock.advance(Duration.ofHours(2)); // within the 24 h before its start: no refund due
        return cancelAccepted(id);
    }

    /** Booking {@code id}'s Payrexx transaction then disputed (its reason tells it), its refunds refused. */
    private void disputedItsRefundsRefused(long transaction, String id) {
        transactionReported(transaction, "disputed", id);
        awaitReasonContaining(id, DISPUTE);
        refundsRefused(transaction, id);
    }

    /**
     * A confirmed booking part of whose payment Payrexx's back office refunded (marked: "decide whether the appointment
     * stands"), then cancelled after the refund cut-off (no refund owed by the hub): the part stays in its reason after
     * the cut-off's, and the mark's note becomes a cancelled booking's ("check it at payrexx"), as when the part comes
     * after such a cancel: the appointment is cancelled, nothing left to decide. The rest then refunded at Payrexx
     * replaces that note (a further refund outside the hub, counted). Before, the cancel dropped the part from the
     * reason and left "decide whether the appointment stands", the refunded delivery's note added beside it.
     */
    @Test
    void aPartRefundedBookingCancelledAfterTheCutOffKeepsThePartAndNoLongerAsksToDecideTheAppointment() {
        String id = confirmedThenRefundedOutside(5101, "partially-refunded", PART_REFUND);
        double counted = refundsOutsideTheHub();
        refundsRefused(5101, id);
        clock.advance(Duration.ofHours(2)); // within the 24 h before its start: no refund due

        var cancelled = cancelAccepted(id);

        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo(CANCELLED_LATE + "; " + PART);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(PART + ": check it at payrexx");
        assertThat(refundsOutsideTheHub()).as("counted once, by the partially-refunded delivery").isEqualTo(counted);

        transactionHandled(5101, "refunded", id); // the rest refunded in the back office

        assertThat(reasonOf(id)).isEqualTo(CANCELLED_LATE + "; " + REFUNDED_OUTSIDE);
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(REFUNDED_OUTSIDE + " (in full): check it at "
                + "payrexx");
        assertThat(refundsOutsideTheHub()).isEqualTo(counted + 1);
        nothingMoreRefunded(5101, id);
    }

    /**
     * As above, its payment disputed before the cancel after the cut-off: the part stays after the dispute's reason,
     * and the note becomes "check it at payrexx" too (the hub owes nothing, won or lost). Before, the part was
     * dropped and "decide whether the appointment stands" stayed.
     */
    @Test
    void aPartRefundedDisputedBookingCancelledAfterTheCutOffKeepsThePart() {
        String id = confirmedThenRefundedOutside(5102, "partially-refunded", PART_REFUND);

        var cancelled = cancelledAfterTheCutOffOnceDisputed(5102, id);

        assertThat(cancelled.json().get("statusReason").asText()).isEqualTo(CANCELLED_DISPUTED + "; " + PART);
        assertThat(attentionOf(id).get("note").asText()).contains(PART + ": check it at payrexx")
                .doesNotContain("decide whether the appointment stands");
        nothingMoreRefunded(5102, id);
    }

    /**
     * A confirmed booking whose payment Payrexx's back office refunded in full, then disputed, then cancelled after
     * the refund cut-off: as the cancel in time, the refund stays in the reason after the dispute's, and the note warns
     * that the customer is paid back twice should the dispute, still open, be lost. Before, the reason was the
     * dispute's alone and the note kept "decide whether the appointment stands", no warning.
     */
    @Test
    void aBookingRefundedInFullOutsideThenDisputedCancelledAfterTheCutOffIsMarkedAsPaidBackTwiceShouldTheDisputeBeLost() {
        String id = confirmedThenRefundedOutside(5103, "refunded", REFUNDED_OUTSIDE);
        double counted = refundsOutsideTheHub();

        var cancelled = cancelledAfterTheCutOffOnceDisputed(5103, id);

        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo(CANCELLED_DISPUTED + "; " + REFUNDED_OUTSIDE);
        assertThat(attentionOf(id).get("note").asText()).contains(PAID_BACK.formatted(5103))
                .doesNotContain("decide whether the appointment stands");
        assertThat(refundsOutsideTheHub()).as("counted once, by the refunded delivery").isEqualTo(counted);
        nothingMoreRefunded(5103, id);
    }

    /**
     * A confirmed booking whose payment is disputed, then refunded in full in Payrexx's back office: the booking
     * stands (a person decides whether the appointment does), and the note warns that the customer is paid back twice
     * should the dispute, still open, be lost, as a cancelled booking's does; counted once. Cancelled in time, the
     * confirmed note is replaced by the cancelled one's, the warning kept once. Before, the confirmed booking's note
     * had no warning.
     */
    @Test
    void aConfirmedBookingRefundedInFullOutsideWhileDisputedIsMarkedAsPaidBackTwiceShouldTheDisputeBeLost() {
        String id = confirmedThenDisputed(5104);
        double before = refundsOutsideTheHub();

        transactionHandled(5104, "refunded", id);

        assertThat(status(id)).isEqualTo("CONFIRMED");
        assertThat(reasonOf(id)).contains(REFUNDED_OUTSIDE).contains(DISPUTE);
        assertThat(attentionOf(id).get("note").asText()).contains(REFUNDED_OUTSIDE + " (in full): decide whether "
                + "the appointment stands; " + STILL_OPEN.formatted(5104));
        awaitRefundsOutsideTheHub(before + 1);

        refundsRefused(5104, id);
        var cancelled = cancelAccepted(id);

        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo(CANCELLED_DISPUTED + "; " + REFUNDED_OUTSIDE);
        String note = attentionOf(id).get("note").asText();
        assertThat(note).contains(PAID_BACK.formatted(5104)).doesNotContain("decide whether the appointment stands");
        assertThat(note.split(java.util.regex.Pattern.quote(STILL_OPEN.formatted(5104)), -1))
                .as("warned once").hasSize(2);
        assertThat(refundsOutsideTheHub()).isEqualTo(before + 1);
        nothingMoreRefunded(5104, id);
    }

    /**
     * A disputed booking cancelled in time (its refund stopped), whose payment Payrexx then shows with a refund under
     * way: that refund may still fail, and no status the hub knows of tells a failed refund, so the note asking for
     * what it does not pay back says so and where to check (else a person would refund only the rest of a payment
     * nothing was paid back of). Before, the note took the pending refund for paid.
     */
    @Test
    void aStoppedRefundsPendingRefundNoteSaysItMayStillFailAndWhereToCheck() {
        String id = disputedThenCancelledInTime(5105);

        transactionHandled(5105, "refund_pending", id);

        assertThat(attentionOf(id).get("note").asText()).isEqualTo(STOPPED_PENDING.formatted(5105))
                .contains("it may still fail").contains("check at payrexx that it was paid out, else nothing was "
                        + "paid back");
    }

    /**
     * A mark made with the pending refund's earlier note (before it told that the refund may fail) is still replaced
     * by the refunded delivery that settles it, not left beside the new note.
     */
    @Test
    void aStoppedRefundsPendingNoteInItsEarlierWordingIsStillReplacedWhenTheRefundIsMade() {
        String id = disputedThenCancelledInTime(5106);
        transactionHandled(5106, "refund_pending", id);
        String earlier = REFUND_PENDING_OUTSIDE + ": its refund is stopped by the dispute of payrexx payment 5106, "
                + "whose outcome payrexx does not report: once it is decided, refund at payrexx what the pending "
                + "refund does not pay back if the dispute was won";
        assertThat(jdbc.sql("UPDATE booking SET attention_note = :note WHERE id = :id").param("note", earlier)
                .param("id", id).update()).isEqualTo(1);

        transactionHandled(5106, "refunded", id);

        assertThat(attentionOf(id).get("note").asText()).startsWith(REFUNDED_OUTSIDE + " (in full): the customer is "
                + "paid back").doesNotContain("pending");
    }

    /**
     * A declined transaction of a Payrexx page an operator made naming a Stripe booking ({@code POST
     * /payments/payrexx/gateways} with its id as referenceId): the booking is not Payrexx's, its own payment page
     * (Stripe's) still open, so nothing of it ends. Before, it was taken for the end of the booking's payment: marked
     * PAYMENT_FAILED, its customer told and its slot released.
     */
    @Test
    void aDeclinedTransactionOnAPayrexxPageNamingAStripeBookingLeavesItWaiting() {
        String id = pendingBooking(START, "stripe");
        transactionHandled(4799, "declined", id);
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
    }

    /**
     * A cancelled transaction of another Payrexx page naming a Payrexx booking (an operator's, page 78; the booking's
     * own is 77, still open): one failed attempt on that page, which neither ends the booking nor counts as an attempt
     * of its own page; the customer still pays on it. Before, the booking's own page was asked, and the failure taken
     * for an attempt on it (the booking's reason "a payment attempt failed"), or, its own page done, for the end of
     * the payment (PAYMENT_FAILED).
     */
    @Test
    void aCancelledTransactionOnAnotherPayrexxPageOfThePayrexxBookingLeavesItWaitingOnItsOwn() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("paymentReference").asText()).isEqualTo("77");
        gatewayIs(77, "waiting");
        double failedBefore = meters.counter("connectify.payment.attempts.failed", "provider", "payrexx").count();
        payrexx.transactionOnPage(4921, "cancelled", id, 78);

        deliveryHandled(4921, "cancelled", id);

        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.path("statusReason").asText()).isEmpty();
        assertThat(meters.counter("connectify.payment.attempts.failed", "provider", "payrexx").count())
                .isEqualTo(failedBefore);
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")).isEmpty();
        payrexx.server().verify(0, getRequestedFor(urlPathEqualTo("/v1.0/Gateway/77/")));
        assertThat(deadLetters()).isEmpty();

        payrexx.transactionOnPage(4922, "confirmed", id, 77);
        deliveryHandled(4922, "confirmed", id);
        awaitStatus(id, "CONFIRMED");
    }

    /**
     * A second payment of a confirmed booking, refunded by the hub, disputed after the retention sweep deleted its
     * idempotency keys (connectify.retention.processed-events, 30 days; a chargeback comes weeks to months later): the
     * hub still knows it refunded it (V37), and the booking is marked so, never "neither confirmed nor refunded ...:
     * settle it by hand", which invited a person to pay the customer back a second time, as it was before.
     */
    @Test
    void aSecondPaymentTheHubRefundedThenDisputedAfterItsKeysWereSweptIsStillKnownAsRefunded() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        transactionHandled(4931, "confirmed", id);
        awaitStatus(id, "CONFIRMED");
        transactionHandled(4932, "confirmed", id);
        payrexx.server().verify(1, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4932/refund")));
        keysSwept(4932);
        payrexx.transaction(4932, "disputed", id);

        deliveryHandled(4932, "disputed", id);

        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(booking.get("paymentReference").asText()).isEqualTo("4931");
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(MAYBE_PAID_BACK_TWICE.formatted(4932));
        payrexx.server().verify(1, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4932/refund")));
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * A payment below the price, refunded by the hub, its booking still waiting, disputed after the retention sweep
     * deleted its keys: marked as refunded by the hub, not taken for a disputed payment still to record and left
     * "neither confirmed nor refunded ...: settle it by hand" (before).
     */
    @Test
    void aShortPaymentTheHubRefundedThenDisputedAfterItsKeysWereSweptIsStillKnownAsRefunded() {
        String id = shortPaymentRefunded(4933);
        keysSwept(4933);
        transactionOf(4933, "disputed", id, 4500);

        deliveryHandled(4933, "disputed", id);

        shortPaymentMarkedAsMaybePaidBackTwice(4933, id);
        assertThat(deadLetters()).isEmpty();
    }

    /**
     * A Payrexx booking whose payment {@code transaction} fell short of its price (4500 of 9000): the hub refunded it
     * (Payrexx asked once), the booking still waiting; the stored dead letters emptied first.
     */
    private String shortPaymentRefunded(long transaction) {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        transactionOf(transaction, "confirmed", id, 4500);
        deliveryHandled(transaction, "confirmed", id);
        payrexx.server().verify(1, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/" + transaction + "/refund")));
        return id;
    }

    /** The note of a payment the hub refunded, then disputed. */
    private static final String MAYBE_PAID_BACK_TWICE = "payrexx payment %d is disputed, but the hub refunded it (it "
            + "could not pay for the booking): the customer may be paid back twice; answer the dispute at payrexx "
            + "with the refund";

    /**
     * The short payment of booking {@code id} the hub refunded, then disputed: the booking still waits (not taken for
     * a disputed payment still to record), marked as maybe paid back twice; Payrexx asked for no further refund.
     */
    private void shortPaymentMarkedAsMaybePaidBackTwice(long transaction, String id) {
        JsonNode booking = httpGet("/api/v1/bookings/" + id).json();
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.path("statusReason").asText("")).doesNotContain("neither confirmed nor refunded");
        assertThat(attentionOf(id).get("note").asText()).isEqualTo(MAYBE_PAID_BACK_TWICE.formatted(transaction));
        payrexx.server().verify(1, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/" + transaction + "/refund")));
    }

    /** The transaction's idempotency keys deleted, as the retention sweep deletes them once they are old enough. */
    private void keysSwept(long transaction) {
        assertThat(jdbc.sql("DELETE FROM CAMEL_MESSAGEPROCESSED WHERE messageId LIKE :keys")
                .param("keys", "payrexx:" + transaction + ":%").update()).isPositive();
    }
}
