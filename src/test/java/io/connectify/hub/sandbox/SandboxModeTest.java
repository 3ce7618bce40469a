package io.connectify.hub.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.calendar.GoogleCalendarConnection;
import io.connectify.hub.calendar.GoogleCalendarGateway;
import io.connectify.hub.payment.payrexx.PayrexxConnection;
import io.connectify.hub.payment.stripe.StripeConnection;
import io.connectify.hub.support.SharedProviderPools;
import io.connectify.hub.support.TestClockConfig;
import org.apache.camel.CamelContext;
import org.apache.camel.support.component.AbstractApiEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * With no Google key and no API key configured, the hub runs against its own Google Calendar simulator, accepts the
 * key "sandbox", and the whole availability -> booking -> calendar flow works with nothing else running.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:sandbox;DB_CLOSE_DELAY=-1", "connectify.gcal.key-path=",
        "spring.artemis.embedded.persistent=false", "spring.artemis.embedded.server-id=77",
        "connectify.webhooks.inbox.directory=target/test-inbox/${random.uuid}",
        "connectify.stripe.webhook-secrets=whsec_own_test_secret",
        // no credential, whatever the environment holds (CONNECTIFY_STRIPE_SECRETKEY, ...): every provider in sandbox
        "connectify.stripe.secret-key=", "connectify.payrexx.api-key=", "connectify.payrexx.instance-name=",
        "connectify.twilio.account-sid=", "connectify.twilio.api-key-sid=", "connectify.twilio.api-key-secret=",
        "connectify.twilio.auth-token=", "connectify.sendgrid.api-key="})
