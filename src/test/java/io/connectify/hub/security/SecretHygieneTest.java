package io.connectify.hub.security;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.PayrexxFake;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * No configured secret appears in any log line, problem body, admin or actuator answer, even while every provider
 * fails and refuses the hub's credentials.
 */
@HubTest
@ExtendWith(OutputCaptureExtension.class)
class SecretHygieneTest extends Webhooks {

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
}
