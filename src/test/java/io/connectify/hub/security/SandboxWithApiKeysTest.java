package io.connectify.hub.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.connectify.hub.support.TestClockConfig;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

/**
 * Every provider in sandbox, API keys configured and admin keys not: the key "sandbox" opens nothing (it opened the
 * admin API, customers' names, emails and phones, and every API route, to anyone who sent it), the admin API is
 * closed to every key, and the configured API key opens the API.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:sandbox-keys;DB_CLOSE_DELAY=-1", "connectify.gcal.key-path=",
        "spring.artemis.embedded.persistent=false", "spring.artemis.embedded.server-id=78",
        "connectify.webhooks.inbox.directory=target/test-inbox/${random.uuid}",
        "connectify.stripe.webhook-secrets=whsec_own_test_secret",
        // no credential, whatever the environment holds (CONNECTIFY_STRIPE_SECRETKEY, ...): every provider in sandbox
        "connectify.stripe.secret-key=", "connectify.payrexx.api-key=", "connectify.payrexx.instance-name=",
        "connectify.twilio.account-sid=", "connectify.twilio.api-key-sid=", "connectify.twilio.api-key-secret=",
        "connectify.twilio.auth-token=", "connectify.sendgrid.api-key=",
        "connectify.security.api-keys=k1-long-secret", "connectify.security.admin-keys="})
@Import(TestClockConfig.class)
@ExtendWith(OutputCaptureExtension.class)
class SandboxWithApiKeysTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Test
    void theSandboxKeyOpensNothingOnceAnApiKeyIsConfigured(CapturedOutput output) throws Exception {
        assertThat(get("/api/v1/admin/bookings", "sandbox").statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/admin/dead-letters", "sandbox").statusCode()).isEqualTo(401);
        assertThat(get("/sandbox/outbox", "sandbox").statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/prices?duration=60", "sandbox").statusCode()).isEqualTo(401);

        assertThat(get("/api/v1/prices?duration=60", "k1-long-secret").statusCode()).isEqualTo(200);
        // no admin key configured: the admin API is closed to every key, and the start log says so
        assertThat(get("/api/v1/admin/bookings", "k1-long-secret").statusCode()).isEqualTo(403);
        assertThat(output.getAll()).contains("connectify.security.admin-keys is empty while api-keys is set")
                .doesNotContain("No API key configured");
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-API-Key", key)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
