package io.connectify.hub.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.net.Webhook;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Stripe simulator pays a PaymentIntent confirmed as the customer's browser confirms it (the publishable key and
 * the PaymentIntent's client_secret) and announces it, and each refund, as Stripe does: {@code charge.succeeded},
 * then {@code payment_intent.succeeded}, then {@code charge.refunded}, each signed with the endpoint's secret, each
 * sent once the one before it was answered. The hub here is a loopback server that records what it received.
 */
class StripeSimulatorTest {

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final SandboxServer sandbox = new SandboxServer(0);
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    /** Holds the hub's answer to the first event until counted down. */
    private final CountDownLatch firstAnswer = new CountDownLatch(1);
    private final ExecutorService hubThreads = Executors.newFixedThreadPool(4);
    private HttpServer hub;
    private StripeSimulator simulator;

    @BeforeEach
    void start() throws IOException {
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        hub.setExecutor(hubThreads);
        hub.createContext("/webhooks/stripe", this::receive);
        hub.start();
        String url = "http://127.0.0.1:" + hub.getAddress().getPort() + "/webhooks/stripe";
        simulator = new StripeSimulator(sandbox, () -> url, Clock.systemUTC());
        sandbox.start();
    }

    @AfterEach
    void stop() {
        firstAnswer.countDown();
        sandbox.close();
        hub.stop(0);
        hubThreads.shutdownNow();
    }

