package io.connectify.hub.resilience;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * What Payrexx's circuit breaker counts, and what the audit keeps of the calls it refuses. A caller's error (the
 * provider's own 404, the hub's rate limiter refusing the call) is the breaker's {@code ignored} kind, neither a
 * failure nor a success; a call the open circuit refuses is a row in integration_audit. Before, such errors were
 * counted {@code successful} (the dashboard's and the failure-ratio alert's "successful" calls held them), and a
 * refused call left no row. Payrexx's limiter here waits for no permit and renews its allowance hourly, so that a
 * test that drains it knows the next call is refused (its own context: no other test meets the drained limiter).
 */
@HubTest
@TestPropertySource(properties = {
        "connectify.resilience.providers.payrexx.rate-limiter.timeout=0s",
        "connectify.resilience.providers.payrexx.rate-limiter.limit-refresh-period=1h"})
class BreakerAccountingTest extends HubTestBase {

    private static final String TRANSACTION = "/v1.0/Transaction/42/";
    private static final String API_PATH = "/api/v1/payments/payrexx/transactions/42";

    @Test
    void aNotFoundAndARateLimitedRefusalAreIgnoredCallsNotSuccessfulOnes() {
        resilience.circuitBreaker("payrexx").reset();
        double successful = calls("successful");
        double ignored = calls("ignored");
        double failed = calls("failed");

        payrexx.transaction(42, "confirmed", "b-1");
        assertThat(httpGet(API_PATH).status()).isEqualTo(200);
        payrexx.server().stubFor(any(urlPathEqualTo(TRANSACTION)).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"status\":\"error\",\"message\":\"No Transaction found with id 42\"}")));
        var notFound = httpGet(API_PATH);
        assertThat(notFound.status()).as(notFound.body()).isBetween(400, 499);
        resilience.rateLimiter("payrexx").drainPermissions();
        var refused = httpGet(API_PATH);
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(refused.json().get("type").asText()).isEqualTo("rate-limited");

        assertThat(calls("successful") - successful).as("successful").isEqualTo(1.0);
        assertThat(calls("ignored") - ignored).as("ignored").isEqualTo(2.0);
        assertThat(calls("failed") - failed).as("failed").isZero();
    }

    @Test
    void aCallTheOpenCircuitRefusesIsAudited() {
        var breaker = resilience.circuitBreaker("payrexx");
        breaker.transitionToOpenState();
        try {
            var refused = send(request(API_PATH).header("X-Correlation-Id", "open-circuit-1").GET(), API_KEY);

            assertThat(refused.status()).as(refused.body()).isEqualTo(503);
            assertThat(refused.json().get("type").asText()).isEqualTo("provider-unavailable");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(jdbc.sql(
                            "SELECT provider, outcome, latency_ms FROM integration_audit "
                                    + "WHERE correlation_id = 'open-circuit-1'")
                    .query((rs, i) -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getLong(3)).list())
                    .containsExactly("payrexx provider-unavailable 0"));
        } finally {
            breaker.reset();
        }
    }

    /** The breaker's calls of that kind so far, as Prometheus scrapes them. */
    private double calls(String kind) {
        Matcher line = Pattern.compile("(?m)^resilience4j_circuitbreaker_calls_seconds_count\\{([^}]*)} (\\S+)$")
                .matcher(httpGet("/actuator/prometheus", null).body());
        while (line.find()) {
            if (line.group(1).contains("kind=\"" + kind + "\"") && line.group(1).contains("name=\"payrexx\"")) {
                return Double.parseDouble(line.group(2));
            }
        }
        return 0;
    }
}
