package io.connectify.hub.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static io.connectify.hub.support.NotificationFakes.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.time.Duration;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** A REST POST sent again with its Idempotency-Key gets the first answer and does its work once. */
@HubTest
class IdempotencyKeyTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";

    @Autowired
    IdempotentRequests requests;

    @Test
    void aBookingRetriedWithItsKeyIsTheSameBookingWithOnePaymentPage() {
        String body = booking(START, 60);

        var first = postWithKey("/api/v1/bookings", body, "order-7", API_KEY);
        var again = postWithKey("/api/v1/bookings", body, "order-7", API_KEY);

        assertThat(first.status()).isEqualTo(201);
        assertThat(first.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        assertThat(again.status()).isEqualTo(201); // not 409: the slot is taken by this very booking
        assertThat(again.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
        assertThat(again.header("Location")).isEqualTo(first.header("Location"));
        assertThat(again.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
        assertThat(again.json().get("paymentUrl").asText()).isEqualTo(first.json().get("paymentUrl").asText());
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isEqualTo(1);
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
    }

    @Test
    void theSameKeyWithAnotherRequestIsRefusedAndAnotherCallersKeyIsItsOwn() {
        assertThat(postWithKey("/api/v1/bookings", booking(START, 60), "order-8", API_KEY).status()).isEqualTo(201);

        var otherBody = postWithKey("/api/v1/bookings", booking("2026-12-01T13:00:00+01:00", 60), "order-8", API_KEY);
        var otherPath = postWithKey("/api/v1/bookings/asap", "{\"durationMinutes\":30,\"customer\":{\"name\":\"J\",\"email\":\"j@example.com\"}}", "order-8", API_KEY);
        var otherCaller = postWithKey("/api/v1/bookings", booking("2026-12-01T13:00:00+01:00", 60), "order-8",
                ADMIN_KEY);
        var badKey = postWithKey("/api/v1/bookings", booking("2026-12-02T09:00:00+01:00", 60), "no spaces", API_KEY);

        assertThat(otherBody.status()).isEqualTo(409);
        assertThat(otherBody.json().get("type").asText()).isEqualTo("invalid-state");
        assertThat(otherBody.json().get("detail").asText()).contains("other parameters");
        assertThat(otherPath.status()).isEqualTo(409);
        assertThat(otherCaller.status()).as("keys are per caller").isEqualTo(201);
        assertThat(badKey.status()).isEqualTo(400);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isEqualTo(2);
    }

    @Test
    void anSmsRetriedWithItsKeyIsSentOnceAndAFailureOnTheHubsSideIsNotKept() {
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).inScenario("down").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
                        .withBody(NotificationFakes.twilioError(20503, 503)))
                .willSetStateTo("down again"));
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).inScenario("down").whenScenarioStateIs("down again")
                .willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
                        .withBody(NotificationFakes.twilioError(20503, 503)))
                .willSetStateTo("still down"));
        notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).inScenario("down").whenScenarioStateIs("still down")
                .willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
                        .withBody(NotificationFakes.twilioError(20503, 503)))
                .willSetStateTo("up"));
        String sms = "{\"to\":\"+41791234567\",\"body\":\"Your appointment\"}";

        var failed = postWithKey("/api/v1/notifications/sms", sms, "sms-1", API_KEY);
        var retried = postWithKey("/api/v1/notifications/sms", sms, "sms-1", API_KEY);
        var again = postWithKey("/api/v1/notifications/sms", sms, "sms-1", API_KEY);

        assertThat(failed.status()).isEqualTo(502);
        assertThat(retried.status()).as("the 502 was not kept: the retry ran").isEqualTo(200);
        assertThat(retried.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
        assertThat(again.json().get("providerReference").asText())
                .isEqualTo(retried.json().get("providerReference").asText());
        notify.twilio().verify(4, postRequestedFor(urlPathEqualTo(MESSAGES))); // three refused, one sent
    }

    @Test
    void anAnswerIsGivenAgainForItsLifetimeOnly() {
        String body = booking(START, 60);
        assertThat(postWithKey("/api/v1/bookings", body, "order-9", API_KEY).status()).isEqualTo(201);

        clock.advance(Duration.ofHours(25));
        assertThat(requests.purgeExpired()).isEqualTo(1);

        var late = postWithKey("/api/v1/bookings", body, "order-9", API_KEY);
        assertThat(late.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        assertThat(late.status()).as("run again: the slot is now in the past").isBetween(400, 499);
    }

    private static String booking(String start, int minutes) {
        return """
                {"start":"%s","durationMinutes":%d,"customer":{"name":"John Doe","email":"john@example.com"}}
                """.formatted(start, minutes);
    }

    private Response postWithKey(String path, String body, String key, String apiKey) {
        return send(request(path).header("Content-Type", "application/json").header(IdempotencyKeyFilter.HEADER, key)
                .POST(HttpRequest.BodyPublishers.ofString(body)), apiKey);
    }
}
