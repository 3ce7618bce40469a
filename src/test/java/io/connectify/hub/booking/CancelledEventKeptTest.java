package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;

import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * connectify.payment.cancelled-event: mark-cancelled keeps a cancelled booking's event in the calendar, free. Google's
 * FreeBusy and listing of such an event are the sandbox simulator's to show (GoogleCalendarSimulatorTest
 * aTransparentEventIsListedButNotBusy); here, what the hub asks of Google. A context of its own: the property is
 * read once, at startup.
 */
@HubTest
@TestPropertySource(properties = {"connectify.payment.cancelled-event=mark-cancelled",
        // as RescheduleThrottledTest: a context of its own, whose Google client's first calls took longer than the
        // test profile's 1 s on a loaded machine
        "connectify.gcal.read-timeout=10s"})
class CancelledEventKeptTest extends Webhooks {

    /**
     * The event is patched to a "Cancelled: ..." summary, kept confirmed and made transparent (free in FreeBusy) and
     * not deleted. Before, it was patched to status "cancelled", which Google defines as deleted: removed as by DELETE.
     */
    @Test
    void aCancelledBookingsEventIsKeptVisibleAndFree() {
        String id = confirmedStripeBooking("2026-12-02T09:00:00+01:00");
        String eventId = BookingSaga.eventIdFor(id);
        String event = EVENTS + "/" + eventId;
        google.stub(patch(urlPathEqualTo(event)).willReturn(okJson(GoogleCalendarFake.eventJson(eventId,
                "Cancelled: x", "2026-12-02T09:00:00+01:00", "2026-12-02T10:00:00+01:00"))));

        var response = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("status").asText()).isEqualTo("REFUNDED");
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(event))
                .withRequestBody(matchingJsonPath("$.status", equalTo("confirmed")))
                .withRequestBody(matchingJsonPath("$.transparency", equalTo("transparent")))
                .withRequestBody(matchingJsonPath("$.summary", matching("Cancelled: .+"))));
        google.server().verify(0, deleteRequestedFor(urlPathEqualTo(event)));
    }
}
