package io.connectify.hub.ops;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;

/** A payment event that fails after its retries is kept as a dead letter; replayed after recovery it completes. */
@HubTest
class DeadLetterTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";

    @Test
    void aPaymentEventGoogleCannotTakeIsKeptAndReplayedOnceGoogleRecovers() {
        jdbc.sql("DELETE FROM dead_letter").update();
        String id = pendingBooking(START, "stripe");
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(GoogleCalendarFake.error(500, "backendError")));

        assertThat(signedStripeWebhook(StripeFake.event("evt_dead_1", "checkout.session.completed",
                StripeFake.checkoutSession(id, "paid", "pi_dead"))).status()).isEqualTo(200);

        JsonNode letter = awaitDeadLetter("stripe");
        assertThat(letter.get("routeId").asText()).isEqualTo("stripe-event-dispatch");
        assertThat(letter.get("sourceQueue").asText()).isEqualTo("stripe-events");
        assertThat(letter.get("attempts").asInt()).isEqualTo(2); // test profile: one redelivery
        assertThat(letter.get("errorMessage").asText()).startsWith("provider-error: Google Calendar answered HTTP 500");
        assertThat(letter.get("headers").get("eventType").asText()).isEqualTo("checkout.session.completed");
        assertThat(letter.get("body").asText()).contains("evt_dead_1");
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT"); // paid, not lost, not confirmed without an event

        google.reset();
        google.stub(post(urlPathEqualTo(EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson("bkx", "x", START, START))));
        String letterId = letter.get("id").asText();
        var replayed = send(request("/api/v1/admin/dead-letters/" + letterId + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);

        assertThat(replayed.status()).isEqualTo(200);
        assertThat(replayed.json().get("status").asText()).isEqualTo("REPLAYED");
        awaitStatus(id, "CONFIRMED");
        google.server().verify(1, postRequestedFor(urlPathEqualTo(EVENTS)));
        assertThat(send(request("/api/v1/admin/dead-letters/" + letterId + "/replay")
                .POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY).status()).isEqualTo(409);
        assertThat(httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).status()).isEqualTo(200);
        assertThat(send(request("/api/v1/admin/dead-letters/" + letterId).DELETE(), ADMIN_KEY).status()).isEqualTo(204);
        assertThat(httpGet("/api/v1/admin/dead-letters/" + letterId, ADMIN_KEY).status()).isEqualTo(404);
    }

    @Test
    void theIntegrationsViewShowsModeCircuitPermitsAndTheLastError() {
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo(EVENTS + "/abc123def456"))
                .willReturn(GoogleCalendarFake.error(503, "backendError")));
        httpGet("/api/v1/calendar/events/abc123def456");

        var response = httpGet("/api/v1/admin/integrations", ADMIN_KEY);

        assertThat(response.status()).isEqualTo(200);
        JsonNode integrations = response.json().get("integrations");
        assertThat(integrations.findValuesAsText("provider"))
                .containsExactlyInAnyOrder("google-calendar", "payrexx", "sendgrid", "stripe", "twilio");
        JsonNode google = java.util.stream.StreamSupport.stream(integrations.spliterator(), false)
                .filter(i -> i.get("provider").asText().equals("google-calendar")).findFirst().orElseThrow();
        assertThat(google.get("mode").asText()).isEqualTo("live");
        assertThat(google.get("circuit").asText()).isEqualTo("CLOSED");
        assertThat(google.get("availablePermits").asInt()).isPositive();
        assertThat(google.get("lastError").get("type").asText()).isEqualTo("provider-error");
        assertThat(google.get("lastError").get("detail").asText()).isEqualTo("Google Calendar answered HTTP 503 (backendError)");
        assertThat(httpGet("/api/v1/admin/integrations", API_KEY).status()).isEqualTo(403);
        assertThat(httpGet("/api/v1/admin/dead-letters", API_KEY).status()).isEqualTo(403);
    }
}
