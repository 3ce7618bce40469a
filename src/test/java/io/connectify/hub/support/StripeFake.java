package io.connectify.hub.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.matching.StringValuePattern;

/**
 * A WireMock fake of Stripe's API (form-encoded requests, JSON objects) and a signer of Stripe webhooks written
 * from Stripe's documented scheme, independent of the hub's code: {@code t=<ts>,v1=hex(HMAC-SHA256(secret, ts.payload))}.
 */
public final class StripeFake {

    public static final String SECRET_KEY = "sk_test_hubtest";
    public static final String WEBHOOK_SECRET = "whsec_test_current";
    public static final String OLD_WEBHOOK_SECRET = "whsec_test_previous";

    private final RequestHook hook = new RequestHook();
    private final WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
            .extensions(hook));

    public StripeFake() {
        server.start();
        reset();
    }

    public WireMockServer server() {
        return server;
    }

    /** Runs a test's hook as a request of a stub naming it ({@code withTransformers(RequestHook.NAME)}) arrives. */
    public RequestHook hook() {
        return hook;
    }

    public String apiBase() {
        return server.baseUrl();
    }

    public void reset() {
        server.resetAll();
        server.stubFor(post(urlPathEqualTo("/v1/checkout/sessions")).willReturn(okJson("""
                {"id":"cs_test_123","object":"checkout.session","url":"https://checkout.stripe.com/c/pay/cs_test_123",
                 "status":"open","payment_status":"unpaid","amount_total":9000,"currency":"chf","metadata":{}}""")));
        server.stubFor(post(urlPathMatching("/v1/checkout/sessions/[^/]+/expire")).willReturn(okJson("""
                {"id":"cs_test_123","object":"checkout.session","status":"expired","payment_status":"unpaid",
                 "amount_total":9000,"currency":"chf","metadata":{}}""")));
        // every refund the hub creates carries its mark (metadata[connectify]; a booking's with metadata[bookingId]):
        // one without it is refused here, so a test whose refund lost it fails
        server.stubFor(post(urlPathEqualTo("/v1/refunds")).atPriority(10).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"error":{"type":"invalid_request_error","param":"metadata",
                         "message":"StripeFake: a refund the hub creates carries metadata[connectify]"}}""")));
        for (var marked : java.util.List.of(
                post(urlPathEqualTo("/v1/refunds")).withRequestBody(formField("metadata[connectify]", "api")),
                post(urlPathEqualTo("/v1/refunds")).withRequestBody(formField("metadata[connectify]", "booking"))
                        .withRequestBody(formField("metadata[bookingId]", "[0-9a-f-]{36}")))) {
            server.stubFor(marked.willReturn(okJson("""
                    {"id":"re_123","object":"refund","amount":9000,"currency":"chf","payment_intent":"pi_123",
                     "status":"succeeded"}""")));
        }
    }

    /**
     * Stripe's list of a Payment Intent's refunds ({@code GET /v1/refunds?payment_intent=}), as Stripe keeps them:
     * each with the metadata it was created with. This fake keeps no refunds of its own (every refund it creates
     * answers re_123): a test says which refunds the payment has, the hub's with its mark ({@link #refund}'s
     * metadata {@code connectify}), one made by hand in the Dashboard without it.
     */
    public void refundsOf(String paymentIntent, String... refunds) {
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/v1/refunds"))
                .withQueryParam("payment_intent", com.github.tomakehurst.wiremock.client.WireMock.equalTo(paymentIntent))
                .willReturn(okJson("""
                        {"object":"list","url":"/v1/refunds","has_more":false,"data":[%s]}"""
                        .formatted(String.join(",", refunds)))));
    }

    /**
     * The same list in pages, as Stripe pages it (GET /v1/refunds?payment_intent=...&limit=...&starting_after=...):
     * the first page (no starting_after) and each next one, asked for starting_after the last refund of the page
     * before, say has_more but the last. A client reading only the first page misses the others.
     */
    @SafeVarargs
    public final void refundPagesOf(String paymentIntent, java.util.List<String>... pages) {
        String after = null;
        for (int i = 0; i < pages.length; i++) {
            var page = com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/v1/refunds"))
                    .withQueryParam("payment_intent", com.github.tomakehurst.wiremock.client.WireMock.equalTo(
                            paymentIntent))
                    .withQueryParam("starting_after", after == null
                            ? com.github.tomakehurst.wiremock.client.WireMock.absent()
                            : com.github.tomakehurst.wiremock.client.WireMock.equalTo(after));
            server.stubFor(page.willReturn(okJson("""
                    {"object":"list","url":"/v1/refunds","has_more":%b,"data":[%s]}"""
                    .formatted(i < pages.length - 1, String.join(",", pages[i])))));
            var last = java.util.regex.Pattern.compile("\"id\":\"([^\"]+)\"")
                    .matcher(pages[i].get(pages[i].size() - 1));
            after = last.find() ? last.group(1) : null;
        }
    }

    /**
     * Stripe's Payment Intent {@code id} as {@code GET /v1/payment_intents/{id}} answers it, succeeded, with this
     * {@code metadata} (a JSON object: {@code {"bookingId":"..."}} for a booking's, as the hub's Checkout Sessions set
     * it; {@code {}} for a payment made outside the hub's bookings). This fake answers no other Payment Intent.
     */
    public void paymentIntentOf(String id, String metadata) {
        paymentIntentOf(id, metadata, 9000, "chf");
    }

    /** {@link #paymentIntentOf(String, String)}, having received {@code amount} (minor units) in {@code currency}. */
    public void paymentIntentOf(String id, String metadata, long amount, String currency) {
        paymentIntentIn(id, "succeeded", metadata, amount, amount, currency);
    }

    /**
     * Stripe's Payment Intent {@code id} of booking {@code bookingId} in {@code status} (a debit still
     * {@code processing}, or back to {@code requires_payment_method} when it failed), nothing received yet.
     */
    public void paymentIntentIn(String id, String bookingId, String status) {
        paymentIntentIn(id, status, "{\"bookingId\":\"" + bookingId + "\"}", 9000, 0, "chf");
    }

    private void paymentIntentIn(String id, String status, String metadata, long amount, long received,
                                 String currency) {
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/v1/payment_intents/" + id))
                .willReturn(okJson("""
                        {"id":"%s","object":"payment_intent","amount":%d,"amount_received":%d,"currency":"%s",
                         "status":"%s","metadata":%s}""".formatted(id, amount, received, currency, status,
                        metadata))));
    }

    /**
     * Stripe's answer to {@code GET /v1/payment_intents/{id}} for a Payment Intent the key cannot see (another
     * account's, one never made): 404, {@code invalid_request_error} {@code resource_missing}.
     */
    public void noPaymentIntent(String id) {
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/v1/payment_intents/" + id))
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json").withBody("""
                        {"error":{"type":"invalid_request_error","code":"resource_missing","param":"intent",
                         "message":"No such payment_intent: '%s'"}}""".formatted(id))));
    }

    /** A Refund object as Stripe lists it; {@code metadata} a JSON object ({@code {}}: made by hand in the Dashboard). */
    public static String refund(String id, String paymentIntent, long amount, String status, String metadata) {
        return """
                {"id":"%s","object":"refund","amount":%d,"currency":"chf","payment_intent":"%s","status":"%s",
                 "metadata":%s}""".formatted(id, amount, paymentIntent, status, metadata);
    }

    /**
     * A form-encoded body field {@code name} (bracket notation, as stripe-java writes it unencoded, or percent-encoded)
     * whose value matches {@code value}.
     */
    public static StringValuePattern formField(String name, String value) {
        String key = Pattern.quote(name).replace("[", "\\E(?:\\[|%5B)\\Q").replace("]", "\\E(?:\\]|%5D)\\Q");
        return matching("(?s)(?:.*&)?" + key + "=" + value + "(?:&.*)?");
    }

    public static String signature(String payload, long timestamp, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "t=" + timestamp + ",v1=" + HexFormat.of().formatHex(
                    mac.doFinal((timestamp + "." + payload).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Stripe event envelope around a data object, as Stripe sends it. */
    public static String event(String id, String type, String object) {
        return """
                {"id":"%s","object":"event","api_version":"2023-08-16","created":1764486000,"livemode":false,
                 "type":"%s","data":{"object":%s}}""".formatted(id, type, object);
    }

    public static String checkoutSession(String bookingId, String paymentStatus, String paymentIntent) {
        return """
                {"id":"cs_test_123","object":"checkout.session","payment_status":"%s","status":"complete",
                 "payment_intent":"%s","amount_total":9000,"currency":"chf","client_reference_id":"%s",
                 "metadata":{"bookingId":"%s"}}""".formatted(paymentStatus, paymentIntent, bookingId, bookingId);
    }

    /** A Payment Intent naming the booking whose debit (a SEPA debit) is on its way: nothing received yet. */
    public static String processingIntent(String bookingId, String id) {
        return """
                {"id":"%s","object":"payment_intent","status":"processing","amount":9000,"amount_received":0,
                 "currency":"chf","metadata":{"bookingId":"%s"}}""".formatted(id, bookingId);
    }

    public static String paymentIntent(String bookingId, String id, String status) {
        return """
                {"id":"%s","object":"payment_intent","status":"%s","amount":9000,"amount_received":9000,
                 "currency":"chf","metadata":{"bookingId":"%s"}}""".formatted(id, status, bookingId);
    }
}
