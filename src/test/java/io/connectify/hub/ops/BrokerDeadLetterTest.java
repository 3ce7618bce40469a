package io.connectify.hub.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.ConnectionFactory;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.test.context.TestPropertySource;

/**
 * A payment event that fails while the dead-letter store is unavailable too is not lost: the broker redelivers it,
 * then parks it on its dead-letter address, where a gauge and the admin API see it and a replay moves it back.
 */
@HubTest
@TestPropertySource(properties = {"connectify.queues.max-delivery-attempts=2", "connectify.queues.redelivery-delay=10ms"})
class BrokerDeadLetterTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";

    @Autowired
    MeterRegistry meters;
    @Autowired
    ConnectionFactory connections;
    @Autowired
    io.connectify.hub.notification.NotificationLog notificationLog;
    @Autowired
    org.apache.camel.CamelContext camel;

    /**
     * A notification's copy whose row another transaction holds through each of its message's deliveries (here 2):
     * each delivery rolls back for the broker's redelivery (an INFO line each, no warning), and only the last, after
     * which the broker moves the message to its DLQ, is a WARN naming the notification. Moved back, it is sent once its
     * row is free.
     */
    @Test
    void aNotificationCopyBusyAtEachDeliveryIsWarnedOfOnceWhenTheBrokerDeadLettersIt() throws Exception {
        var n = new io.connectify.hub.notification.Notification(java.util.UUID.randomUUID().toString(),
                io.connectify.hub.notification.Notification.Channel.SMS, "+41791234567", null, "Hello, held", false,
                null, null, null);
        notificationLog.queued(n);

        try (LogLines lines = LogLines.all()) {
            whileRowsAreHeld("SELECT id FROM notification WHERE id = :id FOR UPDATE", Map.of("id", n.id()), () -> {
                camel.createProducerTemplate().sendBody("direct:notification-queue", java.util.List.of(n));
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                        httpGet("/api/v1/admin/broker-dead-letters", ADMIN_KEY).json().get("queues")
                                .get("notifications-sms").asInt()).isEqualTo(1));
                return null;
            });
            assertThat(lines.lines()).filteredOn(line -> line.getFormattedMessage().contains(n.id())
                    && line.getFormattedMessage().contains("left to the broker's redelivery"))
                    .hasSize(2).allSatisfy(line -> assertThat(line.getLevel()).isEqualTo(Level.INFO));
            assertThat(lines.lines()).filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                    .noneMatch(line -> line.getFormattedMessage().contains("Intended rollback"))
                    .filteredOn(line -> line.getFormattedMessage().contains(n.id())).singleElement()
                    .satisfies(line -> assertThat(line.getFormattedMessage()).contains("2 deliveries")
                            .contains("DLQ").doesNotContain("+41791234567"));
        }

        assertThat(send(request("/api/v1/admin/broker-dead-letters/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> notificationLog.providerReference(n) != null);
        assertThat(httpGet("/api/v1/admin/broker-dead-letters", ADMIN_KEY).json().get("queues")
                .get("notifications-sms").asInt()).isZero();
    }

    @Test
    void anEventThatCouldNotBeStoredAsADeadLetterWaitsOnTheBrokerAndIsReplayedFromThere() {
        String id = pendingBooking(START, "stripe");
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(GoogleCalendarFake.error(500, "backendError")));
        jdbc.sql("ALTER TABLE dead_letter RENAME TO dead_letter_offline").update();
        try {
            assertThat(signedStripeWebhook(StripeFake.event("evt_broker_dlq", "checkout.session.completed",
                    StripeFake.checkoutSession(id, "paid", "pi_broker_dlq"))).status()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                    httpGet("/api/v1/admin/broker-dead-letters", ADMIN_KEY).json().get("queues")
                            .get("stripe-events").asInt()).isEqualTo(1));
            assertThat(meters.get("connectify.queue.depth").tag("queue", "DLQ").gauge().value()).isEqualTo(1);
            // read as from an external broker: Artemis's management API over JMS, answered in the background
            BrokerQueueDepth asked = new BrokerQueueDepth(new StaticListableBeanFactory()
                    .getBeanProvider(EmbeddedActiveMQ.class), new StaticListableBeanFactory(
                    Map.of("connectionFactory", connections)).getBeanProvider(ConnectionFactory.class));
            await().atMost(Duration.ofSeconds(10)).until(() -> asked.lastKnownCount("DLQ") == 1);
        } finally {
            jdbc.sql("ALTER TABLE dead_letter_offline RENAME TO dead_letter").update();
        }
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(httpGet("/api/v1/admin/broker-dead-letters", API_KEY).status()).isEqualTo(403);

        google.reset();
        resilience.circuitBreaker("google-calendar").reset();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
        var replayed = send(request("/api/v1/admin/broker-dead-letters/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);

        assertThat(replayed.status()).isEqualTo(200);
        JsonNode counts = replayed.json().get("replayed");
        assertThat(counts.get("stripe-events").asInt()).isEqualTo(1);
        assertThat(counts.get("payrexx-events").asInt()).isZero();
        awaitStatus(id, "CONFIRMED");
        assertThat(httpGet("/api/v1/admin/broker-dead-letters", ADMIN_KEY).json().get("queues")
                .get("stripe-events").asInt()).isZero();
        assertThat(meters.get("connectify.queue.depth").tag("queue", "DLQ").gauge().value()).isZero();
    }
}
