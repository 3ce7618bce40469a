package io.connectify.hub.resilience;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static io.connectify.hub.support.GoogleCalendarFake.FREEBUSY;
import static io.connectify.hub.support.GoogleCalendarFake.error;
import static io.connectify.hub.support.GoogleCalendarFake.eventJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.connectify.hub.calendar.GoogleErrors;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.connectify.hub.support.LogLines;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Google failures, its token endpoint's included: retried only when retryable, then 502/503 problems; the circuit
 * opens and recovers.
 */
@HubTest
@ExtendWith(OutputCaptureExtension.class)
class GoogleCalendarResilienceTest extends HubTestBase {

    private static final String EVENT_PATH = EVENTS + "/abc123def456";

    @Test
    void serverErrorsAreRetriedUpToTheLimitThen502() {
        google.stub(get(urlPathEqualTo(EVENT_PATH)).willReturn(error(500, "backendError")));

        var response = httpGet("/api/v1/calendar/events/abc123def456");

        assertThat(response.status()).isEqualTo(502);
        assertThat(response.json().get("type").asText()).isEqualTo("provider-error");
        // test profile: max-attempts 3
        google.server().verify(3, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
    }

    @Test
    void aTransientFailureIsRetriedAndSucceeds() {
        google.stub(get(urlPathEqualTo(EVENT_PATH)).inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(error(503, "backendError")).willSetStateTo("recovered"));
        google.stub(get(urlPathEqualTo(EVENT_PATH)).inScenario("flaky").whenScenarioStateIs("recovered")
                .willReturn(okJson(eventJson("abc123def456", "Ok", "2026-12-01T09:00:00+01:00",
                        "2026-12-01T10:00:00+01:00"))));

        var response = httpGet("/api/v1/calendar/events/abc123def456");

        assertThat(response.status()).isEqualTo(200);
        google.server().verify(2, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
    }

    @Test
    void rateLimitIsRetriedHonouringRetryAfterThen429() {
        google.stub(get(urlPathEqualTo(EVENT_PATH)).willReturn(error(429, "rateLimitExceeded")
                .withHeader("Retry-After", "0")));

        var response = httpGet("/api/v1/calendar/events/abc123def456");

        assertThat(response.status()).isEqualTo(429);
        assertThat(response.json().get("type").asText()).isEqualTo("rate-limited");
        google.server().verify(3, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
    }

    @Test
    void rejectedCredentialsAre502WithoutRetryOrLeak() {
        google.stub(get(urlPathEqualTo(EVENT_PATH)).willReturn(error(401, "authError")));

        var response = httpGet("/api/v1/calendar/events/abc123def456");

        assertThat(response.status()).isEqualTo(502);
        assertThat(response.json().get("type").asText()).isEqualTo("provider-error");
        assertThat(response.body()).doesNotContain(google.keyFile().toString()).doesNotContain("PRIVATE KEY")
                .doesNotContain("at io.").doesNotContain("Exception");
        // one call, plus at most one token refresh and retry by the credentials adapter: never 11
        google.server().verify(2, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
    }

    /**
     * A key revoked or deleted, or its account disabled: Google's token endpoint refuses the hub's token request
     * before any Calendar call. The credentials' fault, as a 401 is: 502 with nothing retried, one error line that
     * sends a person to the key, and no key, token or assertion in the logs or the answer.
     */
    @ParameterizedTest(name = "HTTP {0} {1}")
    @CsvSource(delimiter = '|', value = {
            "400 | invalid_grant       | Invalid JWT Signature.",
            "400 | invalid_grant       | Invalid grant: account not found",
            "401 | invalid_client      | The OAuth client was not found.",
            "400 | unauthorized_client | Client is unauthorized to retrieve access tokens using this method."})
    void aKeyTheTokenEndpointRefusesIs502NotRetriedAndLoggedOnceAsTheKey(int status, String error,
                                                                         String description, CapturedOutput output) {
        google.refuseTokens(status, error, description);
        int logged = output.getAll().length();
        try (LogLines lines = LogLines.of(GoogleErrors.class)) {
            var response = httpGet("/api/v1/calendar/events/abc123def456");

            assertThat(response.status()).isEqualTo(502);
            assertThat(response.json().get("type").asText()).isEqualTo("provider-error");
            assertThat(response.json().get("detail").asText()).contains("token endpoint").contains(error);
            assertThat(google.tokenRequests()).isEqualTo(1);
            google.server().verify(0, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
            assertThat(lines.errors()).singleElement()
                    .satisfies(line -> assertThat(line.getFormattedMessage())
                            .contains("refused the hub's credentials").contains(error)
                            .contains("check the service account key (connectify.gcal.key-path)"));
            for (String secret : google.secrets()) {
                assertThat(output.getAll().substring(logged)).as("the logs").doesNotContain(secret);
                assertThat(response.body()).doesNotContain(secret);
            }
        }
    }

    /**
     * The Calendar API refuses the hub's token (401, invalid_token: the key revoked since it was issued), and the
     * token endpoint then refuses the key on the refresh: the hub says so once, as the key's fault with the endpoint's
     * error code, and google-auth's own "unable to refresh token" line (java.util.logging, SEVERE, with a stack trace
     * holding the endpoint's answer, the token URL and the service account's address) is not logged beside it.
     */
    @Test
    void aTokenRefusedOnItsRefreshAfterA401IsLoggedOnceAsTheKeyAndNotAgainByGoogleAuth(CapturedOutput output) {
        google.grantTheNextTokenThen(GoogleCalendarFake.tokenRefusal(400, "invalid_grant", "Invalid JWT Signature."));
        google.stub(get(urlPathEqualTo(EVENT_PATH)).willReturn(tokenRefused()));
        int logged = output.getAll().length();
        try (LogLines lines = LogLines.all()) {
            var response = httpGet("/api/v1/calendar/events/abc123def456");

            assertThat(response.status()).isEqualTo(502);
            assertThat(response.json().get("type").asText()).isEqualTo("provider-error");
            assertThat(response.json().get("detail").asText())
                    .isEqualTo("Google's token endpoint answered HTTP 400 (invalid_grant)");
            google.server().verify(1, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
            assertThat(google.tokenRequests()).isEqualTo(2); // the token the call was made with, and its refresh
            assertThat(lines.errors()).singleElement().satisfies(line -> {
                assertThat(line.getLoggerName()).isEqualTo(GoogleErrors.class.getName());
                assertThat(line.getFormattedMessage()).isEqualTo("Google refused the hub's credentials: Google's "
                        + "token endpoint answered HTTP 400 (invalid_grant); check the service account key "
                        + "(connectify.gcal.key-path): revoked, deleted, or its account disabled");
            });
            assertThat(lines.lines()).noneMatch(line -> line.getLoggerName().startsWith("com.google"))
                    .allSatisfy(line -> assertThat(line.getThrowableProxy()).as(line.getFormattedMessage()).isNull());
            String log = output.getAll().substring(logged);
            assertThat(log).doesNotContain("unable to refresh token").doesNotContain("\tat ");
            for (String secret : google.secrets()) {
                assertThat(log).as("the logs").doesNotContain(secret);
                assertThat(response.body()).doesNotContain(secret);
            }
        }
    }

    /**
     * The token endpoint down when the hub refreshes a token the Calendar API refused: Google down, retried, not a
     * key to replace (google-auth's handler logged the failed refresh and answered the 401, which read as a refused
     * key: not retried, an ERROR sending a person to a key that may be fine).
     */
    @Test
    void aTokenEndpointServerErrorOnTheRefreshAfterA401IsRetriedNotTakenForARefusedKey() {
        google.grantTheNextTokenThen(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"internal_failure\"}"));
        google.stub(get(urlPathEqualTo(EVENT_PATH)).willReturn(tokenRefused()));
        try (LogLines lines = LogLines.all()) {
            var response = httpGet("/api/v1/calendar/events/abc123def456");

            assertThat(response.status()).isEqualTo(502);
            assertThat(response.json().get("type").asText()).isEqualTo("provider-error");
            assertThat(response.json().get("detail").asText())
                    .isEqualTo("Google's token endpoint answered HTTP 503 (internal_failure)");
            // the call's token and its refresh, then a token request per retry (test profile: max-attempts 3)
            assertThat(google.tokenRequests()).isEqualTo(4);
            google.server().verify(1, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
            assertThat(lines.errors()).isEmpty();
        }
    }

    /** The Calendar API's answer to a token it no longer takes. */
    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder tokenRefused() {
        return error(401, "authError").withHeader("WWW-Authenticate",
                "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"");
    }

    @Test
    void aTokenEndpointServerErrorIsRetriedThen502() {
        google.tokenEndpointAnswers(aResponse().withStatus(503).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"internal_failure\"}"));

        var response = httpGet("/api/v1/calendar/events/abc123def456");

        assertThat(response.status()).isEqualTo(502);
        assertThat(response.json().get("type").asText()).isEqualTo("provider-error");
        assertThat(google.tokenRequests()).isEqualTo(3); // test profile: max-attempts 3
        google.server().verify(0, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
    }

    /**
     * Google's token endpoint limiting the hub's token requests: its rate limit, not a key refused. Retried as the
     * Calendar API's 429 is (Retry-After honoured up to max-retry-after, a longer one not retried but passed on),
     * then 429 rate-limited to the caller; a failure of Google for the breaker, never the hub's own limiter's
     * rejection, and no error line sending a person to the key. Without a Retry-After the caller is told the
     * configured rate-limited-wait (test profile 200 ms, in whole seconds 1; before, no Retry-After at all).
     */
    @ParameterizedTest(name = "Retry-After {0}")
    @CsvSource(nullValues = "none", value = {
            "none, 3, 1",
            "0,    3, 1",
            "30,   1, 30"})
    void aTokenEndpointRateLimitIsRetriedAsOneThen429(String retryAfter, int tokenRequests, String answeredRetryAfter) {
        var limited = aResponse().withStatus(429).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"rate_limit_exceeded\"}");
        google.tokenEndpointAnswers(retryAfter == null ? limited : limited.withHeader("Retry-After", retryAfter));
        CircuitBreaker breaker = resilience.circuitBreaker("google-calendar");
        long failedCalls = breaker.getMetrics().getNumberOfFailedCalls();
        long rejections = resilience.rejections("google-calendar");
        jdbc.sql("DELETE FROM integration_audit").update();
        try (LogLines lines = LogLines.of(GoogleErrors.class)) {
            var response = httpGet("/api/v1/calendar/events/abc123def456");

            assertThat(response.status()).isEqualTo(429);
            assertThat(response.json().get("type").asText()).isEqualTo("rate-limited");
            assertThat(response.header("Retry-After")).isEqualTo(answeredRetryAfter);
            assertThat(google.tokenRequests()).isEqualTo(tokenRequests); // test profile: max-attempts 3
            google.server().verify(0, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
            assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(failedCalls + 1);
            assertThat(resilience.rejections("google-calendar")).isEqualTo(rejections);
            assertThat(jdbc.sql("SELECT outcome FROM integration_audit WHERE operation = 'gcal-get-event'")
                    .query(String.class).list()).containsExactly("rate-limited");
            assertThat(resilience.lastError("google-calendar")).get().satisfies(last -> {
                assertThat(last.type()).isEqualTo("rate-limited");
                assertThat(last.detail()).contains("token endpoint");
            });
            assertThat(lines.errors()).isEmpty();
        }
    }

    /** A 408 of the token endpoint (its request timed out there): Google down, retried, then 502; not the key. */
    @Test
    void aTokenEndpointRequestTimeoutIsRetriedThen502() {
        google.tokenEndpointAnswers(aResponse().withStatus(408).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"request_timeout\"}"));
        CircuitBreaker breaker = resilience.circuitBreaker("google-calendar");
        long failedCalls = breaker.getMetrics().getNumberOfFailedCalls();
        try (LogLines lines = LogLines.of(GoogleErrors.class)) {
            var response = httpGet("/api/v1/calendar/events/abc123def456");

            assertThat(response.status()).isEqualTo(502);
            assertThat(response.json().get("type").asText()).isEqualTo("provider-error");
            assertThat(response.json().get("detail").asText()).isEqualTo("Google's token endpoint answered HTTP 408 "
                    + "(request_timeout)");
            assertThat(google.tokenRequests()).isEqualTo(3);
            google.server().verify(0, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
            assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(failedCalls + 1);
            assertThat(lines.errors()).isEmpty();
            assertThat(lines.lines()).anySatisfy(line -> assertThat(line.getFormattedMessage())
                    .isEqualTo("Google's token endpoint failed: Google's token endpoint answered HTTP 408 "
                            + "(request_timeout)"));
        }
    }

    @Test
    void anUnreachableTokenEndpointIsRetriedThen502() {
        google.tokenEndpointAnswers(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));

        var response = httpGet("/api/v1/calendar/events/abc123def456");

        assertThat(response.status()).isEqualTo(502);
        assertThat(response.json().get("type").asText()).isEqualTo("provider-error");
        assertThat(google.tokenRequests()).isEqualTo(3);
        google.server().verify(0, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
    }

    @Test
    void aTimeoutIsRetriedThen502() {
        google.stub(get(urlPathEqualTo(EVENT_PATH)).willReturn(aResponse().withFixedDelay(1500)
                .withStatus(200).withBody("{}")));

        var response = httpGet("/api/v1/calendar/events/abc123def456");

        assertThat(response.status()).isEqualTo(502);
        google.server().verify(3, getRequestedFor(urlPathEqualTo(EVENT_PATH)));
    }

    @Test
    void theCircuitOpensAfterFailuresAnswers503WithRetryAfterAndStopsCallingGoogle() {
        google.stub(post(urlPathEqualTo(FREEBUSY)).willReturn(error(500, "backendError")));
        String availability = "/api/v1/availability?from=" + q("2026-12-01T00:00:00+01:00") + "&to="
                + q("2026-12-02T00:00:00+01:00") + "&duration=60";

        // test profile: window 4 calls, 50% threshold
        for (int i = 0; i < 4; i++) {
            assertThat(httpGet(availability).status()).isEqualTo(502);
        }
        int callsBeforeOpen = google.server().findAll(postRequestedFor(urlPathEqualTo(FREEBUSY))).size();

        var rejected = httpGet(availability);

        assertThat(rejected.status()).isEqualTo(503);
        assertThat(rejected.json().get("type").asText()).isEqualTo("provider-unavailable");
        assertThat(rejected.header("Retry-After")).isEqualTo("60");
        assertThat(google.server().findAll(postRequestedFor(urlPathEqualTo(FREEBUSY)))).hasSize(callsBeforeOpen);
        assertThat(resilience.circuitBreaker("google-calendar").getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(httpGet("/actuator/health").body()).contains("\"circuit\":\"OPEN\"");

        // half-open after the wait: a success closes it again
        resilience.circuitBreaker("google-calendar").transitionToHalfOpenState();
        google.busy();
        for (int i = 0; i < 3; i++) {
            assertThat(httpGet(availability).status()).isEqualTo(200);
        }
        assertThat(resilience.circuitBreaker("google-calendar").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void notFoundDoesNotCountAgainstTheCircuit() {
        google.stub(get(urlPathEqualTo(EVENT_PATH)).willReturn(error(404, "notFound")));

        for (int i = 0; i < 6; i++) {
            assertThat(httpGet("/api/v1/calendar/events/abc123def456").status()).isEqualTo(404);
        }

        assertThat(resilience.circuitBreaker("google-calendar").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
}
