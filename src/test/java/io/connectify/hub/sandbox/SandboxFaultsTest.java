package io.connectify.hub.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's failure switch ({@code /sandbox/{provider}/faults} on the simulators' loopback server): each
 * simulator made to fail answers in its provider's own error shape, for the calls a fault names and as often as it
 * says, holds a call unanswered or drops it, and answers normally again once the fault is used up or cleared.
 */
class SandboxFaultsTest {

    private static final String STRIPE_KEY = "Bearer " + StripeSimulator.SECRET_KEY;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final SandboxServer sandbox = new SandboxServer(0);

    @BeforeEach
    void start() {
        Outbox outbox = new Outbox();
        new StripeSimulator(sandbox, () -> "http://127.0.0.1:9/webhooks/stripe", Clock.systemUTC());
        new TwilioSimulator(sandbox, outbox);
        new SendGridSimulator(sandbox, outbox);
        new PayrexxSimulator(sandbox, () -> "http://127.0.0.1:9/webhooks/payrexx/x", Duration.ofSeconds(1));
        new GoogleCalendarSimulator(sandbox);
        sandbox.start();
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    @Test
    void aStripeFaultAnswersItsCountOfCallsInStripesErrorShapeThenStripeAnswersAgain() throws Exception {
        HttpResponse<String> on = control("POST", "stripe", "{\"status\":503,\"count\":2}");
        assertThat(on.statusCode()).isEqualTo(201);
        assertThat(json.readTree(on.body()).get("faults").get(0).get("remaining").asInt()).isEqualTo(2);

        for (int i = 0; i < 2; i++) {
            HttpResponse<String> failed = stripeIntent();
            assertThat(failed.statusCode()).isEqualTo(503);
            assertThat(json.readTree(failed.body()).get("error").get("type").asText()).isEqualTo("api_error");
        }
        assertThat(stripeIntent().statusCode()).isEqualTo(200);
        assertThat(json.readTree(control("GET", "stripe", null).body()).get("faults")).isEmpty();
    }

    @Test
    void aFaultOnOneOperationLeavesTheOthersAndTheCustomersPageAlone() throws Exception {
        control("POST", "stripe", "{\"status\":402,\"method\":\"post\",\"path\":\"/v1/refunds\"}");

        HttpResponse<String> refund = send("POST", sandbox.baseUrl() + "/stripe/v1/refunds", STRIPE_KEY,
                "payment_intent=pi_1");
        assertThat(refund.statusCode()).isEqualTo(402);
        JsonNode error = json.readTree(refund.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("card_error");
        assertThat(error.get("decline_code").asText()).isEqualTo("generic_decline");
        assertThat(stripeIntent().statusCode()).isEqualTo(200);
        // until cleared: a second refund fails too
        assertThat(send("POST", sandbox.baseUrl() + "/stripe/v1/refunds", STRIPE_KEY, "payment_intent=pi_1")
                .statusCode()).isEqualTo(402);

        HttpResponse<String> cleared = control("DELETE", "stripe", null);
        assertThat(json.readTree(cleared.body()).get("faults")).isEmpty();
        assertThat(send("POST", sandbox.baseUrl() + "/stripe/v1/refunds", STRIPE_KEY, "payment_intent=pi_1")
                .statusCode()).isEqualTo(404);
    }

    @Test
    void eachProviderFailsInItsOwnWireFormat() throws Exception {
        control("POST", "google-calendar", "{\"status\":429}");
        control("POST", "twilio", "{\"status\":429}");
        control("POST", "sendgrid", "{\"status\":429}");
        control("POST", "payrexx", "{\"status\":503,\"retryAfter\":7}");

        HttpResponse<String> google = send("GET", sandbox.baseUrl() + "/google/calendar/v3/calendars/primary/events",
                "Bearer x", null);
        assertThat(google.statusCode()).isEqualTo(429);
        assertThat(google.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(json.readTree(google.body()).at("/error/errors/0/reason").asText()).isEqualTo("rateLimitExceeded");

        HttpResponse<String> twilio = send("POST", sandbox.baseUrl() + "/twilio/2010-04-01/Accounts/"
                + TwilioSimulator.ACCOUNT_SID + "/Messages.json", basic(), "To=%2B41791234567&Body=x");
        assertThat(twilio.statusCode()).isEqualTo(429);
        assertThat(json.readTree(twilio.body()).get("code").asInt()).isEqualTo(20429);
        assertThat(twilio.headers().firstValue("Retry-After")).isEmpty();

        HttpResponse<String> sendgrid = send("POST", sandbox.baseUrl() + "/sendgrid/v3/mail/send",
                "Bearer " + SendGridSimulator.API_KEY, "{}");
        assertThat(sendgrid.statusCode()).isEqualTo(429);
        assertThat(json.readTree(sendgrid.body()).at("/errors/0/message").asText()).isNotBlank();
        assertThat(sendgrid.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");

        HttpResponse<String> payrexx = send("GET", sandbox.baseUrl() + "/payrexx/v1.0/Transaction/1/?instance="
                + PayrexxSimulator.INSTANCE, null, null);
        assertThat(payrexx.statusCode()).isEqualTo(503);
        assertThat(json.readTree(payrexx.body()).get("status").asText()).isEqualTo("error");
        assertThat(payrexx.headers().firstValue("Retry-After")).hasValue("7");
    }

    @Test
    void aProviderDownDropsTheConnectionAndATimeoutHoldsTheCallUnanswered() throws Exception {
        control("POST", "sendgrid", "{\"mode\":\"down\",\"count\":1}");
        assertThatThrownBy(() -> send("POST", sandbox.baseUrl() + "/sendgrid/v3/mail/send",
                "Bearer " + SendGridSimulator.API_KEY, "{}")).isInstanceOf(IOException.class);

        control("POST", "stripe", "{\"mode\":\"timeout\",\"count\":1}");
        HttpRequest held = HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/stripe/v1/payment_intents"))
                .timeout(Duration.ofMillis(300)).header("Authorization", STRIPE_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("amount=100&currency=chf")).build();
        assertThatThrownBy(() -> http.send(held, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(stripeIntent().statusCode()).isEqualTo(200);
    }

    @Test
    void theSwitchRefusesWhatItCannotDo() throws Exception {
        assertThat(control("POST", "stripe", "{\"status\":200}").statusCode()).isEqualTo(400);
        assertThat(control("POST", "stripe", "{\"mode\":\"slow\"}").statusCode()).isEqualTo(400);
        assertThat(control("POST", "stripe", "{\"status\":503,\"count\":0}").statusCode()).isEqualTo(400);
        assertThat(control("POST", "stripe", "not json").statusCode()).isEqualTo(400);
        assertThat(control("POST", "paypal", "{\"status\":503}").statusCode()).isEqualTo(404);
        assertThat(json.readTree(control("GET", "stripe", null).body()).get("faults")).isEmpty();
        assertThat(stripeIntent().statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> stripeIntent() throws Exception {
        return send("POST", sandbox.baseUrl() + "/stripe/v1/payment_intents", STRIPE_KEY, "amount=100&currency=chf");
    }

    private HttpResponse<String> control(String method, String provider, String body) throws Exception {
        return send(method, sandbox.baseUrl() + "/sandbox/" + provider + "/faults", null, body);
    }

    private HttpResponse<String> send(String method, String url, String authorization, String body)
            throws Exception {
        var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (body != null) {
            request.header("Content-Type", body.startsWith("{") ? "application/json"
                    : "application/x-www-form-urlencoded");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((TwilioSimulator.API_KEY_SID + ":"
                + TwilioSimulator.API_KEY_SECRET).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
