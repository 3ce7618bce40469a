package io.connectify.hub.support;

import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;

/** A WireMock fake of Payrexx's REST API v1.0 ({@code {"status":"success","data":[...]}} answers). */
public final class PayrexxFake {

    public static final String API_KEY = "payrexx-test-secret";
    public static final String INSTANCE = "connectify-test";
    public static final String WEBHOOK_TOKEN = "payrexx-webhook-token-0123456789";

    private final WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());

    public PayrexxFake() {
        server.start();
        reset();
    }

    public WireMockServer server() {
        return server;
    }

    public String apiBase() {
        return server.baseUrl() + "/v1.0/";
    }

    public void reset() {
        server.resetAll();
        server.stubFor(post(urlPathEqualTo("/v1.0/Gateway/")).willReturn(okJson("""
                {"status":"success","data":[{"id":77,"status":"waiting","hash":"abc",
                 "link":"https://connectify-test.payrexx.com/?payment=abc","amount":9000,"currency":"CHF"}]}""")));
        server.stubFor(delete(urlPathEqualTo("/v1.0/Gateway/77/")).willReturn(okJson("""
                {"status":"success","data":[{"id":77}]}""")));
        // anything else: Payrexx's own "not found", JSON as its API answers it (WireMock's bare text/plain 404 would
        // be a proxy's answer to the hub: a passing failure, retried)
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()).atPriority(100).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(404)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"status\":\"error\",\"message\":\"No such object\"}")));
    }

    /** GET Transaction/{id}/ answers this status for this booking. */
    public void transaction(long id, String status, String bookingId) {
        server.stubFor(get(urlPathEqualTo("/v1.0/Transaction/" + id + "/")).willReturn(okJson("""
                {"status":"success","data":[{"id":%d,"uuid":"u-%d","status":"%s","referenceId":"%s","amount":9000,
                 "invoice":{"currencyAlpha3":"CHF","totalAmount":9000,"referenceId":"%s"}}]}"""
                .formatted(id, id, status, bookingId, bookingId))));
        server.stubFor(post(urlPathEqualTo("/v1.0/Transaction/" + id + "/refund")).willReturn(okJson("""
                {"status":"success","data":[{"id":%d,"status":"refunded"}]}""".formatted(id))));
    }

    /** GET Transaction/{id}/ answers this status for this booking, made on payment page (Gateway) {@code gatewayId}. */
    public void transactionOnPage(long id, String status, String bookingId, long gatewayId) {
        server.stubFor(get(urlPathEqualTo("/v1.0/Transaction/" + id + "/")).willReturn(okJson("""
                {"status":"success","data":[{"id":%d,"uuid":"u-%d","status":"%s","referenceId":"%s","amount":9000,
                 "invoice":{"currencyAlpha3":"CHF","totalAmount":9000,"referenceId":"%s","paymentRequestId":%d}}]}"""
                .formatted(id, id, status, bookingId, bookingId, gatewayId))));
    }
}
