package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.support.FailingWrite;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * An event processed while the database goes down: its key cannot be recorded, nor its dead letter stored. The
 * event is neither lost nor acted on twice: it waits on the broker (redelivered, then on its DLQ) carrying its key,
 * and once it is consumed with the database back its key is recorded first, so it is a duplicate. The broker's
 * settings as BrokerDeadLetterTest's (two deliveries, 10 ms apart), so the two share a context. (BrokerDeadLetterTest's
 * first request once hung 30 s in this context: not something this class left, but the Google Calendar pool that
 * ReadinessTest's close of the context that made it shut down; see SharedProviderPools.)
 */
@HubTest
@TestPropertySource(properties = {"connectify.queues.max-delivery-attempts=2", "connectify.queues.redelivery-delay=10ms"})
class UnstorableDeadLetterTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";

    @Autowired
    MeterRegistry meters;

    /**
     * A dispute processed (counted, its booking marked), then the database refuses every write of its key and of its
     * dead letter. Before, the consumer's transaction rolled back and the broker redelivered the event as it came,
     * without its key: each redelivery (and the copy moved back from the broker's DLQ) processed it in full again,
     * the dispute counted and alerted once per delivery.
     */
    @Test
    void anEventWhoseKeyAndDeadLetterCannotBeStoredWaitsOnTheBrokerWithItsKeyAndIsActedOnOnce() {
        String id = confirmedStripeBooking(START);
        String payment = "pi_" + id.substring(0, 8);
        String key = "stripe:evt_dispute_db_down";
        double disputesBefore = disputes();
        double duplicatesBefore = duplicates();
        String delivery = StripeFake.event("evt_dispute_db_down", "charge.dispute.created", dispute(payment));
        int parkedBefore = brokerDeadLetters(); // another test's, should one have been left
        double unstoredBefore = unstored();

        // the database down from the moment the event's key is written: that insert and the dead letter's fail
        try (var keyRefused = FailingWrite.insertTimes(jdbc, "CAMEL_MESSAGEPROCESSED", "messageId", key, 1000);
             var letterRefused = FailingWrite.insertTimes(jdbc, "dead_letter", "unrecorded_key", key, 1000)) {
            assertThat(signedStripeWebhook(delivery).status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(30)).alias("on the broker's DLQ once its deliveries are used up")
                    .untilAsserted(() -> assertThat(brokerDeadLetters()).isEqualTo(parkedBefore + 1));
            assertThat(letterRefused.failures()).as("a dead letter tried at each failure").isGreaterThan(1);
            assertThat(keyRefused.failures()).isGreaterThan(1);
            assertThat(disputes()).as("acted on once, whatever the broker redelivered").isEqualTo(disputesBefore + 1);
            assertThat(unstored()).as("queued again with its key once").isEqualTo(unstoredBefore + 1);
        }
        assertThat(httpGet("/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters"))
                .as("no dead letter stored").noneMatch(letter -> letter.path("headers").path("eventKey").asText()
                        .equals(key));

        // the database back: an operator moves it back from the broker's DLQ
        var replayed = send(request("/api/v1/admin/broker-dead-letters/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);
        assertThat(replayed.status()).isEqualTo(200);
        assertThat(replayed.json().get("replayed").get("stripe-events").asInt()).isEqualTo(parkedBefore + 1);
        await().atMost(Duration.ofSeconds(15)).alias("the key, recorded from the copy").until(() -> jdbc.sql(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = :key").param("key", key)
                .query(Integer.class).single() == 1);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(duplicates())
                .as("the copy is a duplicate").isEqualTo(duplicatesBefore + 1));
        assertThat(disputes()).as("not acted on again").isEqualTo(disputesBefore + 1);
        assertThat(brokerDeadLetters()).isZero();

        signedStripeWebhook(delivery); // Stripe delivers it again
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(duplicates())
                .isEqualTo(duplicatesBefore + 2));
        assertThat(disputes()).as("counted once").isEqualTo(disputesBefore + 1);
        assertThat(httpGet("/api/v1/bookings/" + id).json().path("statusReason").asText())
                .startsWith("the customer disputes the payment");
    }

    /**
     * A payment confirmed (its calendar event made, its notices queued), then the database refuses its key and its
     * dead letter, and is back a moment later, before the broker gives up: the copy carrying the key is redelivered,
     * records it and is a duplicate. The customer is told once, the calendar asked once, nothing is left on the
     * broker's DLQ or stored. Before, the broker redelivered the event without its key: it acted again on every
     * delivery until its attempts were used up, then waited on the DLQ.
     */
    @Test
    void aConfirmationWhoseKeyAndDeadLetterCannotBeStoredForAMomentIsToldOnceAndLeavesNothingBehind() {
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkevent",
                "Consultation", START, START))));
        String id = pendingBooking(START, "stripe");
        String key = "stripe:evt_paid_db_blip";
        double duplicatesBefore = duplicates();

        // the key's insert refused 5 times (the first delivery's try and retry, Camel's completion hook, the copy's
        // first delivery's try and retry), the dead letter's every time: the copy's redelivery records the key
        try (var keyRefused = FailingWrite.insertTimes(jdbc, "CAMEL_MESSAGEPROCESSED", "messageId", key, 5);
             var letterRefused = FailingWrite.insertTimes(jdbc, "dead_letter", "unrecorded_key", key, 1000)) {
            assertThat(signedStripeWebhook(StripeFake.event("evt_paid_db_blip", "checkout.session.completed",
                    StripeFake.checkoutSession(id, "paid", "pi_db_blip"))).status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(30)).alias("the key, recorded from the copy").until(() -> jdbc.sql(
                    "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = :key").param("key", key)
                    .query(Integer.class).single() == 1);
            assertThat(letterRefused.failed()).isTrue();
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(duplicates())
                .as("the copy is a duplicate").isEqualTo(duplicatesBefore + 1));
        assertThat(status(id)).isEqualTo("CONFIRMED");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))))
                    .as("the confirmation SMS").hasSize(1);
            assertThat(notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))))
                    .as("the confirmation email").hasSize(1);
        });
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(brokerDeadLetters()).as("nothing on the broker's DLQ").isZero();
        assertThat(httpGet("/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters"))
                .as("no dead letter stored").noneMatch(letter -> letter.path("headers").path("eventKey").asText()
                        .equals(key));
    }

    private int brokerDeadLetters() {
        JsonNode queues = httpGet("/api/v1/admin/broker-dead-letters", ADMIN_KEY).json().get("queues");
        return queues.get("stripe-events").asInt();
    }

    private double disputes() {
        return meters.counter("connectify.payment.disputes", "provider", "stripe").count();
    }

    private double unstored() {
        return meters.counter("connectify.dead.letters.unstored", "route", "stripe-event-dispatch").count();
    }

    private double duplicates() {
        return meters.counter("connectify.webhook.duplicates", "provider", "stripe").count();
    }

    /** A Dispute object as Stripe's charge.dispute.created event carries it. */
    private static String dispute(String paymentIntent) {
        return """
                {"id":"dp_%s","object":"dispute","amount":9000,"charge":"ch_%s","currency":"chf","metadata":{},
                 "payment_intent":"%s","reason":"fraudulent","status":"needs_response"}"""
                .formatted(paymentIntent, paymentIntent, paymentIntent);
    }
}
