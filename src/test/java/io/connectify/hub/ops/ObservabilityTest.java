package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.Test;

@HubTest
class ObservabilityTest extends HubTestBase {

    @Test
    void prometheusExposesCamelRouteMetricsPerRouteId() {
        assertThat(httpGet("/api/v1/prices?duration=60").status()).isEqualTo(200);

        String metrics = httpGet("/actuator/prometheus", null).body();

        assertThat(metrics).containsPattern("camel_exchanges_total\\{[^}]*routeId=\"price-query\"");
        assertThat(metrics).containsPattern("resilience4j_circuitbreaker_state\\{[^}]*name=\"google-calendar\"");
    }

    @Test
    void healthShowsTheGoogleCalendarIndicator() {
        var health = httpGet("/actuator/health", null).json();

        assertThat(health.get("status").asText()).isEqualTo("UP");
        var google = health.get("components").get("providers").get("components").get("google-calendar");
        assertThat(google.get("status").asText()).isEqualTo("UP");
        assertThat(google.get("details").get("mode").asText()).isEqualTo("live");
        assertThat(google.get("details").get("circuit").asText()).isEqualTo("CLOSED");
    }
}
