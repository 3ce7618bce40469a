package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.PayrexxFake;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Webhook paths no route serves: 404 whatever their body, Spring's lines for them (which named the whole path, a
 * Payrexx webhook's token with it) off, and a Payrexx webhook sent to such a path counted and logged without it.
 */
@HubTest
class WebhookPathTest extends HubTestBase {

    private static final String TOKEN = PayrexxFake.WEBHOOK_TOKEN;

    @Autowired
    private MeterRegistry meters;

    /** The form check ran on any /webhooks/ path, before routing: a form to /webhooks/nope was 400 validation. */
    @Test
    void aFormToAWebhookPathNoRouteServesIs404() {
        for (String path : List.of("/webhooks/nope", "/webhooks/payrexx/" + TOKEN + "/x", "/webhooks/stripe/x")) {
            for (String form : List.of("x", "Body=%zz")) {
                var response = send(request(path).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)), null);

                assertThat(response.status()).as(path + " " + form + ": " + response.body()).isEqualTo(404);
                assertThat(response.header("Content-Type")).startsWith("application/problem+json");
                assertThat(response.json().get("type").asText()).isEqualTo("not-found");
            }
        }
    }

    /** A form that is not name=value parts, to a path a webhook route serves, is still refused before Camel reads it. */
    @Test
    void aMalformedFormToAServedWebhookPathIsStill400() {
        var response = send(request("/webhooks/payrexx/" + TOKEN)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("x")), null);

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
    }

    /**
     * A Payrexx webhook URL with a trailing slash, or more after the token, is 404: Spring logged two WARN lines with
     * the whole path, the token in it, and nothing counted it. Counted as bad-path, logged without the path.
     */
    @Test
    void aPayrexxWebhookToAPathItsRouteDoesNotServeIsCountedAndLoggedWithoutItsToken() {
        double before = badPaths();
        List<ILoggingEvent> lines;
        try (LogLines logged = LogLines.all()) {
            for (String path : List.of("/webhooks/payrexx/" + TOKEN + "/", "/webhooks/payrexx/" + TOKEN + "/x")) {
                var response = send(request(path).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("transaction%5Bid%5D=1")), null);
                assertThat(response.status()).as(path).isEqualTo(404);
                assertThat(response.json().get("type").asText()).isEqualTo("not-found");
            }
            lines = logged.lines();
        }

        assertThat(badPaths() - before).isEqualTo(2.0);
        assertThat(lines).noneMatch(line -> line.getFormattedMessage().contains(TOKEN));
        assertThat(lines).filteredOn(line -> line.getLevel() == Level.WARN
                        && line.getLoggerName().equals("io.connectify.hub.web.PayrexxWebhookPathFilter"))
                .extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("Payrexx webhook rejected: POST to a path no route serves (1 segment after "
                                + "/webhooks/payrexx/, a trailing slash), 404; the webhook URL set at Payrexx must be "
                                + "/webhooks/payrexx/<token> exactly",
                        "Payrexx webhook rejected: POST to a path no route serves (2 segments after "
                                + "/webhooks/payrexx/), 404; the webhook URL set at Payrexx must be "
                                + "/webhooks/payrexx/<token> exactly");
    }

    /**
     * Such a POST is audited (integration_audit, outcome bad-path) under the request's correlation id, and its WARN
     * carries that id (MDC {@code camel.breadcrumbId}). Before, it was counted only, and its line had no id.
     */
    @Test
    void aPayrexxWebhookToAPathItsRouteDoesNotServeIsAuditedAndItsLineCorrelated() {
        List<ILoggingEvent> lines;
        try (LogLines logged = LogLines.all()) {
            var response = send(request("/webhooks/payrexx/" + TOKEN + "/")
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("X-Correlation-Id", "bad-path-1")
                    .POST(HttpRequest.BodyPublishers.ofString("transaction%5Bid%5D=1")), null);
            assertThat(response.status()).isEqualTo(404);
            lines = logged.lines();
        }

        assertThat(lines).filteredOn(line -> line.getLoggerName().equals(PayrexxWebhookPathFilter.class.getName()))
                .singleElement().satisfies(line -> assertThat(line.getMDCPropertyMap())
                        .containsEntry("camel.breadcrumbId", "bad-path-1"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(jdbc.sql(
                        "SELECT provider, operation, outcome FROM integration_audit "
                                + "WHERE correlation_id = 'bad-path-1'")
                .query((rs, i) -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3)).list())
                .containsExactly("payrexx webhook bad-path"));
    }

    /** A client's 404 was two WARN lines naming the path, a 405 one naming Spring's exception: answered, not logged. */
    @Test
    void aClientsWrongPathOrMethodIsAnsweredNotWarnedAbout() {
        List<ILoggingEvent> lines;
        try (LogLines logged = LogLines.all()) {
            assertThat(httpGet("/api/v1/bookings/").status()).isEqualTo(404);
            assertThat(send(request("/webhooks/payrexx/" + TOKEN).GET(), null).status()).isEqualTo(405);
            assertThat(send(request("/api/v1/prices?duration=60").DELETE(), API_KEY).status()).isEqualTo(405);
            lines = logged.lines();
        }

        assertThat(lines).filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(m -> m.contains("/api/v1/bookings/") || m.contains(TOKEN)
                        || m.contains("HttpRequestMethodNotSupportedException"));
    }

    private double badPaths() {
        return meters.counter("connectify.webhook.rejected", "provider", "payrexx", "reason", "bad-path").count();
    }
}