@Import(TestClockConfig.class)
@ExtendWith(OutputCaptureExtension.class)
class SandboxModeTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    ServletWebServerApplicationContext web;
    @Autowired
    GoogleCalendarConnection google;
    @Autowired
    StripeConnection stripe;
    @Autowired
    PayrexxConnection payrexx;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    /**
     * The key "sandbox" opens the admin API: a hub that takes it listens on loopback alone (SandboxKeyBinding).
     * Before, on every interface, the admin API open to the network.
     */
    @Test
    void withTheSandboxKeyTheHubListensOnLoopbackOnly() {
        Object address = ((TomcatWebServer) web.getWebServer()).getTomcat().getConnector().getProperty("address");

        assertThat(address).isInstanceOfSatisfying(InetAddress.class,
                bound -> assertThat(bound.isLoopbackAddress()).as(bound.toString()).isTrue());
    }

    @Test
    void theHubRunsTheWholeFlowAgainstTheSimulator(CapturedOutput output) throws Exception {
        assertThat(google.live()).isFalse();
        assertThat(google.rootUrl()).startsWith("http://127.0.0.1:");
        int eventsBefore = google.simulator().orElseThrow().eventCount();
        String range = "from=" + enc("2026-12-01T00:00:00+01:00") + "&to=" + enc("2026-12-02T00:00:00+01:00");

        JsonNode before = call("GET", "/api/v1/availability?" + range + "&duration=60", null);
        assertThat(before.get("slots").get(0).get("start").asText()).isEqualTo("2026-12-01T09:00:00+01:00");

        JsonNode event = call("POST", "/api/v1/calendar/events", """
                {"summary":"Team meeting","start":"2026-12-01T09:00:00+01:00","end":"2026-12-01T10:00:00+01:00"}
                """);
        assertThat(event.get("id").asText()).isNotBlank();
        // (the simulator is the context's: other tests' events are in it too)
        assertThat(google.simulator().orElseThrow().eventCount() - eventsBefore).isEqualTo(1);

        JsonNode booking = call("POST", "/api/v1/bookings", """
                {"start":"2026-12-01T13:00:00+01:00","durationMinutes":60,
                 "customer":{"name":"John Doe","email":"john@example.com"}}
                """);
        assertThat(booking.get("status").asText()).isEqualTo("PENDING_PAYMENT");

        JsonNode after = call("GET", "/api/v1/availability?" + range + "&duration=60", null);
        assertThat(after.get("slots").findValuesAsText("start"))
                .doesNotContain("2026-12-01T09:00:00+01:00", "2026-12-01T13:00:00+01:00")
                .contains("2026-12-01T14:30:00+01:00");
        assertThat(output.getAll()).contains("google-calendar: sandbox").contains("stripe: sandbox")
                .contains("payrexx: sandbox").contains("the key 'sandbox' is accepted");
    }

    /**
     * The simulator answers a read of a deleted event as Google does, 200 with status "cancelled" (before, 410); the
     * hub answers it 404 as an event Google never had, as it did before.
     */
    @Test
    void anEventDeletedInTheSimulatorIsNotFound() throws Exception {
        String id = deletedEvent("2027-01-05");

        HttpResponse<String> read = exchange("GET", "/api/v1/calendar/events/" + id, null);

        assertThat(read.statusCode()).as(read.body()).isEqualTo(404);
        assertThat(json.readTree(read.body()).get("type").asText()).isEqualTo("not-found");
    }

    /**
     * The simulator patches a deleted event as Google does, in its bin, answering it 200 with status "cancelled"
     * (before, 410); the hub's PATCH of it is 404 {@code not-found}, as against Google (CalendarEventApiTest).
     */
    @Test
    void aPatchOfAnEventDeletedInTheSimulatorIsNotFound() throws Exception {
        String id = deletedEvent("2027-01-06");

        HttpResponse<String> patched = exchange("PATCH", "/api/v1/calendar/events/" + id,
                "{\"summary\":\"Back again\"}");

        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(404);
        assertThat(json.readTree(patched.body()).get("type").asText()).isEqualTo("not-found");
        assertThat(patched.body()).doesNotContain("cancelled");
    }

    @Test
    void openingThePaymentUrlPaysAndConfirmsTheBookingWithEitherProvider() throws Exception {
        for (String[] booking : new String[][] {{"stripe", "2026-12-02T09:00:00+01:00"},
                {"payrexx", "2026-12-02T13:00:00+01:00"}}) {
            JsonNode created = call("POST", "/api/v1/bookings", """
                    {"start":"%s","durationMinutes":60,"provider":"%s",
                     "customer":{"name":"John Doe","email":"john@example.com"}}
                    """.formatted(booking[1], booking[0]));
            String id = created.get("id").asText();
            assertThat(created.get("provider").asText()).isEqualTo(booking[0]);
            String paymentUrl = created.get("paymentUrl").asText();
            assertThat(paymentUrl).startsWith("http://127.0.0.1:");

            var paid = http.send(HttpRequest.newBuilder(loopback(paymentUrl)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(paid.statusCode()).isEqualTo(200);

            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(call("GET", "/api/v1/bookings/" + id, null).get("status").asText())
                            .as(booking[0]).isEqualTo("CONFIRMED"));
        }
        JsonNode events = call("GET", "/api/v1/calendar/events?from=" + enc("2026-12-02T00:00:00+01:00") + "&to="
                + enc("2026-12-03T00:00:00+01:00"), null);
        assertThat(events.get("events").findValuesAsText("summary")).hasSize(2);
        assertThat(events.get("events").get(0).get("privateProperties").get("paymentProvider").asText())
                .isEqualTo("stripe");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode outbox = call("GET", "/sandbox/outbox", null);
            // (the outbox is the context's: other tests' bookings on other days are in it too)
            assertThat(outbox.get("email").findValuesAsText("subject"))
                    .filteredOn(subject -> subject.contains("December 2, 2026")).hasSize(2)
                    .allMatch(subject -> subject.startsWith("Your appointment on Wednesday, December 2, 2026"));
        });
    }

    @Test
    void aWebhookSignedWithAConfiguredSecretIsAcceptedInSandbox() throws Exception {
        JsonNode created = stripeBooking("2026-12-03T09:00:00+01:00");
        String id = created.get("id").asText();
        String payload = io.connectify.hub.support.StripeFake.event("evt_own_1", "checkout.session.completed",
                io.connectify.hub.support.StripeFake.checkoutSession(id, "paid", "pi_own_1"));
        long now = TestClockConfig.NOW.getEpochSecond();
        assertThat(webhook(payload, io.connectify.hub.support.StripeFake.signature(payload, now, "whsec_other")))
                .isEqualTo(400);
        assertThat(webhook(payload, io.connectify.hub.support.StripeFake.signature(payload, now,
                "whsec_own_test_secret"))).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
    }

    @Test
    void theStripeSandboxRefundsAPaymentOnceAndListsItsRefundsAsStripeDoes() throws Exception {
        JsonNode created = stripeBooking("2026-12-04T09:00:00+01:00");
        String id = created.get("id").asText();
        assertThat(http.send(HttpRequest.newBuilder(loopback(created.get("paymentUrl").asText())).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        assertThat(call("POST", "/api/v1/bookings/" + id + "/cancel", null).get("status").asText())
                .isEqualTo("REFUNDED");

        String paymentIntent = call("GET", "/api/v1/bookings/" + id, null).get("paymentReference").asText();
        var again = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/payments/refunds"))
                .header("X-API-Key", "sandbox").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"paymentIntent\":\"" + paymentIntent + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(again.body()).contains("charge_already_refunded");

        var refunds = http.send(HttpRequest.newBuilder(loopback(stripe.apiBase() + "/v1/refunds?payment_intent="
                        + paymentIntent)).header("Authorization", "Bearer " + stripe.secretKey()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode list = json.readTree(refunds.body());
        assertThat(list.get("data").findValuesAsText("status")).containsExactly("succeeded");
        assertThat(list.get("data").get(0).get("amount").asLong()).isEqualTo(created.get("amount").asLong());
    }

    /**
     * The simulator answers {@code GET /v1/payment_intents/{id}} as Stripe does for a Payment Intent it made: a
     * Checkout Session's, once paid, with the metadata the hub gave its payment_intent_data (the bookingId), and one
     * created through {@code POST /payments/stripe/payment-intents} with its own; another is 404
     * {@code resource_missing}. Before, every such GET was 404 "Unrecognized request URL".
     */
    @Test
    void theStripeSandboxShowsThePaymentIntentsItMadeWithTheirMetadata() throws Exception {
        JsonNode created = stripeBooking("2026-12-07T09:00:00+01:00");
        String id = created.get("id").asText();
        assertThat(http.send(HttpRequest.newBuilder(loopback(created.get("paymentUrl").asText())).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        String paid = call("GET", "/api/v1/bookings/" + id, null).get("paymentReference").asText();

        HttpResponse<String> shown = paymentIntentAtSimulator(paid);
        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        JsonNode intent = json.readTree(shown.body());
        assertThat(intent.get("id").asText()).isEqualTo(paid);
        assertThat(intent.get("status").asText()).isEqualTo("succeeded");
        assertThat(intent.get("amount").asLong()).isEqualTo(created.get("amount").asLong());
        assertThat(intent.get("metadata").get("bookingId").asText()).isEqualTo(id);

        JsonNode made = call("POST", "/api/v1/payments/stripe/payment-intents", """
                {"amount":1500,"currency":"CHF","description":"Gift card","metadata":{"order":"o-1"}}""");
        HttpResponse<String> madeShown = paymentIntentAtSimulator(made.get("id").asText());
        assertThat(madeShown.statusCode()).as(madeShown.body()).isEqualTo(200);
        assertThat(json.readTree(madeShown.body()).get("amount").asLong()).isEqualTo(1500);
        assertThat(json.readTree(madeShown.body()).get("metadata").get("order").asText()).isEqualTo("o-1");
        assertThat(json.readTree(madeShown.body()).get("metadata").has("bookingId")).isFalse();

        HttpResponse<String> unknown = paymentIntentAtSimulator("pi_never_made");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json.readTree(unknown.body()).get("error").get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(json.readTree(unknown.body()).get("error").get("code").asText()).isEqualTo("resource_missing");
    }

    /**
     * With a webhook secret of its own set (the Stripe CLI, a load test), {@code stripe trigger charge.refunded}
     * delivers a Charge naming no booking, of a Payment Intent made at Stripe that the simulator never made: with a
     * Stripe booking waiting for its payment, the hub asks the simulator for it, is answered 404, and drops the event
     * (logged at INFO with the reason): no dead letter. Before, the 404 failed the event: retried, then a dead letter
     * and the RouteFailures alert.
     */
    @Test
    void aTriggeredChargeRefundedOfAPaymentIntentTheSandboxNeverMadeIsDropped(CapturedOutput output)
            throws Exception {
        stripeBooking("2026-12-07T13:00:00+01:00"); // waiting for its payment: the Payment Intent is asked for
        String payload = io.connectify.hub.support.StripeFake.event("evt_triggered_1", "charge.refunded", """
                {"id":"ch_triggered_1","object":"charge","amount":2000,"amount_refunded":2000,"currency":"usd",
                 "metadata":{},"payment_intent":"pi_triggered_1","refunded":true,"status":"succeeded"}""");
        assertThat(webhook(payload, io.connectify.hub.support.StripeFake.signature(payload,
                TestClockConfig.NOW.getEpochSecond(), "whsec_own_test_secret"))).isEqualTo(200);

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(output.getAll()).contains("stripe payment pi_triggered_1 shows 2000 refunded; no booking "
                        + "was paid by it, and the event names none, and stripe shows the hub no such Payment Intent "
                        + "(404): no action"));
        assertThat(call("GET", "/api/v1/admin/dead-letters?provider=stripe", null).get("deadLetters")
                .findValuesAsText("body")).noneMatch(body -> body.contains("evt_triggered_1"));
    }

    /*
     * The Stripe sandbox refuses the refunds Stripe refuses, and the hub answers as it does to Stripe. Before, each
     * was made, 201 succeeded (0 for a Payment Intent it never made, the amount asked for the others), every refund
     * in chf.
     */

    /** A Payment Intent the sandbox never made: Stripe's 404 resource_missing, the hub's 404 not-found. */
    @Test
    void theStripeSandboxRefusesTheRefundOfAPaymentIntentItNeverMade() throws Exception {
        HttpResponse<String> unknown = refund("{\"paymentIntent\":\"pi_nope\"}");
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(json.readTree(unknown.body()).get("type").asText()).isEqualTo("not-found");
        assertThat(json.readTree(unknown.body()).get("detail").asText()).contains("payment_intent");
    }

    /**
     * The refunds of a Payment Intent the sandbox never made: Stripe's 404 resource_missing, the hub's 404 not-found.
     * Before, the sandbox listed none, 200.
     */
    @Test
    void theStripeSandboxKnowsNoRefundsOfAPaymentIntentItNeverMade() throws Exception {
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/v1/payments/stripe/payment-intents/pi_nope/refunds")).header("X-API-Key", "sandbox")
                .GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(json.readTree(unknown.body()).get("type").asText()).isEqualTo("not-found");
    }

    /** One made, never paid: Stripe's 400 (no successful charge to refund), the hub's 400 validation. */
    @Test
    void theStripeSandboxRefusesTheRefundOfAPaymentIntentNeverPaid() throws Exception {
        String unpaid = call("POST", "/api/v1/payments/stripe/payment-intents", """
                {"amount":1500,"currency":"CHF","description":"Gift card"}""").get("id").asText();

        HttpResponse<String> neverPaid = refund("{\"paymentIntent\":\"" + unpaid + "\",\"amount\":1500}");

        assertThat(neverPaid.statusCode()).as(neverPaid.body()).isEqualTo(400);
        assertThat(json.readTree(neverPaid.body()).get("type").asText()).isEqualTo("validation");
        assertThat(json.readTree(neverPaid.body()).get("detail").asText()).contains("payment_intent");
        assertThat(refundsAtSimulator(unpaid)).isEmpty();
    }

    /** More than is left of a payment: amount_too_large; nothing left: charge_already_refunded. */
    @Test
    void theStripeSandboxRefusesARefundOfMoreThanIsLeft() throws Exception {
        String paid = paidCheckout(5000, "CHF");

        HttpResponse<String> tooMuch = refund("{\"paymentIntent\":\"" + paid + "\",\"amount\":5001}");
        assertThat(tooMuch.statusCode()).as(tooMuch.body()).isEqualTo(400);
        assertThat(json.readTree(tooMuch.body()).get("type").asText()).isEqualTo("validation");
        assertThat(tooMuch.body()).contains("amount_too_large");
        assertThat(refund("{\"paymentIntent\":\"" + paid + "\",\"amount\":2000}").statusCode()).isEqualTo(201);
        HttpResponse<String> beyondTheRest = refund("{\"paymentIntent\":\"" + paid + "\",\"amount\":3001}");
        assertThat(beyondTheRest.statusCode()).as(beyondTheRest.body()).isEqualTo(400);
        assertThat(beyondTheRest.body()).contains("amount_too_large");
        HttpResponse<String> rest = refund("{\"paymentIntent\":\"" + paid + "\"}");
        assertThat(rest.statusCode()).as(rest.body()).isEqualTo(201);
        assertThat(json.readTree(rest.body()).get("amount").asLong()).isEqualTo(3000);
        HttpResponse<String> nothingLeft = refund("{\"paymentIntent\":\"" + paid + "\",\"amount\":1}");
        assertThat(nothingLeft.statusCode()).as(nothingLeft.body()).isEqualTo(400);
        assertThat(nothingLeft.body()).contains("charge_already_refunded");
        assertThat(refundsAtSimulator(paid).findValuesAsText("amount")).containsExactly("2000", "3000");
    }

    /** A refund is in its payment's currency, as the hub reads it back and Stripe lists it. */
    @Test
    void aStripeSandboxRefundIsInItsPaymentsCurrency() throws Exception {
        String paid = paidCheckout(5000, "EUR");

        HttpResponse<String> part = refund("{\"paymentIntent\":\"" + paid + "\",\"amount\":2000}");

        assertThat(part.statusCode()).as(part.body()).isEqualTo(201);
        assertThat(json.readTree(part.body()).get("amount").asLong()).isEqualTo(2000);
        assertThat(json.readTree(part.body()).get("currency").asText()).isEqualTo("EUR");
        assertThat(refundsAtSimulator(paid).findValuesAsText("currency")).containsExactly("eur");
    }

    /** A Checkout Session for no booking, paid on its page: its Payment Intent, as the simulator shows the session. */
    private String paidCheckout(long amount, String currency) throws Exception {
        JsonNode session = call("POST", "/api/v1/payments/stripe/checkout-sessions", """
                {"amount":%d,"currency":"%s","description":"Voucher","successUrl":"https://example.com/ok",
                 "cancelUrl":"https://example.com/cancel"}""".formatted(amount, currency));
        assertThat(http.send(HttpRequest.newBuilder(loopback(session.get("url").asText())).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        var paidSession = http.send(HttpRequest.newBuilder(loopback(stripe.apiBase() + "/v1/checkout/sessions/"
                        + session.get("reference").asText())).header("Authorization", "Bearer " + stripe.secretKey())
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(paidSession.statusCode()).as(paidSession.body()).isEqualTo(200);
        return json.readTree(paidSession.body()).get("payment_intent").asText();
    }

    /** The refunds the simulator lists for a Payment Intent ({@code GET /v1/refunds?payment_intent=}). */
    private JsonNode refundsAtSimulator(String paymentIntent) throws Exception {
        var refunds = http.send(HttpRequest.newBuilder(loopback(stripe.apiBase() + "/v1/refunds?payment_intent="
                        + paymentIntent)).header("Authorization", "Bearer " + stripe.secretKey()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refunds.statusCode()).as(refunds.body()).isEqualTo(200);
        return json.readTree(refunds.body()).get("data");
    }

    private HttpResponse<String> refund(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/payments/refunds"))
                .header("X-API-Key", "sandbox").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aCancelledBookingsSandboxPaymentPageTakesNoPayment() throws Exception {
        JsonNode created = stripeBooking("2026-12-04T13:00:00+01:00");
        String id = created.get("id").asText();
        assertThat(call("POST", "/api/v1/bookings/" + id + "/cancel", null).get("status").asText())
                .isEqualTo("CANCELLED");

        var page = http.send(HttpRequest.newBuilder(loopback(created.get("paymentUrl").asText())).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.body()).contains("no longer active");
        org.awaitility.Awaitility.await().during(java.time.Duration.ofSeconds(1)).atMost(java.time.Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(call("GET", "/api/v1/bookings/" + id, null).get("status").asText())
                        .isEqualTo("CANCELLED"));
        assertThat(call("GET", "/api/v1/bookings/" + id, null).has("paidAmount")).isFalse();
    }

    private JsonNode stripeBooking(String start) throws Exception {
        return call("POST", "/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"provider":"stripe",
                 "customer":{"name":"John Doe","email":"john@example.com"}}""".formatted(start));
    }

    /**
     * A booking paid at the Payrexx simulator and cancelled in time is refunded there, and the simulator delivers the
     * refund's webhook (refunded) to the hub as Payrexx does: the hub takes it for the echo of its own refund and
     * changes nothing. Before, the simulator sent no webhook for a refund.
     */
    @Test
    void thePayrexxSandboxDeliversTheHubsOwnRefundWhichChangesNothing() throws Exception {
        String id = paidPayrexxBooking("2026-12-08T09:00:00+01:00");

        JsonNode cancelled = call("POST", "/api/v1/bookings/" + id + "/cancel", null);
        assertThat(cancelled.get("status").asText()).isEqualTo("REFUNDED");

        String transaction = call("GET", "/api/v1/bookings/" + id, null).get("paymentReference").asText();
        assertThat(json.readTree(payrexxTransaction(transaction).body()).at("/data/0/status").asText())
                .isEqualTo("refunded");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(jdbc.sql("SELECT outcome FROM integration_audit WHERE provider = 'payrexx' AND operation = "
                        + "'webhook:transaction.refunded' AND booking_id = :id").param("id", id).query(String.class)
                        .list()).isNotEmpty());
        JsonNode after = call("GET", "/api/v1/bookings/" + id, null);
        assertThat(after.get("status").asText()).isEqualTo("REFUNDED");
        assertThat(after.get("statusReason").asText()).isEqualTo(cancelled.get("statusReason").asText());
    }

    /**
     * A part refund at the Payrexx simulator (Payrexx's back office, or any caller of its API) refunds that part: the
     * transaction is partially-refunded, and its webhook tells the hub, which marks the confirmed booking. A second
     * refund of more than is left is refused, as Payrexx refuses it. Before, any refund was one in full, unannounced.
     */
    @Test
    void aPartRefundAtThePayrexxSandboxIsPartialAndReachesTheHub() throws Exception {
        String id = paidPayrexxBooking("2026-12-08T13:00:00+01:00");
        JsonNode booking = call("GET", "/api/v1/bookings/" + id, null);
        String transaction = booking.get("paymentReference").asText();

        JsonNode part = json.readTree(refundAtPayrexx(transaction, "amount=1000").body());
        assertThat(part.at("/data/0/status").asText()).isEqualTo("partially-refunded");
        JsonNode tooMuch = json.readTree(refundAtPayrexx(transaction,
                "amount=" + booking.get("amount").asLong()).body());
        assertThat(tooMuch.get("status").asText()).isEqualTo("error");
        assertThat(json.readTree(payrexxTransaction(transaction).body()).at("/data/0/status").asText())
                .isEqualTo("partially-refunded");

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                // path: a booking without a reason yet has no such field (get's null failed the wait at once)
                assertThat(call("GET", "/api/v1/bookings/" + id, null).path("statusReason").asText())
                        .contains("part of the payment was refunded at payrexx"));
        assertThat(call("GET", "/api/v1/bookings/" + id, null).get("status").asText()).isEqualTo("CONFIRMED");
    }

    /**
     * Paid at the Payrexx simulator, a transaction is first waiting, then confirmed, as at Payrexx: the hub reads the
     * waiting delivery's transaction waiting (no action), then the confirmed one's confirmed, and confirms the booking
     * once (one calendar event, one confirmation email). Before, the simulator confirmed the transaction before either
     * webhook, so the waiting delivery confirmed the booking and the confirmed one was a duplicate.
     */
    @Test
    void aPayrexxPaymentReachesTheHubWaitingThenConfirmedAndConfirmsOnce() throws Exception {
        String id = paidPayrexxBooking("2026-12-09T09:00:00+01:00");

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(jdbc.sql("SELECT operation || ' ' || outcome FROM integration_audit WHERE provider = "
                        + "'payrexx' AND operation LIKE 'webhook:%' AND booking_id = :id")
                        .param("id", id).query(String.class).list())
                        .containsExactlyInAnyOrder("webhook:transaction.waiting ignored",
                                "webhook:transaction.confirmed processed"));
        JsonNode events = call("GET", "/api/v1/calendar/events?from=" + enc("2026-12-09T00:00:00+01:00") + "&to="
                + enc("2026-12-10T00:00:00+01:00"), null);
        assertThat(events.get("events").findValuesAsText("summary")).hasSize(1);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(call("GET", "/sandbox/outbox", null).get("email").findValuesAsText("subject"))
                        .filteredOn(subject -> subject.contains("December 9, 2026")).hasSize(1));
    }

    /** A Payrexx booking paid by opening its payment page at the simulator, confirmed. */
    private String paidPayrexxBooking(String start) throws Exception {
        JsonNode created = call("POST", "/api/v1/bookings", """
                {"start":"%s","durationMinutes":60,"provider":"payrexx",
                 "customer":{"name":"John Doe","email":"john@example.com"}}""".formatted(start));
        String id = created.get("id").asText();
        assertThat(http.send(HttpRequest.newBuilder(loopback(created.get("paymentUrl").asText())).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        return id;
    }

    private HttpResponse<String> payrexxTransaction(String id) throws Exception {
        return http.send(HttpRequest.newBuilder(loopback(payrexx.apiBase() + "Transaction/" + id + "/?instance="
                + payrexx.instance())).header("X-API-KEY", payrexx.apiKey()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A refund asked of the simulator's Payrexx API directly, as Payrexx's back office would make it. */
    private HttpResponse<String> refundAtPayrexx(String transaction, String form) throws Exception {
        return http.send(HttpRequest.newBuilder(loopback(payrexx.apiBase() + "Transaction/" + transaction
                + "/refund?instance=" + payrexx.instance())).header("X-API-KEY", payrexx.apiKey())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The simulator's answer to {@code GET /v1/payment_intents/{id}} with the sandbox's key, as stripe-java asks. */
    private HttpResponse<String> paymentIntentAtSimulator(String id) throws Exception {
        return http.send(HttpRequest.newBuilder(loopback(stripe.apiBase() + "/v1/payment_intents/" + id))
                .header("Authorization", "Bearer " + stripe.secretKey()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The simulator refuses an event whose end is not after its start as Google does (400, reason
     * {@code timeRangeEmpty}): a PATCH of only the end, before the event's stored start, is 422 {@code calculation} as
     * against Google, the event unchanged.
     */
    @Test
    void aPatchedEndBeforeTheStoredStartIsACalculationErrorAgainstTheSimulator() throws Exception {
        String id = call("POST", "/api/v1/calendar/events", """
                {"summary":"Range","start":"2026-12-15T10:00:00+01:00","end":"2026-12-15T11:00:00+01:00"}
                """).get("id").asText();

        HttpResponse<String> patched = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/v1/calendar/events/" + id))
                .header("X-API-Key", "sandbox").header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"end\":\"2026-12-15T09:00:00+01:00\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(422);
        assertThat(json.readTree(patched.body()).get("type").asText()).isEqualTo("calculation");
        assertThat(call("GET", "/api/v1/calendar/events/" + id, null).get("end").asText())
                .isEqualTo("2026-12-15T11:00:00+01:00");
    }

    /**
     * A Spring test class that is no HubTestBase, as this one, gets the shared Google Calendar pool another context
     * shut down renewed before its next test (see {@link SharedProviderPools}): the renewal
     * is every Spring test's (SharedProviderPoolsRenewal, registered in META-INF/spring.factories). Before, only
     * HubTestBase renewed it, and this class's next availability query was dropped by the shut-down pool and waited
     * for ever. Nested, to run in this context after this class's tests (the first of which reads the context's
     * start in its output); its two tests in this order: the first leaves the pool shut down as the close of the
     * context that made it does.
     */
    @Nested
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class AfterAnotherContextShutTheSharedGooglePool {

        private static final String DAY = "/api/v1/availability?from=2026-12-16T00:00:00%2B01:00"
                + "&to=2026-12-17T00:00:00%2B01:00&duration=60";

        @Autowired
        CamelContext camel;

        @Test
        @Order(1)
        void theSharedGooglePoolIsShutDownAsTheCloseOfTheContextThatMadeItDoes() throws Exception {
            assertThat(availability().statusCode()).isEqualTo(200); // the free/busy endpoint holds the shared pool

            freeBusyEndpoint().getExecutorService().shutdown();

            assertThat(freeBusyEndpoint().getExecutorService().isShutdown()).isTrue();
        }

        @Test
        @Order(2)
        void theNextTestsAvailabilityQueryIsServed() throws Exception {
            assertThat(freeBusyEndpoint().getExecutorService().isShutdown()).as("renewed before this test").isFalse();

            HttpResponse<String> slots = availability();

            assertThat(slots.statusCode()).as(slots.body()).isEqualTo(200);
            assertThat(slots.body()).contains("\"start\":\"2026-12-16T09:00:00+01:00\"");
        }

        /** The day's free slots (a FreeBusy query through the pool); a dropped query ends at the timeout. */
        private HttpResponse<String> availability() throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + DAY))
                    .header("X-API-Key", "sandbox").timeout(java.time.Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        private AbstractApiEndpoint<?, ?> freeBusyEndpoint() {
            return SharedProviderPools.freeBusyEndpoint(camel);
        }
    }

    /**
     * cancelled-event mark-cancelled against the Google Calendar simulator: a confirmed booking cancelled keeps its
     * event there, "Cancelled: " and the booking's summary, transparent (free), still listed, its slot free again in
     * the availability (FreeBusy). A context of its own (the setting is read at start), with its own database and
     * broker.
     */
    @Nested
    @TestPropertySource(properties = {"connectify.payment.cancelled-event=mark-cancelled",
            "spring.datasource.url=jdbc:h2:mem:sandbox-kept;DB_CLOSE_DELAY=-1",
            "spring.artemis.embedded.server-id=79"})
    class MarkCancelled {

        @Autowired
        GoogleCalendarGateway calendar;
        @LocalServerPort
        int ownPort;

        /** The outer instance's helpers ask the server of the context it was injected from: this one's instead. */
        @BeforeEach
        void askThisContext() {
            port = ownPort;
        }

        @Test
        void aCancelledBookingsEventStaysInTheSimulatorCancelledAndFree() throws Exception {
            JsonNode created = stripeBooking("2026-12-17T09:00:00+01:00");
            String id = created.get("id").asText();
            var paid = http.send(HttpRequest.newBuilder(loopback(created.get("paymentUrl").asText())).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(paid.statusCode()).isEqualTo(200);
            awaitStatus(id, "CONFIRMED");

            assertThat(call("POST", "/api/v1/bookings/" + id + "/cancel", null).get("status").asText())
                    .isEqualTo("REFUNDED");

            String eventId = BookingSaga.eventIdFor(id);
            GoogleCalendarGateway.EventTimes kept = calendar.times(eventId);
            assertThat(kept.summary()).startsWith("Cancelled: ");
            assertThat(kept.free()).as("transparent").isTrue();
            assertThat(kept.cancelled()).as("not deleted").isFalse();
            String day = "from=" + enc("2026-12-17T00:00:00+01:00") + "&to=" + enc("2026-12-18T00:00:00+01:00");
            assertThat(call("GET", "/api/v1/calendar/events?" + day, null).get("events").findValuesAsText("summary"))
                    .containsExactly(kept.summary());
            assertThat(call("GET", "/api/v1/availability?" + day + "&duration=60", null).get("slots")
                    .findValuesAsText("start")).contains("2026-12-17T09:00:00+01:00");
        }
    }

    /**
     * A booking paid by a Payment Intent made through {@code POST /payments/stripe/payment-intents} (its bookingId in
     * the metadata) and confirmed at the simulator as the customer's browser confirms it (the publishable key and the
     * client_secret the hub answered): Stripe's charge.succeeded (no action for the hub) and payment_intent.succeeded
     * reach the hub in that order, and the booking is confirmed once, paid by that Payment Intent. Before, the
     * simulator had no confirm (404) and sent no event: such a booking could not be paid in the sandbox.
     */
    @Test
    void aBookingPaidByAPaymentIntentConfirmedInTheSandboxIsConfirmedOnce() throws Exception {
        JsonNode booking = stripeBooking("2026-12-11T09:00:00+01:00");
        String id = booking.get("id").asText();

        String paymentIntent = paidByPaymentIntent(booking);

        awaitStatus(id, "CONFIRMED");
        assertThat(call("GET", "/api/v1/bookings/" + id, null).get("paymentReference").asText())
                .isEqualTo(paymentIntent);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(webhookAudits(id)).containsExactly("webhook:charge.succeeded ignored",
                        "webhook:payment_intent.succeeded processed"));
        JsonNode events = call("GET", "/api/v1/calendar/events?from=" + enc("2026-12-11T00:00:00+01:00") + "&to="
                + enc("2026-12-12T00:00:00+01:00"), null);
        assertThat(events.get("events").findValuesAsText("summary")).hasSize(1);
    }

    /**
     * A Payment Intent that pays no booking, confirmed at the simulator and then refunded through the hub: its
     * events reach the hub (in order: its charge.refunded after its payment's), which finds no booking paid by it
     * and does nothing, no dead letter.
     */
    @Test
    void aBarePaymentIntentConfirmedAndRefundedInTheSandboxChangesNothing(CapturedOutput output) throws Exception {
        JsonNode made = call("POST", "/api/v1/payments/stripe/payment-intents", """
                {"amount":1500,"currency":"CHF","description":"Gift card"}""");
        String paymentIntent = made.get("id").asText();
        assertThat(confirmAtSimulator(made).statusCode()).isEqualTo(200);

        HttpResponse<String> refunded = refund("{\"paymentIntent\":\"" + paymentIntent + "\"}");
        assertThat(refunded.statusCode()).as(refunded.body()).isEqualTo(201);

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(output.getAll()).contains("stripe payment " + paymentIntent
                        + " shows 1500 refunded; no booking was paid by it"));
        assertThat(call("GET", "/api/v1/admin/dead-letters?provider=stripe", null).get("deadLetters")
                .findValuesAsText("body")).noneMatch(body -> body.contains(paymentIntent));
    }

    /**
     * A booking paid in the sandbox (on its Checkout page, or by a Payment Intent) and cancelled in time is refunded
     * at the simulator, which then sends charge.refunded as Stripe does: the hub reads the payment's refunds back,
     * finds only its own (the refund carries its mark, connectify=booking) and takes the event for their echo. The
     * booking stays REFUNDED with its reason, nothing is marked for a person, no refund is counted as made outside
     * the hub. Before, the simulator sent no charge.refunded, and the sandbox never showed the hub handling one.
     */
    @Test
    void theHubsOwnRefundComesBackFromTheStripeSandboxAsChargeRefundedAndChangesNothing() throws Exception {
        double outsideBefore = refundsOutsideHub();
        JsonNode byCheckout = stripeBooking("2026-12-14T09:00:00+01:00");
        assertThat(http.send(HttpRequest.newBuilder(loopback(byCheckout.get("paymentUrl").asText())).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        cancelledInTimeItsRefundsEchoChangesNothing(byCheckout.get("id").asText());

        JsonNode byIntent = stripeBooking("2026-12-14T13:00:00+01:00");
        paidByPaymentIntent(byIntent);
        cancelledInTimeItsRefundsEchoChangesNothing(byIntent.get("id").asText());

        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore);
    }

    /**
     * A part refund asked of the Stripe sandbox's API directly, without the hub's mark (as one made by hand in the
     * Dashboard): its charge.refunded reaches the hub, which finds the refund not its own, keeps the booking
     * CONFIRMED, marks it for a person and counts it. Before, no charge.refunded came, and the hub never knew.
     */
    @Test
    void aRefundAtTheStripeSandboxWithoutTheHubsMarkIsOneMadeOutsideTheHub() throws Exception {
        double outsideBefore = refundsOutsideHub();
        JsonNode booking = stripeBooking("2026-12-21T09:00:00+01:00");
        String id = booking.get("id").asText();
        assertThat(http.send(HttpRequest.newBuilder(loopback(booking.get("paymentUrl").asText())).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        awaitStatus(id, "CONFIRMED");
        String paymentIntent = call("GET", "/api/v1/bookings/" + id, null).get("paymentReference").asText();

        var byHand = http.send(HttpRequest.newBuilder(loopback(stripe.apiBase() + "/v1/refunds"))
                .header("Authorization", "Bearer " + stripe.secretKey())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("payment_intent=" + paymentIntent + "&amount=1000")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(byHand.statusCode()).as(byHand.body()).isEqualTo(200);

        // (the audit is written once the event's handling has committed, a moment after its mark)
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(webhookAudits(id)).contains("webhook:charge.refunded processed"));
        assertThat(call("GET", "/api/v1/admin/bookings/attention", null).get("bookings")
                .findValuesAsText("bookingId")).contains(id);
        assertThat(call("GET", "/api/v1/bookings/" + id, null).get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(refundsOutsideHub()).isEqualTo(outsideBefore + 1);
    }

    /** Cancelled once paid: REFUNDED, and the charge.refunded that follows, handled, changes nothing. */
    private void cancelledInTimeItsRefundsEchoChangesNothing(String id) throws Exception {
        awaitStatus(id, "CONFIRMED");
        JsonNode cancelled = call("POST", "/api/v1/bookings/" + id + "/cancel", null);
        assertThat(cancelled.get("status").asText()).isEqualTo("REFUNDED");

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(webhookAudits(id)).contains("webhook:charge.refunded ignored"));
        JsonNode after = call("GET", "/api/v1/bookings/" + id, null);
        assertThat(after.get("status").asText()).isEqualTo("REFUNDED");
        assertThat(after.get("statusReason").asText()).isEqualTo(cancelled.get("statusReason").asText());
        assertThat(call("GET", "/api/v1/admin/bookings/attention", null).get("bookings")
                .findValuesAsText("bookingId")).doesNotContain(id);
    }

    /**
     * Pays a booking as a caller of the payments API would: a Payment Intent at the booking's price naming it, then
     * confirmed at the simulator as the customer's browser confirms it. Its id.
     */
    private String paidByPaymentIntent(JsonNode booking) throws Exception {
        JsonNode made = call("POST", "/api/v1/payments/stripe/payment-intents", """
                {"amount":%d,"currency":"%s","metadata":{"bookingId":"%s"}}""".formatted(
                booking.get("amount").asLong(), booking.get("currency").asText(), booking.get("id").asText()));
        HttpResponse<String> confirmed = confirmAtSimulator(made);
        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
        assertThat(json.readTree(confirmed.body()).get("status").asText()).isEqualTo("succeeded");
        return made.get("id").asText();
    }

    /** Stripe.js's confirm: the publishable key, the client_secret the hub answered, a test card. */
    private HttpResponse<String> confirmAtSimulator(JsonNode paymentIntent) throws Exception {
        return http.send(HttpRequest.newBuilder(loopback(stripe.apiBase() + "/v1/payment_intents/"
                        + paymentIntent.get("id").asText() + "/confirm"))
                .header("Authorization", "Bearer " + StripeSimulator.PUBLISHABLE_KEY)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("payment_method=pm_card_visa&client_secret="
                        + enc(paymentIntent.get("clientSecret").asText()))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The Stripe webhooks audited for a booking, "operation outcome", in the order handled. */
    private java.util.List<String> webhookAudits(String bookingId) {
        return jdbc.sql("SELECT operation || ' ' || outcome FROM integration_audit WHERE provider = 'stripe' AND "
                + "operation LIKE 'webhook:%' AND booking_id = :id ORDER BY id").param("id", bookingId)
                .query(String.class).list();
    }

    private double refundsOutsideHub() {
        return meters.find("connectify.refunds.outside.hub").tag("provider", "stripe").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    private void awaitStatus(String id, String status) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(call("GET", "/api/v1/bookings/" + id, null).get("status").asText()).isEqualTo(status));
    }

    private int webhook(String payload, String signature) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/stripe"))
                .header("Content-Type", "application/json").header("Stripe-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    /** An event made through the hub on that day, 09:00-10:00, and deleted through it: its id. */
    private String deletedEvent(String day) throws Exception {
        String id = call("POST", "/api/v1/calendar/events", """
                {"summary":"Soon deleted","start":"%sT09:00:00+01:00","end":"%sT10:00:00+01:00"}
                """.formatted(day, day)).get("id").asText();
        call("DELETE", "/api/v1/calendar/events/" + id, null);
        return id;
    }

    private JsonNode call(String method, String path, String body) throws Exception {
        HttpResponse<String> response = exchange(method, path, body);
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 299);
        return json.readTree(response.body());
    }

    /** The hub's answer, whatever its status, with the sandbox key. */
    private HttpResponse<String> exchange(String method, String path, String body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("X-API-Key", "sandbox").header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A URL the hub gave out, checked to be the sandbox's on this machine before anything is asked of it. */
    private static URI loopback(String url) {
        assertThat(url).as("a sandbox URL").matches("http://(127\\.0\\.0\\.1|localhost):\\d+/.*");
        return URI.create(url);
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
