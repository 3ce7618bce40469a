package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.util.UUID;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.Test;

/**
 * An API path's Allow is the methods its routes serve, a GET's HEAD and OPTIONS with them. Before, a 405 listed only
 * the method mapped ({@code DELETE /bookings/{id}}: {@code Allow: GET}), an OPTIONS of an unknown path answered 404
 * with Tomcat's every method, TRACE too, and an OPTIONS sent an empty {@code Accept-Patch}.
 */
@HubTest
class AllowHeaderTest extends HubTestBase {

    private static final String BOOKING = "/api/v1/bookings/" + UUID.randomUUID();
    private static final String EVENT = "/api/v1/calendar/events/abc123def456";

    @Test
    void aMethodNotAllowedListsEveryMethodThePathServes() {
        var booking = httpDelete(BOOKING);
        var event = send(request(EVENT).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{}")), API_KEY);

        assertThat(booking.status()).as(booking.body()).isEqualTo(405);
        assertThat(booking.header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
        assertThat(event.status()).as(event.body()).isEqualTo(405);
        assertThat(event.header("Allow")).isEqualTo("GET, HEAD, PATCH, DELETE, OPTIONS");
    }

    /**
     * Tomcat refuses TRACE before any filter runs: its 405 carried Tomcat's Allow, the servlet's every method but
     * TRACE (GET, HEAD, POST, PUT, DELETE, OPTIONS), where any other method the path does not take gets the routes'.
     */
    @Test
    void aTraceListsTheMethodsThePathServesAsAnyOtherMethodNotAllowed() {
        var booking = trace(BOOKING);
        var event = trace(EVENT);
        var unknown = trace("/api/v1/nope");

        assertThat(booking.status()).isEqualTo(405);
        assertThat(booking.header("Content-Type")).startsWith("application/problem+json");
        assertThat(booking.json().get("type").asText()).isEqualTo("method-not-allowed");
        assertThat(booking.header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
        assertThat(event.status()).isEqualTo(405);
        assertThat(event.header("Allow")).isEqualTo("GET, HEAD, PATCH, DELETE, OPTIONS");
        // no route serves it: 404 as for any other method there (a 405 must name the methods allowed, and there are none)
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("type").asText()).isEqualTo("not-found");
        assertThat(unknown.raw().headers().firstValue("Allow")).isEmpty();
    }

    private Response trace(String path) {
        return send(request(path).method("TRACE", HttpRequest.BodyPublishers.noBody()), API_KEY);
    }

    @Test
    void optionsNamesThePathsMethodsAndWhatAPatchTakes() {
        var event = options(EVENT);
        var booking = options(BOOKING);

        assertThat(event.status()).isBetween(200, 204);
        assertThat(event.header("Allow")).isEqualTo("GET, HEAD, PATCH, DELETE, OPTIONS");
        assertThat(event.header("Accept-Patch")).isEqualTo("application/json, application/merge-patch+json");
        assertThat(booking.header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
        assertThat(booking.raw().headers().firstValue("Accept-Patch")).isEmpty(); // no PATCH there: none, not ""
    }

    @Test
    void anUnknownPathAllowsNothing() {
        var unknown = options("/api/v1/nope");

        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.raw().headers().firstValue("Allow")).isEmpty();
    }

    private Response options(String path) {
        return send(request(path).method("OPTIONS", HttpRequest.BodyPublishers.noBody()), API_KEY);
    }
}
