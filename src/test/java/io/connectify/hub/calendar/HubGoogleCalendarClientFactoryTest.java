package io.connectify.hub.calendar;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.google.api.client.googleapis.json.GoogleJsonResponseException;
import com.google.api.client.http.HttpResponseException;
import com.google.api.client.util.DateTime;
import com.google.api.services.calendar.Calendar;
import com.google.api.services.calendar.model.Event;
import com.google.api.services.calendar.model.EventDateTime;
import com.google.auth.Retryable;
import io.connectify.hub.support.TestKeys;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production client, built by the factory, against WireMock playing Google's token endpoint and Calendar API. */
class HubGoogleCalendarClientFactoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "ya29.factory-test-token";
    private static final String EVENTS = "/calendar/v3/calendars/primary/events";
    private static final String EVENT_JSON = """
            {"kind":"calendar#event","id":"abc123def456","status":"confirmed","summary":"Consultation",
             "start":{"dateTime":"2026-12-01T09:00:00+01:00"},"end":{"dateTime":"2026-12-01T10:00:00+01:00"}}""";
    private static final String UNAUTHENTICATED = """
            {"error":{"code":401,"message":"Invalid Credentials","errors":[{"domain":"global","reason":"authError",
             "message":"Invalid Credentials"}],"status":"UNAUTHENTICATED"}}""";

    private static final WireMockServer google = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
    private static Path keyFile;

    @BeforeAll
    static void start() {
        google.start();
        keyFile = TestKeys.serviceAccountKeyFile(google.baseUrl() + "/token");
    }

    @AfterAll
    static void stop() {
        google.stop();
    }

    @BeforeEach
    void healthyTokenEndpoint() {
        google.resetAll();
        google.stubFor(post(urlPathEqualTo("/token")).willReturn(
                okJson("{\"access_token\":\"" + TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
    }

    @Test
    void buildingTheClientMakesNoRequest() {
        client(null);

        assertThat(google.getAllServeEvents()).isEmpty();
    }

    @Test
    void anInsertExchangesTheKeysJwtAtItsTokenUriAndSendsTheTokenAsBearer() throws Exception {
        google.stubFor(post(urlEqualTo(EVENTS)).willReturn(okJson(EVENT_JSON)));

        Event created = client(null).events().insert("primary", new Event().setId("abc123def456")
                .setSummary("Consultation")
                .setStart(new EventDateTime().setDateTime(new DateTime("2026-12-01T09:00:00+01:00")))
                .setEnd(new EventDateTime().setDateTime(new DateTime("2026-12-01T10:00:00+01:00")))).execute();

        assertThat(created.getId()).isEqualTo("abc123def456");
        google.verify(1, postRequestedFor(urlEqualTo("/token"))
                .withHeader("Content-Type", containing("application/x-www-form-urlencoded"))
                .withRequestBody(containing("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"))
                .withRequestBody(containing("assertion=")));
        google.verify(1, postRequestedFor(urlEqualTo(EVENTS))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .withRequestBody(equalToJson("{\"id\":\"abc123def456\",\"summary\":\"Consultation\"}", true, true)));
        assertThat(google.getAllServeEvents()).hasSize(2);
    }

    @Test
    void theAssertionIsScopedToCalendarAndAddressedToGooglesTokenUrl() throws Exception {
        google.stubFor(get(urlPathEqualTo(EVENTS + "/abc123def456")).willReturn(okJson(EVENT_JSON)));

        client(null).events().get("primary", "abc123def456").execute();

        JsonNode claims = assertionClaims();
        assertThat(claims.get("scope").asText()).isEqualTo("https://www.googleapis.com/auth/calendar");
        assertThat(claims.get("iss").asText()).isEqualTo(JSON.readTree(keyFile.toFile()).get("client_email").asText());
        // google-auth addresses the JWT to Google whatever token_uri says; a fake must not insist on its own URL
        assertThat(claims.get("aud").asText()).isEqualTo("https://oauth2.googleapis.com/token");
        assertThat(claims.has("sub")).isFalse();
    }

    @Test
    void aDelegateBecomesTheAssertionsSubject() throws Exception {
        google.stubFor(get(urlPathEqualTo(EVENTS + "/abc123def456")).willReturn(okJson(EVENT_JSON)));

        client("owner@example.com").events().get("primary", "abc123def456").execute();

        assertThat(assertionClaims().get("sub").asText()).isEqualTo("owner@example.com");
    }

    @Test
    void theTokenIsFetchedOnceForSeveralCalls() throws Exception {
        google.stubFor(get(urlPathEqualTo(EVENTS + "/abc123def456")).willReturn(okJson(EVENT_JSON)));
        Calendar client = client(null);

        client.events().get("primary", "abc123def456").execute();
        client.events().get("primary", "abc123def456").execute();

        google.verify(1, postRequestedFor(urlEqualTo("/token")));
        google.verify(2, getRequestedFor(urlPathEqualTo(EVENTS + "/abc123def456")));
    }

    @Test
    void a401IsRetriedOnceAfterATokenRefreshNotTenTimes() {
        google.stubFor(get(urlPathEqualTo(EVENTS + "/abc123def456")).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json; charset=UTF-8").withBody(UNAUTHENTICATED)));

        assertThatThrownBy(() -> client(null).events().get("primary", "abc123def456").execute())
                .isInstanceOfSatisfying(GoogleJsonResponseException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(401))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(keyFile.toString()));
        google.verify(2, getRequestedFor(urlPathEqualTo(EVENTS + "/abc123def456")));
        google.verify(2, postRequestedFor(urlEqualTo("/token")));
    }

    @Test
    void aFailingTokenEndpointIsAskedOnceWithoutBackOffRetries() {
        google.stubFor(post(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(503)));

        assertThatThrownBy(() -> client(null).events().get("primary", "abc123def456").execute())
                .isInstanceOf(IOException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(keyFile.toString()));
        google.verify(1, postRequestedFor(urlEqualTo("/token")));
        google.verify(0, getRequestedFor(urlPathEqualTo(EVENTS + "/abc123def456")));
    }

    /**
     * A revoked or deleted key, or a disabled account, is refused at the token endpoint before any API call:
     * google-auth's GoogleAuthException (package-private, a {@code Retryable}) around the endpoint's plain
     * HttpResponseException, where the API's own answers are GoogleJsonResponseExceptions. Camel wraps it once more
     * (RuntimeCamelException). Its message holds the endpoint's answer and the account's email, never the assertion.
     */
    @Test
    void aRefusedTokenRequestIsGoogleAuthsExceptionAroundTheTokenEndpointsAnswerAndNoApiCall() {
        google.stubFor(post(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json; charset=utf-8")
                .withBody("{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}")));

        assertThatThrownBy(() -> client(null).events().get("primary", "abc123def456").execute())
                .isInstanceOf(IOException.class)
                .isInstanceOf(Retryable.class)
                .satisfies(e -> assertThat(e.getClass().getName()).isEqualTo("com.google.auth.oauth2.GoogleAuthException"))
                .satisfies(e -> assertThat(((Retryable) e).isRetryable()).isFalse())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(keyFile.toString()).doesNotContain("assertion"))
                .cause().isExactlyInstanceOf(HttpResponseException.class)
                .satisfies(cause -> {
                    HttpResponseException answer = (HttpResponseException) cause;
                    assertThat(answer.getStatusCode()).isEqualTo(400);
                    assertThat(answer.getContent()).contains("\"error\":\"invalid_grant\"");
                });
        google.verify(1, postRequestedFor(urlEqualTo("/token")));
        google.verify(0, getRequestedFor(urlPathEqualTo(EVENTS + "/abc123def456")));
    }

    @Test
    void theReadTimeoutAlsoBoundsTheTokenRequest() {
        google.stubFor(post(urlPathEqualTo("/token")).willReturn(okJson("{}").withFixedDelay(3_000)));
        Calendar client = new HubGoogleCalendarClientFactory(google.baseUrl(), Duration.ofSeconds(1),
                Duration.ofMillis(300)).makeClient(new DefaultCamelContext(), "file:" + keyFile, List.of(), "test", null);

        // the read timeout's, or the whole answer's deadline (AnswerDeadlineHttpClient4), of the same length here,
        // which closes the socket: whichever comes first
        assertThatThrownBy(() -> client.events().get("primary", "abc123def456").execute())
                .rootCause().isInstanceOfAny(SocketTimeoutException.class, SocketException.class);
        google.verify(1, anyRequestedFor(anyUrl()));
    }

    @Test
    void anUnreadableKeyFailsWithoutNamingThePath() {
        assertThatThrownBy(() -> factory().makeClient(new DefaultCamelContext(), "file:/nonexistent/secret-key.json",
                List.of(), "test", null))
                .isInstanceOf(RuntimeCamelException.class)
                .hasMessage("Could not load the Google service-account key")
                .hasCauseInstanceOf(IOException.class);
    }

    @Test
    void aMalformedKeyFailsWithoutEchoingItsContent(@TempDir Path keys) throws Exception {
        Path broken = keys.resolve("broken-key.json");
        Files.writeString(broken, "{\"type\":\"service_account\",\"private_key\":\"SECRET-MATERIAL\"}");

        assertThatThrownBy(() -> factory().makeClient(new DefaultCamelContext(), "file:" + broken, List.of(),
                "test", null))
                .hasMessage("Could not load the Google service-account key")
                .satisfies(e -> assertThat(e.getCause().getMessage()).doesNotContain("SECRET-MATERIAL"));
    }

    @Test
    void withAwaitKeyTheKeyIsReadAtTheFirstRequestOnceAwaitKeyReturns(@TempDir Path keys) throws Exception {
        google.stubFor(get(urlPathEqualTo(EVENTS + "/abc123def456")).willReturn(okJson(EVENT_JSON)));
        Path notYetWritten = keys.resolve("key.json");
        AtomicInteger awaited = new AtomicInteger();
        HubGoogleCalendarClientFactory factory = new HubGoogleCalendarClientFactory(google.baseUrl(),
                Duration.ofSeconds(2), Duration.ofSeconds(2), () -> {
                    awaited.incrementAndGet();
                    copy(keyFile, notYetWritten);
                });

        // without awaitKey, a missing key file fails here (anUnreadableKeyFailsWithoutNamingThePath)
        Calendar client = factory.makeClient(new DefaultCamelContext(), "file:" + notYetWritten, List.of(), "test",
                null);
        assertThat(awaited).hasValue(0);
        client.events().get("primary", "abc123def456").execute();
        client.events().get("primary", "abc123def456").execute();

        assertThat(awaited).hasValue(1);
        google.verify(1, postRequestedFor(urlEqualTo("/token")));
        google.verify(2, getRequestedFor(urlPathEqualTo(EVENTS + "/abc123def456"))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN)));
    }

    @Test
    void oauthClientCredentialsAreRefusedWithAPointerToServiceAccountKeys() {
        assertThatThrownBy(() -> factory().makeClient("id", "secret", List.of(), "test", null, null, null, null, null))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("use a service-account key");
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HubGoogleCalendarClientFactory factory() {
        return new HubGoogleCalendarClientFactory(google.baseUrl(), Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    private static Calendar client(String delegate) {
        return factory().makeClient(new DefaultCamelContext(), "file:" + keyFile, List.of(), "test", delegate);
    }

    /** The claims of the JWT assertion in the (only) token request. */
    private static JsonNode assertionClaims() throws IOException {
        var requests = google.findAll(postRequestedFor(urlEqualTo("/token")));
        assertThat(requests).hasSize(1);
        Map<String, String> form = new java.util.HashMap<>();
        for (String pair : requests.get(0).getBodyAsString().split("&")) {
            String[] kv = pair.split("=", 2);
            form.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        String payload = form.get("assertion").split("\\.")[1];
        return JSON.readTree(Base64.getUrlDecoder().decode(payload));
    }
}
