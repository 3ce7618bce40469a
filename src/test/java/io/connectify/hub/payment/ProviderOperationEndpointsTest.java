package io.connectify.hub.payment;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
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
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.PayrexxFake;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.StripeRequestValidator;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two provider operations the hub made for bookings only, now each on its own endpoint: reading a Stripe Payment
 * Intent, refunding a Payrexx transaction. Before, both paths answered 404 and neither provider was asked.
 */
@HubTest
class ProviderOperationEndpointsTest extends Webhooks {

    private static final String INTENTS = "/api/v1/payments/stripe/payment-intents/";
    private static final String TRANSACTIONS = "/api/v1/payments/payrexx/transactions/";

    @AfterEach
    void everyStripeRequestMatchesStripesApiDescription() {
        StripeRequestValidator.assertValid(stripe.server());
    }

    @Test
    void aStripePaymentIntentIsReadThroughItsOwnEndpoint() {
        stripe.paymentIntentOf("pi_read", "{\"orderId\":\"42\"}", 7500, "eur");
        int audited = audited("stripe", "stripe-get-payment-intent");

        var read = httpGet(INTENTS + "pi_read");

        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.json().get("id").asText()).isEqualTo("pi_read");
        assertThat(read.json().get("status").asText()).isEqualTo("succeeded");
        assertThat(read.json().get("amount").asLong()).isEqualTo(7500);
        assertThat(read.json().get("amountReceived").asLong()).isEqualTo(7500);
        assertThat(read.json().get("currency").asText()).isEqualTo("EUR");
        assertThat(read.json().get("metadata").get("orderId").asText()).isEqualTo("42");
        assertThat(read.json().has("clientSecret")).isFalse();
        stripe.server().verify(1, getRequestedFor(urlPathEqualTo("/v1/payment_intents/pi_read"))
                .withHeader("Authorization", equalTo("Bearer " + StripeFake.SECRET_KEY)));
        // a Stripe call of the adapter's path (breaker, limiter, retries), audited as its route
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(audited("stripe", "stripe-get-payment-intent")).isEqualTo(audited + 1));
    }

    @Test
    void aPaymentIntentStripeDoesNotKnowIs404() {
        stripe.noPaymentIntent("pi_gone");

        var missing = httpGet(INTENTS + "pi_gone");

        assertThat(missing.status()).as(missing.body()).isEqualTo(404);
        assertThat(missing.header("Content-Type")).startsWith("application/problem+json");
        assertThat(missing.json().get("type").asText()).isEqualTo("not-found");
        stripe.server().verify(1, getRequestedFor(urlPathEqualTo("/v1/payment_intents/pi_gone")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ch_123", "pi_", "pi_a-b", "cs_test_123"})
    void aPaymentIntentIdOfAnotherFormIsRefusedBeforeStripe(String id) {
        var refused = httpGet(INTENTS + id);

        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.json().get("type").asText()).isEqualTo("validation");
        assertThat(stripe.server().findAll(anyRequestedFor(urlPathMatching("/v1/payment_intents.*")))).isEmpty();
    }

    @Test
    void bothEndpointsNeedAnApiKey() {
        stripe.paymentIntentOf("pi_keyless", "{}");
        payrexx.transaction(4800, "confirmed", "order-4800");

        assertThat(httpGet(INTENTS + "pi_keyless", null).status()).isEqualTo(401);
        assertThat(httpPost(TRANSACTIONS + "4800/refund", "{}", null).status()).isEqualTo(401);

        assertThat(stripe.server().getAllServeEvents()).isEmpty();
        assertThat(payrexx.server().getAllServeEvents()).isEmpty();
    }

    /**
     * A partial refund: Payrexx receives the amount in cents as its form body, with the instance and the API key, and
     * the caller the transaction's status. A repeat under the same Idempotency-Key is the first answer again, Payrexx
     * not asked a second time (it takes no key of its own).
     */
    @Test
    void aPayrexxTransactionIsRefundedInPartThroughItsOwnEndpointOnceForItsIdempotencyKey() {
        payrexx.transaction(4801, "confirmed", "order-4801");
        refundAnswered(4801, okJson("{\"status\":\"success\",\"data\":[{\"id\":4801,\"status\":\"partially-refunded\"}]}"));
        int audited = audited("payrexx", "payrexx-refund-transaction");

        var refunded = refund(4801, "{\"amount\":3000}", "refund-4801");
        var again = refund(4801, "{\"amount\":3000}", "refund-4801");

        assertThat(refunded.status()).as(refunded.body()).isEqualTo(201);
        assertThat(refunded.json().get("transactionId").asLong()).isEqualTo(4801);
        assertThat(refunded.json().get("status").asText()).isEqualTo("partially-refunded");
        assertThat(refunded.json().get("amount").asLong()).isEqualTo(3000);
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.body()).isEqualTo(refunded.body());
        var sent = payrexx.server().findAll(postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4801/refund"))
                .withQueryParam("instance", equalTo(PayrexxFake.INSTANCE))
                .withHeader("X-API-KEY", equalTo(PayrexxFake.API_KEY))
                .withHeader("Content-Type", containing("application/x-www-form-urlencoded")));
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).getBodyAsString()).isEqualTo("amount=3000");
        assertThat(sent.get(0).getHeaders().getHeader("Idempotency-Key").isPresent()).isFalse();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(audited("payrexx", "payrexx-refund-transaction")).isEqualTo(audited + 1));
    }

    /** No body, or one without an amount: the whole transaction, Payrexx sent no amount. */
    @ParameterizedTest
    @ValueSource(strings = {"", "{}", "{\"amount\":null}"})
    void aPayrexxTransactionIsRefundedInFullWithoutAnAmount(String body) {
        payrexx.transaction(4802, "confirmed", "order-4802");

        var refunded = refund(4802, body, null);

        assertThat(refunded.status()).as(refunded.body()).isEqualTo(201);
        assertThat(refunded.json().get("status").asText()).isEqualTo("refunded");
        assertThat(refunded.json().has("amount")).isFalse();
        var sent = payrexx.server().findAll(postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4802/refund"))
                .withQueryParam("instance", equalTo(PayrexxFake.INSTANCE)));
        assertThat(sent).hasSize(1);
        assertThat(form(sent.get(0).getBodyAsString())).doesNotContainKey("amount");
    }

    /**
     * A refund whose answer is lost (504) though Payrexx made it: the retry reads the transaction, refunded, and
     * answers the refund made, as a booking's cancel does; Payrexx asked to refund once.
     */
    @Test
    void aRefundWhoseAnswerIsLostButMadeIsNotAskedAgain() {
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/4804/refund")).inScenario("made")
                .willSetStateTo("refunded").willReturn(aResponse().withStatus(504)));
        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Transaction/4804/")).inScenario("made")
                .whenScenarioStateIs("refunded").willReturn(okJson("""
                        {"status":"success","data":[{"id":4804,"uuid":"u-4804","status":"refunded","amount":9000,
                         "invoice":{"currencyAlpha3":"CHF","totalAmount":9000}}]}""")));

        var refunded = refund(4804, "", null);

        assertThat(refunded.status()).as(refunded.body()).isEqualTo(201);
        assertThat(refunded.json().get("status").asText()).isEqualTo("refunded");
        payrexx.server().verify(1, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4804/refund")));
        payrexx.server().verify(getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4804/")));
    }

    /**
     * A partial refund whose answer is lost, the transaction partially refunded (as an earlier partial refund leaves
     * it): the hub cannot tell whether it was made, refunds nothing more, and answers 502.
     */
    @Test
    void aPartialRefundWhoseAnswerIsLostAfterAnEarlierPartialOneIs502AndNotAskedAgain() {
        payrexx.transaction(4803, "partially-refunded", "order-4803");
        refundAnswered(4803, aResponse().withStatus(503));

        var undecided = refund(4803, "{\"amount\":2000}", null);

        assertThat(undecided.status()).as(undecided.body()).isEqualTo(502);
        assertThat(undecided.header("Content-Type")).startsWith("application/problem+json");
        assertThat(undecided.json().get("type").asText()).isEqualTo("provider-error");
        payrexx.server().verify(1, postRequestedFor(urlPathEqualTo("/v1.0/Transaction/4803/refund")));
    }

    /** Payrexx's refusals as the other Payrexx endpoints answer them: its error answer 400, an unknown one 404. */
    @Test
    void payrexxRefusingTheRefundOrKnowingNoSuchTransactionIsAProblem() {
        payrexx.transaction(4805, "confirmed", "order-4805");
        payrexx.server().stubFor(post(urlPathEqualTo("/v1.0/Transaction/4805/refund")).willReturn(okJson(
                "{\"status\":\"error\",\"message\":\"Transaction is not refundable\"}")));

        var refused = refund(4805, "", null);
        var unknown = refund(4806, "", null); // the fake's Payrexx knows no transaction 4806

        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().get("type").asText()).isEqualTo("validation");
        assertThat(refused.body()).doesNotContain("not refundable"); // Payrexx's own words are not passed on
        assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
        assertThat(unknown.json().get("type").asText()).isEqualTo("not-found");
    }

    @ParameterizedTest
    @ValueSource(strings = {"4807|{\"amount\":0}", "4807|{\"amount\":-5}", "4807|{\"amount\":12.5}",
            "4807|{\"amount\":\"3000\"}", "4807|{\"amount\":100000000}", "4807|{\"amount\":3000,\"reason\":\"x\"}",
            "4807|[", "x7|{}", "12345678901234567890|{}"})
    void aBadRefundIsRefusedBeforePayrexx(String idAndBody) {
        String[] parts = idAndBody.split("\\|", 2);

        var refused = httpPost(TRANSACTIONS + parts[0] + "/refund", parts[1]);

        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.json().get("type").asText()).isEqualTo("validation");
        assertThat(payrexx.server().getAllServeEvents()).isEmpty();
    }

    private Response refund(long transaction, String body, String idempotencyKey) {
        HttpRequest.Builder request = request(TRANSACTIONS + transaction + "/refund")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return send(request, API_KEY);
    }

    /** Payrexx's first refund of the transaction is answered so; a later one made. */
    private void refundAnswered(long transaction, ResponseDefinitionBuilder answer) {
        String path = "/v1.0/Transaction/" + transaction + "/refund";
        payrexx.server().stubFor(post(urlPathEqualTo(path)).inScenario("refund-" + transaction)
                .whenScenarioStateIs(STARTED).willSetStateTo("answered").willReturn(answer));
        payrexx.server().stubFor(post(urlPathEqualTo(path)).inScenario("refund-" + transaction)
                .whenScenarioStateIs("answered").willReturn(okJson(
                        "{\"status\":\"success\",\"data\":[{\"id\":" + transaction + ",\"status\":\"refunded\"}]}")));
    }

    private int audited(String provider, String operation) {
        return jdbc.sql("SELECT COUNT(*) FROM integration_audit WHERE provider = :provider AND operation = :operation "
                + "AND outcome = 'ok'").param("provider", provider).param("operation", operation)
                .query(Integer.class).single();
    }

    private static Map<String, String> form(String body) {
        if (body == null || body.isEmpty()) {
            return Map.of();
        }
        return Arrays.stream(body.split("&")).map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                        p -> p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "", (a, b) -> b));
    }
}