    @Test
    void aConfirmedPaymentIntentIsPaidAndAnnouncedAsChargeSucceededThenPaymentIntentSucceeded() throws Exception {
        firstAnswer.countDown();
        JsonNode intent = paymentIntent("metadata[bookingId]=b-1");

        HttpResponse<String> confirmed = confirm(intent, "client_secret=" + intent.get("client_secret").asText()
                + "&payment_method=pm_card_visa");

        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
        assertThat(json.readTree(confirmed.body()).get("status").asText()).isEqualTo("succeeded");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 2);
        assertThat(received).extracting(event -> event.get("type").asText())
                .containsExactly("charge.succeeded", "payment_intent.succeeded");
        JsonNode charge = received.get(0).at("/data/object");
        assertThat(charge.get("object").asText()).isEqualTo("charge");
        assertThat(charge.get("payment_intent").asText()).isEqualTo(intent.get("id").asText());
        assertThat(charge.get("amount").asLong()).isEqualTo(9000);
        assertThat(charge.get("currency").asText()).isEqualTo("chf");
        assertThat(charge.get("paid").asBoolean()).isTrue();
        assertThat(charge.at("/metadata/bookingId").asText()).isEqualTo("b-1");
        JsonNode paid = received.get(1).at("/data/object");
        assertThat(paid.get("status").asText()).isEqualTo("succeeded");
        assertThat(paid.get("amount_received").asLong()).isEqualTo(9000);
        assertThat(paid.get("latest_charge").asText()).isEqualTo(charge.get("id").asText());
        assertThat(paid.at("/metadata/bookingId").asText()).isEqualTo("b-1");
        assertThat(received).allSatisfy(event -> {
            assertThat(event.get("object").asText()).isEqualTo("event");
            assertThat(event.get("api_version").asText()).isEqualTo(StripeEventSender.API_VERSION);
        });
        assertThat(intentAtSimulator(intent.get("id").asText()).get("status").asText()).isEqualTo("succeeded");
    }

    /** As Stripe: a second confirm, a wrong client_secret, the publishable key elsewhere, an unknown intent. */
    @Test
    void aConfirmIsRefusedWhereStripeRefusesIt() throws Exception {
        firstAnswer.countDown();
        JsonNode intent = paymentIntent("description=Gift");
        String secret = "client_secret=" + intent.get("client_secret").asText();

        HttpResponse<String> wrongSecret = confirm(intent, "client_secret=pi_other_secret_x&payment_method=pm_card_visa");
        assertThat(wrongSecret.statusCode()).isEqualTo(400);
        assertThat(json.readTree(wrongSecret.body()).at("/error/param").asText()).isEqualTo("client_secret");
        HttpResponse<String> noSecret = confirm(intent, "payment_method=pm_card_visa");
        assertThat(noSecret.statusCode()).isEqualTo(400);
        HttpResponse<String> noMethod = confirm(intent, secret);
        assertThat(noMethod.statusCode()).isEqualTo(400);
        assertThat(json.readTree(noMethod.body()).at("/error/code").asText())
                .isEqualTo("payment_intent_unexpected_state");

        assertThat(confirm(intent, secret + "&payment_method=pm_card_visa").statusCode()).isEqualTo(200);
        HttpResponse<String> again = confirm(intent, secret + "&payment_method=pm_card_visa");
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(json.readTree(again.body()).at("/error/code").asText()).isEqualTo("payment_intent_unexpected_state");

        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(simulator.apiBase()
                        + "/v1/payment_intents/pi_never_made/confirm"))
                .header("Authorization", "Bearer " + StripeSimulator.PUBLISHABLE_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(secret)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        HttpResponse<String> readWithPublishable = http.send(HttpRequest.newBuilder(URI.create(simulator.apiBase()
                        + "/v1/payment_intents/" + intent.get("id").asText()))
                .header("Authorization", "Bearer " + StripeSimulator.PUBLISHABLE_KEY).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(readWithPublishable.statusCode()).isEqualTo(401);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 2);
        assertThat(received).extracting(event -> event.get("type").asText())
                .containsExactly("charge.succeeded", "payment_intent.succeeded");
    }

    /**
     * A refund made while the payment's first event is still unanswered by the hub is announced after the payment's
     * events, never ahead of them: each of a payment's events waits for the answer to the one before.
     */
    @Test
    void aRefundIsAnnouncedAsChargeRefundedAfterThePaymentsOwnEvents() throws Exception {
        JsonNode intent = paymentIntent("metadata[bookingId]=b-2");
        assertThat(confirm(intent, "client_secret=" + intent.get("client_secret").asText()
                + "&payment_method=pm_card_visa").statusCode()).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 1);

        HttpResponse<String> refund = api("/v1/refunds", "payment_intent=" + intent.get("id").asText()
                + "&amount=4000&metadata[connectify]=booking");
        assertThat(refund.statusCode()).as(refund.body()).isEqualTo(200);
        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> received.size() == 1);
        firstAnswer.countDown();

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 3);
        assertThat(received).extracting(event -> event.get("type").asText())
                .containsExactly("charge.succeeded", "payment_intent.succeeded", "charge.refunded");
        JsonNode charge = received.get(2).at("/data/object");
        assertThat(charge.get("id").asText()).isEqualTo(received.get(0).at("/data/object/id").asText());
        assertThat(charge.get("amount_refunded").asLong()).isEqualTo(4000);
        assertThat(charge.get("refunded").asBoolean()).isFalse();
        assertThat(charge.at("/metadata/bookingId").asText()).isEqualTo("b-2");
        assertThat(received.get(2).at("/data/previous_attributes/amount_refunded").asLong()).isZero();
        JsonNode made = json.readTree(refund.body());
        assertThat(made.get("charge").asText()).isEqualTo(charge.get("id").asText());
        assertThat(made.at("/metadata/connectify").asText()).isEqualTo("booking");

        // the rest of it: refunded in full now
        assertThat(api("/v1/refunds", "payment_intent=" + intent.get("id").asText()).statusCode()).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 4);
        JsonNode rest = received.get(3).at("/data/object");
        assertThat(rest.get("amount_refunded").asLong()).isEqualTo(9000);
        assertThat(rest.get("refunded").asBoolean()).isTrue();
    }

    /**
     * A delayed method on the Checkout page ({@code ?outcome=processing}): the session completed with
     * {@code payment_status} unpaid, its Payment Intent processing and naming the booking; then
     * {@code ?outcome=succeeded}: {@code checkout.session.async_payment_succeeded}, the session paid, the Payment
     * Intent succeeded and refundable. Each signed (checked as stripe-java checks it, in {@link #receive}).
     */
    @Test
    void aDelayedCheckoutPaymentCompletesUnpaidThenSucceedsAsItsOwnEvent() throws Exception {
        firstAnswer.countDown();
        JsonNode session = session();

        assertThat(page(session, "?outcome=processing").statusCode()).isEqualTo(200);
        assertThat(page(session, "?outcome=processing").statusCode()).as("no longer open").isEqualTo(409);
        assertThat(page(session, "?outcome=succeeded").statusCode()).isEqualTo(200);
        assertThat(page(session, "?outcome=failed").statusCode()).as("settled already").isEqualTo(409);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 2);
        assertThat(received).extracting(event -> event.get("type").asText())
                .containsExactly("checkout.session.completed", "checkout.session.async_payment_succeeded");
        JsonNode completed = received.get(0).at("/data/object");
        assertThat(completed.get("status").asText()).isEqualTo("complete");
        assertThat(completed.get("payment_status").asText()).isEqualTo("unpaid");
        assertThat(completed.at("/metadata/bookingId").asText()).isEqualTo("b-3");
        String intent = completed.get("payment_intent").asText();
        JsonNode succeeded = received.get(1).at("/data/object");
        assertThat(succeeded.get("payment_status").asText()).isEqualTo("paid");
        assertThat(succeeded.get("payment_intent").asText()).isEqualTo(intent);
        JsonNode paid = intentAtSimulator(intent);
        assertThat(paid.get("status").asText()).isEqualTo("succeeded");
        assertThat(paid.at("/metadata/bookingId").asText()).isEqualTo("b-3");
        assertThat(api("/v1/refunds", "payment_intent=" + intent).statusCode()).isEqualTo(200);
    }

    /** A delayed method that fails: {@code checkout.session.async_payment_failed}, the session still unpaid. */
    @Test
    void aDelayedCheckoutPaymentThatFailsSendsAsyncPaymentFailed() throws Exception {
        firstAnswer.countDown();
        JsonNode session = session();

        page(session, "?outcome=processing");
        assertThat(page(session, "?outcome=failed").statusCode()).isEqualTo(200);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 2);
        assertThat(received).extracting(event -> event.get("type").asText())
                .containsExactly("checkout.session.completed", "checkout.session.async_payment_failed");
        JsonNode failed = received.get(1).at("/data/object");
        assertThat(failed.get("status").asText()).isEqualTo("complete");
        assertThat(failed.get("payment_status").asText()).isEqualTo("unpaid");
        String intent = failed.get("payment_intent").asText();
        assertThat(intentAtSimulator(intent).get("status").asText()).isEqualTo("requires_payment_method");
        assertThat(api("/v1/refunds", "payment_intent=" + intent).statusCode()).as("nothing paid").isEqualTo(400);
    }

    /**
     * A card declined leaves the page open ({@code payment_intent.payment_failed} with Stripe's
     * {@code last_payment_error}); the next card pays the same Payment Intent; a page abandoned expires.
     */
    @Test
    void aDeclinedCardThenAPaymentAndAnAbandonedPageSendStripesEvents() throws Exception {
        firstAnswer.countDown();
        JsonNode session = session();
        JsonNode abandoned = session();

        assertThat(page(session, "?outcome=declined").statusCode()).isEqualTo(200);
        assertThat(page(session, "").statusCode()).isEqualTo(200);
        assertThat(page(abandoned, "?outcome=abandoned").statusCode()).isEqualTo(200);
        assertThat(page(abandoned, "").body()).contains("no longer active");
        assertThat(page(abandoned, "?outcome=bogus").statusCode()).isEqualTo(400);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 3);
        assertThat(received).extracting(event -> event.get("type").asText()).containsExactlyInAnyOrder(
                "payment_intent.payment_failed", "checkout.session.completed", "checkout.session.expired");
        JsonNode declined = received.stream().filter(e -> e.get("type").asText().equals(
                "payment_intent.payment_failed")).findFirst().orElseThrow().at("/data/object");
        assertThat(declined.at("/last_payment_error/code").asText()).isEqualTo("card_declined");
        assertThat(declined.at("/last_payment_error/decline_code").asText()).isEqualTo("insufficient_funds");
        assertThat(declined.at("/metadata/bookingId").asText()).isEqualTo("b-3");
        JsonNode completed = received.stream().filter(e -> e.get("type").asText().equals(
                "checkout.session.completed")).findFirst().orElseThrow().at("/data/object");
        assertThat(completed.get("payment_status").asText()).isEqualTo("paid");
        assertThat(completed.get("payment_intent").asText()).isEqualTo(declined.get("id").asText());
        JsonNode expired = received.stream().filter(e -> e.get("type").asText().equals(
                "checkout.session.expired")).findFirst().orElseThrow().at("/data/object");
        assertThat(expired.get("id").asText()).isEqualTo(abandoned.get("id").asText());
        assertThat(expired.get("status").asText()).isEqualTo("expired");
    }

    /** A Checkout Session as the hub makes a booking's. */
    private JsonNode session() throws Exception {
        HttpResponse<String> created = api("/v1/checkout/sessions", "mode=payment"
                + "&line_items[0][price_data][unit_amount]=9000&line_items[0][price_data][currency]=chf"
                + "&line_items[0][quantity]=1&metadata[bookingId]=b-3&payment_intent_data[metadata][bookingId]=b-3");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        return json.readTree(created.body());
    }

    /** The payer's browser on the session's page. */
    private HttpResponse<String> page(JsonNode session, String query) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(session.get("url").asText() + query)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** As the hub: each event's signature checked with the endpoint's secret, as stripe-java checks it. */
    private void receive(HttpExchange exchange) throws IOException {
        try (exchange) {
            String payload = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String signature = exchange.getRequestHeaders().getFirst("Stripe-Signature");
            try {
                Webhook.Signature.verifyHeader(payload, signature, simulator.webhookSecret(), 300);
            } catch (Exception e) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            boolean first = received.isEmpty();
            received.add(json.readTree(payload));
            if (first) {
                try {
                    firstAnswer.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(200, -1);
        }
    }

    private JsonNode paymentIntent(String fields) throws Exception {
        HttpResponse<String> created = api("/v1/payment_intents", "amount=9000&currency=chf&" + fields);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode intent = json.readTree(created.body());
        assertThat(intent.get("status").asText()).isEqualTo("requires_payment_method");
        return intent;
    }

    /** As the customer's browser confirms it (Stripe.js): the publishable key. */
    private HttpResponse<String> confirm(JsonNode intent, String form) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(simulator.apiBase() + "/v1/payment_intents/"
                        + intent.get("id").asText() + "/confirm"))
                .header("Authorization", "Bearer " + StripeSimulator.PUBLISHABLE_KEY)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode intentAtSimulator(String id) throws Exception {
        return json.readTree(http.send(HttpRequest.newBuilder(URI.create(simulator.apiBase() + "/v1/payment_intents/"
                        + id)).header("Authorization", "Bearer " + StripeSimulator.SECRET_KEY).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** With the secret key, as the hub calls it. */
    private HttpResponse<String> api(String path, String form) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(simulator.apiBase() + path))
                .header("Authorization", "Bearer " + StripeSimulator.SECRET_KEY)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
