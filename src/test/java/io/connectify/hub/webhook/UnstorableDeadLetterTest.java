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
        String key = "stripe:evt_dispute_db_down";
        String delivery = disputeOf(id, "evt_dispute_db_down");
        double disputesBefore = disputes();
        double duplicatesBefore = duplicates();
        int parkedBefore = brokerDeadLetters(); // another test's, should one have been left
        double unstoredBefore = unstored();

        parkedWithItsKey(key, "stripe-events", () -> assertThat(signedStripeWebhook(delivery).status()).isEqualTo(200));
        assertThat(disputes()).as("acted on once, whatever the broker redelivered").isEqualTo(disputesBefore + 1);
        assertThat(unstored()).as("queued again with its key once").isEqualTo(unstoredBefore + 1);
        assertThat(deadLetterStoredFor("stripe", key)).as("no dead letter stored").isFalse();

        // the database back: an operator moves it back from the broker's DLQ
        assertThat(brokerDeadLettersMovedBack("stripe-events")).isEqualTo(parkedBefore + 1);
        await().atMost(Duration.ofSeconds(15)).alias("the key, recorded from the copy").until(() -> recorded(key) == 1);
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

            await().atMost(Duration.ofSeconds(30)).alias("the key, recorded from the copy").until(() -> recorded(key) == 1);
            assertThat(letterRefused.failed()).isTrue();
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(duplicates())
                .as("the copy is a duplicate").isEqualTo(duplicatesBefore + 1));
        confirmedAndToldOnce(id);
        assertThat(brokerDeadLetters()).as("nothing on the broker's DLQ").isZero();
        assertThat(deadLetterStoredFor("stripe", key)).as("no dead letter stored").isFalse();
    }

    /**
     * The keyed copy of a dispute waits on the broker's DLQ (the database down through its deliveries); the database
     * back, Stripe delivers its own copy of the event before anyone moves the keyed one back. Stripe's copy is a
     * duplicate: the consumer records the key this instance owes before it looks the event up. Before, it found no
     * key and was processed in full again, the dispute counted (and alerted) twice; the message groups did not keep
     * it behind the keyed copy (parked on the DLQ, or redelivered with back-off, a copy is out of its group's order).
     */
    @Test
    void stripesOwnCopyConsumedWhileTheKeyedCopyWaitsOnTheBrokerIsADuplicate() {
        String id = confirmedStripeBooking(START);
        String key = "stripe:evt_dispute_copy_first";
        String delivery = disputeOf(id, "evt_dispute_copy_first");
        double disputesBefore = disputes();
        double duplicatesBefore = duplicates();
        int parkedBefore = brokerDeadLetters();

        parkedWithItsKey(key, "stripe-events", () -> assertThat(signedStripeWebhook(delivery).status()).isEqualTo(200));

        assertThat(signedStripeWebhook(delivery).status()).isEqualTo(200); // Stripe's own copy, the database back
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(duplicates())
                .as("Stripe's copy is a duplicate").isEqualTo(duplicatesBefore + 1));
        assertThat(disputes()).as("counted once").isEqualTo(disputesBefore + 1);
        assertThat(recorded(key)).isEqualTo(1);

        assertThat(brokerDeadLettersMovedBack("stripe-events")).isEqualTo(parkedBefore + 1);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(duplicates())
                .as("the keyed copy is a duplicate too").isEqualTo(duplicatesBefore + 2));
        assertThat(disputes()).isEqualTo(disputesBefore + 1);
        assertThat(brokerDeadLetters()).isZero();
    }

    /**
     * Payrexx's consumer: a confirmed transaction acted on (the booking confirmed, its calendar event made, its
     * notices queued), then its key and its dead letter refused until the keyed copy is parked on the broker's DLQ.
     * The database back, Payrexx's own copy of the webhook is a repeat (the key owed recorded first), and so is the
     * keyed copy moved back (its carried key recorded first): the calendar asked once, the customer told once.
     */
    @Test
    void aPayrexxConfirmationWhoseKeyAndDeadLetterCannotBeStoredIsActedOnOnceWhicheverCopyComesFirst() {
        calendarAcceptsEvents(START);
        String id = pendingBooking(START, "payrexx");
        long transaction = 4711;
        String key = "payrexx:" + transaction + ":confirmed";
        double duplicatesBefore = duplicates("payrexx");
        double unstoredBefore = unstored("payrexx-event-dispatch");
        int parkedBefore = brokerDeadLetters("payrexx-events");

        parkedWithItsKey(key, "payrexx-events", () -> payrexxDelivered(transaction, "confirmed", id));
        assertThat(unstored("payrexx-event-dispatch")).as("queued again with its key once")
                .isEqualTo(unstoredBefore + 1);
        assertThat(status(id)).isEqualTo("CONFIRMED");

        payrexxDelivered(transaction, "confirmed", id); // Payrexx's own copy, the database back
        assertThat(duplicates("payrexx")).as("Payrexx's copy is a repeat").isEqualTo(duplicatesBefore + 1);
        assertThat(recorded(key)).isEqualTo(1);

        assertThat(brokerDeadLettersMovedBack("payrexx-events")).isEqualTo(parkedBefore + 1);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(duplicates("payrexx"))
                .as("the keyed copy is a repeat too").isEqualTo(duplicatesBefore + 2));
        confirmedAndToldOnce(id);
        assertThat(brokerDeadLetters("payrexx-events")).isZero();
        assertThat(deadLetterStoredFor("payrexx", key)).as("no dead letter stored").isFalse();
    }

    /**
     * Twilio's status callbacks: one recorded whose key and dead letter the database refuses for a moment. The copy
     * carrying the key is redelivered once the database is back, records the key and is a duplicate, and so is
     * Twilio's own copy of the callback: nothing is left on the broker's DLQ or stored.
     */
    @Test
    void aTwilioStatusWhoseKeyAndDeadLetterCannotBeStoredForAMomentIsRecordedOnceAndLeavesNothingBehind() {
        String sid = "SM" + "c".repeat(32);
        String key = "twilio:" + sid + ":delivered";
        double duplicatesBefore = duplicates("twilio");
        double unstoredBefore = unstored("twilio-status-record");

        // refused 5 times: the first delivery's try and retry, Camel's completion hook, the copy's first delivery's
        // try and retry; the copy's redelivery records it
        try (var keyRefused = FailingWrite.insertTimes(jdbc, "CAMEL_MESSAGEPROCESSED", "messageId", key, 5);
             var letterRefused = FailingWrite.insertTimes(jdbc, "dead_letter", "unrecorded_key", key, 1000)) {
            assertThat(signedTwilioStatus(sid, "delivered").status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).alias("the key, recorded from the copy").until(() ->
                    recorded(key) == 1);
            assertThat(letterRefused.failed()).isTrue();
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(duplicates("twilio"))
                .as("the copy is a duplicate").isEqualTo(duplicatesBefore + 1));
        assertThat(unstored("twilio-status-record")).as("queued again with its key once").isEqualTo(unstoredBefore + 1);

        assertThat(signedTwilioStatus(sid, "delivered").status()).isEqualTo(200); // Twilio's own copy
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(duplicates("twilio"))
                .isEqualTo(duplicatesBefore + 2));
        assertThat(jdbc.sql("SELECT status FROM notification_callback WHERE provider_reference = :sid")
                .param("sid", sid).query(String.class).list()).as("the status kept once, for its SMS").containsExactly(
                "delivered");
        assertThat(brokerDeadLetters("twilio-status")).as("nothing on the broker's DLQ").isZero();
        assertThat(deadLetterStoredFor("twilio", key)).as("no dead letter stored").isFalse();
    }

    /**
     * The event {@code delivery} sends processed while the database is down from the moment its key is written: that
     * insert and its dead letter's refused through every try, until the copy carrying its key is parked on the
     * broker's DLQ (one more of {@code queue}); then the database back.
     */
    private void parkedWithItsKey(String key, String queue, Runnable delivery) {
        int parkedBefore = brokerDeadLetters(queue); // another test's, should one have been left
        try (var keyRefused = FailingWrite.insertTimes(jdbc, "CAMEL_MESSAGEPROCESSED", "messageId", key, 1000);
             var letterRefused = FailingWrite.insertTimes(jdbc, "dead_letter", "unrecorded_key", key, 1000)) {
            delivery.run();
            await().atMost(Duration.ofSeconds(30)).alias("on the broker's DLQ once its deliveries are used up")
                    .untilAsserted(() -> assertThat(brokerDeadLetters(queue)).isEqualTo(parkedBefore + 1));
            assertThat(letterRefused.failures()).as("a dead letter tried at each failure").isGreaterThan(1);
            assertThat(keyRefused.failures()).isGreaterThan(1);
        }
    }

    /** The booking confirmed, its calendar event asked for once, its customer told once (an SMS, an email). */
    private void confirmedAndToldOnce(String id) {
        assertThat(status(id)).isEqualTo("CONFIRMED");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))))
                    .as("the confirmation SMS").hasSize(1);
            assertThat(notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND))))
                    .as("the confirmation email").hasSize(1);
        });
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    private int brokerDeadLetters() {
        return brokerDeadLetters("stripe-events");
    }

    /** The messages of {@code queue} the broker parked on its DLQ. */
    private int brokerDeadLetters(String queue) {
        JsonNode queues = httpGet("/api/v1/admin/broker-dead-letters", ADMIN_KEY).json().get("queues");
        return queues.path(queue).asInt();
    }

    /** The database back, an operator moves the broker's dead letters back into their queues: how many of {@code queue}. */
    private int brokerDeadLettersMovedBack(String queue) {
        var replayed = send(request("/api/v1/admin/broker-dead-letters/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);
        assertThat(replayed.status()).isEqualTo(200);
        return replayed.json().get("replayed").path(queue).asInt();
    }

    private int recorded(String key) {
        return jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = :key").param("key", key)
                .query(Integer.class).single();
    }

    private boolean deadLetterStoredFor(String provider, String key) {
        return httpGet("/api/v1/admin/dead-letters?provider=" + provider, ADMIN_KEY).json().get("deadLetters")
                .findValuesAsText("eventKey").contains(key);
    }

    private double disputes() {
        return meters.counter("connectify.payment.disputes", "provider", "stripe").count();
    }

    private double unstored() {
        return unstored("stripe-event-dispatch");
    }

    private double unstored(String route) {
        return meters.counter("connectify.dead.letters.unstored", "route", route).count();
    }

    private double duplicates() {
        return duplicates("stripe");
    }

    private double duplicates(String provider) {
        return meters.counter("connectify.webhook.duplicates", "provider", provider).count();
    }

    /** Stripe's charge.dispute.created event {@code eventId} of the payment of booking {@code bookingId}. */
    private static String disputeOf(String bookingId, String eventId) {
        return StripeFake.event(eventId, "charge.dispute.created", dispute("pi_" + bookingId.substring(0, 8)));
    }

    /** A Dispute object as Stripe's charge.dispute.created event carries it. */
    private static String dispute(String paymentIntent) {
        return """
                {"id":"dp_%s","object":"dispute","amount":9000,"charge":"ch_%s","currency":"chf","metadata":{},
                 "payment_intent":"%s","reason":"fraudulent","status":"needs_response"}"""
                .formatted(paymentIntent, paymentIntent, paymentIntent);
    }
}
