package io.connectify.hub.web;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.connectify.hub.support.PayrexxFake;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every public endpoint that takes a body, against hostile input: each answer is a 4xx problem+json (never a 5xx),
 * never echoes the request's headers, and nothing is stored or sent to any provider.
 */
@HubTest
class HostileInputTest extends HubTestBase {

    private static final List<String> ENDPOINTS = List.of(
            "/api/v1/bookings", "/api/v1/bookings/asap", "/api/v1/calendar/events",
            "/api/v1/payments/stripe/payment-intents", "/api/v1/payments/stripe/checkout-sessions",
            "/api/v1/payments/refunds", "/api/v1/payments/payrexx/gateways", "/api/v1/notifications/sms",
            "/api/v1/notifications/email", "/webhooks/stripe", "/webhooks/payrexx/" + PayrexxFake.WEBHOOK_TOKEN,
            "/webhooks/twilio/status");

    private static final String NESTED = "{\"a\":".repeat(3000) + "1" + "}".repeat(3000);

    static Stream<Arguments> attacks() {
        List<Arguments> attacks = new ArrayList<>();
        for (String endpoint : ENDPOINTS) {
            attacks.add(Arguments.of(endpoint, "malformed JSON", "application/json", "{\"amount\":".getBytes()));
            attacks.add(Arguments.of(endpoint, "deep nesting", "application/json", NESTED.getBytes()));
            attacks.add(Arguments.of(endpoint, "huge body", "application/json",
                    ("{\"x\":\"" + "A".repeat(100_000) + "\"}").getBytes()));
            attacks.add(Arguments.of(endpoint, "negative amount", "application/json",
                    "{\"amount\":-100,\"currency\":\"CHF\",\"durationMinutes\":-5,\"to\":\"+41791234567\"}".getBytes()));
            attacks.add(Arguments.of(endpoint, "overflowing amount", "application/json",
                    "{\"amount\":99999999999999999999999,\"currency\":\"CHF\",\"durationMinutes\":1e30}".getBytes()));
            attacks.add(Arguments.of(endpoint, "impossible date", "application/json",
                    "{\"start\":\"2026-13-45T25:61:00+01:00\",\"end\":\"2026-02-30T09:00:00+01:00\"}".getBytes()));
            attacks.add(Arguments.of(endpoint, "very long strings", "application/json",
                    ("{\"summary\":\"" + "B".repeat(20_000) + "\",\"to\":\"" + "C".repeat(20_000) + "\"}").getBytes()));
            attacks.add(Arguments.of(endpoint, "invalid UTF-8", "application/json",
                    new byte[] {'{', '"', 'x', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}));
            attacks.add(Arguments.of(endpoint, "wrong content type", "text/plain", "amount=1".getBytes()));
            // form bodies that are not key=value pairs, or not valid percent-encoding
            attacks.add(Arguments.of(endpoint, "JSON sent as a form", "application/x-www-form-urlencoded",
                    "{}".getBytes()));
            attacks.add(Arguments.of(endpoint, "broken percent-encoding", "application/x-www-form-urlencoded",
                    "Body=%zz&To=%".getBytes()));
            attacks.add(Arguments.of(endpoint, "form of empty pairs", "application/x-www-form-urlencoded",
                    "=&=&&=".getBytes()));
            attacks.add(Arguments.of(endpoint, "multipart without a boundary", "multipart/form-data",
                    "garbage".getBytes()));
            attacks.add(Arguments.of(endpoint, "broken multipart", "multipart/form-data; boundary=zz",
                    "--zz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb".getBytes()));
            // Camel's Spring Boot binding also parses a body as a form when the content type merely contains it
            attacks.add(Arguments.of(endpoint, "form named inside another content type",
                    "text/plain; profile=application/x-www-form-urlencoded", "Body=%zz".getBytes()));
            attacks.add(Arguments.of(endpoint, "unknown charset in a form",
                    "application/x-www-form-urlencoded; charset=x-bogus", "a=b".getBytes()));
            attacks.add(Arguments.of(endpoint, "unknown charset in JSON", "application/json; charset=x-bogus",
                    "{}".getBytes()));
        }
        return attacks.stream();
    }

    @AfterEach
    void nothingWasStoredOrSent() {
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isZero();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification").query(Integer.class).single()).isZero();
        for (var fake : List.of(google.server(), stripe.server(), payrexx.server(), notify.twilio(), notify.sendGrid())) {
            assertThat(fake.findAll(anyRequestedFor(anyUrl())).stream()
                    .filter(r -> !r.getUrl().equals("/token"))).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("attacks")
    void hostileInputIsAProblemAndChangesNothing(String endpoint, String attack, String contentType, byte[] body) {
        var response = send(request(endpoint).header("Content-Type", contentType)
                .header("X-Injected", "evil-value").header("Stripe-Signature", "t=1,v1=00")
                .header("X-Twilio-Signature", "forged")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), API_KEY);

        assertThat(response.status()).as("%s %s: %s", endpoint, attack, response.body()).isBetween(400, 499);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("at io.").doesNotContain("evil-value");
        assertThat(response.raw().headers().map().keySet()).noneMatch(h -> h.equalsIgnoreCase("X-Injected")
                || h.equalsIgnoreCase("X-API-Key") || h.equalsIgnoreCase("Stripe-Signature"));
    }

    /**
     * A member given twice was read as its last value: a refund of 100 with a second "amount":null refunded the whole
     * payment. Refused, naming the member, before any provider hears of it.
     */
    @Test
    void aRefundWithItsAmountGivenTwiceIsRefused() {
        var response = httpPost("/api/v1/payments/refunds",
                "{\"paymentIntent\":\"pi_3duplicate\",\"amount\":100,\"amount\":null}");

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
        assertThat(response.json().get("detail").asText()).contains("'amount'").contains("more than once");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    @Test
    void aBookingWithAMemberGivenTwiceIsRefused() {
        var twiceAtTheTop = httpPost("/api/v1/bookings", "{\"start\":\"2026-12-01T09:00:00+01:00\","
                + "\"durationMinutes\":60,\"durationMinutes\":30,"
                + "\"customer\":{\"name\":\"Jo\",\"email\":\"jo@example.com\"}}");
        var twiceInTheCustomer = httpPost("/api/v1/bookings", "{\"start\":\"2026-12-01T09:00:00+01:00\","
                + "\"durationMinutes\":60,"
                + "\"customer\":{\"name\":\"Jo\",\"email\":\"jo@example.com\",\"email\":\"eve@example.com\"}}");

        assertThat(twiceAtTheTop.status()).as(twiceAtTheTop.body()).isEqualTo(400);
        assertThat(twiceAtTheTop.json().get("type").asText()).isEqualTo("validation");
        assertThat(twiceAtTheTop.json().get("detail").asText()).contains("'durationMinutes'");
        assertThat(twiceInTheCustomer.status()).as(twiceInTheCustomer.body()).isEqualTo(400);
        assertThat(twiceInTheCustomer.json().get("detail").asText()).contains("'email'");
        // nothing booked, no payment page: nothingWasStoredOrSent
    }
}
