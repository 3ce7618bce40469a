package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;

/**
 * A webhook that reaches the inbox once it has closed, as one racing the hub's stop does (the web server still
 * answering, the inbox's journal closed): 503 problem+json, which the provider retries, and one WARN line. Before,
 * the closed inbox threw an IllegalStateException, or a NullPointerException when the journal closed between its check
 * and the append, answered 500 and logged as an unexpected failure with its stack trace.
 */
@HubTest
@DirtiesContext // its inbox is stopped
class WebhookInboxStopTest extends Webhooks {

    @Autowired
    WebhookInbox inbox;

    @Test
    void aWebhookAfterTheInboxClosedIsAnswered503ToBeRetried() {
        inbox.stop();
        String event = StripeFake.event("evt_after_stop", "payment_intent.succeeded",
                StripeFake.paymentIntent("booking-after-stop", "pi_after_stop", "succeeded"));

        try (LogLines logged = LogLines.all()) {
            var answer = signedStripeWebhook(event);

            assertThat(answer.status()).as(answer.body()).isEqualTo(503);
            assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
            assertThat(answer.json().get("type").asText()).isEqualTo("unavailable");
            assertThat(answer.header("Retry-After")).isNotNull();
            assertThat(answer.body()).doesNotContain("Exception").doesNotContain("at io.");
            assertThat(logged.errors()).isEmpty();
            assertThat(logged.lines()).noneMatch(line -> line.getThrowableProxy() != null);
        }
    }
}
