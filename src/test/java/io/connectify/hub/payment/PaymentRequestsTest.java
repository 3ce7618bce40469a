package io.connectify.hub.payment;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.PayrexxFake;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.StripeRequestValidator;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What Stripe and Payrexx receive from the hub, and how their errors reach callers. */
@HubTest
class PaymentRequestsTest extends Webhooks {

    @AfterEach
    void everyStripeRequestMatchesStripesApiDescription() {
        StripeRequestValidator.assertValid(stripe.server());
    }

    @Test
    void aStripeBookingOpensACheckoutSessionWithItsIdempotencyKey() {
        var response = httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"provider":"stripe",
                 "customer":{"name":"John Doe","email":"john@example.com"},"summary":"Consultation with John Doe"}
                """);

        assertThat(response.status()).isEqualTo(201);
        String id = response.json().get("id").asText();
        assertThat(response.json().get("paymentUrl").asText()).isEqualTo("https://checkout.stripe.com/c/pay/cs_test_123");
        var sent = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions"))
                .withHeader("Authorization", equalTo("Bearer " + StripeFake.SECRET_KEY))
                .withHeader("Idempotency-Key", equalTo("booking-" + id + "-checkout")));
        assertThat(sent).hasSize(1);
        Map<String, String> form = form(sent.get(0).getBodyAsString());
        assertThat(form).containsEntry("mode", "payment")
                .containsEntry("line_items[0][price_data][unit_amount]", "9000")
                .containsEntry("line_items[0][price_data][currency]", "chf")
                .containsEntry("line_items[0][price_data][product_data][name]", "Consultation with John Doe")
                .containsEntry("line_items[0][quantity]", "1")
                .containsEntry("metadata[bookingId]", id)
                .containsEntry("payment_intent_data[metadata][bookingId]", id)
                .containsEntry("client_reference_id", id)
                .containsEntry("customer_email", "john@example.com")
                // paid in the booking's currency only: Adaptive Pricing's local currency would be refunded
                .containsEntry("adaptive_pricing[enabled]", "false")
                // the booking's hold is 15 minutes, Stripe's soonest expiry 30: the session closes itself 30 minutes
                // after the create's last retry could go (the tests' 3 attempts of 5 s for a permit, 5 s to connect,
                // 1 s to answer, 20 ms of back-off) and 2 more
                .containsEntry("expires_at", Long.toString(clock.instant().plus(Duration.ofMinutes(32).plusMillis(33060))
                        .getEpochSecond()));
    }

    /**
     * A German customer's booking given no summary of its own shows its payment page in German, the texts'
     * default-summary ("Beratung mit …", as its notices tell it): Stripe Checkout's line item (and its Payment Intent's
     * description), Payrexx's purpose. The booking keeps the stored English default. Before, both pages showed
     * "Consultation with John Doe".
     */
    @Test
    void aGermanBookingWithoutSummaryShowsItsPaymentPageInGerman() {
        String customer = "\"customer\":{\"name\":\"John Doe\",\"email\":\"john@example.com\",\"locale\":\"de\"}";
        var viaStripe = httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"provider":"stripe",%s}""".formatted(customer));
        var viaPayrexx = httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T13:00:00+01:00","durationMinutes":60,"provider":"payrexx",%s}""".formatted(customer));
        var ownSummary = httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T14:30:00+01:00","durationMinutes":60,"provider":"payrexx","summary":"Steuerfragen",
                 %s}""".formatted(customer));

        assertThat(viaStripe.status()).as(viaStripe.body()).isEqualTo(201);
        assertThat(viaPayrexx.status()).as(viaPayrexx.body()).isEqualTo(201);
        assertThat(ownSummary.status()).as(ownSummary.body()).isEqualTo(201);
        var sessions = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
        assertThat(sessions).hasSize(1);
        assertThat(form(sessions.get(0).getBodyAsString()))
                .containsEntry("line_items[0][price_data][product_data][name]", "Beratung mit John Doe")
                .containsEntry("payment_intent_data[description]", "Beratung mit John Doe");
        var gateways = payrexx.server().findAll(postRequestedFor(urlPathEqualTo("/v1.0/Gateway/")));
        assertThat(gateways).hasSize(2);
        assertThat(form(gateways.get(0).getBodyAsString())).containsEntry("purpose", "Beratung mit John Doe");
        assertThat(form(gateways.get(1).getBodyAsString())).containsEntry("purpose", "Steuerfragen");
        // stored as before: the API and the consultancy's calendar event keep the English default
        assertThat(viaStripe.json().get("summary").asText()).isEqualTo("Consultation with John Doe");
        assertThat(jdbc.sql("SELECT summary FROM booking WHERE id = :id").param("id", viaPayrexx.json().get("id").asText())
                .query(String.class).single()).isEqualTo("Consultation with John Doe");
    }

    @Test
    void withoutAProviderTheCurrencysProviderIsUsed() {
        var response = httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"customer":{"name":"J","email":"j@example.com"}}
                """);

        assertThat(response.json().get("provider").asText()).isEqualTo("stripe");
    }

    @Test
    void aPayrexxBookingOpensAGatewayAuthenticatedWithTheApiKey() {
        var response = httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"provider":"payrexx",
                 "customer":{"name":"John Doe","email":"john@example.com"}}
                """);

        assertThat(response.status()).isEqualTo(201);
        String id = response.json().get("id").asText();
        assertThat(response.json().get("paymentUrl").asText()).isEqualTo("https://connectify-test.payrexx.com/?payment=abc");
        var sent = payrexx.server().findAll(postRequestedFor(urlPathEqualTo("/v1.0/Gateway/"))
                .withQueryParam("instance", equalTo(PayrexxFake.INSTANCE))
                .withHeader("X-API-KEY", equalTo(PayrexxFake.API_KEY))
                .withHeader("X-API-Key", absent().or(equalTo(PayrexxFake.API_KEY))));
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).getHeaders().getHeader("X-API-Key").values()).doesNotContain(API_KEY);
        assertThat(form(sent.get(0).getBodyAsString())).containsEntry("amount", "9000").containsEntry("currency", "CHF")
                .containsEntry("purpose", "Consultation with John Doe").containsEntry("referenceId", id)
                .containsEntry("fields[email][value]", "john@example.com")
                .containsEntry("fields[forename][value]", "John").containsEntry("fields[surname][value]", "Doe")
                .containsEntry("validity", "15") // the booking's hold: the page closes itself should the hub not
                .containsEntry("successRedirectUrl", "http://localhost:8080/booking/" + id + "/paid")
                .containsEntry("failedRedirectUrl", "http://localhost:8080/booking/" + id + "/failed");
    }

    @Test
    void aCheckoutSessionMadeThroughTheApiSendsTheCustomerToTheCallersPages() {
        var response = httpPost("/api/v1/payments/stripe/checkout-sessions", """
                {"amount":7500,"currency":"CHF","description":"Workshop","successUrl":"https://shop.example/ok?o=42",
                 "cancelUrl":"https://shop.example/cart"}""");

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        var sent = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
        assertThat(sent).hasSize(1);
        assertThat(form(sent.get(0).getBodyAsString())).containsEntry("success_url", "https://shop.example/ok?o=42")
                .containsEntry("cancel_url", "https://shop.example/cart").doesNotContainKey("client_reference_id");
    }

    @Test
    void aCheckoutSessionForNoBookingNeedsTheCallersPagesWhereTheConfiguredOnesAreABookings() {
        var withoutPages = httpPost("/api/v1/payments/stripe/checkout-sessions", """
                {"amount":7500,"currency":"CHF","description":"Workshop"}""");
        var notAUrl = httpPost("/api/v1/payments/stripe/checkout-sessions", """
                {"amount":7500,"currency":"CHF","description":"Workshop","successUrl":"javascript:alert(1)",
                 "cancelUrl":"https://shop.example/cart"}""");

        assertThat(withoutPages.status()).isEqualTo(400);
        assertThat(withoutPages.json().get("type").asText()).isEqualTo("validation");
        assertThat(withoutPages.json().get("detail").asText()).contains("successUrl");
        assertThat(notAUrl.status()).isEqualTo(400);
        assertThat(notAUrl.json().get("detail").asText()).contains("successUrl");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
    }

    /** Before, a@localhost went to Stripe as the session's customer_email. */
    @Test
    void aCheckoutSessionsCustomerEmailWhoseDomainHasNoDotIsRefusedBeforeStripe() {
        var response = httpPost("/api/v1/payments/stripe/checkout-sessions", """
                {"amount":7500,"currency":"CHF","description":"Workshop","customerEmail":"jane@localhost",
                 "successUrl":"https://shop.example/ok","cancelUrl":"https://shop.example/cart"}""");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
        assertThat(response.json().get("detail").asText()).contains("'customerEmail'");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
    }

    @Test
    void aPaymentThatCannotStartFreesTheSlot() {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/checkout/sessions")).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json").withBody("{\"error\":{\"type\":\"api_error\"}}")));

        var response = httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"customer":{"name":"J","email":"j@example.com"}}
                """);

        assertThat(response.status()).isEqualTo(502);
        assertThat(response.json().get("type").asText()).isEqualTo("provider-error");
        assertThat(jdbc.sql("SELECT status FROM booking").query(String.class).single()).isEqualTo("CANCELLED");
        stripe.reset();
        assertThat(httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"customer":{"name":"J","email":"j@example.com"}}
                """).status()).isEqualTo(201);
    }

    @Test
    void aPaymentIntentCarriesAKeyMadeFromTheCallers() {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/payment_intents")).willReturn(okJson("""
                {"id":"pi_7500","object":"payment_intent","amount":7500,"currency":"chf",
                 "status":"requires_payment_method","client_secret":"pi_7500_secret_x"}""")));

        var response = send(request("/api/v1/payments/stripe/payment-intents").header("Content-Type", "application/json")
                .header("Idempotency-Key", "order-42").POST(java.net.http.HttpRequest.BodyPublishers.ofString("""
                        {"amount":7500,"currency":"CHF","description":"Consultation","metadata":{"orderId":"42"}}
                        """)), API_KEY);

        assertThat(response.status()).isEqualTo(201);
        assertThat(response.json().get("id").asText()).isEqualTo("pi_7500");
        assertThat(response.json().get("currency").asText()).isEqualTo("CHF");
        var sent = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/payment_intents")));
        assertThat(sent).hasSize(1);
        // the caller's key, made its own: Stripe keeps one set of keys for every caller of the account
        assertThat(sent.get(0).getHeader("Idempotency-Key")).matches("api-[0-9a-f]{64}");
        assertThat(form(sent.get(0).getBodyAsString())).containsEntry("amount", "7500").containsEntry("currency", "chf")
                .containsEntry("description", "Consultation").containsEntry("metadata[orderId]", "42");
    }

    @Test
    void neitherTheCallersKeyNorItsIdempotencyKeyIsTakenFromTheQuery() {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/payment_intents")).willReturn(okJson("""
                {"id":"pi_7500","object":"payment_intent","amount":7500,"currency":"chf",
                 "status":"requires_payment_method","client_secret":"pi_7500_secret_x"}""")));
        String body = "{\"amount\":7500,\"currency\":\"CHF\"}";
        String path = "/api/v1/payments/stripe/payment-intents";

        var asHeader = send(request(path).header("Content-Type", "application/json").header("Idempotency-Key", "order-7")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)), API_KEY);
        // past the hub's own replay of the key (IdempotencyKeyFilter reads the header), straight to Stripe's
        var asQuery = send(request(path + "?Idempotency-Key=order-7").header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)), API_KEY);
        // another caller with the same Idempotency-Key, naming the first caller's key in the query
        var otherCaller = send(request(path + "?X-API-Key=" + API_KEY).header("Content-Type", "application/json")
                .header("Idempotency-Key", "order-7").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)),
                ADMIN_KEY);

        assertThat(List.of(asHeader.status(), asQuery.status(), otherCaller.status())).containsOnly(201);
        List<String> keys = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/payment_intents"))).stream()
                .map(sent -> sent.getHeader("Idempotency-Key")).toList();
        assertThat(keys).hasSize(3);
        assertThat(keys.get(0)).matches("api-[0-9a-f]{64}");
        assertThat(keys.get(1)).as("no Idempotency-Key header: a key of this request's own").startsWith("payment-intent-");
        assertThat(keys.get(2)).as("made with the caller's own key").matches("api-[0-9a-f]{64}").isNotEqualTo(keys.get(0));
    }

    @Test
    void twoEqualRequestsWithoutAKeyAreTwoRefundsAndTheHubsRetryReusesItsRequestsKey() {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/refunds")).inScenario("flaky").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"try again\"}}"))
                .willSetStateTo("answering"));
        String body = "{\"paymentIntent\":\"pi_123\",\"amount\":4000}";

        assertThat(httpPost("/api/v1/payments/refunds", body).status()).isEqualTo(201);
        assertThat(httpPost("/api/v1/payments/refunds", body).status()).isEqualTo(201);

        var sent = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(containing("amount=4000")));
        assertThat(sent).hasSize(3);
        assertThat(sent.get(1).getHeader("Idempotency-Key")).isEqualTo(sent.get(0).getHeader("Idempotency-Key"))
                .startsWith("refund-");
        assertThat(sent.get(2).getHeader("Idempotency-Key")).startsWith("refund-")
                .isNotEqualTo(sent.get(0).getHeader("Idempotency-Key"));
        // marked as the hub's, made through the payments API (no booking's): its events are told from one by hand
        assertThat(stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withRequestBody(StripeFake.formField("metadata[connectify]", "api")))).hasSize(3);
    }

    @ParameterizedTest(name = "Stripe {0} -> {2}")
    @CsvSource({
            "402, card_error, 402, payment-declined, 1",
            "400, invalid_request_error, 400, validation, 1",
            "401, invalid_request_error, 502, provider-error, 1",
            "429, rate_limit_error, 429, rate-limited, 3",
            "500, api_error, 502, provider-error, 3"})
    void stripeErrorsBecomeProblemsAndOnlyRetryableOnesAreRetried(int status, String type, int expected,
                                                                 String problem, int calls) {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/payment_intents")).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"error":{"type":"%s","code":"x","decline_code":"insufficient_funds","param":"amount",
                         "message":"Secret detail %s"}}""".formatted(type, StripeFake.SECRET_KEY))));

        var response = httpPost("/api/v1/payments/stripe/payment-intents", "{\"amount\":7500,\"currency\":\"CHF\"}");

        assertThat(response.status()).isEqualTo(expected);
        assertThat(response.json().get("type").asText()).isEqualTo(problem);
        assertThat(response.body()).doesNotContain(StripeFake.SECRET_KEY);
        stripe.server().verify(calls, postRequestedFor(urlPathEqualTo("/v1/payment_intents")));
    }

    @Test
    void theRefundsOfAStripePaymentAreListedWithTheAmountTheyRefund() {
        stripe.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/v1/refunds"))
                .willReturn(okJson("""
                        {"object":"list","url":"/v1/refunds","has_more":false,"data":[
                         {"id":"re_2","object":"refund","amount":2000,"currency":"chf","payment_intent":"pi_listed",
                          "status":"pending"},
                         {"id":"re_1","object":"refund","amount":7000,"currency":"chf","payment_intent":"pi_listed",
                          "status":"failed"},
                         {"id":"re_0","object":"refund","amount":3000,"currency":"chf","payment_intent":"pi_listed",
                          "status":"succeeded"}]}""")));

        var listed = httpGet("/api/v1/payments/stripe/payment-intents/pi_listed/refunds");
        assertThat(listed.status()).as(listed.body()).isEqualTo(200);
        assertThat(listed.json().get("paymentIntent").asText()).isEqualTo("pi_listed");
        assertThat(listed.json().get("refundedAmount").asLong()).isEqualTo(5000); // the failed one refunds nothing
        assertThat(listed.json().get("refunds").findValuesAsText("id")).containsExactly("re_2", "re_1", "re_0");
        assertThat(listed.json().get("refunds").get(0).get("currency").asText()).isEqualTo("CHF");
        stripe.server().verify(getRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withQueryParam("payment_intent", equalTo("pi_listed"))
                .withHeader("Authorization", equalTo("Bearer " + StripeFake.SECRET_KEY)));

        var invalid = httpGet("/api/v1/payments/stripe/payment-intents/ch_123/refunds");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.header("Content-Type")).startsWith("application/problem+json");
        stripe.server().verify(1, getRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * A payment's refunds on two pages (has_more): both are read and refundedAmount counts them all, as the look-up of
     * a refund Stripe refuses (charge_already_refunded) reads it. Before, only the first page was.
     */
    @Test
    void theRefundsOfAStripePaymentAreListedFromEveryPage() {
        stripe.refundPagesOf("pi_paged",
                List.of(StripeFake.refund("re_2", "pi_paged", 2000, "succeeded", "{}")),
                List.of(StripeFake.refund("re_1", "pi_paged", 7000, "succeeded", "{\"connectify\":\"booking\"}")));

        var listed = httpGet("/api/v1/payments/stripe/payment-intents/pi_paged/refunds");

        assertThat(listed.status()).as(listed.body()).isEqualTo(200);
        assertThat(listed.json().get("refundedAmount").asLong()).isEqualTo(9000);
        assertThat(listed.json().get("refunds").findValuesAsText("id")).containsExactly("re_2", "re_1");
        stripe.server().verify(1, getRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withQueryParam("payment_intent", equalTo("pi_paged")).withQueryParam("limit", equalTo("100"))
                .withQueryParam("starting_after", equalTo("re_2")));
    }

    /**
     * Each page of a payment's refunds is a Stripe request of its own, and takes its own permit of Stripe's rate
     * limiter (and its own retries), as any other Stripe call does: three pages, three permits. Before, the whole
     * multi-page read took one, so the hub could send Stripe more requests than its limit allows.
     */
    @Test
    void eachPageOfAStripePaymentsRefundsTakesItsOwnRateLimiterPermit() {
        stripe.refundPagesOf("pi_permits",
                List.of(StripeFake.refund("re_3", "pi_permits", 1000, "succeeded", "{}")),
                List.of(StripeFake.refund("re_2", "pi_permits", 2000, "succeeded", "{}")),
                List.of(StripeFake.refund("re_1", "pi_permits", 3000, "succeeded", "{}")));
        // the permits granted, counted by the limiter's own events: its available count would be reset by a
        // refresh (every minute) falling within the request
        AtomicInteger granted = new AtomicInteger();
        AtomicBoolean counting = new AtomicBoolean(true);
        resilience.rateLimiter("stripe").getEventPublisher().onSuccess(event -> {
            if (counting.get()) {
                granted.addAndGet(event.getNumberOfPermits());
            }
        });

        var listed = httpGet("/api/v1/payments/stripe/payment-intents/pi_permits/refunds");

        counting.set(false);
        assertThat(listed.status()).as(listed.body()).isEqualTo(200);
        assertThat(listed.json().get("refundedAmount").asLong()).isEqualTo(6000);
        stripe.server().verify(3, getRequestedFor(urlPathEqualTo("/v1/refunds"))
                .withQueryParam("payment_intent", equalTo("pi_permits")));
        assertThat(granted.get()).as("permits taken").isEqualTo(3);
    }

    /**
     * A charge.refunded naming no booking, of a payment no booking was paid by, asks Stripe for its Payment Intent
     * ({@code GET /v1/payment_intents/{id}} with the hub's key, as Stripe's API describes it: checked after each test)
     * through the Stripe command path: one permit of Stripe's rate limiter, as any Stripe call takes. Before, nothing
     * was asked and the event was dropped. (Asked while a Stripe booking waits for a payment, as one does here.)
     */
    @Test
    void aChargeRefundedNamingNoBookingAsksStripeForItsPaymentIntentWithAPermit() {
        pendingBooking("2026-12-01T09:00:00+01:00", "stripe"); // its Checkout Session's permit taken before counting
        stripe.paymentIntentOf("pi_asked", "{}");
        String audited = "SELECT COUNT(*) FROM integration_audit WHERE provider = 'stripe' "
                + "AND operation = 'stripe-retrieve-payment-intent' AND outcome = 'ok'";
        int auditedBefore = jdbc.sql(audited).query(Integer.class).single();
        AtomicInteger granted = new AtomicInteger();
        AtomicBoolean counting = new AtomicBoolean(true);
        resilience.rateLimiter("stripe").getEventPublisher().onSuccess(event -> {
            if (counting.get()) {
                granted.addAndGet(event.getNumberOfPermits());
            }
        });

        assertThat(signedStripeWebhook(StripeFake.event("evt_asked", "charge.refunded", """
                {"id":"ch_asked","object":"charge","amount":9000,"amount_refunded":9000,"currency":"chf",
                 "metadata":{},"payment_intent":"pi_asked","refunded":true,"status":"succeeded"}""")).status())
                .isEqualTo(200);

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> stripe.server().verify(1,
                getRequestedFor(urlPathEqualTo("/v1/payment_intents/pi_asked"))
                        .withHeader("Authorization", equalTo("Bearer " + StripeFake.SECRET_KEY))));
        counting.set(false);
        assertThat(granted.get()).as("permits taken").isEqualTo(1);
        // one call of the Stripe command path (breaker, limiter, retries), audited as its route
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(jdbc.sql(audited).query(Integer.class).single()).isEqualTo(auditedBefore + 1));
    }

    /**
     * A refund waiting for the customer's details to pay it out (requires_action) is money on its way back: counted in
     * refundedAmount (which a refund Stripe refuses as already refunded is judged by) as charge.refunded counts it. A
     * failed one counts for nothing. Before, requires_action was left out here.
     */
    @Test
    void aRefundAwaitingTheCustomersDetailsCountsAsRefundedAndAFailedOneDoesNot() {
        stripe.refundsOf("pi_awaiting",
                StripeFake.refund("re_awaiting", "pi_awaiting", 6000, "requires_action", "{}"),
                StripeFake.refund("re_failed", "pi_awaiting", 9000, "failed", "{}"),
                StripeFake.refund("re_done", "pi_awaiting", 3000, "succeeded", "{}"));

        var listed = httpGet("/api/v1/payments/stripe/payment-intents/pi_awaiting/refunds");

        assertThat(listed.status()).as(listed.body()).isEqualTo(200);
        assertThat(listed.json().get("refundedAmount").asLong()).isEqualTo(9000);
        assertThat(listed.json().get("refunds").findValuesAsText("status"))
                .containsExactly("requires_action", "failed", "succeeded");
    }

    @Test
    void anUnpaidBookingsPaymentPageIsClosedWhenItsHoldRunsOutOrItIsCancelled() {
        String expiring = pendingBooking("2026-12-01T09:00:00+01:00", "stripe");
        String cancelled = pendingBooking("2026-12-01T13:00:00+01:00", "payrexx");
        String paid = pendingBooking("2026-12-01T14:30:00+01:00", "stripe");
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(
                GoogleCalendarFake.error(500, "backendError")));
        assertThat(signedStripeWebhook(StripeFake.event("evt_pages_paid", "checkout.session.completed",
                StripeFake.checkoutSession(paid, "paid", "pi_pages_paid"))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> httpGet("/api/v1/bookings/" + paid).json().has("paidAmount"));

        assertThat(httpPost("/api/v1/bookings/" + cancelled + "/cancel", "").json().get("status").asText())
                .isEqualTo("CANCELLED");
        payrexx.server().verify(1, deleteRequestedFor(urlPathEqualTo("/v1.0/Gateway/77/"))
                .withQueryParam("instance", equalTo(PayrexxFake.INSTANCE))
                .withHeader("X-API-KEY", equalTo(PayrexxFake.API_KEY)));

        clock.advance(Duration.ofMinutes(16)); // the holds run out: the paid booking keeps its slot
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> stripe.server().verify(1,
                postRequestedFor(urlPathEqualTo("/v1/checkout/sessions/cs_test_123/expire"))
                        .withHeader("Authorization", equalTo("Bearer " + StripeFake.SECRET_KEY))));
        assertThat(httpGet("/api/v1/bookings/" + expiring).json().get("status").asText()).isEqualTo("EXPIRED");
        assertThat(httpGet("/api/v1/bookings/" + paid).json().get("status").asText()).isEqualTo("PENDING_PAYMENT");
        // one page closed for the one expired booking, none for the paid one, in the sweeps since
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                stripe.server().verify(1, postRequestedFor(urlPathMatching("/v1/checkout/sessions/.*/expire"))));
        payrexx.server().verify(1, deleteRequestedFor(urlPathMatching("/v1.0/Gateway/.*")));
    }

    @Test
    void aPaymentPageThatCannotBeClosedLeavesTheBookingReleased() {
        stripe.server().stubFor(post(urlPathMatching("/v1/checkout/sessions/[^/]+/expire")).willReturn(
                aResponse().withStatus(400)
                        .withHeader("Content-Type", "application/json").withBody("""
                                {"error":{"type":"invalid_request_error","message":"Only Checkout Sessions with a \
                                status of `open` can be expired."}}""")));
        String id = pendingBooking("2026-12-01T09:00:00+01:00", "stripe");

        var cancel = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("status").asText()).isEqualTo("CANCELLED");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/checkout/sessions/cs_test_123/expire")));
        assertThat(httpPost("/api/v1/bookings", """
                {"start":"2026-12-01T09:00:00+01:00","durationMinutes":60,"customer":{"name":"B","email":"b@example.com"}}
                """).status()).isEqualTo(201);
    }

    @Test
    void paymentPagesCanBeClosedThroughTheirOwnEndpoints() {
        var expired = httpPost("/api/v1/payments/stripe/checkout-sessions/cs_test_123/expire", "");
        assertThat(expired.status()).as(expired.body()).isEqualTo(200);
        assertThat(expired.json().get("status").asText()).isEqualTo("expired");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/checkout/sessions/cs_test_123/expire")));

        var deleted = httpDelete("/api/v1/payments/payrexx/gateways/77");
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        payrexx.server().verify(1, deleteRequestedFor(urlPathEqualTo("/v1.0/Gateway/77/")));

        assertThat(httpPost("/api/v1/payments/stripe/checkout-sessions/pi_123/expire", "").status()).isEqualTo(400);
        assertThat(httpDelete("/api/v1/payments/payrexx/gateways/x7").status()).isEqualTo(400);
    }

    @Test
    void aPaymentThroughTheApiThatNamesABookingMustBeOfItsPriceAndCurrency() {
        String id = pendingBooking("2026-12-01T09:00:00+01:00", "stripe"); // 9000 CHF
        stripe.server().resetRequests();
        payrexx.server().resetRequests();

        var session = httpPost("/api/v1/payments/stripe/checkout-sessions", """
                {"amount":9000,"currency":"JPY","description":"Consultation","metadata":{"bookingId":"%s"},
                 "successUrl":"https://shop.example/ok","cancelUrl":"https://shop.example/cart"}""".formatted(id));
        var intent = httpPost("/api/v1/payments/stripe/payment-intents", """
                {"amount":9000,"currency":"JPY","metadata":{"bookingId":"%s"}}""".formatted(id));
        var cheaper = httpPost("/api/v1/payments/stripe/payment-intents", """
                {"amount":100,"currency":"CHF","metadata":{"bookingId":"%s"}}""".formatted(id));
        var gateway = httpPost("/api/v1/payments/payrexx/gateways", """
                {"amount":9000,"currency":"JPY","purpose":"Consultation","referenceId":"%s"}""".formatted(id));

        for (var refused : List.of(session, intent, cheaper, gateway)) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
            assertThat(refused.json().get("type").asText()).isEqualTo("validation");
            assertThat(refused.json().get("detail").asText()).contains("9000 CHF");
        }
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/payment_intents")));
        payrexx.server().verify(0, postRequestedFor(urlPathEqualTo("/v1.0/Gateway/")));

        // the booking's price is taken, and so is a reference that names no booking
        var same = httpPost("/api/v1/payments/stripe/checkout-sessions", """
                {"amount":9000,"currency":"CHF","description":"Consultation","metadata":{"bookingId":"%s"},
                 "successUrl":"https://shop.example/ok","cancelUrl":"https://shop.example/cart"}""".formatted(id));
        assertThat(same.status()).as(same.body()).isEqualTo(201);
        var ownReference = httpPost("/api/v1/payments/payrexx/gateways", """
                {"amount":7500,"currency":"EUR","purpose":"Workshop","referenceId":"order-42"}""");
        assertThat(ownReference.status()).as(ownReference.body()).isEqualTo(201);
    }

    /**
     * A payment through the API naming a booking with blanks around its id, or in upper case, carries the booking's id
     * as stored to the provider (Payment Intent metadata, gateway referenceId): its events then name the booking as
     * the saga finds and updates it. Before, the reference went as the caller wrote it, passed the price check (which
     * strips it), and the paid payment's event named no booking: the booking expired, the money neither used nor
     * refunded.
     */
    @Test
    void aPaymentThroughTheApiNamingABookingWithBlanksOrInUpperCaseCarriesItsStoredId() {
        String id = pendingBooking("2026-12-01T09:00:00+01:00", "stripe"); // 9000 CHF
        stripe.server().stubFor(post(urlPathEqualTo("/v1/payment_intents")).willReturn(okJson("""
                {"id":"pi_padded","object":"payment_intent","amount":9000,"currency":"chf",
                 "status":"requires_payment_method","client_secret":"pi_padded_secret_x"}""")));
        stripe.server().resetRequests();
        payrexx.server().resetRequests();

        var padded = httpPost("/api/v1/payments/stripe/payment-intents", """
                {"amount":9000,"currency":"CHF","metadata":{"bookingId":"%s ","orderId":"42"}}""".formatted(id));
        var upper = httpPost("/api/v1/payments/stripe/payment-intents", """
                {"amount":9000,"currency":"CHF","metadata":{"bookingId":"%s"}}"""
                .formatted(id.toUpperCase(java.util.Locale.ROOT)));
        var gateway = httpPost("/api/v1/payments/payrexx/gateways", """
                {"amount":9000,"currency":"CHF","purpose":"Consultation","referenceId":" %s "}"""
                .formatted(id.toUpperCase(java.util.Locale.ROOT)));

        assertThat(padded.status()).as(padded.body()).isEqualTo(201);
        assertThat(upper.status()).as(upper.body()).isEqualTo(201);
        assertThat(gateway.status()).as(gateway.body()).isEqualTo(201);
        var intents = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/payment_intents")));
        assertThat(intents).hasSize(2);
        assertThat(form(intents.get(0).getBodyAsString())).containsEntry("metadata[bookingId]", id)
                .containsEntry("metadata[orderId]", "42");
        assertThat(form(intents.get(1).getBodyAsString())).containsEntry("metadata[bookingId]", id);
        var gateways = payrexx.server().findAll(postRequestedFor(urlPathEqualTo("/v1.0/Gateway/")));
        assertThat(gateways).hasSize(1);
        assertThat(form(gateways.get(0).getBodyAsString())).containsEntry("referenceId", id)
                .containsEntry("successRedirectUrl", "http://localhost:8080/booking/" + id + "/paid");
    }

    /**
     * A Checkout Session made through the API whose metadata.bookingId names a booking is made as the booking's own:
     * with Adaptive Pricing on, a customer paying in EUR would send an event in EUR, refunded as a payment in another
     * currency, and the booking left unpaid. Without the caller's pages, the booking's configured ones.
     */
    @Test
    void aCheckoutSessionThroughTheApiForABookingIsMadeAsTheBookingsOwn() {
        String id = pendingBooking("2026-12-01T09:00:00+01:00", "stripe"); // 9000 CHF
        stripe.server().resetRequests();

        var callersPages = httpPost("/api/v1/payments/stripe/checkout-sessions", """
                {"amount":9000,"currency":"CHF","description":"Consultation","metadata":{"bookingId":"%s"},
                 "successUrl":"https://shop.example/ok","cancelUrl":"https://shop.example/cart"}""".formatted(id));

        assertThat(callersPages.status()).as(callersPages.body()).isEqualTo(201);
        var sent = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
        assertThat(sent).hasSize(1);
        assertThat(form(sent.get(0).getBodyAsString()))
                .containsEntry("adaptive_pricing[enabled]", "false")
                .containsEntry("client_reference_id", id)
                .containsEntry("metadata[bookingId]", id)
                .containsEntry("payment_intent_data[metadata][bookingId]", id)
                .containsEntry("success_url", "https://shop.example/ok")
                .containsEntry("cancel_url", "https://shop.example/cart");

        stripe.server().resetRequests();
        var bookingsPages = httpPost("/api/v1/payments/stripe/checkout-sessions", """
                {"amount":9000,"currency":"CHF","description":"Consultation","metadata":{"bookingId":"%s"}}"""
                .formatted(id));

        assertThat(bookingsPages.status()).as(bookingsPages.body()).isEqualTo(201);
        sent = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
        assertThat(sent).hasSize(1);
        assertThat(form(sent.get(0).getBodyAsString()))
                .containsEntry("adaptive_pricing[enabled]", "false")
                .containsEntry("success_url", "http://localhost:8080/booking/" + id + "/paid")
                .containsEntry("cancel_url", "http://localhost:8080/booking/" + id + "/cancelled");
    }

    @Test
    void payrexxTransactionsAndGatewaysHaveTheirOwnEndpoints() {
        payrexx.transaction(555, "confirmed", "b-1");

        var transaction = httpGet("/api/v1/payments/payrexx/transactions/555");
        assertThat(transaction.status()).isEqualTo(200);
        assertThat(transaction.json().get("status").asText()).isEqualTo("confirmed");
        assertThat(transaction.json().get("currency").asText()).isEqualTo("CHF");
        // Payrexx names no payment page (no invoice.paymentRequestId): the key is left out, as the README says
        assertThat(transaction.json().has("gatewayId")).as(transaction.body()).isFalse();
        payrexx.server().verify(getRequestedFor(urlPathEqualTo("/v1.0/Transaction/555/"))
                .withQueryParam("instance", equalTo(PayrexxFake.INSTANCE)));

        var gateway = httpPost("/api/v1/payments/payrexx/gateways", """
                {"amount":7500,"currency":"CHF","purpose":"Consultation","fields":{"email":"a@b.ch"},"validity":60,
                 "successUrl":"https://shop.example/ok","failedUrl":"https://shop.example/failed"}""");
        assertThat(gateway.status()).isEqualTo(201);
        assertThat(gateway.header("Location")).isEqualTo("/api/v1/payments/payrexx/gateways/77");
        var sent = payrexx.server().findAll(postRequestedFor(urlPathEqualTo("/v1.0/Gateway/")));
        // no cancel page of the caller's, and the configured one is a booking's: Payrexx shows its own
        assertThat(form(sent.get(sent.size() - 1).getBodyAsString())).containsEntry("validity", "60")
                .containsEntry("successRedirectUrl", "https://shop.example/ok")
                .containsEntry("failedRedirectUrl", "https://shop.example/failed")
                .doesNotContainKeys("cancelRedirectUrl", "referenceId");
        assertThat(gateway.json().get("url").asText()).isEqualTo("https://connectify-test.payrexx.com/?payment=abc");
        payrexx.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/v1.0/Gateway/77/"))
                .willReturn(okJson("{\"status\":\"success\",\"data\":[{\"id\":77,\"status\":\"confirmed\",\"amount\":7500,"
                        + "\"currency\":\"CHF\",\"link\":\"https://connectify-test.payrexx.com/?payment=abc\"}]}")));
        var read = httpGet(gateway.header("Location"));
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().get("status").asText()).isEqualTo("confirmed");
        payrexx.transactionOnPage(556, "confirmed", "b-1", 77);
        assertThat(httpGet("/api/v1/payments/payrexx/transactions/556").json().get("gatewayId").asLong())
                .isEqualTo(77);
        var missing = httpGet("/api/v1/payments/payrexx/transactions/999");
        assertThat(missing.status()).as(missing.body()).isEqualTo(404);
    }

    private static Map<String, String> form(String body) {
        return java.util.Arrays.stream(body.split("&")).map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                        p -> p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "", (a, b) -> b));
    }

    /**
     * A Checkout Session's expire whose first answer is lost (500) is retried with the same Idempotency-Key: Stripe
     * answers the retry with the first answer. Before, stripe-java made a new key per call, and the retry of an expire
     * Stripe had done was answered 400 (expired already): the caller got 400 validation for a session it expired.
     */
    @Test
    void aCheckoutSessionsExpireIsRetriedWithItsIdempotencyKey() {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/checkout/sessions/cs_test_123/expire")).inScenario("expire")
                .whenScenarioStateIs(STARTED).willSetStateTo("answered").willReturn(aResponse().withStatus(500)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"x\"}}")));

        var expired = httpPost("/api/v1/payments/stripe/checkout-sessions/cs_test_123/expire", "");

        assertThat(expired.status()).as(expired.body()).isEqualTo(200);
        var sent = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions/cs_test_123/expire")));
        assertThat(sent).hasSize(2);
        assertThat(sent).extracting(r -> r.getHeader("Idempotency-Key")).doesNotContainNull()
                .containsOnly(sent.get(0).getHeader("Idempotency-Key"));
    }

    /** A currency of three capital letters that ISO 4217 does not know is refused before any provider is called. */
    @ParameterizedTest
    @CsvSource({"/api/v1/payments/stripe/payment-intents, XYZ, ''",
            "/api/v1/payments/stripe/checkout-sessions, QQQ, ',\"description\":\"x\",\"successUrl\":\"https://a.example/s\",\"cancelUrl\":\"https://a.example/c\"'",
            "/api/v1/payments/payrexx/gateways, XYZ, ',\"purpose\":\"x\"'"})
    void aCurrencyIso4217DoesNotKnowIsRefused(String path, String currency, String rest) {
        stripe.server().stubFor(post(urlPathEqualTo("/v1/payment_intents")).willReturn(okJson("""
                {"id":"pi_900","object":"payment_intent","amount":900,"currency":"eur",
                 "status":"requires_payment_method","client_secret":"pi_900_secret_x"}""")));
        stripe.server().resetRequests();
        payrexx.server().resetRequests();

        var response = httpPost(path, "{\"amount\":900,\"currency\":\"" + currency + "\"" + rest + "}");

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
        assertThat(response.json().get("detail").asText()).contains("currency");
        assertThat(stripe.server().getAllServeEvents()).isEmpty();
        assertThat(payrexx.server().getAllServeEvents()).isEmpty();
        // a known one passes
        assertThat(httpPost(path, "{\"amount\":900,\"currency\":\"EUR\"" + rest + "}").status()).isEqualTo(201);
    }

    /** Payrexx's custom fields (custom_field_1 ...) are sent as fields; a name with a capital or a dash is not. */
    @Test
    void aPayrexxGatewayCarriesCustomFields() {
        var gateway = httpPost("/api/v1/payments/payrexx/gateways", """
                {"amount":900,"currency":"CHF","purpose":"x","fields":{"custom_field_1":"42"}}""");

        assertThat(gateway.status()).as(gateway.body()).isEqualTo(201);
        var sent = payrexx.server().findAll(postRequestedFor(urlPathEqualTo("/v1.0/Gateway/")));
        assertThat(URLDecoder.decode(sent.get(sent.size() - 1).getBodyAsString(), StandardCharsets.UTF_8))
                .contains("fields[custom_field_1][value]=42");
        assertThat(httpPost("/api/v1/payments/payrexx/gateways", """
                {"amount":900,"currency":"CHF","purpose":"x","fields":{"Custom-1":"42"}}""").status()).isEqualTo(400);
    }

    /**
     * Stripe metadata with a null value (sent as metadata[a]=, which unsets the key at Stripe) or a key with a bracket
     * (metadata[a[b]]=x, another form field) is refused 400, before Stripe is called.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"{\"a\":null}", "{\"a[b]\":\"x\"}", "{\"a]\":\"x\"}", "{\"\":\"x\"}"})
    void stripeMetadataStripeWouldReadOtherwiseIsRefused(String metadata) {
        stripe.server().resetRequests();

        var intent = httpPost("/api/v1/payments/stripe/payment-intents",
                "{\"amount\":900,\"currency\":\"CHF\",\"metadata\":" + metadata + "}");
        var session = httpPost("/api/v1/payments/stripe/checkout-sessions", "{\"amount\":900,\"currency\":\"CHF\","
                + "\"description\":\"x\",\"successUrl\":\"https://a.example/s\",\"cancelUrl\":\"https://a.example/c\","
                + "\"metadata\":" + metadata + "}");

        assertThat(intent.status()).as(intent.body()).isEqualTo(400);
        assertThat(intent.json().get("type").asText()).isEqualTo("validation");
        assertThat(session.status()).as(session.body()).isEqualTo(400);
        assertThat(stripe.server().getAllServeEvents()).isEmpty();
    }
}
