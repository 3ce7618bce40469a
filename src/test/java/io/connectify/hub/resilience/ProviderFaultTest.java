package io.connectify.hub.resilience;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.connectify.hub.support.NotificationFakes;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one resilience mechanism, provider by provider, under injected faults: retries stop at the limit (test
 * profile: 3 attempts), the answer is a typed problem, and after enough failures the circuit opens (503 with
 * Retry-After, the provider is no longer called), half-opens and closes again once the provider recovers.
 */
@HubTest
class ProviderFaultTest extends HubTestBase {

    /** Provider, its fake, the path the hub calls, and the REST call that makes the hub call it. */
    record Target(String provider, String path, String method, String apiPath, String body) {

        /**
         * The calls of the operation (Twilio's lookups after a lost answer, GETs of the same path, are not sends; they
         * fail with the fault too, and the SMS is sent again).
         */
        RequestPatternBuilder calls() {
            return new RequestPatternBuilder(RequestMethod.fromString(method), urlPathEqualTo(path));
        }

        WireMockServer fake() {
            return switch (provider) {
                case "google-calendar" -> google.server();
                case "stripe" -> stripe.server();
                case "payrexx" -> payrexx.server();
                case "twilio" -> notify.twilio();
                default -> notify.sendGrid();
            };
        }
    }

    private static final List<Target> TARGETS = List.of(
            new Target("google-calendar", "/calendar/v3/calendars/primary/events/abc123def456", "GET",
                    "/api/v1/calendar/events/abc123def456", null),
            new Target("stripe", "/v1/payment_intents", "POST", "/api/v1/payments/stripe/payment-intents",
                    "{\"amount\":7500,\"currency\":\"CHF\"}"),
            new Target("payrexx", "/v1.0/Transaction/42/", "GET", "/api/v1/payments/payrexx/transactions/42", null),
            new Target("twilio", NotificationFakes.MESSAGES, "POST", "/api/v1/notifications/sms",
                    "{\"to\":\"+41791234567\",\"body\":\"x\"}"),
            new Target("sendgrid", NotificationFakes.MAIL_SEND, "POST", "/api/v1/notifications/email",
                    "{\"to\":\"a@b.ch\",\"subject\":\"x\",\"body\":\"x\"}"));

