package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * A reschedule whose PATCH the hub's own rate limiter refuses: nothing was sent to Google, so nothing is moved back.
 * Google's limiter here waits for no permit and renews its allowance hourly, so that a test that drains it knows
 * the next call is refused. Google's read timeout is the default's: the first calls of this context's own Google client
 * (its token, FreeBusy) took longer than the test profile's 1 s on a loaded machine, and no answer is lost here.
 */
@HubTest
@TestPropertySource(properties = {
        "connectify.resilience.providers.google-calendar.rate-limiter.timeout=0s",
        "connectify.resilience.providers.google-calendar.rate-limiter.limit-refresh-period=1h",
        "connectify.gcal.read-timeout=10s"})
class RescheduleThrottledTest extends Webhooks {

    private static final String START = "2026-12-02T09:00:00+01:00";

    @Autowired
    MeterRegistry meters;

    @Test
    void aMoveTheHubsRateLimiterRefusesIsNotMovedBack() {
        String id = confirmedStripeBooking(START);
        String event = EVENTS + "/" + BookingSaga.eventIdFor(id);
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson(GoogleCalendarFake.eventJson(
                BookingSaga.eventIdFor(id), "x", "2026-12-02T14:00:00+01:00", "2026-12-02T15:00:00+01:00"))));
        // the permit FreeBusy takes is the last of the period: the PATCH after it is refused before it is sent
        var limiter = resilience.rateLimiter("google-calendar");
        AtomicBoolean armed = new AtomicBoolean(true);
        limiter.getEventPublisher().onSuccess(granted -> {
            if (armed.compareAndSet(true, false)) {
                limiter.drainPermissions();
            }
        });
        double refusedBefore = refusals();

        var moved = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"2026-12-02T14:00:00+01:00\"}");

        assertThat(moved.status()).as(moved.body()).isEqualTo(429);
        assertThat(moved.json().get("type").asText()).isEqualTo("rate-limited");
        assertThat(moved.body()).doesNotContain("Exception");
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(START);
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(event)));
        // the move's PATCH alone was refused: no move back was tried (it too would have met the limiter)
        assertThat(refusals() - refusedBefore).as("calls to Google the hub's rate limiter refused").isEqualTo(1.0);
    }

    private double refusals() {
        var counter = meters.find("connectify.provider.rejected").tag("provider", "google-calendar").counter();
        return counter == null ? 0 : counter.count();
    }
}
