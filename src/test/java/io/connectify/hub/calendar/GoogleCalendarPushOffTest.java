package io.connectify.hub.calendar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.connectify.hub.support.TestClockConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Push off (the default, and the shared test context's, with Google Calendar live): no channel is opened, the webhook
 * has nothing behind it, and channels left running from when push was on are stopped once.
 */
@HubTest
class GoogleCalendarPushOffTest extends HubTestBase {

    private static final String ADDRESS = "https://hub.example.com/webhooks/google-calendar";

    @Autowired
    ProducerTemplate camel;
    @Autowired
    PushChannelRepository channels;
    @Autowired
    MeterRegistry meters;

    @Test
    void withPushOffNoChannelIsOpenedAndTheWebhookIsNotFound() {
        assertThat(renew()).isNull();
        assertThat(google.watchRequests()).isEmpty();
        double rejected = meters.counter("connectify.webhook.rejected", "provider", "google-calendar", "reason",
                "push-off").count();

        Response response = send(request("/webhooks/google-calendar").header("X-Goog-Channel-ID", "any")
                .header("X-Goog-Channel-Token", "any-token-0123456789").header("X-Goog-Resource-State", "exists")
                .POST(HttpRequest.BodyPublishers.noBody()), null);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isEqualTo("not-found");
        assertThat(meters.counter("connectify.webhook.rejected", "provider", "google-calendar", "reason", "push-off")
                .count()).isEqualTo(rejected + 1);
    }

    @Test
    void withPushOffAChannelLeftRunningIsStoppedOnce() {
        // the renewal timer's first look (10 s after the start) has been: this test's looks are the only ones
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(60)).until(() -> {
            Counter looks = meters.find("camel.exchanges.total").tag("routeId", "gcal-renew-push-channel").counter();
            return looks != null && looks.count() >= 1;
        });
        jdbc.sql("DELETE FROM gcal_push_channel").update();
        Instant now = TestClockConfig.NOW;
        channel("left-running", now.minus(Duration.ofDays(2)), now.plus(Duration.ofDays(5)));
        // nothing to stop: expired, stopped already, never opened (no resource id)
        channel("expired", now.minus(Duration.ofDays(8)), now.minus(Duration.ofHours(1)));
        channel("stopped", now.minus(Duration.ofDays(3)), now.plus(Duration.ofDays(4)));
        channels.stopped("stopped", now.minus(Duration.ofDays(2)));
        channels.insertPending("never-opened", "primary", ADDRESS, null, now.plus(Duration.ofDays(7)), now);

        assertThat(renew()).isNull();

        assertThat(google.stopRequests()).singleElement().satisfies(stop -> {
            assertThat(stop.get("id").asText()).isEqualTo("left-running");
            assertThat(stop.get("resourceId").asText()).isEqualTo("res-left-running");
        });
        assertThat(channels.live("left-running", now)).isEmpty();
        assertThat(google.watchRequests()).isEmpty();

        // once: the next look finds nothing running
        assertThat(renew()).isNull();
        assertThat(google.stopRequests()).hasSize(1);
    }

    private void channel(String id, Instant created, Instant expires) {
        channels.insertPending(id, "primary", ADDRESS, null, expires, created);
        channels.opened(id, "res-" + id, expires);
    }

    private String renew() {
        return camel.requestBody("direct:gcal-renew-push-channel", null, String.class);
    }
}
