package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Pattern;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.cluster.ClusteredRoutePolicy;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

@HubTest
class ObservabilityTest extends HubTestBase {

    @Autowired
    CamelContext camel;
    @Autowired
    RetentionSweep retentionSweep;

    @Test
    void prometheusExposesCamelRouteMetricsPerRouteId() {
        assertThat(httpGet("/api/v1/prices?duration=60").status()).isEqualTo(200);

        String metrics = httpGet("/actuator/prometheus", null).body();

        assertThat(metrics).containsPattern("camel_exchanges_total\\{[^}]*routeId=\"price-query\"");
        assertThat(metrics).containsPattern("resilience4j_circuitbreaker_state\\{[^}]*name=\"google-calendar\"");
    }

    /**
     * The route policy's meters as Camel names and tags them (the dashboard's and alerts' queries), each exchange timed
     * and counted once per route, by the hub's policy ({@link RouteTimingPolicyFactory}), not Camel's own.
     */
    @Test
    void everyRouteExchangeIsTimedAndCountedOnceByTheHubsRoutePolicy() {
        String series = "\\{[^}]*eventType=\"route\"[^}]*routeId=\"price-query\"[^}]*} ";
        String route = "camel_route_policy_seconds_count" + series;
        String total = "camel_exchanges_total" + series;
        String succeeded = "camel_exchanges_succeeded_total" + series;
        assertThat(httpGet("/api/v1/prices?duration=60").status()).isEqualTo(200);
        String before = httpGet("/actuator/prometheus", null).body();

        for (int i = 0; i < 3; i++) {
            assertThat(httpGet("/api/v1/prices?duration=60").status()).isEqualTo(200);
        }
        String after = httpGet("/actuator/prometheus", null).body();

        assertThat(count(after, route) - count(before, route)).isEqualTo(3.0);
        assertThat(count(after, total) - count(before, total)).isEqualTo(3.0);
        assertThat(count(after, succeeded) - count(before, succeeded)).isEqualTo(3.0);
        assertThat(camel.getRoute("price-query").getRoutePolicyList())
                .hasAtLeastOneElementOfType(RouteTimingPolicyFactory.Timing.class)
                .noneMatch(policy -> policy.getClass()
                        == org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicy.class);
    }

    /**
     * The notification senders are a route template's routes: Camel's policy measures them (the hub runs no management
     * agent that would say otherwise), and so does the hub's; before, the hub's skipped them, their counters stayed 0.
     */
    @Test
    void aRouteTemplatesRoutesAreTimedAsCamelTimesThem() {
        for (String id : List.of("notification-send-sms", "notification-send-email")) {
            var route = camel.getRoute(id);
            assertThat(route.isCreatedByRouteTemplate()).as(id).isTrue();
            assertThat(route.getRoutePolicyList()).as(id)
                    .filteredOn(RouteTimingPolicyFactory.Timing.class::isInstance).singleElement()
                    .satisfies(policy -> assertThat(((RouteTimingPolicyFactory.Timing) policy).times(route)).isTrue());
        }
    }

    private static double count(String metrics, String series) {
        var matcher = Pattern.compile(series + "([0-9.eE+]+)").matcher(metrics);
        assertThat(matcher.find()).as(series).isTrue();
        return Double.parseDouble(matcher.group(1));
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

        // Google's calls only: notifications an earlier test queued may still be sent meanwhile
        var rows = jdbc.sql("SELECT provider, operation, outcome, latency_ms FROM integration_audit "
                        + "WHERE provider = 'google-calendar' ORDER BY id")
                .query((rs, i) -> rs.getString("provider") + " " + rs.getString("operation") + " "
                        + rs.getString("outcome") + " " + (rs.getLong("latency_ms") >= 0))
                .list();
        assertThat(rows).containsExactly("google-calendar gcal-get-event not-found true",
                "google-calendar gcal-query-freebusy ok true");
    }

