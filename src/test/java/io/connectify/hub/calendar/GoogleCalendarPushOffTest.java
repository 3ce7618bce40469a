package io.connectify.hub.calendar;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Push off (the default, and the shared test context's): no channel is opened, and the webhook has nothing behind it. */
@HubTest
class GoogleCalendarPushOffTest extends HubTestBase {

    @Autowired
    ProducerTemplate camel;

    @Test
    void withPushOffNoChannelIsOpenedAndTheWebhookIsNotFound() {
        assertThat(camel.requestBody("direct:gcal-renew-push-channel", null, String.class)).isNull();
        assertThat(google.watchRequests()).isEmpty();

        Response response = send(request("/webhooks/google-calendar").header("X-Goog-Channel-ID", "any")
                .header("X-Goog-Channel-Token", "any-token-0123456789").header("X-Goog-Resource-State", "exists")
                .POST(HttpRequest.BodyPublishers.noBody()), null);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("type").asText()).isEqualTo("not-found");
    }
}
