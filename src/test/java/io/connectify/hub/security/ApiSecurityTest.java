package io.connectify.hub.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.connectify.hub.support.LogLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@HubTest
class ApiSecurityTest extends HubTestBase {

    @Test
    void theApiNeedsAValidKey() {
        for (String key : new String[] {null, "", "wrong-key", "test-api-key-2", "TEST-API-KEY"}) {
            var response = httpGet("/api/v1/prices?duration=60", key);
            assertThat(response.status()).as("key '%s'", key).isEqualTo(401);
            assertThat(response.header("Content-Type")).startsWith("application/problem+json");
            assertThat(response.json().get("type").asText()).isEqualTo("unauthorized");
            assertThat(response.header("WWW-Authenticate")).isEqualTo("ApiKey header=\"X-API-Key\"");
        }
        assertThat(httpGet("/api/v1/prices?duration=60", API_KEY).status()).isEqualTo(200);
    }

    @Test
    void adminPathsNeedAnAdminKey() {
        var withApiKey = httpGet("/api/v1/admin/bookings", API_KEY);
        assertThat(withApiKey.status()).isEqualTo(403);
        assertThat(withApiKey.json().get("type").asText()).isEqualTo("forbidden");
        assertThat(httpGet("/api/v1/admin/bookings", null).status()).isEqualTo(401);
        assertThat(httpGet("/api/v1/admin/bookings", ADMIN_KEY).status()).isEqualTo(200);
    }

    @Test
    void theSandboxOutboxNeedsAnAdminKey() {
        // with Twilio or SendGrid in sandbox and the other providers live, it holds real customers' messages
        assertThat(httpGet("/sandbox/outbox", null).status()).isEqualTo(401);
        assertThat(httpGet("/sandbox/%6Futbox", null).status()).isEqualTo(401);
        assertThat(httpGet("/sandbox/outbox", API_KEY).status()).isEqualTo(403);
        var admin = httpGet("/sandbox/outbox", ADMIN_KEY);
        assertThat(admin.status()).isEqualTo(200);
        assertThat(admin.json().has("sms")).isTrue();
    }

    /**
     * design.md 8: the routes' state through Actuator's camelroutes, an admin key's alone (it lists every route and its
     * endpoints). Before, Actuator exposed health and prometheus only: 404.
     */
    @Test
    void theCamelRoutesEndpointNeedsAnAdminKey() {
        assertThat(httpGet("/actuator/camelroutes", null).status()).isEqualTo(401);
        assertThat(httpGet("/actuator/%63amelroutes", null).status()).isEqualTo(401);
        assertThat(httpGet("/actuator/camelroutes/booking-notify/info", null).status()).isEqualTo(401);
        var withApiKey = httpGet("/actuator/camelroutes", API_KEY);
        assertThat(withApiKey.status()).isEqualTo(403);
        assertThat(withApiKey.json().get("type").asText()).isEqualTo("forbidden");

        var admin = httpGet("/actuator/camelroutes", ADMIN_KEY);
        assertThat(admin.status()).as(admin.body()).isEqualTo(200);
        assertThat(admin.body()).contains("\"id\":\"booking-notify\"", "\"id\":\"notification-send-sms\"");
    }