    static Stream<Arguments> faults() {
        return TARGETS.stream().flatMap(t -> Stream.of(
                Arguments.of(t, "connection reset", aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER), 502),
                Arguments.of(t, "empty reply", aResponse().withFault(Fault.EMPTY_RESPONSE), 502),
                Arguments.of(t, "500 burst", aResponse().withStatus(500).withHeader("Content-Type", "application/json")
                        .withBody("{}"), 502),
                Arguments.of(t, "429 with Retry-After", aResponse().withStatus(429).withHeader("Retry-After", "0")
                        .withHeader("Content-Type", "application/json").withBody("{\"code\":20429,\"status\":429}"), 429),
                // a proxy or load balancer in front of the provider, its route to it missing for a moment: not the
                // provider's "no such object" (always JSON), a passing failure (before: a final 404, never retried)
                Arguments.of(t, "proxy's 404 page", proxysNotFoundPage(), 502)));
    }

    /** The HTML page a proxy (nginx, a cloud load balancer) answers 404 with. */
    private static ResponseDefinitionBuilder proxysNotFoundPage() {
        return aResponse().withStatus(404).withHeader("Content-Type", "text/html")
                .withBody("<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1>"
                        + "</center><hr><center>nginx</center></body></html>");
    }

    /** Each provider's own answer for a missing object: JSON, as its API documents it. */
    private static final Map<String, String> PROVIDERS_NOT_FOUND = Map.of(
            "google-calendar", "{\"error\":{\"code\":404,\"message\":\"Not Found\",\"errors\":[{\"domain\":\"global\","
                    + "\"reason\":\"notFound\",\"message\":\"Not Found\"}]}}",
            "stripe", "{\"error\":{\"type\":\"invalid_request_error\",\"code\":\"resource_missing\","
                    + "\"message\":\"No such payment_intent\"}}",
            "payrexx", "{\"status\":\"error\",\"message\":\"No Transaction found with id 42\"}",
            "twilio", "{\"code\":20404,\"message\":\"The requested resource was not found\",\"more_info\":"
                    + "\"https://www.twilio.com/docs/errors/20404\",\"status\":404}",
            "sendgrid", "{\"errors\":[{\"field\":null,\"message\":\"Not found\",\"help\":null}]}");

    /**
     * The provider's own 404 (JSON) is its final answer, as before: asked once, not retried, and no provider error;
     * only a 404 without the provider's JSON (a proxy's page, above) is retried.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void theProvidersOwnNotFoundIsFinalAndNotRetried(Target target) {
        target.fake().stubFor(any(urlPathEqualTo(target.path())).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json").withBody(PROVIDERS_NOT_FOUND.get(target.provider()))));

        var response = call(target);

        assertThat(response.status()).as(response.body()).isBetween(400, 499);
        assertThat(target.fake().findAll(target.calls())).hasSize(1);
        assertThat(resilience.circuitBreaker(target.provider()).getMetrics().getNumberOfFailedCalls()).isZero();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("faults")
    void retriesStopAtTheLimitThenTheCircuitOpensAndRecovers(Target target, String fault,
                                                             ResponseDefinitionBuilder response, int expected) {
        WireMockServer fake = target.fake();
        fake.stubFor(any(urlPathEqualTo(target.path())).willReturn(response));

        var first = call(target);
        assertThat(first.status()).as(first.body()).isEqualTo(expected);
        assertThat(first.header("Content-Type")).startsWith("application/problem+json");
        // to Twilio a 500 whose body is no Twilio error ("{}": no code, no status) is a foreign reply: answer lost too,
        // and so is a proxy's 404 page (twilio-java reads no Twilio error in it); to SendGrid a 500 is its API's own
        // error, nothing taken, and a proxy's 404 never reached it
        boolean answerLost = !fault.startsWith("429")
                && !(fault.equals("500 burst") && target.provider().equals("sendgrid"))
                && !(fault.startsWith("proxy") && !target.provider().equals("twilio"));
        assertThat(fake.findAll(target.calls())).hasSize(sends(target, answerLost));

        for (int i = 0; i < 3; i++) {
            call(target); // test profile: the breaker judges a window of 4 calls, 50% failures open it
        }
        int callsWhenOpen = fake.findAll(target.calls()).size();
        var rejected = call(target);
        assertThat(rejected.status()).isEqualTo(503);
        assertThat(rejected.json().get("type").asText()).isEqualTo("provider-unavailable");
        assertThat(rejected.header("Retry-After")).isEqualTo("60");
        assertThat(fake.findAll(target.calls())).hasSize(callsWhenOpen);

        CircuitBreaker breaker = resilience.circuitBreaker(target.provider());
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        breaker.transitionToHalfOpenState(); // the wait in the open state has passed
        fake.resetAll();
        google.reset();
        stripe.reset();
        payrexx.reset();
        notify.reset();
        payrexx.transaction(42, "confirmed", "b-1");
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo(
                "/calendar/v3/calendars/primary/events/abc123def456")).willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.okJson(io.connectify.hub.support.GoogleCalendarFake
                        .eventJson("abc123def456", "x", "2026-12-01T09:00:00+01:00", "2026-12-01T10:00:00+01:00"))));
        stripe.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlPathEqualTo("/v1/payment_intents"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.okJson("""
                        {"id":"pi_1","object":"payment_intent","amount":7500,"currency":"chf","status":"requires_payment_method"}""")));
        for (int i = 0; i < 3; i++) {
            assertThat(call(target).status()).isEqualTo(target.body() == null ? 200 : 201); // a read, or a create
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void eachAttemptEndsAtTheProvidersReadTimeout(Target target) {
        target.fake().stubFor(any(urlPathEqualTo(target.path())).willReturn(aResponse().withFixedDelay(1500)
                .withStatus(200).withHeader("Content-Type", "application/json").withBody("{}")));

        var response = call(target);

        // test profile: read timeout 1 s per provider, 3 attempts
        assertThat(response.status()).as(response.body()).isEqualTo(502);
        assertThat(target.fake().findAll(target.calls())).hasSize(sends(target, true));
    }

    /**
     * The requests of one call's three attempts (test profile). An SMS whose answer was lost is sent once: Twilio may
     * have it, and each retry's lookup in its Messages list (the same fault answers it) fails, so none sends again. An
     * email whose answer was lost is sent once more, then no more (SendGrid cannot be asked; the default
     * connectify.sendgrid.resends-after-lost-answer, 1).
     */
    private static int sends(Target target, boolean answerLost) {
        if (answerLost && target.provider().equals("twilio")) {
            return 1;
        }
        return answerLost && target.provider().equals("sendgrid") ? 2 : 3;
    }

    static Stream<Target> targets() {
        return TARGETS.stream();
    }

    private Response call(Target target) {
        return target.body() == null ? httpGet(target.apiPath()) : httpPost(target.apiPath(), target.body());
    }
}
