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
    void everyProviderCallIsAuditedWithOutcomeAndLatency() {
        jdbc.sql("DELETE FROM integration_audit").update();
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.get(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(
                        "/calendar/v3/calendars/primary/events/missing00"))
                .willReturn(io.connectify.hub.support.GoogleCalendarFake.error(404, "notFound")));

        httpGet("/api/v1/calendar/events/missing00");
        httpGet("/api/v1/availability?from=" + q("2026-12-01T00:00:00+01:00") + "&to=" + q("2026-12-02T00:00:00+01:00")
                + "&duration=60");

        var rows = jdbc.sql("SELECT provider, operation, outcome, latency_ms FROM integration_audit ORDER BY id")
                .query((rs, i) -> rs.getString("provider") + " " + rs.getString("operation") + " "
                        + rs.getString("outcome") + " " + (rs.getLong("latency_ms") >= 0))
                .list();
        assertThat(rows).containsExactly("google-calendar gcal-get-event not-found true",
                "google-calendar gcal-query-freebusy ok true");
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
