package io.connectify.hub.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.resilience.ProviderException.Kind;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.ConnectionFactory;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.support.TransactionCallback;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/** A payment event that fails after its retries is kept as a dead letter; replayed after recovery it completes. */
@HubTest
class DeadLetterTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";

    @Autowired
    EmbeddedActiveMQ broker;
    @Autowired
    CamelContext camel;
    @Autowired
    MeterRegistry meters;
    @Autowired
    ConnectionFactory connectionFactory;
    @Autowired
    DeadLetterProperties properties;
    @Autowired
    TransactionTemplate transactions;
    @Autowired
    ObjectMapper json;
    @Autowired
    ProducerTemplate producer;
    @Autowired
    io.connectify.hub.webhook.WebhookAudit webhookAudit;
    @Autowired
    io.connectify.hub.webhook.ProcessedEventRepository processedEvents;
    @Autowired
    io.connectify.hub.ops.cluster.DatabaseClusterService cluster;

    @Test
    void aPaymentEventGoogleCannotTakeIsKeptAndReplayedOnceGoogleRecovers() {
        String id = pendingBooking(START, "stripe");
        JsonNode letter = deadLetterOfAPaymentGoogleAnswers(id, "evt_dead_1", 500, "backendError");
        assertThat(letter.get("routeId").asText()).isEqualTo("stripe-event-dispatch");
        assertThat(letter.get("sourceQueue").asText()).isEqualTo("stripe-events");
        assertThat(letter.get("attempts").asInt()).isEqualTo(2); // test profile: one redelivery
        assertThat(letter.get("errorMessage").asText()).startsWith("provider-error: Google Calendar answered HTTP 500");
        assertThat(letter.get("headers").get("eventType").asText()).isEqualTo("checkout.session.completed");
        // replayed into its payment's message group (StripeFake.checkoutSession's Payment Intent: pi_ and the event id)
        assertThat(letter.get("headers").get("JMSXGroupID").asText()).isEqualTo("payment:pi_evt_dead_1");
        assertThat(letter.get("body").asText()).contains("evt_dead_1");
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT"); // paid, not lost, not confirmed without an event

        google.reset();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
        String letterId = letter.get("id").asText();
        var replayed = send(request("/api/v1/admin/dead-letters/" + letterId + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);

        assertThat(replayed.status()).isEqualTo(200);
        assertThat(replayed.json().get("status").asText()).isEqualTo("REPLAYED");
        awaitStatus(id, "CONFIRMED");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(send(request("/api/v1/admin/dead-letters/" + letterId + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(409);
        assertThat(httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).status()).isEqualTo(200);
        assertThat(send(request("/api/v1/admin/dead-letters/" + letterId).DELETE(), ADMIN_KEY).status()).isEqualTo(204);
        assertThat(httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).status()).isEqualTo(404);
        // replayed before it was deleted: a clean-up, nothing discarded
        assertThat(attentionOrNull(id)).isNull();
        assertThat(discardedAuditRows(id)).isEmpty();
    }

    /**
     * A payment event's letter a person deletes while it still waits leaves a trace: the booking it names (a paid
     * Payrexx booking, PENDING_PAYMENT, its event never processed) is marked for a person, an integration_audit row
     * says the event was discarded, with the admin request's correlation id. Before, the delete left nothing: the
     * booking stayed paid and pending, unmarked, its audit row "dead-lettered".
     */
    @Test
    void aPaymentEventsLetterDeletedUnreplayedMarksItsBookingForAPersonAndIsAuditedDiscarded() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4802);
        JsonNode letter = awaitDeadLetter("payrexx");
        String letterId = letter.get("id").asText();
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("paidAmount").asLong()).isEqualTo(9000);

        var deleted = send(request("/api/v1/admin/dead-letters/" + letterId)
                .header("X-Correlation-Id", "discard-4802").DELETE(), ADMIN_KEY);

        assertThat(deleted.status()).isEqualTo(204);
        assertThat(httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).status()).isEqualTo(404);
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(attentionOf(id).get("note").asText()).isEqualTo("payrexx payment event transaction.confirmed "
                + "discarded by hand (dead letter " + letterId + "): the hub will not act on it; check the payment at "
                + "payrexx, then confirm or refund the booking by hand");
        assertThat(discardedAuditRows(id)).containsExactly(
                Map.of("provider", "payrexx", "operation", "webhook:transaction.confirmed",
                        "correlation_id", "discard-4802"));
    }

    /**
     * The booking's mark and the letter's delete are one transaction: a mark that fails (the booking's row held past
     * the lock timeout) answers 409 "ask again" and leaves the letter STORED, so the DELETE can be retried, and then marks it.
     * Before, the letter was deleted and committed first: the failed mark left it gone, the booking unmarked, and a
     * retried DELETE answered 404.
     */
    @Test
    void aDeleteWhoseMarkFailsLeavesTheLetterStoredAndARetryMarksTheBooking() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        paidByPayrexxWhileGoogleFails(id, 4803);
        String letterId = awaitDeadLetter("payrexx").get("id").asText();

        var failed = whileRowsAreHeld("SELECT * FROM booking WHERE id = :id FOR UPDATE", Map.of("id", id),
                () -> send(request("/api/v1/admin/dead-letters/" + letterId).DELETE(), ADMIN_KEY));

        // a row held past the lock timeout is the hub's 409 "ask again" (DatabaseBusy)
        assertThat(failed.status()).isEqualTo(409);
        assertThat(failed.header("Content-Type")).startsWith("application/problem+json");
        assertThat(failed.header("Retry-After")).isNotNull();
        JsonNode kept = httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).json();
        assertThat(kept.get("status").asText()).isEqualTo("STORED");
        assertThat(attentionOrNull(id)).isNull();
        assertThat(discardedAuditRows(id)).isEmpty();

        var retried = send(request("/api/v1/admin/dead-letters/" + letterId).DELETE(), ADMIN_KEY);

        assertThat(retried.status()).isEqualTo(204);
        assertThat(httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).status()).isEqualTo(404);
        assertThat(attentionOf(id).get("note").asText()).contains("(dead letter " + letterId + ")");
        assertThat(discardedAuditRows(id)).hasSize(1);
    }

    /**
     * A Payrexx payment event's letter whose transaction was never fetched (Payrexx down through every attempt) names
     * no booking the hub knows: its DELETE is refused 409, the letter kept; with force=true it is deleted, WARN
     * "booking unknown". Before, it was deleted at once, 204, marking nothing: the paid booking later expired.
     */
    @Test
    void aPaymentEventsLetterWhoseBookingIsUnknownIsDeletedOnlyWithForce() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "payrexx");
        payrexx.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(
                urlPathEqualTo("/v1.0/Transaction/4804/")).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(503)));
        assertThat(payrexxWebhook(io.connectify.hub.support.PayrexxFake.WEBHOOK_TOKEN,
                "application/x-www-form-urlencoded", "transaction%5Bid%5D=4804&transaction%5Bstatus%5D=confirmed"
                        + "&transaction%5Binvoice%5D%5BreferenceId%5D=" + id).status()).isEqualTo(200);
        JsonNode letter = awaitDeadLetter("payrexx");
        String letterId = letter.get("id").asText();
        assertThat(letter.get("headers").has("bookingId")).as("its transaction never fetched").isFalse();

        var refused = send(request("/api/v1/admin/dead-letters/" + letterId).DELETE(), ADMIN_KEY);

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(refused.json().get("detail").asText()).contains("names no booking and no booking has its payment")
                .contains("?force=true");
        assertThat(httpGet("/api/v1/admin/dead-letters?provider=payrexx&status=STORED", ADMIN_KEY).json()
                .get("deadLetters")).extracting(l -> l.get("id").asText()).containsExactly(letterId);

        try (LogLines logged = LogLines.of(DeadLetterDiscards.class)) {
            var forced = send(request("/api/v1/admin/dead-letters/" + letterId + "?force=true").DELETE(), ADMIN_KEY);

            assertThat(forced.status()).isEqualTo(204);
            assertThat(logged.lines()).filteredOn(line -> line.getLevel() == Level.WARN)
                    .extracting(ILoggingEvent::getFormattedMessage).singleElement().asString()
                    .startsWith("Dead letter " + letterId + " of route").contains("booking unknown");
        }
        assertThat(httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).status()).isEqualTo(404);
        assertThat(attentionOrNull(id)).isNull();
    }

    /**
     * A payment event's letter naming a booking the hub does not have (a payment made elsewhere on the same account:
     * Stripe's metadata, a fetched Payrexx transaction's reference; an id or not) proves it pays none of the hub's:
     * deleted without force, nothing marked, the WARN naming what it names. Before, a name that is no booking id was
     * refused 409 unless force=true, and an unknown booking id was logged as if it were the hub's booking.
     */
    @Test
    void aPaymentEventsLetterNamingABookingTheHubDoesNotHaveIsDeletedWithoutForce() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String unknownId = UUID.randomUUID().toString();
        List<String> letters = List.of(
                storedPaymentLetter("stripe-events", "stripe", Map.of("eventType", "checkout.session.completed",
                        "eventKey", "stripe:evt_elsewhere_1", "bookingId", "shop-order-4711",
                        "paymentReference", "pi_elsewhere_1")),
                storedPaymentLetter("stripe-events", "stripe", Map.of("eventType", "payment_intent.succeeded",
                        "eventKey", "stripe:evt_elsewhere_2", "bookingId", unknownId,
                        "paymentReference", "pi_elsewhere_2")),
                storedPaymentLetter("payrexx-events", "payrexx", Map.of("eventType", "transaction.confirmed",
                        "eventKey", "payrexx:4808:confirmed", "transactionId", "4808",
                        "bookingId", "shop-order-4808")));

        try (LogLines logged = LogLines.of(DeadLetterDiscards.class)) {
            for (String letterId : letters) {
                assertThat(send(request("/api/v1/admin/dead-letters/" + letterId).DELETE(), ADMIN_KEY).status())
                        .isEqualTo(204);
                assertThat(httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).status()).isEqualTo(404);
            }

            assertThat(logged.lines()).filteredOn(line -> line.getLevel() == Level.WARN)
                    .extracting(ILoggingEvent::getFormattedMessage).satisfiesExactly(
                            line -> assertThat(line).contains("booking 'shop-order-4711' (none of the hub's"),
                            line -> assertThat(line).contains("booking '" + unknownId + "' (none of the hub's"),
                            line -> assertThat(line).contains("booking 'shop-order-4808' (none of the hub's"));
        }
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking WHERE attention_note LIKE '%dead letter%'")
                .query(Integer.class).single()).isZero();
    }

    /**
     * A Stripe payment event's letter naming no booking, whose payment no booking has recorded, is refused as a
     * Payrexx letter whose transaction was never fetched is: a Charge naming none is matched, when handled, to the
     * booking its Payment Intent names at Stripe, so the letter cannot tell that it pays none of the hub's.
     */
    @Test
    void aStripeLetterNamingNoBookingIsDeletedOnlyWithForce() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String letterId = storedPaymentLetter("stripe-events", "stripe", Map.of("eventType", "charge.refunded",
                "eventKey", "stripe:evt_unnamed_1", "bookingId", "", "paymentReference", "pi_unnamed_1"));

        var refused = send(request("/api/v1/admin/dead-letters/" + letterId).DELETE(), ADMIN_KEY);

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(send(request("/api/v1/admin/dead-letters/" + letterId + "?force=true").DELETE(), ADMIN_KEY)
                .status()).isEqualTo(204);
    }

    /**
     * A DELETE that commits while a replay has read the letter (unlocked) and waits to claim it: the replay answers
     * 404, the letter being gone. Before, its claim updated nothing and it answered 409 "already replayed".
     */
    @Test
    void aReplayOfALetterDeletedWhileItWasReadIsNotFound() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        String letterId = storedLetter("replay-deleted", "evt_replay_deleted", null);
        java.util.concurrent.CountDownLatch deleted = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Void> deleter = CompletableFuture.runAsync(() -> transactions.executeWithoutResult(tx -> {
            jdbc.sql("DELETE FROM dead_letter WHERE id = :id").param("id", letterId).update();
            deleted.countDown();
            try {
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(deleted.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        var replay = CompletableFuture.supplyAsync(() -> send(request("/api/v1/admin/dead-letters/" + letterId
                + "/replay").POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY));
        boolean waited;
        try {
            // the replay read the letter (the delete not committed) and waits on its row to claim it
            waited = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() ->
                    replay.isDone() ? Boolean.FALSE : jdbc.sql("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS "
                            + "WHERE BLOCKER_ID IS NOT NULL").query(Integer.class).single() > 0 ? Boolean.TRUE : null,
                    Objects::nonNull);
        } finally {
            release.countDown();
        }
        deleter.get(15, java.util.concurrent.TimeUnit.SECONDS);
        var answer = replay.get(15, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(waited).as("the replay waited for the delete's commit").isTrue();
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.json().get("type").asText()).isEqualTo("not-found");
    }

    /** The integration_audit rows of the booking with outcome discarded (provider, operation, correlation id). */
    private java.util.List<Map<String, Object>> discardedAuditRows(String bookingId) {
        return jdbc.sql("SELECT provider, operation, correlation_id FROM integration_audit WHERE booking_id = :id "
                        + "AND outcome = 'discarded'").param("id", bookingId)
                .query((rs, row) -> Map.<String, Object>of("provider", rs.getString(1), "operation", rs.getString(2),
                        "correlation_id", rs.getString(3))).list();
    }

    /**
     * A replay that fails again is a new letter that names the one it came from (replayOf) and counts the replays so
     * far, a person's included; the list can show only the letters still waiting (status=STORED). Before, the new
     * letter was unlinked, and a 3-hour outage left up to 11 letters of one event in the list, one of them waiting.
     */
    @Test
    void aReplayThatFailsAgainIsANewLetterLinkedToTheOneBeforeAndTheListShowsOnlyThoseWaiting() {
        String id = pendingBooking(START, "stripe");
        JsonNode first = deadLetterOfAPaymentGoogleAnswers(id, "evt_failed_again", 403, "forbidden");
        assertThat(first.has("replayOf")).as("a first failure: null, left out").isFalse();
        assertThat(first.get("replays").asInt()).isZero();

        var replayed = send(request("/api/v1/admin/dead-letters/" + first.get("id").asText() + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY); // Google still refuses
        assertThat(replayed.status()).isEqualTo(200);
        JsonNode second = awaitNextStored(first);

        assertThat(second.get("replayOf").asText()).isEqualTo(first.get("id").asText());
        assertThat(second.get("replays").asInt()).isEqualTo(1);
        JsonNode waiting = httpGet("/api/v1/admin/dead-letters?provider=stripe&status=STORED", ADMIN_KEY).json()
                .get("deadLetters");
        assertThat(waiting).extracting(l -> l.get("id").asText()).containsExactly(second.get("id").asText());
        JsonNode sentBack = httpGet("/api/v1/admin/dead-letters?provider=stripe&status=REPLAYED", ADMIN_KEY).json()
                .get("deadLetters");
        assertThat(sentBack).extracting(l -> l.get("id").asText()).containsExactly(first.get("id").asText());
        assertThat(httpGet("/api/v1/admin/dead-letters?provider=stripe", ADMIN_KEY).json().get("deadLetters"))
                .hasSize(2);

        var unknown = httpGet("/api/v1/admin/dead-letters?status=WAITING", ADMIN_KEY);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.header("Content-Type")).startsWith("application/problem+json");
        assertThat(unknown.json().get("type").asText()).isEqualTo("validation");
    }

    /**
     * A payment event that fails into a dead letter: each WARN of its redeliveries in place, the line of its letter
     * stored and the line of the letter's automatic replay name the webhook's correlation id and the booking (MDC
     * {@code camel.breadcrumbId}, {@code bookingId}). Before, Camel's redelivery WARN and the store's line were logged
     * after the step's MDC was cleared, and carried neither; the replay's line no booking.
     */
    @Test
    void theLinesOfAPaymentEventsRedeliveriesDeadLetterAndReplayNameItsCorrelationIdAndBooking() {
        String id = pendingBooking(START, "stripe");
        jdbc.sql("DELETE FROM dead_letter").update();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(GoogleCalendarFake.error(503, "backendError")));

        try (LogLines logged = LogLines.all()) {
            var received = signedStripeWebhook(StripeFake.event("evt_logged_1", "checkout.session.completed",
                    StripeFake.checkoutSession(id, "paid", "pi_evt_logged_1")));
            assertThat(received.status()).isEqualTo(200);
            String correlationId = received.header("X-Correlation-Id");
            JsonNode letter = awaitDeadLetter("stripe");
            String letterId = letter.get("id").asText();
            Map<String, String> named = Map.of("camel.breadcrumbId", correlationId, "bookingId", id);

            List<ILoggingEvent> redeliveries = logged.lines().stream()
                    .filter(line -> line.getFormattedMessage().contains("On delivery attempt")).toList();
            assertThat(redeliveries).isNotEmpty().allSatisfy(line -> assertThat(line.getMDCPropertyMap())
                    .as(line.getFormattedMessage()).containsAllEntriesOf(named));
            assertThat(redeliveries).as("test profile: one redelivery").hasSize(1)
                    .allSatisfy(line -> {
                        assertThat(line.getLevel()).isEqualTo(Level.WARN);
                        assertThat(line.getFormattedMessage()).contains("On delivery attempt: 1 of 2")
                                .contains("provider-error").doesNotContain("evt_logged_1");
                        assertThat(line.getMDCPropertyMap()).containsAllEntriesOf(named);
                    });
            assertThat(logged.lines()).filteredOn(line -> line.getFormattedMessage()
                            .contains("stored as dead letter " + letterId)).hasSize(1)
                    .allSatisfy(line -> assertThat(line.getMDCPropertyMap()).containsAllEntriesOf(named));

            clock.advance(Duration.ofMinutes(1));
            assertThat(autoReplaySweep()).isEqualTo(1);
            String replayed = "Dead letter " + letterId + " replayed into stripe-events on its own";
            assertThat(logged.lines()).filteredOn(line -> line.getFormattedMessage().startsWith(replayed)).hasSize(1)
                    .allSatisfy(line -> assertThat(line.getMDCPropertyMap()).containsAllEntriesOf(named));
            awaitNextStored(letter); // Google still down: its replay failed again, nothing left in flight
        }
        google.reset();
        resilience.circuitBreaker("google-calendar").reset();
    }

    /**
     * A large event (a Stripe dispute's carries up to 150,000 characters of evidence; here a payment's event of 200 KB)
     * that fails is kept as a dead letter whole and replayed whole. Before, dead_letter.body was VARCHAR(100000): the
     * store failed, and no dead letter was kept.
     */
    @Test
    void aDeadLetterOfALargeEventIsKeptWholeAndReplayed() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(GoogleCalendarFake.error(500, "backendError")));
        String session = StripeFake.checkoutSession(id, "paid", "pi_evt_large_1");
        String large = StripeFake.event("evt_large_1", "checkout.session.completed",
                session.substring(0, session.length() - 1) + ",\"custom_text\":{\"submit\":{\"message\":\""
                        + "\u00fc".repeat(200_000) + "\"}}}");
        assertThat(signedStripeWebhook(large).status()).isEqualTo(200);

        JsonNode letter = awaitDeadLetter("stripe");

        assertThat(letter.get("body").asText()).isEqualTo(large);
        google.reset();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
        var replayed = send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);
        assertThat(replayed.status()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    /**
     * A webhook's event goes to its queue as its UTF-8 bytes (a BytesMessage; before, a TextMessage, which the broker
     * held as UTF-16); failed, its dead letter shows it as the text Stripe sent, characters beyond ASCII and all, and
     * its replay, queued as that text, is processed as the bytes were.
     */
    @Test
    void aDeadLetterOfAnEventQueuedAsItsBytesShowsItsTextAndIsReplayed() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(GoogleCalendarFake.error(500, "backendError")));
        String session = StripeFake.checkoutSession(id, "paid", "pi_evt_bytes_1");
        String event = StripeFake.event("evt_bytes_1", "checkout.session.completed",
                session.substring(0, session.length() - 1) + ",\"customer_details\":{\"name\":\"Zo\u00eb M\u00fcller\","
                        + "\"address\":{\"city\":\"\u6771\u4eac\"}}}");
        Map<String, Byte> types = new java.util.concurrent.ConcurrentHashMap<>();
        ActiveMQServerMessagePlugin typeOfEachSend = new ActiveMQServerMessagePlugin() {
            @Override
            public void beforeSend(ServerSession session, Transaction tx, Message message, boolean direct,
                                   boolean noAutoCreateQueue) {
                String key = message.getStringProperty("eventKey");
                if ("stripe-events".equals(message.getAddress()) && "stripe:evt_bytes_1".equals(key)) {
                    types.merge(types.containsKey("webhook") ? "replay" : "webhook", message.toCore().getType(),
                            (first, second) -> first);
                }
            }
        };
        broker.getActiveMQServer().registerBrokerPlugin(typeOfEachSend);
        try {
            assertThat(signedStripeWebhook(event).status()).isEqualTo(200);

            JsonNode letter = awaitDeadLetter("stripe");

            assertThat(types).containsEntry("webhook", Message.BYTES_TYPE);
            assertThat(letter.get("body").asText()).isEqualTo(event);
            assertThat(httpGet("/api/v1/admin/dead-letters/" + letter.get("id").asText(), ADMIN_KEY).json()
                    .get("body").asText()).isEqualTo(event);
            google.reset();
            google.stub(post(urlPathEqualTo(EVENTS))
                    .willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
            var replayed = send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                    .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);
            assertThat(replayed.status()).isEqualTo(200);
            awaitStatus(id, "CONFIRMED");
            assertThat(types).containsEntry("replay", Message.TEXT_TYPE);
            google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        } finally {
            broker.getActiveMQServer().unRegisterBrokerPlugin(typeOfEachSend);
        }
    }

    @Test
    void aPaymentEventOfAGoogleOutageIsReplayedOnItsOwnAtLongerWaitsUntilGoogleIsBack() {
        double replayedBefore = meters.counter("connectify.dead.letters.replayed", "mode", "automatic").count();
        String id = pendingBooking(START, "stripe");
        JsonNode first = deadLetterOfAPaymentGoogleAnswers(id, "evt_outage_1", 503, "backendError");
        assertThat(Instant.parse(first.get("retryAt").asText()))
                .isEqualTo(Instant.parse(first.get("failedAt").asText()).plus(Duration.ofMinutes(1)));
        assertThat(autoReplaySweep()).as("not due yet").isZero();
        assertThat(waitingFor("automatic-replay")).isEqualTo(1);
        assertThat(waitingFor("operator")).isZero();
        assertThat(replayOverdue()).isZero();
        // due 1 minute after the failure, unreplayed more than overdue-after later
        Duration late = properties.autoReplay().overdueAfter().plusMinutes(2);
        clock.advance(late);
        assertThat(replayOverdue()).isEqualTo(1);
        clock.advance(late.negated());

        clock.advance(Duration.ofMinutes(1)); // Google still down: the replay fails again, and waits twice as long
        assertThat(autoReplaySweep()).isEqualTo(1);
        JsonNode second = await().atMost(Duration.ofSeconds(15)).until(() -> stored("stripe"), Objects::nonNull);
        assertThat(second.get("id").asText()).isNotEqualTo(first.get("id").asText());
        assertThat(second.get("headers").get("connectifyAutomaticReplays").asText()).isEqualTo("1");
        assertThat(second.get("replayOf").asText()).isEqualTo(first.get("id").asText());
        assertThat(second.get("replays").asInt()).isEqualTo(1);
        assertThat(Instant.parse(second.get("retryAt").asText()))
                .isEqualTo(Instant.parse(second.get("failedAt").asText()).plus(Duration.ofMinutes(2)));
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");

        google.reset();
        resilience.circuitBreaker("google-calendar").reset(); // its open state would have passed by then
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
        clock.advance(Duration.ofMinutes(2));
        assertThat(autoReplaySweep()).isEqualTo(1);

        awaitStatus(id, "CONFIRMED");
        assertThat(stored("stripe")).isNull();
        assertThat(meters.counter("connectify.dead.letters.replayed", "mode", "automatic").count() - replayedBefore)
                .isEqualTo(2.0);
    }

    @Test
    void aMessageThatHasHadAllItsAutomaticReplaysWaitsForAPerson() {
        int maxReplays = properties.autoReplay().maxReplays();
        assertThat(maxReplays).as("test profile: replays on their own").isGreaterThan(1);
        String id = pendingBooking(START, "stripe");
        JsonNode first = deadLetterOfAPaymentGoogleAnswers(id, "evt_exhausted", 503, "backendError");
        assertThat(first.has("retryAt")).as("a passing failure").isTrue();
        double replayedBefore = meters.counter("connectify.dead.letters.replayed", "mode", "automatic").count();

        // as if Google had been down for all its replays but the last two: the next one is the last on its own
        dueNowAfterReplays(first, maxReplays - 2);
        assertThat(autoReplaySweep()).isEqualTo(1);
        JsonNode last = awaitNextStored(first);
        assertThat(last.get("headers").get(DeadLetterStore.AUTOMATIC_REPLAYS).asText())
                .isEqualTo(Integer.toString(maxReplays - 1));
        assertThat(Instant.parse(last.get("retryAt").asText())).as("its wait, capped at max-delay")
                .isEqualTo(Instant.parse(last.get("failedAt").asText())
                        .plus(properties.autoReplay().delay(maxReplays - 1)));
        assertThat(waitingFor("automatic-replay")).isEqualTo(1);
        assertThat(waitingFor("operator")).isZero();

        dueNowAfterReplays(last, maxReplays - 1);
        assertThat(autoReplaySweep()).isEqualTo(1);
        JsonNode exhausted = awaitNextStored(last);

        assertThat(exhausted.get("headers").get(DeadLetterStore.AUTOMATIC_REPLAYS).asText())
                .isEqualTo(Integer.toString(maxReplays));
        assertThat(exhausted.has("retryAt")).as("no more on its own: null, left out").isFalse();
        // still a passing failure (Google down, or its circuit open by now): only the count of replays stops them
        assertThat(exhausted.get("errorMessage").asText()).matches("provider-(error|unavailable): .*");
        assertThat(waitingFor("operator")).isEqualTo(1);
        assertThat(waitingFor("automatic-replay")).isZero();
        clock.advance(Duration.ofDays(1));
        assertThat(autoReplaySweep()).isZero();
        assertThat(stored("stripe").get("id").asText()).isEqualTo(exhausted.get("id").asText());
        assertThat(meters.counter("connectify.dead.letters.replayed", "mode", "automatic").count() - replayedBefore)
                .isEqualTo(2.0);
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
    }

    /** The stored letter as if its message had had {@code replays} automatic replays, due for the next one now. */
    private void dueNowAfterReplays(JsonNode letter, int replays) {
        var headers = ((com.fasterxml.jackson.databind.node.ObjectNode) letter.get("headers").deepCopy())
                .put(DeadLetterStore.AUTOMATIC_REPLAYS, Integer.toString(replays));
        assertThat(jdbc.sql("UPDATE dead_letter SET headers = :headers, retry_at = :now WHERE id = :id")
                .param("headers", headers.toString()).param("now", clock.instant().atOffset(java.time.ZoneOffset.UTC))
                .param("id", letter.get("id").asText()).update()).isEqualTo(1);
    }

    /** The stored dead letter of the replay of {@code previous}, once its replay has failed again. */
    private JsonNode awaitNextStored(JsonNode previous) {
        return await().atMost(Duration.ofSeconds(15)).until(() -> stored("stripe"),
                next -> next != null && !next.get("id").asText().equals(previous.get("id").asText()));
    }

    @Test
    void aLatePaymentWhileGoogleCannotReadTheCalendarIsNotRefundedButConfirmedOnceItCan() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String late = pendingBooking(START, "stripe");
        clock.advance(Duration.ofMinutes(16)); // the hold runs out; the slot is free, but Google cannot say so
        awaitStatus(late, "EXPIRED");
        google.freeBusyCalendarError("backendError");

        assertThat(signedStripeWebhook(StripeFake.event("evt_late_unread", "checkout.session.completed",
                StripeFake.checkoutSession(late, "paid", "pi_late_unread"))).status()).isEqualTo(200);

        JsonNode letter = awaitDeadLetter("stripe");
        assertThat(letter.has("retryAt")).as("a passing failure").isTrue();
        assertThat(status(late)).isEqualTo("EXPIRED");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));

        google.reset();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
        clock.advance(Duration.ofMinutes(1));
        assertThat(autoReplaySweep()).isEqualTo(1);
        awaitStatus(late, "CONFIRMED");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    @Test
    void aPaymentGoogleCouldNotConfirmBeforeTheAppointmentsStartIsRefundedWhenReplayedAfterIt() {
        String id = pendingBooking(START, "stripe");
        JsonNode letter = deadLetterOfAPaymentGoogleAnswers(id, "evt_dead_past", 503, "backendError");
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT"); // paid, waiting for its event

        google.reset();
        resilience.circuitBreaker("google-calendar").reset();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
        clock.set(Instant.parse("2026-12-01T08:30:00Z")); // Google back only after the appointment began
        var replayed = send(request("/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);

        assertThat(replayed.status()).isEqualTo(200);
        awaitStatus(id, "REFUNDED");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("statusReason").asText())
                .isEqualTo("cancelled before its confirmation: refunded");
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        // its customer never cancelled: told the payment was refunded and the booking not confirmed
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications"))
                .extracting(n -> n.get("kind").asText()).isNotEmpty().containsOnly("payment-refunded"));
    }

    @Test
    void aDeadLetterTheBrokerRefusesWaitsWhileThoseBehindItAreReplayedOnTheirOwn() {
        jdbc.sql("DELETE FROM dead_letter").update();
        Instant due = clock.instant().minus(Duration.ofMinutes(5));
        String refusedId = storedLetter("auto-replay-refused", "evt_auto_refused", due);
        String behindId = storedLetter("auto-replay-behind", "evt_auto_behind", due.plusSeconds(60));
        String lastTryId = storedLetter("auto-replay-refused", "evt_auto_last_try", due.plusSeconds(30));
        jdbc.sql("UPDATE dead_letter SET headers = '{\"eventType\":\"checkout.session.completed\","
                + "\"connectifyAutomaticReplays\":\"9\"}' WHERE id = :id").param("id", lastTryId).update();
        double before = meters.counter("connectify.dead.letters.replayed", "mode", "automatic").count();
        ActiveMQServerMessagePlugin refuse = refusingSendsTo("auto-replay-refused");
        broker.getActiveMQServer().registerBrokerPlugin(refuse);
        int replayed;
        try {
            replayed = autoReplaySweep();
        } finally {
            broker.getActiveMQServer().unRegisterBrokerPlugin(refuse);
        }

        assertThat(replayed).isEqualTo(1);
        assertThat(meters.counter("connectify.dead.letters.replayed", "mode", "automatic").count() - before)
                .isEqualTo(1.0);
        assertThat(httpGet("/api/v1/admin/dead-letters/" + behindId, ADMIN_KEY).json().get("status").asText())
                .isEqualTo("REPLAYED");
        JsonNode refused = httpGet("/api/v1/admin/dead-letters/" + refusedId, ADMIN_KEY).json();
        assertThat(refused.get("status").asText()).isEqualTo("STORED");
        // a refused send counts as one of its automatic replays: it waits as long as after a failed one
        assertThat(refused.get("headers").get("connectifyAutomaticReplays").asText()).isEqualTo("1");
        assertThat(Instant.parse(refused.get("retryAt").asText())).isEqualTo(clock.instant().plus(Duration.ofMinutes(2)));
        // its tenth refused: its automatic replays are used up, it waits for an operator
        JsonNode lastTry = httpGet("/api/v1/admin/dead-letters/" + lastTryId, ADMIN_KEY).json();
        assertThat(lastTry.get("status").asText()).isEqualTo("STORED");
        assertThat(lastTry.has("retryAt") && !lastTry.get("retryAt").isNull()).isFalse();
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        jms.setReceiveTimeout(5000);
        assertThat(jms.receiveAndConvert("auto-replay-behind")).isEqualTo("{\"id\":\"evt_auto_behind\"}");
    }

    @Test
    void aDeadLetterWhoseRowIsHeldIsPassedOverUncountedAndThoseBehindItAreReplayed() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        Instant due = clock.instant().minus(Duration.ofMinutes(5));
        String heldId = storedLetter("auto-replay-held", "evt_auto_held", due);
        String behindId = storedLetter("auto-replay-behind-held", "evt_auto_behind_held", due.plusSeconds(60));

        // an operator's replay of it under way, say, for longer than the lock timeout
        int replayed = whileRowsAreHeld("SELECT * FROM dead_letter WHERE id = :id FOR UPDATE", Map.of("id", heldId),
                this::autoReplaySweep);

        assertThat(replayed).isEqualTo(1);
        assertThat(httpGet("/api/v1/admin/dead-letters/" + behindId, ADMIN_KEY).json().get("status").asText())
                .isEqualTo("REPLAYED");
        JsonNode held = httpGet("/api/v1/admin/dead-letters/" + heldId, ADMIN_KEY).json();
        assertThat(held.get("status").asText()).isEqualTo("STORED");
        // not counted as one of its automatic replays, nor put off: still due
        assertThat(held.get("headers").has("connectifyAutomaticReplays")).isFalse();
        assertThat(Instant.parse(held.get("retryAt").asText())).isEqualTo(due);

        assertThat(autoReplaySweep()).as("the next sweep").isEqualTo(1);
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        jms.setReceiveTimeout(5000);
        assertThat(jms.receiveAndConvert("auto-replay-behind-held")).isEqualTo("{\"id\":\"evt_auto_behind_held\"}");
        assertThat(jms.receiveAndConvert("auto-replay-held")).isEqualTo("{\"id\":\"evt_auto_held\"}");
    }

    @Test
    void aLostConnectionOrAnExhaustedPoolIsAPassingFailure() {
        assertThat(DeadLetterStore.passing(new CannotGetJdbcConnectionException("pool exhausted"))).isTrue();
        assertThat(DeadLetterStore.passing(new CannotCreateTransactionException("no connection"))).isTrue();
        assertThat(DeadLetterStore.passing(new IllegalStateException("bad data"))).isFalse();
    }

    /**
     * A provider's refusal waits for the operator (no automatic replay), also one its breaker does not count: Twilio
     * refusing one recipient's region (21408) is mended by the operator's geo permissions, not by time.
     */
    @Test
    void aProviderRefusalWaitsForTheOperatorWhetherOrNotItsBreakerCountsIt() {
        assertThat(DeadLetterStore.passing(new ProviderException("twilio", Kind.REJECTED, "refused"))).isFalse();
        assertThat(DeadLetterStore.passing(new ProviderException("twilio", Kind.REJECTED_FOR_RECIPIENT,
                "refused for one region"))).isFalse();
        assertThat(DeadLetterStore.passing(new ProviderException("twilio", Kind.UNAVAILABLE, "down"))).isTrue();
    }

    /** A stored dead letter of a message from {@code queue}, due for its automatic replay at {@code retryAt}. */
    private String storedLetter(String queue, String eventId, Instant retryAt) {
        String letterId = UUID.randomUUID().toString();
        jdbc.sql("INSERT INTO dead_letter (id, route_id, source_queue, provider, body, headers, error_type, "
                        + "error_message, attempts, status, failed_at, retry_at) VALUES (:id, 'stripe-event-dispatch', "
                        + ":queue, 'stripe', :body, '{\"eventType\":\"checkout.session.completed\"}', 'x', 'x', 2, "
                        + "'STORED', CURRENT_TIMESTAMP, :retryAt)")
                .param("id", letterId).param("queue", queue).param("body", "{\"id\":\"" + eventId + "\"}")
                .param("retryAt", retryAt == null ? null : retryAt.atOffset(java.time.ZoneOffset.UTC)).update();
        return letterId;
    }

    /** A payment event's letter still waiting, of that queue and provider, carrying these headers. */
    private String storedPaymentLetter(String queue, String provider, Map<String, String> headers) {
        String letterId = UUID.randomUUID().toString();
        String headersJson;
        try {
            headersJson = new ObjectMapper().writeValueAsString(new java.util.TreeMap<>(headers));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        jdbc.sql("INSERT INTO dead_letter (id, route_id, source_queue, provider, body, headers, error_type, "
                        + "error_message, attempts, status, failed_at) VALUES (:id, :route, :queue, :provider, '{}', "
                        + ":headers, 'x', 'x', 2, 'STORED', CURRENT_TIMESTAMP)")
                .param("id", letterId).param("route", provider + "-event-dispatch").param("queue", queue)
                .param("provider", provider).param("headers", headersJson).update();
        return letterId;
    }

    /** The broker refuses sends to {@code queue}, as it refuses one to a full address, or while it is failing over. */
    private static ActiveMQServerMessagePlugin refusingSendsTo(String queue) {
        return new ActiveMQServerMessagePlugin() {
            @Override
            public void beforeSend(ServerSession session, Transaction tx, Message message, boolean direct,
                                   boolean noAutoCreateQueue) throws ActiveMQException {
                if (queue.equals(message.getAddress())) {
                    throw new ActiveMQException(ActiveMQExceptionType.ADDRESS_FULL, "refused by the test");
                }
            }
        };
    }

    @Test
    void aDeadLetterOfAFailureAnotherTryWouldNotMendWaitsForAPerson() {
        String id = pendingBooking(START, "stripe");
        JsonNode letter = deadLetterOfAPaymentGoogleAnswers(id, "evt_refused_1", 403, "forbidden");
        clock.advance(Duration.ofDays(1));

        assertThat(letter.has("retryAt")).as("null, left out").isFalse();
        assertThat(autoReplaySweep()).isZero();
        assertThat(waitingFor("operator")).isEqualTo(1);
        assertThat(waitingFor("automatic-replay")).isZero();
        assertThat(stored("stripe").get("id").asText()).isEqualTo(letter.get("id").asText());
    }

    /**
     * A dead letter names the failure inside Camel's wrapper: a booking's notices that cannot be logged (the
     * notification table refusing the insert) fail the payment event inside direct:booking-notify, which Camel wraps
     * in a CamelExecutionException. Before, that wrapper was the letter's errorType, telling an operator nothing.
     */
    @Test
    void aDeadLetterNamesTheFailureInsideCamelsWrapper() throws Exception {
        jdbc.sql("DELETE FROM dead_letter").update();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkevent",
                "Consultation", START, START))));
        String id = pendingBooking(START, "stripe");
        try (var refused = io.connectify.hub.support.FailingWrite.insertTimes(jdbc, "notification", "booking_id", id,
                1000)) {
            assertThat(signedStripeWebhook(StripeFake.event("evt_unlogged", "checkout.session.completed",
                    StripeFake.checkoutSession(id, "paid", "pi_unlogged"))).status()).isEqualTo(200);
            JsonNode letter = awaitDeadLetter("stripe");

            assertThat(refused.failed()).isTrue();
            String type = letter.get("errorType").asText();
            assertThat(type).doesNotStartWith("org.apache.camel");
            assertThat(org.springframework.dao.DataAccessException.class)
                    .isAssignableFrom(Class.forName(type));
        }
    }

    /** The dead letter of the booking's Stripe payment event while Google answers its event insert so. */
    private JsonNode deadLetterOfAPaymentGoogleAnswers(String bookingId, String eventId, int status, String reason) {
        jdbc.sql("DELETE FROM dead_letter").update();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(GoogleCalendarFake.error(status, reason)));
        assertThat(signedStripeWebhook(StripeFake.event(eventId, "checkout.session.completed",
                StripeFake.checkoutSession(bookingId, "paid", "pi_" + eventId))).status()).isEqualTo(200);
        return awaitDeadLetter("stripe");
    }

    private double replayOverdue() {
        refreshDatabaseGauges();
        return meters.get("connectify.dead.letters.replay.overdue").gauge().value();
    }

    /** The gauge of dead letters stored that wait for the one named, counted now. */
    private double waitingFor(String waitingFor) {
        refreshDatabaseGauges();
        return meters.get("connectify.dead.letters.stored").tag("waiting_for", waitingFor).gauge().value();
    }

    private int autoReplaySweep() {
        return camel.createProducerTemplate().requestBody("direct:ops-dead-letter-auto-replay", null, Integer.class);
    }

    /** The one dead letter of the provider still waiting, or null. */
    private JsonNode stored(String provider) {
        for (JsonNode letter : httpGet("/api/v1/admin/dead-letters?provider=" + provider, ADMIN_KEY).json()
                .get("deadLetters")) {
            if (letter.get("status").asText().equals("STORED")) {
                return letter;
            }
        }
        return null;
    }

    @Test
    void aReplayTheBrokerRefusesLeavesTheDeadLetterStoredForTheNextReplay() {
        String queue = "replay-refused";
        String letterId = storedLetter(queue, "evt_replay_refused", null);
        ActiveMQServerMessagePlugin refuse = refusingSendsTo(queue);
        broker.getActiveMQServer().registerBrokerPlugin(refuse);
        try {
            var refused = send(request("/api/v1/admin/dead-letters/" + letterId + "/replay")
                    .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);

            assertThat(refused.status()).isEqualTo(500);
            assertThat(refused.json().get("type").asText()).isEqualTo("internal-error");
            assertThat(httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).json().get("status").asText())
                    .isEqualTo("STORED");
        } finally {
            broker.getActiveMQServer().unRegisterBrokerPlugin(refuse);
        }

        var replayed = send(request("/api/v1/admin/dead-letters/" + letterId + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);

        assertThat(replayed.status()).isEqualTo(200);
        assertThat(replayed.json().get("status").asText()).isEqualTo("REPLAYED");
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        jms.setReceiveTimeout(5000);
        assertThat(jms.receiveAndConvert(queue)).isEqualTo("{\"id\":\"evt_replay_refused\"}");
    }

    /**
     * A replay's message is on its queue before its claim commits: the send goes on a broker session of its own, not
     * one committed after the database's, so no broker commit can fail after the claim committed and leave a letter
     * REPLAYED with nothing queued. Should the claim's commit fail after the send, the letter stays STORED, replayable
     * (a second replay's copy is a duplicate the queue's consumer drops), and the message is on the queue.
     */
    @Test
    void aReplaysMessageIsQueuedBeforeItsClaimCommitsAndAClaimWhoseCommitFailsLeavesTheLetterReplayable() {
        String queue = "replay-commit-fails";
        String letterId = storedLetter(queue, "evt_replay_commit_fails", null);
        int[] queuedBeforeTheCommit = {-1};
        TransactionTemplate commitFails = new TransactionTemplate(transactions.getTransactionManager()) {
            @Override
            public <T> T execute(TransactionCallback<T> action) {
                return super.execute(status -> {
                    TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                        @Override
                        public void beforeCommit(boolean readOnly) {
                            // seen from another thread's connection, as the queue's consumer sees it
                            queuedBeforeTheCommit[0] = CompletableFuture.supplyAsync(() -> new JmsTemplate(
                                    connectionFactory).browse(queue, (session, browser) ->
                                    Collections.list(browser.getEnumeration()).size())).join();
                            throw new DataAccessResourceFailureException("the database's commit failed (test)");
                        }
                    });
                    return action.doInTransaction(status);
                });
            }
        };
        DeadLetterStore store = new DeadLetterStore(jdbc, json, producer, meters, clock, commitFails, properties,
                webhookAudit, processedEvents);

        assertThatThrownBy(() -> store.replay(letterId)).isInstanceOf(DataAccessResourceFailureException.class);

        assertThat(queuedBeforeTheCommit[0]).isEqualTo(1);
        assertThat(httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).json().get("status").asText())
                .isEqualTo("STORED");
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        jms.setReceiveTimeout(5000);
        assertThat(jms.receiveAndConvert(queue)).isEqualTo("{\"id\":\"evt_replay_commit_fails\"}");
    }

    @Test
    void theIntegrationsViewShowsModeCircuitPermitsAndTheLastError() {
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo(EVENTS + "/abc123def456"))
                .willReturn(GoogleCalendarFake.error(503, "backendError")));
        httpGet("/api/v1/calendar/events/abc123def456");

        var response = httpGet("/api/v1/admin/integrations", ADMIN_KEY);

        assertThat(response.status()).isEqualTo(200);
        JsonNode integrations = response.json().get("integrations");
        assertThat(integrations.findValuesAsText("provider"))
                .containsExactlyInAnyOrder("google-calendar", "payrexx", "sendgrid", "stripe", "twilio");
        JsonNode google = java.util.stream.StreamSupport.stream(integrations.spliterator(), false)
                .filter(i -> i.get("provider").asText().equals("google-calendar")).findFirst().orElseThrow();
        assertThat(google.get("mode").asText()).isEqualTo("live");
        assertThat(google.get("circuit").asText()).isEqualTo("CLOSED");
        assertThat(google.get("availablePermits").asInt()).isPositive();
        assertThat(google.get("lastError").get("type").asText()).isEqualTo("provider-error");
        assertThat(google.get("lastError").get("detail").asText()).isEqualTo("Google Calendar answered HTTP 503 (backendError)");
        assertThat(httpGet("/api/v1/admin/integrations", API_KEY).status()).isEqualTo(403);
        assertThat(httpGet("/api/v1/admin/dead-letters", API_KEY).status()).isEqualTo(403);
    }

    /**
     * The view is one instance's memory (its breakers, limiters, last errors): with several behind a load balancer,
     * the answer says which one it describes, by the id its cluster lease (and /actuator/health) knows it by.
     */
    @Test
    void theIntegrationsViewNamesTheInstanceItDescribes() {
        var response = httpGet("/api/v1/admin/integrations", ADMIN_KEY);

        assertThat(response.status()).isEqualTo(200);
        assertThat(cluster.getId()).isNotBlank();
        assertThat(response.json().path("member").asText()).isEqualTo(cluster.getId());
    }
}
