package io.connectify.hub.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

    @ParameterizedTest(name = "Twilio {0} -> {1}")
    @CsvSource({"503, 20503, 502", "429, 20429, 429"})
    void anSmsRetriedWithItsKeyIsSentOnceAndAnAnswerThatIsNotFinalIsNotKept(int twilioStatus, int code, int answered) {
        // the hub's three attempts are refused, then Twilio takes the message
        for (String state : new String[] {STARTED, "refused once", "refused twice"}) {
            notify.twilio().stubFor(post(urlPathEqualTo(MESSAGES)).inScenario("down").whenScenarioStateIs(state)
                    .willReturn(aResponse().withStatus(twilioStatus).withHeader("Content-Type", "application/json")
                            .withBody(NotificationFakes.twilioError(code, twilioStatus)))
                    .willSetStateTo(state.equals(STARTED) ? "refused once" : state.equals("refused once")
                            ? "refused twice" : "up"));
        }
        String sms = "{\"to\":\"+41791234567\",\"body\":\"Your appointment\"}";

        var failed = postWithKey("/api/v1/notifications/sms", sms, "sms-1", API_KEY);
        var retried = postWithKey("/api/v1/notifications/sms", sms, "sms-1", API_KEY);
        var again = postWithKey("/api/v1/notifications/sms", sms, "sms-1", API_KEY);

        assertThat(failed.status()).isEqualTo(answered);
        assertThat(retried.status()).as("not kept: the retry ran").isEqualTo(201);
        assertThat(retried.header(IdempotencyKeyFilter.REPLAYED)).isNull();
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.header(IdempotencyKeyFilter.REPLAYED)).isEqualTo("true");
        assertThat(again.json().get("providerReference").asText())
                .isEqualTo(retried.json().get("providerReference").asText());
        notify.twilio().verify(4, postRequestedFor(urlPathEqualTo(MESSAGES))); // three refused, one sent
    }

    @Test
    void aStripeRequestCarriesAKeyOfItsCallersOwnToStripe() {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/payment_intents")).willReturn(okJson("""
                {"id":"pi_7500","object":"payment_intent","amount":7500,"currency":"chf",
                 "status":"requires_payment_method","client_secret":"pi_7500_secret_x"}""")));
        String intent = "{\"amount\":7500,\"currency\":\"CHF\"}";

        assertThat(postWithKey("/api/v1/payments/stripe/payment-intents", intent, "order-1", API_KEY).status())
                .isEqualTo(201);
        assertThat(postWithKey("/api/v1/payments/stripe/payment-intents", intent, "order-1", ADMIN_KEY).status())
                .isEqualTo(201);

        var sent = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/payment_intents")));
        assertThat(sent).hasSize(2);
        String first = sent.get(0).getHeader("Idempotency-Key");
        // two callers' equal keys never meet at Stripe, whose keys are per account, nor match the hub's own
        assertThat(first).matches("api-[0-9a-f]{64}");
        assertThat(sent.get(1).getHeader("Idempotency-Key")).matches("api-[0-9a-f]{64}").isNotEqualTo(first);
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
