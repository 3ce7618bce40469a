package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.moreThanOrExactly;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.ConnectifyHubApplication;
import io.connectify.hub.ops.BrokerQueueDepth;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.TestClockConfig;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Guaranteed delivery across a restart: events the hub acknowledged, and notifications it queued, while nothing
 * processed them are in the broker's journal on disk, and the restarted hub processes each exactly once.
 */
class WebhookRestartTest {

    private static final GoogleCalendarFake google = new GoogleCalendarFake();
    private static final StripeFake stripe = new StripeFake();
    private static final NotificationFakes notify = new NotificationFakes();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path data;

    @BeforeEach
    void freshFakes() {
        google.reset();
        stripe.reset();
        notify.reset();
    }

    @Test
    void acknowledgedEventsSurviveARestartAndAreProcessedOnce() throws Exception {
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x",
                "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"))));
        String bookingId;
        try (var hub = start(false)) {
            int port = port(hub);
            var booked = call(port, "/api/v1/bookings", """
                    {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"provider":"stripe",
                     "customer":{"name":"John Doe","email":"john@example.com"}}""", null);
            assertThat(booked.statusCode()).isEqualTo(201);
            bookingId = new ObjectMapper().readTree(booked.body()).get("id").asText();
            String payload = StripeFake.event("evt_restart", "checkout.session.completed",
                    StripeFake.checkoutSession(bookingId, "paid", "pi_restart"));
            String signature = StripeFake.signature(payload, TestClockConfig.NOW.getEpochSecond(), StripeFake.WEBHOOK_SECRET);
            assertThat(call(port, "/webhooks/stripe", payload, signature).statusCode()).isEqualTo(200);
            assertThat(call(port, "/webhooks/stripe", payload, signature).statusCode()).isEqualTo(200);
            assertThat(status(port, bookingId)).isEqualTo("PENDING_PAYMENT");
        }
        google.server().verify(0, postRequestedFor(urlPathEqualTo(EVENTS)));

        try (var hub = start(true)) {
            int port = port(hub);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(status(port, bookingId)).isEqualTo("CONFIRMED"));
            // the second delivery taken from the queue too, as the duplicate it is, before the hub stops
            MeterRegistry meters = hub.getBean(MeterRegistry.class);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                    meters.counter("connectify.webhook.duplicates", "provider", "stripe").count()).isEqualTo(1));
            google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        }
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
    }

    @Test
    void queuedNotificationsSurviveARestartAndAreSentOnce() throws Exception {
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x",
                "2026-12-01T13:00:00+01:00", "2026-12-01T14:00:00+01:00"))));
        String bookingId;
        try (var hub = start(true, false)) {
            int port = port(hub);
            var booked = call(port, "/api/v1/bookings", """
                    {"start":"2026-12-01T13:00:00+01:00","durationMinutes":60,"provider":"stripe",
                     "customer":{"name":"John Doe","email":"john@example.com","phone":"+41791234567"}}""", null);
            bookingId = new ObjectMapper().readTree(booked.body()).get("id").asText();
            String payload = StripeFake.event("evt_restart_n", "checkout.session.completed",
                    StripeFake.checkoutSession(bookingId, "paid", "pi_restart_n"));
            call(port, "/webhooks/stripe", payload,
                    StripeFake.signature(payload, TestClockConfig.NOW.getEpochSecond(), StripeFake.WEBHOOK_SECRET));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(status(port, bookingId)).isEqualTo("CONFIRMED"));
        }
        notify.twilio().verify(0, postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES)));
        notify.sendGrid().verify(0, postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND)));

        try (var hub = start(true, true)) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                notify.twilio().verify(moreThanOrExactly(1), postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES)));
                notify.sendGrid().verify(moreThanOrExactly(1), postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND)));
            });
            // every queued notification taken (a message being sent still counts) before the hub stops
            BrokerQueueDepth queues = hub.getBean(BrokerQueueDepth.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> Stream.of("notifications-sms",
                    "notifications-email", "notifications").mapToDouble(queues::messageCount).sum() == 0);
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES)));
            notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(NotificationFakes.MAIL_SEND)));
        }
    }

    private ConfigurableApplicationContext start(boolean consumers) {
        return start(consumers, true);
    }

    private ConfigurableApplicationContext start(boolean consumers, boolean notificationSender) {
        return new SpringApplicationBuilder(ConnectifyHubApplication.class, TestClockConfig.class)
                .profiles("test")
                // command-line arguments: they outrank application.yaml, unlike the builder's default properties
                .run(
                        "--server.port=0",
                        "--spring.datasource.url=jdbc:h2:file:retry:" + data.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE",
                        "--spring.artemis.embedded.persistent=true",
                        "--spring.artemis.embedded.server-id=4242",
                        "--spring.artemis.embedded.data-directory=" + data.resolve("artemis"),
                        "--connectify.webhooks.inbox.directory=" + data.resolve("inbox"),
                        "--connectify.queues.consumers-enabled=" + consumers,
                        "--connectify.notifications.consumer-enabled=" + notificationSender,
                        "--connectify.twilio.account-sid=" + NotificationFakes.ACCOUNT_SID,
                        "--connectify.twilio.api-key-sid=" + NotificationFakes.API_KEY_SID,
                        "--connectify.twilio.api-key-secret=" + NotificationFakes.API_KEY_SECRET,
                        "--connectify.twilio.auth-token=" + NotificationFakes.AUTH_TOKEN,
                        "--connectify.twilio.from-number=" + NotificationFakes.FROM,
                        "--connectify.twilio.api-base=" + notify.twilio().baseUrl(),
                        "--connectify.sendgrid.api-key=" + NotificationFakes.SENDGRID_KEY,
                        "--connectify.sendgrid.api-base=" + notify.sendGrid().baseUrl() + "/",
                        "--connectify.gcal.key-path=" + google.keyFile(),
                        "--connectify.gcal.root-url=" + google.rootUrl(),
                        "--connectify.stripe.secret-key=" + StripeFake.SECRET_KEY,
                        "--connectify.stripe.webhook-secrets=" + StripeFake.WEBHOOK_SECRET,
                        "--connectify.stripe.api-base=" + stripe.apiBase());
    }

    private static int port(ConfigurableApplicationContext hub) {
        return Integer.parseInt(hub.getEnvironment().getProperty("local.server.port"));
    }

    private String status(int port, String bookingId) throws Exception {
        var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/bookings/"
                + bookingId)).header("X-API-Key", "test-api-key").build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(response.body()).get("status").asText();
    }

    private HttpResponse<String> call(int port, String path, String body, String stripeSignature) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").header("X-API-Key", "test-api-key")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (stripeSignature != null) {
            request.header("Stripe-Signature", stripeSignature);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