    /**
     * The endpoint is read-only: a write action is 405 (Allow: GET) and an unknown route 404, problem+json, nothing
     * logged as an ERROR. Before, both were 500 with an ERROR and its stack trace (Camel's IllegalArgumentException
     * "Read only: write action STOP is not allowed", NoSuchElementException).
     */
    @Test
    void theCamelRoutesEndpointRefusesWritesAndUnknownRoutesAsProblems() {
        try (LogLines lines = LogLines.all()) {
            for (String action : new String[] {"stop", "start", "reset", "suspend", "resume"}) {
                // with a JSON body, as Actuator's write operations take one (before, 500), and without (before, 415)
                for (boolean json : new boolean[] {true, false}) {
                    var post = request("/actuator/camelroutes/booking-notify/" + action);
                    var write = send(json ? post.header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{}"))
                            : post.POST(HttpRequest.BodyPublishers.noBody()), ADMIN_KEY);
                    assertThat(write.status()).as("%s: %s", action, write.body()).isEqualTo(405);
                    assertThat(write.header("Content-Type")).startsWith("application/problem+json");
                    assertThat(write.json().get("type").asText()).isEqualTo("method-not-allowed");
                    assertThat(write.header("Allow")).contains("GET").doesNotContain("POST");
                }
            }
            for (String read : new String[] {"info", "detail"}) {
                var unknown = httpGet("/actuator/camelroutes/nonexistent/" + read, ADMIN_KEY);
                assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
                assertThat(unknown.header("Content-Type")).startsWith("application/problem+json");
                assertThat(unknown.json().get("type").asText()).isEqualTo("not-found");
                // every answer names its request's correlation id, this one too (the problem replaced only the body)
                assertThat(unknown.header("X-Correlation-Id")).isNotBlank();
            }
            assertThat(httpGet("/actuator/camelroutes/booking-notify/info", ADMIN_KEY).body())
                    .contains("\"status\":\"Started\"");
            assertThat(lines.errors()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/%761/admin/bookings", "/api/v1/%61dmin/bookings", "/api/v1/admin;x=1/bookings",
            "/api/v1;x/admin/bookings", "/api//v1/admin/bookings", "/api/v1/./admin/bookings",
            "/api/v1/prices/../admin/bookings", "/api/v1/admin%2Fbookings"})
    void aPathSpelledAnotherWayIsNoWayPastTheKeys(String path) {
        // the routes match the decoded, normalised path: so does the key check
        for (String key : new String[] {null, API_KEY}) {
            var response = httpGet(path, key);
            // stopped by the key check (not a route that happened not to match): no key 401, the client key 403;
            // an encoded slash Tomcat itself refuses, before any filter
            int expected = path.contains("%2F") ? 400 : key == null ? 401 : 403;
            assertThat(response.status()).as("%s with key %s: %s", path, key, response.body()).isEqualTo(expected);
            assertThat(response.body()).doesNotContain("customer");
        }
        assertThat(httpGet("/api/%761/prices?duration=60", null).status()).isEqualTo(401);
    }

    @Test
    void responsesNeverEchoTheCallersHeaders() {
        var ok = send(request("/api/v1/prices?duration=60").header("X-Probe", "injected").GET(), API_KEY);
        var problem = send(request("/api/v1/prices?duration=999").header("X-Probe", "injected").GET(), API_KEY);

        for (var response : new Response[] {ok, problem}) {
            assertThat(response.header("X-API-Key")).isNull();
            assertThat(response.header("X-Probe")).isNull();
            assertThat(response.raw().headers().map().toString()).doesNotContain(API_KEY);
        }
    }

    @Test
    void theOpenApiDocumentIsPublicAndDescribesTheApi() {
        var response = httpGet("/api/v1/openapi.json", null);

        assertThat(response.status()).isEqualTo(200);
        var paths = response.json().get("paths");
        assertThat(paths.has("/api/v1/availability")).isTrue();
        assertThat(paths.has("/api/v1/bookings")).isTrue();
        assertThat(paths.has("/api/v1/calendar/events/{id}")).isTrue();
    }

    @Test
    void actuatorExposesOnlyHealthAndPrometheus() {
        assertThat(httpGet("/actuator/health", null).status()).isEqualTo(200);
        assertThat(httpGet("/actuator/prometheus", null).status()).isEqualTo(200);
        for (String hidden : new String[] {"/actuator/env", "/actuator/beans", "/actuator/configprops",
                "/actuator/heapdump"}) {
            var response = httpGet(hidden, null);
            assertThat(response.status()).as(hidden).isEqualTo(404);
            assertThat(response.json().get("type").asText()).isEqualTo("not-found");
        }
    }
}
