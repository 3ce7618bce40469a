package io.connectify.hub.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.calendar.GoogleCalendarConnection;
import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.support.TestClockConfig;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;

/**
 * The README's Walkthrough "rehearse an outage" and the Stripe sandbox's Checkout outcomes, run end to end: the hub
 * with every provider in sandbox (test profile: fast retries, one redelivery), failures switched on only through the
 * sandbox's failure switch ({@code /sandbox/{provider}/faults}) and payments made only on the simulator's page, the
 * hub reacting as README "Failures" and "Webhooks" say.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "connectify.gcal.key-path=",
        // no credential, whatever the environment holds: every provider in sandbox
        "connectify.stripe.secret-key=", "connectify.payrexx.api-key=", "connectify.payrexx.instance-name=",
        "connectify.twilio.account-sid=", "connectify.twilio.api-key-sid=", "connectify.twilio.api-key-secret=",
        "connectify.twilio.auth-token=", "connectify.sendgrid.api-key="})
@ActiveProfiles("test")
@Import(TestClockConfig.class)
class SandboxRehearsalTest {

    private static final String KEY = "test-admin-key";
    private static final List<String> PROVIDERS = List.of("google-calendar", "stripe", "payrexx", "twilio",
            "sendgrid");

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    SandboxServer sandbox;
    @Autowired
    ProviderResilience resilience;
    @Autowired
    GoogleCalendarConnection google;
    @Autowired
    ProducerTemplate camel;

    /** Every fault cleared and every circuit closed, as a person waits out wait-duration-in-open-state. */
    @AfterEach
    void clearFaults() throws Exception {
        for (String provider : PROVIDERS) {
            fault("DELETE", provider, null);
            resilience.circuitBreaker(provider).reset();
        }
    }

    /**
     * Google down while a payment's event is handled: retried, then a dead letter, the booking paid but not confirmed;
     * once the fault is cleared, the letter's replay confirms it with one calendar event.
     */
    @Test
    void aPaymentDuringAGoogleOutageIsADeadLetterWhoseReplayConfirmsItOnceGoogleIsBack() throws Exception {
        JsonNode booking = book("2026-12-08T09:00:00+01:00");
        String id = booking.get("id").asText();
        int eventsBefore = google.simulator().orElseThrow().eventCount();
        assertThat(fault("POST", "google-calendar", "{\"status\":503}").statusCode()).isEqualTo(201);

        assertThat(page(booking, "").statusCode()).isEqualTo(200);

        JsonNode letter = await().atMost(Duration.ofSeconds(20)).until(() -> deadLetters("stripe"),
                list -> list.size() == 1).get(0);
        assertThat(letter.get("errorMessage").asText()).contains("Google Calendar answered HTTP 503 (backendError)");
        // a passing failure: replayed on its own later too
        assertThat(letter.get("retryAt").isNull()).isFalse();
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
        assertThat(google.simulator().orElseThrow().eventCount()).isEqualTo(eventsBefore);

        fault("DELETE", "google-calendar", null);
        resilience.circuitBreaker("google-calendar").reset();
        assertThat(exchange("POST", "/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay", null)
                .statusCode()).isEqualTo(200);

        awaitStatus(id, "CONFIRMED");
        assertThat(google.simulator().orElseThrow().eventCount()).isEqualTo(eventsBefore + 1);
    }

    /** Google failing every call opens its circuit: the caller gets 502, then 503 provider-unavailable with Retry-After. */
    @Test
    void googleFailingEveryCallOpensItsCircuitAndCallersGet503WithRetryAfter() throws Exception {
        fault("POST", "google-calendar", "{\"status\":500}");
        String availability = "/api/v1/availability?from=" + enc("2026-12-10T00:00:00+01:00") + "&to="
                + enc("2026-12-11T00:00:00+01:00") + "&duration=60";

        List<HttpResponse<String>> answers = new ArrayList<>();
        for (int i = 0; i < 10 && (answers.isEmpty() || answers.get(answers.size() - 1).statusCode() != 503); i++) {
            answers.add(exchange("GET", availability, null));
        }

        assertThat(answers.get(0).statusCode()).isEqualTo(502);
        assertThat(json.readTree(answers.get(0).body()).get("type").asText()).endsWith("provider-error");
        HttpResponse<String> open = answers.get(answers.size() - 1);
        assertThat(open.statusCode()).isEqualTo(503);
        assertThat(json.readTree(open.body()).get("type").asText()).endsWith("provider-unavailable");
        assertThat(open.headers().firstValue("Retry-After")).isPresent();
    }

    /**
     * Google holding its calls unanswered (fault mode timeout, held longer than the test profile's 1 s read timeout):
     * each attempt ends at the read timeout, retried, then the caller gets 502 provider-error, as for Google's 5xx;
     * cleared, availability answers again.
     */
    @Test
    void googleHoldingItsAnswersUnansweredIsAProviderErrorUntilCleared() throws Exception {
        String availability = "/api/v1/availability?from=" + enc("2026-12-11T00:00:00+01:00") + "&to="
                + enc("2026-12-12T00:00:00+01:00") + "&duration=60";
        assertThat(fault("POST", "google-calendar", "{\"mode\":\"timeout\",\"holdSeconds\":5}").statusCode())
                .isEqualTo(201);

        HttpResponse<String> held = exchange("GET", availability, null);

        assertProviderError(held, "Google Calendar did not answer");
        fault("DELETE", "google-calendar", null);
        HttpResponse<String> back = exchange("GET", availability, null);
        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        assertThat(json.readTree(back.body()).get("slots")).isNotEmpty();
    }

    /**
     * Stripe dropping the connection of its Checkout Session calls (fault mode down): retried, then the booking's
     * caller gets 502 provider-error, nothing to pay on; cleared, a booking of the same slot gets its payment page.
     */
    @Test
    void stripeDroppingItsConnectionsIsAProviderErrorForANewBookingUntilCleared() throws Exception {
        assertThat(fault("POST", "stripe", "{\"mode\":\"down\",\"method\":\"POST\",\"path\":"
                + "\"/v1/checkout/sessions\"}").statusCode()).isEqualTo(201);

        HttpResponse<String> dropped = exchange("POST", "/api/v1/bookings",
                bookingRequest("2026-12-14T09:00:00+01:00"));

        assertProviderError(dropped, "Stripe did not answer");
        fault("DELETE", "stripe", null);
        JsonNode booking = book("2026-12-14T09:00:00+01:00");
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");
        assertThat(booking.get("paymentUrl").asText()).contains("/stripe/pay/");
    }

    /** README Failures: a provider that did not answer, once retries ran out, with the circuit still closed. */
    private void assertProviderError(HttpResponse<String> answer, String detail) throws Exception {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(502);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type)
                .startsWith("application/problem+json"));
        JsonNode problem = json.readTree(answer.body());
        assertThat(problem.get("type").asText()).endsWith("provider-error");
        assertThat(problem.get("detail").asText()).contains(detail);
        assertThat(answer.headers().firstValue("Retry-After")).isEmpty();
    }

    /** Stripe refusing refunds at a cancel leaves the booking CANCELLED, refund pending; the sweep refunds it later. */
    @Test
    void aRefundStripeFailedAtTheCancelIsMadeByTheRefundSweepOnceTheFaultIsCleared() throws Exception {
        JsonNode booking = book("2026-12-09T09:00:00+01:00");
        String id = booking.get("id").asText();
        page(booking, "");
        awaitStatus(id, "CONFIRMED");
        fault("POST", "stripe", "{\"status\":503,\"method\":\"POST\",\"path\":\"/v1/refunds\"}");

        HttpResponse<String> cancel = exchange("POST", "/api/v1/bookings/" + id + "/cancel", null);

        assertThat(cancel.statusCode()).isIn(502, 503);
        assertThat(status(id)).isEqualTo("CANCELLED");
        assertThat(camel.requestBody("direct:booking-retry-refunds", null, Integer.class)).isZero();
        assertThat(status(id)).isEqualTo("CANCELLED");

        fault("DELETE", "stripe", null);
        resilience.circuitBreaker("stripe").reset();
        assertThat(camel.requestBody("direct:booking-retry-refunds", null, Integer.class)).isEqualTo(1);
        assertThat(status(id)).isEqualTo("REFUNDED");
    }

    /** A card declined on the page: payment_intent.payment_failed, the booking keeps its slot; another card pays. */
    @Test
    void aCardDeclinedOnTheCheckoutPageKeepsTheBookingPendingAndTheNextCardPays() throws Exception {
        JsonNode booking = book("2026-12-15T09:00:00+01:00");
        String id = booking.get("id").asText();

        assertThat(page(booking, "?outcome=declined").body()).contains("declined");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(bookingJson(id).path("statusReason")
                .asText()).contains("a payment attempt failed (insufficient_funds)"));
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");

        assertThat(page(booking, "").statusCode()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
    }

    /**
     * A delayed method: checkout.session.completed unpaid holds the booking as processing, then
     * checkout.session.async_payment_succeeded confirms it.
     */
    @Test
    void aDelayedPaymentProcessingHoldsTheBookingUntilItSucceeds() throws Exception {
        JsonNode booking = book("2026-12-16T09:00:00+01:00");
        String id = booking.get("id").asText();
        // nothing is processing yet: no debit to settle
        assertThat(page(booking, "?outcome=succeeded").statusCode()).isEqualTo(409);

        page(booking, "?outcome=processing");
        awaitProcessing(id);
        assertThat(page(booking, "").statusCode()).as("no longer open").isEqualTo(409);

        assertThat(page(booking, "?outcome=succeeded").statusCode()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        assertThat(bookingJson(id).get("paidAmount").asLong()).isEqualTo(booking.get("amount").asLong());
    }

    /** A delayed method that fails for good on the booking's own page: checkout.session.async_payment_failed. */
    @Test
    void aDelayedPaymentThatFailsEndsTheBookingPaymentFailed() throws Exception {
        JsonNode booking = book("2026-12-17T09:00:00+01:00");
        String id = booking.get("id").asText();
        page(booking, "?outcome=processing");
        awaitProcessing(id);

        page(booking, "?outcome=failed");

        awaitStatus(id, "PAYMENT_FAILED");
    }

    /** The page abandoned: checkout.session.expired of the booking's own page expires it. */
    @Test
    void anAbandonedCheckoutPageExpiresTheBooking() throws Exception {
        JsonNode booking = book("2026-12-18T09:00:00+01:00");
        String id = booking.get("id").asText();

        assertThat(page(booking, "?outcome=abandoned").statusCode()).isEqualTo(200);

        awaitStatus(id, "EXPIRED");
        assertThat(page(booking, "").statusCode()).isEqualTo(409);
        assertThat(page(booking, "?outcome=nonsense").statusCode()).isEqualTo(400);
    }

    /**
     * Twilio down (503) while a booking's confirmation SMS is sent: its answer counts as lost, so it ends as a dead
     * letter; once the fault is cleared, the letter's replay looks the SMS up in the simulator's Messages list, finds
     * Twilio has not got it, and sends it, once. Before, the simulator answered the list 404: the lookup failed, and
     * the SMS was a dead letter again at every replay.
     */
    @Test
    void anSmsOfATwilioOutageIsLookedUpThenSentOnceTwilioIsBack() throws Exception {
        HttpResponse<String> created = exchange("POST", "/api/v1/bookings", """
                {"start":"2026-12-21T09:00:00+01:00","durationMinutes":60,"provider":"stripe",
                 "customer":{"name":"John Doe","email":"john@example.com","phone":"+41791230021"}}""");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode booking = json.readTree(created.body());
        String id = booking.get("id").asText();
        assertThat(fault("POST", "twilio", "{\"status\":503}").statusCode()).isEqualTo(201);

        assertThat(page(booking, "").statusCode()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        JsonNode letter = await().atMost(Duration.ofSeconds(20)).until(() -> deadLetters("twilio"),
                list -> list.size() == 1).get(0);

        fault("DELETE", "twilio", null);
        resilience.circuitBreaker("twilio").reset();
        assertThat(exchange("POST", "/api/v1/admin/dead-letters/" + letter.get("id").asText() + "/replay", null)
                .statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(json.readTree(exchange("GET",
                        "/api/v1/bookings/" + id + "/notifications", null).body()).get("notifications"))
                .filteredOn(n -> n.get("channel").asText().equals("SMS"))
                .singleElement().satisfies(sms -> assertThat(sms.get("status").asText()).isIn("sent", "delivered")));
        assertThat(deadLetters("twilio")).filteredOn(l -> l.get("status").asText().equals("STORED")).isEmpty();
    }

    private void awaitProcessing(String id) throws Exception {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(bookingJson(id).path("statusReason")
                .asText()).startsWith("the payment is processing"));
        assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
    }

    private JsonNode book(String start) throws Exception {
        HttpResponse<String> created = exchange("POST", "/api/v1/bookings", bookingRequest(start));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json.readTree(created.body());
    }

    private static String bookingRequest(String start) {
        return """
                {"start":"%s","durationMinutes":60,"provider":"stripe",
                 "customer":{"name":"John Doe","email":"john@example.com"}}""".formatted(start);
    }

    /** The customer on the booking's Stripe Checkout page, with the outcome query chosen. */
    private HttpResponse<String> page(JsonNode booking, String query) throws Exception {
        String url = booking.get("paymentUrl").asText();
        assertThat(url).as("a sandbox URL").matches("http://127\\.0\\.0\\.1:\\d+/stripe/pay/.*");
        return http.send(HttpRequest.newBuilder(URI.create(url + query)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The failure switch on the sandbox's loopback server. */
    private HttpResponse<String> fault(String method, String provider, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/sandbox/" + provider + "/faults"))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode deadLetters(String provider) throws Exception {
        return json.readTree(exchange("GET", "/api/v1/admin/dead-letters?provider=" + provider, null).body())
                .get("deadLetters");
    }

    private String status(String id) throws Exception {
        return bookingJson(id).get("status").asText();
    }

    private JsonNode bookingJson(String id) throws Exception {
        return json.readTree(exchange("GET", "/api/v1/bookings/" + id, null).body());
    }

    private void awaitStatus(String id, String status) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(status(id)).isEqualTo(status));
    }

    private HttpResponse<String> exchange(String method, String path, String body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("X-API-Key", KEY).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