    @Test
    void aPaymentCallIsAuditedAsItsAdapterOperationNotAsTheRouteThatAskedForIt() {
        jdbc.sql("DELETE FROM integration_audit").update();
        for (String[] booking : new String[][] {{"2026-12-01T09:00:00+01:00", "stripe"},
                {"2026-12-01T13:00:00+01:00", "payrexx"}}) {
            assertThat(httpPost("/api/v1/bookings", """
                    {"start":"%s","durationMinutes":60,"provider":"%s","customer":{"name":"A","email":"a@example.com"}}
                    """.formatted(booking[0], booking[1])).status()).isEqualTo(201);
        }

        // (notifications an earlier test queued may still be sent meanwhile: only the payments are this test's)
        // (the calls only: an earlier test's webhook events, audited too, may be processed meanwhile)
        var operations = jdbc.sql("SELECT provider, operation FROM integration_audit WHERE provider IN ('stripe', 'payrexx') "
                        + "AND operation NOT LIKE 'webhook%'")
                .query((rs, i) -> rs.getString("provider") + " " + rs.getString("operation")).list();
        // not rest-booking-create, the route the booking came in by
        assertThat(operations).containsExactlyInAnyOrder("stripe stripe-create-checkout-session",
                "payrexx payrexx-create-gateway");
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

    /**
     * A provider's indicator is DOWN while its circuit is open (calls refused) and UP while half-open (a few trial
     * calls test the provider: it may be back), its circuit shown either way; readiness never follows a provider: an
     * instance taken out of its load balancer for a provider's outage would refuse what it can still take.
     */
    @Test
    void aProviderIsDownWhileItsCircuitIsOpenUpWhileHalfOpenAndReadinessFollowsNeither() {
        var breaker = resilience.circuitBreaker("google-calendar");
        try {
            breaker.transitionToOpenState();
            var google = httpGet("/actuator/health", null).json().get("components").get("providers")
                    .get("components").get("google-calendar");
            assertThat(google.get("status").asText()).isEqualTo("DOWN");
            assertThat(google.get("details").get("circuit").asText()).isEqualTo("OPEN");
            assertThat(httpGet("/actuator/health/readiness", null).status()).isEqualTo(200);

            breaker.transitionToHalfOpenState();
            google = httpGet("/actuator/health", null).json().get("components").get("providers")
                    .get("components").get("google-calendar");
            assertThat(google.get("status").asText()).isEqualTo("UP");
            assertThat(google.get("details").get("circuit").asText()).isEqualTo("HALF_OPEN");
            assertThat(httpGet("/actuator/health/readiness", null).status()).isEqualTo(200);
        } finally {
            breaker.reset();
        }
    }

    @Test
    void healthSaysALiveStripeRunsOnATestModeKey() {
        // the tests run Stripe live against a fake, with a key sk_test_...: Stripe would take no real payment with it
        var stripe = httpGet("/actuator/health", null).json().get("components").get("providers").get("components")
                .get("stripe");

        assertThat(stripe.get("details").get("mode").asText()).isEqualTo("live");
        assertThat(stripe.get("details").get("keyMode").asText()).isEqualTo("test");
    }

    @Test
    void healthAndMetricsShowTheWebhookInbox() {
        var inbox = httpGet("/actuator/health", null).json().get("components").get("webhookInbox");

        assertThat(inbox.get("status").asText()).isEqualTo("UP");
        assertThat(inbox.get("details").get("enabled").asBoolean()).isTrue();
        assertThat(inbox.get("details").has("waiting")).isTrue();
        String metrics = httpGet("/actuator/prometheus", null).body();
        assertThat(metrics).containsPattern("(?m)^connectify_webhook_inbox_waiting\\{[^}]*} \\d");
        assertThat(metrics).containsPattern("(?m)^connectify_webhook_inbox_forwarding\\{[^}]*} 1\\.0");
    }

    @Test
    void retentionSweepIsASingletonRouteAndCountsWhatItPurged() {
        var route = camel.getRoute("ops-retention-sweep");
        assertThat(route.getRoutePolicyList()).hasAtLeastOneElementOfType(ClusteredRoutePolicy.class);
        double purgedBefore = purged(httpGet("/actuator/prometheus", null).body());
        // older than the configured retention (30 days for keys, 90 for audit records), and one recent key
        var now = clock.instant();
        RetentionSweepTest.processedKey(jdbc, "stripe:evt_retention_old", now.minus(Duration.ofDays(31)));
        RetentionSweepTest.processedKey(jdbc, "stripe:evt_retention_new", now.minus(Duration.ofDays(29)));
        RetentionSweepTest.audit(jdbc, now.minus(Duration.ofDays(91)));

        retentionSweep.sweep(null); // what the route's timer calls, hourly by default

        assertThat(jdbc.sql("SELECT messageId FROM CAMEL_MESSAGEPROCESSED WHERE messageId LIKE 'stripe:evt_retention_%'")
                .query(String.class).list()).containsExactly("stripe:evt_retention_new");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM integration_audit WHERE occurred_at < ?")
                .params(now.minus(Duration.ofDays(90)).atOffset(ZoneOffset.UTC)).query(Long.class).single()).isZero();
        assertThat(purged(httpGet("/actuator/prometheus", null).body())).isEqualTo(purgedBefore + 1);
    }

    @Test
    void databaseHousekeepingRunsOnItsTimerWithoutFailing() {
        // every second by default (connectify.database.compact-interval)
        await().atMost(Duration.ofSeconds(10)).until(() -> httpGet(
                "/actuator/prometheus", null).body().matches(
                "(?s).*camel_exchanges_total\\{[^}]*routeId=\"ops-database-housekeeping\"[^}]*} [1-9].*"));

        assertThat(httpGet("/actuator/prometheus", null).body()).containsPattern(
                "camel_exchanges_failed_total\\{[^}]*routeId=\"ops-database-housekeeping\"[^}]*} 0\\.0");
    }

    private static double purged(String prometheus) {
        var m = Pattern.compile("connectify_retention_purged_total\\{[^}]*records=\"processed-events\"[^}]*} (\\S+)")
                .matcher(prometheus);
        assertThat(m.find()).as("connectify_retention_purged_total for processed-events is exposed").isTrue();
        return Double.parseDouble(m.group(1));
    }
}
