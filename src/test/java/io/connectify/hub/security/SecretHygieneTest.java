package io.connectify.hub.security;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.PayrexxFake;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;

/**
 * No configured secret appears in any log line, problem body, admin or actuator answer, even while every provider
 * fails and refuses the hub's credentials.
 */
@HubTest
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {
        // Payrexx's legacy signature: the signature of a GET without parameters is the same for every such request
        "connectify.payrexx.use-api-key-header=false",
        "connectify.gcal.push.enabled=true",
        "connectify.gcal.push.address=http://127.0.0.1:9/webhooks/google-calendar",
        "connectify.gcal.push.token=" + SecretHygieneTest.PUSH_TOKEN,
        // the channel is opened by the test, not by the timer
        "connectify.gcal.push.first-renewal-after=24h"})
class SecretHygieneTest extends Webhooks {

    static final String PUSH_TOKEN = "push-token-SEKRET-0123456789";

    @Autowired
    ProducerTemplate camel;
    @Autowired
    LoggingSystem logging;

    @Test
    void noSecretLeaksIntoLogsProblemsOrOpsEndpoints(CapturedOutput output) throws Exception {
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(GoogleCalendarFake.error(401, "authError")));
        stripe.server().stubFor(post(urlPathEqualTo("/v1/checkout/sessions")).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withBody("{\"error\":{\"type\":\"invalid_request_error\","
                        + "\"message\":\"Invalid API Key provided: " + StripeFake.SECRET_KEY + "\"}}")));
        notify.twilio().stubFor(post(urlPathEqualTo(NotificationFakes.MESSAGES)).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json").withBody(NotificationFakes.twilioError(20003, 401))));
        notify.sendGrid().stubFor(post(urlPathEqualTo(NotificationFakes.MAIL_SEND)).willReturn(aResponse().withStatus(403)));

        List<Response> responses = new ArrayList<>();
        responses.add(httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"customer":{"name":"A","email":"a@b.ch"}}"""));
        responses.add(httpPost("/api/v1/calendar/events", """
                {"summary":"x","start":"2026-12-01T09:00:00+01:00","end":"2026-12-01T10:00:00+01:00"}"""));
        responses.add(httpPost("/api/v1/notifications/sms", "{\"to\":\"+41791234567\",\"body\":\"x\"}"));
        responses.add(httpPost("/api/v1/notifications/email", "{\"to\":\"a@b.ch\",\"subject\":\"x\",\"body\":\"x\"}"));
        responses.add(stripeWebhook("{\"id\":\"evt_1\"}", "t=1,v1=" + "0".repeat(64)));
        responses.add(payrexxWebhook("wrong-" + PayrexxFake.WEBHOOK_TOKEN, "application/json", "{}"));
        responses.add(httpGet("/api/v1/admin/integrations", ADMIN_KEY));
        responses.add(httpGet("/api/v1/admin/dead-letters", ADMIN_KEY));
        responses.add(httpGet("/actuator/health", null));
        responses.add(httpGet("/actuator/prometheus", null));
        responses.add(httpGet("/api/v1/openapi.json", null));

        String keyFile = Files.readString(google.keyFile());
        String privateKey = keyFile.substring(keyFile.indexOf("MII"), keyFile.indexOf("MII") + 40);
        List<String> secrets = List.of(StripeFake.SECRET_KEY, StripeFake.WEBHOOK_SECRET, StripeFake.OLD_WEBHOOK_SECRET,
                PayrexxFake.API_KEY, PayrexxFake.WEBHOOK_TOKEN, NotificationFakes.API_KEY_SECRET,
                NotificationFakes.AUTH_TOKEN, NotificationFakes.SENDGRID_KEY, API_KEY, ADMIN_KEY, privateKey,
                google.keyFile().toString(), GoogleCalendarFake.TOKEN);
        for (Response response : responses) {
            for (String secret : secrets) {
                assertThat(response.body()).as("a response").doesNotContain(secret);
                assertThat(response.raw().headers().map().toString()).doesNotContain(secret);
            }
        }
        assertThat(responses.get(0).status()).isEqualTo(502); // the failures above really happened
        assertThat(responses.get(2).status()).isEqualTo(502);
        for (String secret : secrets) {
            assertThat(output.getAll()).as("the logs").doesNotContain(secret);
        }
    }

    /**
     * With DEBUG on org.apache.camel and on the root logger (an operator chasing a problem), still no secret in the
     * logs: the push channel opened against the Google fake, a Payrexx webhook with the right token verified with a
     * signed GET, a booking's Payrexx page, an API call. Before, camel-google-calendar and Camel's API helper logged
     * the channel's token and the key's path, Camel's Spring context the webhook's URL (its token), camel-http the
     * Payrexx URL with its ApiSignature.
     */
    @Test
    void noSecretReachesTheLogsAtDebug(CapturedOutput output) throws Exception {
        Map<String, LogLevel> before = new LinkedHashMap<>();
        for (String logger : List.of(LoggingSystem.ROOT_LOGGER_NAME, "org.apache.camel")) {
            before.put(logger, configuredLevel(logger));
        }
        // the fakes' server (Jetty, WireMock) logs what it receives, the test's HTTP client what it sends: not the hub
        for (String fakes : List.of("org.eclipse.jetty", "wiremock", "com.github.tomakehurst",
                "jdk.internal.httpclient")) {
            before.put(fakes, configuredLevel(fakes));
            logging.setLogLevel(fakes, LogLevel.INFO);
        }
        String bookingId;
        String signature;
        try {
            logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.DEBUG);
            logging.setLogLevel("org.apache.camel", LogLevel.DEBUG);

            assertThat(camel.requestBody("direct:gcal-renew-push-channel", null, String.class)).isNotBlank();
            calendarAcceptsEvents("2026-12-01T09:00:00+01:00");
            bookingId = pendingBooking("2026-12-01T09:00:00+01:00", "payrexx");
            payrexxDelivered(4711, "confirmed", bookingId);
            awaitStatus(bookingId, "CONFIRMED");
        } finally {
            before.forEach(logging::setLogLevel);
        }
        // the channel was opened with the token (a slow answer is asked again), the transaction read with the signature
        assertThat(google.watchRequests()).isNotEmpty()
                .allSatisfy(watch -> assertThat(watch.get("token").asText()).isEqualTo(PUSH_TOKEN));
        var reads = payrexx.server().findAll(getRequestedFor(urlPathMatching("/v1.0/Transaction/4711/")));
        assertThat(reads).isNotEmpty();
        signature = reads.get(0).queryParameter("ApiSignature").firstValue();
        assertThat(signature).isNotBlank();

        String keyFile = Files.readString(google.keyFile());
        String privateKey = keyFile.substring(keyFile.indexOf("MII"), keyFile.indexOf("MII") + 40);
        List<String> secrets = List.of(PUSH_TOKEN, google.keyFile().toString(), privateKey, GoogleCalendarFake.TOKEN,
                PayrexxFake.API_KEY, PayrexxFake.WEBHOOK_TOKEN, signature,
                URLEncoder.encode(signature, StandardCharsets.UTF_8), StripeFake.SECRET_KEY, StripeFake.WEBHOOK_SECRET,
                NotificationFakes.API_KEY_SECRET, NotificationFakes.AUTH_TOKEN, NotificationFakes.SENDGRID_KEY,
                API_KEY, ADMIN_KEY);
        assertThat(output.getAll()).as("DEBUG was on").contains(" DEBUG ");
        List<String> lines = output.getAll().lines().toList();
        for (String secret : secrets) {
            // the lines that hold it, not the whole (long) output
            assertThat(lines.stream().filter(line -> line.contains(secret)).toList())
                    .as("log lines at DEBUG holding a secret").isEmpty();
        }
    }

    /** The logger's own level, null when it inherits one (what setLogLevel takes back). */
    private LogLevel configuredLevel(String logger) {
        var configuration = logging.getLoggerConfiguration(logger);
        return configuration == null ? null : configuration.getConfiguredLevel();
    }
}
