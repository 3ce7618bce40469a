package io.connectify.hub.web;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input gets a clear problem+json 4xx, reaches no provider and writes nothing. */
@HubTest
class BadInputTest extends HubTestBase {

    @AfterEach
    void nothingWasStoredOrSent() {
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking").query(Integer.class).single()).isZero();
        google.server().verify(0, anyRequestedFor(urlPathMatching("/calendar/.*")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON                 | {\"start\":                                                  | validation",
            "not an object                  | [1,2,3]                                                      | validation",
            "empty body                     | ''                                                           | validation",
            "missing customer               | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60} | validation",
            "duration as string             | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":\"sixty\",\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | validation",
            "fractional duration            | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60.5,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | validation",
            "negative duration              | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":-60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | validation",
            "overflowing duration           | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":99999999999,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | validation",
            "bad email                      | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"nope\"}} | validation",
            "accented email local part      | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"hüns@x.ch\"}} | validation",
            "bad phone                      | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\",\"phone\":\"0791234567\"}} | validation",
            "unknown field                  | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"},\"admin\":true} | validation",
            "unknown provider               | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"},\"provider\":\"paypal\"} | validation",
            "time without offset            | {\"start\":\"2026-12-01T09:00:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | time-parse",
            "impossible date                | {\"start\":\"2026-02-30T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | time-parse",
            "year beyond four digits        | {\"start\":\"+10000-01-01T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | time-parse",
            "last year Java reads           | {\"start\":\"+999999999-12-31T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | time-parse",
            "text after the JSON            | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} {\"x\":1} | validation",
            "NUL in a name                  | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"Jo\\u0000hn\",\"email\":\"a@b.ch\"}} | validation",
            "duration as a numeric string   | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":\"60\",\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | validation",
            "name as a number               | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":123,\"email\":\"a@b.ch\"}} | validation",
            "summary as a boolean           | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"},\"summary\":true} | validation",
            "time without seconds           | {\"start\":\"2026-12-01T09:00+01:00\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | time-parse",
            "offset with seconds            | {\"start\":\"2026-12-01T09:00:00+01:00:30\",\"durationMinutes\":60,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | time-parse",
            "no tier for duration           | {\"start\":\"2026-12-01T09:00:00+01:00\",\"durationMinutes\":300,\"customer\":{\"name\":\"a\",\"email\":\"a@b.ch\"}} | no-matching-price-tier",
    })
    void badBookingRequestsAreProblems(String why, String body, String type) {
        var response = httpPost("/api/v1/bookings", body);

        assertThat(response.status()).as(response.body()).isEqualTo(type.equals("no-matching-price-tier") ? 422 : 400);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isEqualTo(type);
        assertThat(response.json().get("detail").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("at io.").doesNotContain("jackson");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "amount as a numeric string     | /api/v1/payments/stripe/payment-intents | {\"amount\":\"9000\",\"currency\":\"CHF\"}",
            "amount as a boolean            | /api/v1/payments/payrexx/gateways       | {\"amount\":true,\"currency\":\"CHF\",\"purpose\":\"a\"}",
            "metadata value as a number     | /api/v1/payments/stripe/payment-intents | {\"amount\":9000,\"currency\":\"CHF\",\"metadata\":{\"order\":7}}",
            "isHtml as a string             | /api/v1/notifications/email             | {\"to\":\"a@b.ch\",\"subject\":\"s\",\"body\":\"b\",\"isHtml\":\"true\"}",
            "isHtml as a number             | /api/v1/notifications/email             | {\"to\":\"a@b.ch\",\"subject\":\"s\",\"body\":\"b\",\"isHtml\":1}",
            "SMS text as a number           | /api/v1/notifications/sms               | {\"to\":\"+41791234567\",\"body\":42}",
            // an absent refund amount refunds the whole payment: "" and "  " were taken for absent
            "refund amount empty            | /api/v1/payments/refunds                | {\"paymentIntent\":\"pi_1\",\"amount\":\"\"}",
            "refund amount blank            | /api/v1/payments/refunds                | {\"paymentIntent\":\"pi_1\",\"amount\":\"  \"}",
            "isHtml empty                   | /api/v1/notifications/email             | {\"to\":\"a@b.ch\",\"subject\":\"s\",\"body\":\"b\",\"isHtml\":\"\"}",
    })
    void aWrongTypedValueIsRefusedNotConverted(String why, String path, String body) {
        var response = httpPost(path, body);

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("jackson");
        stripe.server().verify(0, anyRequestedFor(urlPathMatching("/v1/.*")));
        payrexx.server().verify(0, anyRequestedFor(urlPathMatching(".*")));
        notify.twilio().verify(0, anyRequestedFor(urlPathMatching(".*")));
        notify.sendGrid().verify(0, anyRequestedFor(urlPathMatching(".*")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "from without seconds  | from=2026-12-01T00:00%2B01:00&to=2026-12-02T00:00:00%2B01:00&duration=60",
            "to without seconds    | from=2026-12-01T00:00:00%2B01:00&to=2026-12-02T00:00Z&duration=60",
    })
    void aQueryTimeWithoutSecondsIsNotRfc3339(String why, String query) {
        var response = httpGet("/api/v1/availability?" + query);

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isEqualTo("time-parse");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "NUL in provider     | /api/v1/admin/dead-letters?provider=%00",
            "NUL in route        | /api/v1/admin/dead-letters?route=stripe%00events",
            "a tab in route      | /api/v1/admin/dead-letters?route=%09",
            "NUL in from         | /api/v1/admin/bookings?from=%00",
    })
    void aControlCharacterInAQueryParameterIsRefused(String why, String target) {
        var response = httpGet(target, ADMIN_KEY);

        // NUL reached PostgreSQL's text in a query: a 500 there (on H2, an empty list)
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
        assertThat(response.json().get("detail").asText()).contains("control characters");
    }

    @Test
    void deeplyNestedJsonIsRefused() {
        String nested = "{\"a\":".repeat(2000) + "1" + "}".repeat(2000);

        var response = httpPost("/api/v1/bookings", nested);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
    }

    @Test
    void oversizedBodiesAre413() {
        String huge = "{\"description\":\"" + "x".repeat(70_000) + "\"}";

        var response = httpPost("/api/v1/bookings", huge);

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.json().get("type").asText()).isEqualTo("payload-too-large");
    }

    @Test
    void oversizedChunkedBodiesAre413() {
        byte[] huge = ("{\"description\":\"" + "x".repeat(70_000) + "\"}").getBytes();
        var request = request("/api/v1/bookings").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge)));

        var response = send(request, API_KEY);

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.json().get("type").asText()).isEqualTo("payload-too-large");
    }

    @Test
    void unknownPathsAndMethodsAreProblems() {
        var unknown = httpGet("/api/v1/nothing-here");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.header("Content-Type")).startsWith("application/problem+json");
        assertThat(unknown.json().get("type").asText()).isEqualTo("not-found");

        var errorPage = httpGet("/error", null); // Spring's error path asked for by itself: no resource, not a 500
        assertThat(errorPage.status()).isEqualTo(404);
        assertThat(errorPage.json().get("type").asText()).isEqualTo("not-found");

        var root = httpGet("/", null);
        assertThat(root.status()).isEqualTo(404);
        assertThat(root.json().get("type").asText()).isEqualTo("not-found");

        var wrongMethod = send(request("/api/v1/prices?duration=60").PUT(HttpRequest.BodyPublishers.ofString("{}")),
                API_KEY);
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.header("Content-Type")).startsWith("application/problem+json");
        assertThat(wrongMethod.json().get("type").asText()).isEqualTo("method-not-allowed");
    }

    @Test
    void anUnknownPathOrMethodIs404Or405WhateverTheMediaTypes() {
        var textToNowhere = send(request("/api/v1/nothing-here").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("hello")), API_KEY);
        var xmlFromNowhere = send(request("/api/v1/nothing-here").header("Accept", "application/xml").GET(), API_KEY);
        var textToAGetOnlyPath = send(request("/api/v1/prices?duration=60").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("hello")), API_KEY);
        var textToARoute = send(request("/api/v1/bookings").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("hello")), API_KEY);

        assertThat(textToNowhere.status()).isEqualTo(404);
        assertThat(textToNowhere.json().get("type").asText()).isEqualTo("not-found");
        assertThat(xmlFromNowhere.status()).isEqualTo(404);
        assertThat(xmlFromNowhere.json().get("type").asText()).isEqualTo("not-found");
        assertThat(textToAGetOnlyPath.status()).isEqualTo(405);
        assertThat(textToAGetOnlyPath.json().get("type").asText()).isEqualTo("method-not-allowed");
        assertThat(textToARoute.status()).isEqualTo(415);
        assertThat(textToARoute.json().get("type").asText()).isEqualTo("unsupported-media-type");
    }

    @Test
    void anAnswerInAMediaTypeTheCallerCannotTakeIs406() {
        var xmlOnly = send(request("/api/v1/prices?duration=60").header("Accept", "application/xml").GET(), API_KEY);
        var browser = send(request("/api/v1/prices?duration=60")
                .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8").GET(), API_KEY);
        var json = send(request("/api/v1/prices?duration=60").header("Accept", "application/json").GET(), API_KEY);

        assertThat(xmlOnly.status()).isEqualTo(406);
        assertThat(xmlOnly.header("Content-Type")).startsWith("application/problem+json");
        assertThat(xmlOnly.json().get("type").asText()).isEqualTo("not-acceptable");
        assertThat(browser.status()).isEqualTo(200);
        assertThat(json.status()).isEqualTo(200);
    }

    /**
     * A missing time is validation, as every other missing parameter or field (README Errors, the OpenAPI document);
     * time-parse is for one given that does not parse. Before, time-parse for both.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "availability without from and to | GET  | /api/v1/availability?duration=60 | | from",
            "availability with an empty from  | GET  | /api/v1/availability?from=&to=2026-12-02T00:00:00Z&duration=60 | | from",
            "events without from              | GET  | /api/v1/calendar/events?to=2026-12-02T00:00:00Z | | from",
            "event without start and end      | POST | /api/v1/calendar/events | {\"summary\":\"x\"} | start",
    })
    void aMissingTimeIsAValidationProblem(String why, String method, String path, String body, String name) {
        var response = method.equals("GET") ? httpGet(path) : httpPost(path, body);

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
        assertThat(response.json().get("detail").asText()).startsWith("'" + name + "' is required");
    }

    @Test
    void invalidUtf8IsAProblem() {
        byte[] body = {'{', '"', 's', 't', 'a', 'r', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        var response = send(request("/api/v1/bookings").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), API_KEY);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isIn("validation", "time-parse");
        // named as every other problem: before, this one had no instance (the route had not started)
        assertThat(response.json().path("instance").asText()).isEqualTo("/api/v1/bookings");
    }

    /**
     * A body is JSON when its type is application/json or a +json subtype, with any parameters (any charset) and in
     * any case;
     * before, every type that began with application/json was: JSONP, JSON text sequences, JSON Lines.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "application/jsonp                  | 415",
            "application/json-seq               | 415",
            "application/jsonl                  | 415",
            "application/+json                  | 415",
            "text/json                          | 415",
            "application/JSON; charset=UTF-8    | 400",
            // read as UTF-8 whatever charset it names, one Java does not know too (before, 415)
            "application/json; charset=x-bogus  | 400",
            "application/json;charset=\"\"       | 400",
            "Application/Json                   | 400",
            "application/merge-patch+json       | 400",
            "application/vnd.api+json;v=1       | 400",
    })
    void onlyJsonAndJsonSubtypesAreJson(String contentType, int status) {
        var response = send(request("/api/v1/bookings").header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString("{}")), API_KEY);

        assertThat(response.status()).as(response.body()).isEqualTo(status);
        // accepted: read, and {} is no booking
        assertThat(response.json().get("type").asText())
                .isEqualTo(status == 415 ? "unsupported-media-type" : "validation");
    }

    @Test
    void aRequestTheContainerRefusesBeforeAnyRouteIsAProblemNotAnHtmlPage() throws Exception {
        for (String target : new String[] {"/api/v1/bookings/abc%", "/api/v1/bookings/a|b"}) {
            String answer = rawRequest("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + API_KEY
                    + "\r\nConnection: close\r\n\r\n");

            assertThat(answer).as(target).startsWith("HTTP/1.1 400");
            assertThat(answer).as(target).containsIgnoringCase("Content-Type: application/problem+json")
                    .contains("\"type\":\"bad-request\"").doesNotContainIgnoringCase("<html");
        }
    }

    private String rawRequest(String request) throws java.io.IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }
}
