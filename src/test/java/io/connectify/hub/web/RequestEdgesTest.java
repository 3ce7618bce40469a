package io.connectify.hub.web;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The edges of the HTTP API a hostile-input review left: answers the container or Actuator gave with no body, a
 * header given twice (the first value won silently), and numbers in other digits than ASCII's.
 */
@HubTest
class RequestEdgesTest extends Webhooks {

    @Autowired
    private WebhookPaths webhookPaths;

    /** Tomcat refused TRACE itself, 405 with an empty body, before any filter or error page ran. */
    @Test
    void traceIsAMethodNotAllowedProblem() {
        for (String path : List.of("/api/v1/prices?duration=60", "/actuator/health", "/webhooks/stripe", "/nope")) {
            var response = send(request(path).method("TRACE", HttpRequest.BodyPublishers.noBody()), API_KEY);

            assertThat(response.status()).as(path).isEqualTo(405);
            assertProblem(response, "method-not-allowed");
            // TRACE echoes the request: nothing of it comes back, the key least of all
            assertThat(response.body()).doesNotContain(API_KEY);
        }
    }

    /** Actuator answered a path or health group it does not have with 404 and an empty body. */
    @Test
    void anUnknownActuatorPathIsANotFoundProblem() {
        for (String path : List.of("/actuator/nope", "/actuator/health/nope", "/actuator/health/readiness/nope")) {
            var response = send(request(path).GET(), null);

            assertThat(response.status()).as(path).isEqualTo(404);
            assertProblem(response, "not-found");
        }
        // guards: what Actuator has still answers as before
        assertThat(send(request("/actuator/health").GET(), null).status()).isEqualTo(200);
        assertThat(send(request("/actuator/health/liveness").GET(), null).status()).isEqualTo(200);
    }

    /** A second Idempotency-Key was ignored: the request ran under the first, which the caller may not have meant. */
    @Test
    void anIdempotencyKeyGivenTwiceIsRefusedBeforeAnyProviderHearsOfIt() {
        assertRepeated(intentWithTwo("Idempotency-Key", "order-1", "order-2"), "Idempotency-Key");
        assertThat(stripe.server().findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    /** The first of two keys let the request in, whatever the second was. */
    @Test
    void anApiKeyGivenTwiceIsRefused() {
        var response = send(request("/api/v1/prices?duration=60").GET()
                .header("X-API-Key", API_KEY).header("X-API-Key", "someone-elses"), null);

        assertRepeated(response, "X-API-Key");
    }

    /** The filters read the first Content-Type, Camel's binding may read another: which one the body is, is unclear. */
    @Test
    void aContentTypeGivenTwiceIsRefused() {
        assertRepeated(intentWithTwo("Content-Type", "application/json", "text/plain"), "Content-Type");
        assertThat(stripe.server().findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    /**
     * Stripe sends one Stripe-Signature (several v1 in it when a secret rolls), never two headers: a valid first one
     * let a second, forged one through unread.
     */
    @Test
    void aStripeSignatureGivenTwiceIsRefused() {
        String payload = "{\"id\":\"evt_twice\",\"object\":\"event\",\"type\":\"customer.created\","
                + "\"data\":{\"object\":{\"id\":\"cus_1\",\"object\":\"customer\"}}}";
        String valid = StripeFake.signature(payload, clock.instant().getEpochSecond(), StripeFake.WEBHOOK_SECRET);
        var response = send(request("/webhooks/stripe").header("Content-Type", "application/json")
                .header("Stripe-Signature", valid).header("Stripe-Signature", "t=1,v1=00")
                .POST(HttpRequest.BodyPublishers.ofString(payload)), null);

        assertRepeated(response, "Stripe-Signature");
        // guard: the same delivery with its one header is taken
        assertThat(stripeWebhook(payload, valid).status()).isEqualTo(200);
    }

    /** Twilio's and Google's webhooks send one signature or channel token each: two are refused before either is read. */
    @Test
    void aTwilioSignatureOrGoogleChannelTokenGivenTwiceIsRefused() {
        var twilio = send(request("/webhooks/twilio/status").header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", "first").header("X-Twilio-Signature", "second")
                .POST(HttpRequest.BodyPublishers.ofString("MessageSid=SM1&MessageStatus=delivered")), null);
        var google = send(request("/webhooks/google-calendar").header("X-Goog-Channel-ID", "channel-1")
                .header("X-Goog-Resource-State", "exists")
                .header("X-Goog-Channel-Token", "first").header("X-Goog-Channel-Token", "second")
                .POST(HttpRequest.BodyPublishers.noBody()), null);

        assertRepeated(twilio, "X-Twilio-Signature");
        assertRepeated(google, "X-Goog-Channel-Token");
    }

    /**
     * A webhook's signature is read from its header alone: one in the query (which proxies log) is no signature.
     * Before, Camel's binding made the header of a query parameter of its name, or joined the two: a valid
     * {@code ?Stripe-Signature=} with no header, or after a junk one, was verified and queued (200).
     */
    @Test
    void aStripeSignatureInTheQueryIsNoSignature() {
        String payload = "{\"id\":\"evt_query\",\"object\":\"event\",\"type\":\"customer.created\","
                + "\"data\":{\"object\":{\"id\":\"cus_1\",\"object\":\"customer\"}}}";
        String valid = StripeFake.signature(payload, clock.instant().getEpochSecond(), StripeFake.WEBHOOK_SECRET);
        String query = "/webhooks/stripe?Stripe-Signature=" + q(valid);

        var queryOnly = send(request(query).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload)), null);
        var junkHeader = send(request(query).header("Content-Type", "application/json")
                .header("Stripe-Signature", "t=1,v1=00").POST(HttpRequest.BodyPublishers.ofString(payload)), null);

        for (var response : List.of(queryOnly, junkHeader)) {
            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertProblem(response, "invalid-signature");
        }
        // guard: the same delivery with its header is taken, a query parameter of that name beside it ignored
        assertThat(send(request("/webhooks/stripe?Stripe-Signature=junk").header("Content-Type", "application/json")
                .header("Stripe-Signature", valid).POST(HttpRequest.BodyPublishers.ofString(payload)), null)
                .status()).isEqualTo(200);
    }

    /** As Stripe's: Twilio's signature in the query is none; before, 200 and queued. */
    @Test
    void aTwilioSignatureInTheQueryIsNoSignature() {
        var params = twilioStatus("SM" + "0123456789abcdef0123456789abcdef", "delivered");
        String body = formOf(params);
        String valid = NotificationFakes.signature(NotificationFakes.PUBLIC_BASE_URL + "/webhooks/twilio/status",
                params);

        var queryOnly = send(request("/webhooks/twilio/status?X-Twilio-Signature=" + q(valid))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)), null);

        assertThat(queryOnly.status()).as(queryOnly.body()).isEqualTo(400);
        assertProblem(queryOnly, "invalid-signature");
        // guard: the same callback with its header is taken
        assertThat(signedTwilioStatus("SM" + "0123456789abcdef0123456789abcdef", "delivered").status())
                .isEqualTo(200);
    }

