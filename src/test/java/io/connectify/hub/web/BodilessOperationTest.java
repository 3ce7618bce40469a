package io.connectify.hub.web;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;

/**
 * An operation that takes no body (REST verbs without a request type: cancel, the replays, a Checkout Session's
 * expire, the deletes) ignored any body it was sent and acted: a malformed one cancelled the booking, a
 * {@code {"queue":...,"dryRun":true}} replayed every queue. Now such a body is 400 validation and nothing happens.
 */
@HubTest
class BodilessOperationTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";

    @Test
    void aMalformedBodyDoesNotCancelAPendingBooking() {
        String id = pendingBooking(START, "stripe");
        stripe.server().resetRequests();

        var response = httpPost("/api/v1/bookings/" + id + "/cancel", "{this is not json");

        assertNoBody(response);
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(stripe.server().findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void aReasonDoesNotCancelAndRefundAConfirmedBooking() {
        String id = confirmedStripeBooking(START);
        stripe.server().resetRequests();
        google.server().resetRequests();

        var response = httpPost("/api/v1/bookings/" + id + "/cancel", "{\"reason\":\"x\"}");

        assertNoBody(response);
        assertThat(status(id)).isEqualTo("CONFIRMED");
        stripe.server().verify(0, postRequestedFor(urlPathMatching("/v1/refunds")));
        google.server().verify(0, deleteRequestedFor(urlPathMatching(".*")));
    }

    @Test
    void aBrokerReplayWithAQueueAndDryRunReplaysNothing() {
        var response = send(request("/api/v1/admin/broker-dead-letters/replay")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"queue\":\"stripe-events\",\"dryRun\":true}")), ADMIN_KEY);

        assertNoBody(response);
    }

    @Test
    void aDeadLetterReplayWithABodyIsRefused() {
        var response = send(request("/api/v1/admin/dead-letters/00000000-0000-0000-0000-000000000000/replay")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"queue\":\"x\"}")), ADMIN_KEY);

        assertNoBody(response); // before: 404, the letter looked up as if the body did not matter
    }

    @Test
    void anExpireWithABodyNeverReachesStripe() {
        var response = httpPost("/api/v1/payments/stripe/checkout-sessions/cs_test_123/expire", "[[[");

        assertNoBody(response);
        assertThat(stripe.server().findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void aDeleteWithABodyDeletesNothing() {
        var response = send(request("/api/v1/calendar/events/abcde12345").header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"sendUpdates\":\"all\"}")), API_KEY);

        assertNoBody(response);
        assertThat(google.server().findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    /** Guards: no body, whitespace or an empty object still act; an operation with a body is not concerned. */
    @Test
    void whitespaceOrAnEmptyObjectStillCancels() {
        String first = pendingBooking(START, "stripe");
        assertThat(httpPost("/api/v1/bookings/" + first + "/cancel", " \r\n\t").status()).isEqualTo(200);
        assertThat(status(first)).isEqualTo("CANCELLED");

        String second = pendingBooking(START, "stripe");
        assertThat(httpPost("/api/v1/bookings/" + second + "/cancel", "{ }").status()).isEqualTo(200);
        assertThat(status(second)).isEqualTo("CANCELLED");

        String third = pendingBooking(START, "stripe");
        assertThat(bodilessPost("/api/v1/bookings/" + third + "/cancel")).contains(" 200");
        assertThat(status(third)).isEqualTo("CANCELLED");
    }

    private static void assertNoBody(Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isEqualTo("validation");
        assertThat(response.json().get("detail").asText()).isEqualTo("This operation takes no body");
    }
}