    private static String formOf(Map<String, String> params) {
        return params.entrySet().stream().map(e -> e.getKey() + "=" + q(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    /** Integer.parseInt takes a sign and any script's digits: "+60", Arabic-Indic and fullwidth sixty were 60. */
    @Test
    void aNumberParameterTakesOnlyAsciiDigits() {
        for (String duration : List.of("+60", " 60", "60 ", "\u0666\u0660", "\uFF16\uFF10", "-60", "6O", "1e2")) {
            for (String path : List.of("/api/v1/prices", "/api/v1/availability?from="
                    + q("2026-12-01T09:00:00+01:00") + "&to=" + q("2026-12-01T18:00:00+01:00") + "&")) {
                String url = path + (path.contains("?") ? "" : "?") + "duration="
                        + URLEncoder.encode(duration, StandardCharsets.UTF_8);
                var response = httpGet(url);

                assertThat(response.status()).as(url + ": " + response.body()).isEqualTo(400);
                assertProblem(response, "validation");
                assertThat(response.json().get("detail").asText()).contains("'duration'");
            }
        }
        // guards: ASCII digits, a leading zero among them, still price
        assertThat(httpGet("/api/v1/prices?duration=60").status()).isEqualTo(200);
        assertThat(httpGet("/api/v1/prices?duration=060").json().get("durationMinutes").asInt()).isEqualTo(60);
        assertThat(httpGet("/api/v1/prices?duration=99999999999").json().get("detail").asText())
                .contains("'duration'").contains("between");
    }

    /**
     * The form check and the Payrexx path count take the paths the routes consume for the webhooks' paths, read from
     * the routes (they were written a second time in WebhookPaths); matched as WebhookPathsTest shows.
     */
    @Test
    void theWebhookPathsAreTheRoutesOwn() {
        assertThat(webhookPaths.templates()).containsExactlyInAnyOrder("/webhooks/stripe",
                "/webhooks/payrexx/{token}", "/webhooks/google-calendar", "/webhooks/twilio/status");
        assertThat(webhookPaths.tokenPrefix()).isEqualTo("/webhooks/payrexx/");
    }

    /** A PaymentIntent asked for with {@code header} given twice (a JSON Content-Type unless that is the header). */
    private Response intentWithTwo(String header, String first, String second) {
        var request = request("/api/v1/payments/stripe/payment-intents").header(header, first).header(header, second);
        if (!header.equals("Content-Type")) {
            request.header("Content-Type", "application/json");
        }
        return send(request.POST(HttpRequest.BodyPublishers.ofString("{\"amount\":7500,\"currency\":\"CHF\"}")),
                API_KEY);
    }

    private static void assertRepeated(Response response, String header) {
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertProblem(response, "validation");
        assertThat(response.json().get("detail").asText()).contains("'" + header + "'").contains("more than once");
    }

    private static void assertProblem(Response response, String type) {
        assertThat(response.header("Content-Type")).as(response.body()).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isEqualTo(type);
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("at io.").doesNotContain("at org.");
    }
}
