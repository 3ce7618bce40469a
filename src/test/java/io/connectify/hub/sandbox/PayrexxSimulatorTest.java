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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The Payrexx simulator pays a gateway as Payrexx does: the transaction goes through {@code waiting} (webhook sent,
 * API shows it) and then {@code confirmed} (API updated, then its webhook), in that order. The shop here is a
 * loopback server that, as the hub, reads each delivery's transaction back from the simulator's API.
 */
@ExtendWith(OutputCaptureExtension.class)
class PayrexxSimulatorTest {

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final SandboxServer sandbox = new SandboxServer(0);
    /** What the shop saw, in order: "claimed status / status the API showed" ("-" when it did not ask). */
    private final List<String> deliveries = new CopyOnWriteArrayList<>();
    private final List<String> deliveredIds = new CopyOnWriteArrayList<>();
    private HttpServer shop;
    private PayrexxSimulator simulator;
    /** What the shop answers each delivery. */
    private int shopStatus = 200;

    @AfterEach
    void stop() {
        sandbox.close();
        shop.stop(0);
    }

    @Test
    void aPaymentIsWaitingThenConfirmedInTheApiAndInItsWebhooksInThatOrder() throws Exception {
        start(true, Duration.ofSeconds(30));

        assertThat(pay(gateway()).statusCode()).isEqualTo(200);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> deliveries.size() >= 2);
        assertThat(deliveries).containsExactly("waiting/waiting", "confirmed/confirmed");
    }

    /** The transaction names the payment page it was paid on, as Payrexx's does ({@code invoice.paymentRequestId}). */
    @Test
    void aPaidTransactionNamesItsPaymentPage() throws Exception {
        start(true, Duration.ofSeconds(30));
        JsonNode gateway = gateway();

        pay(gateway);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !deliveredIds.isEmpty());
        JsonNode invoice = transaction(Long.parseLong(deliveredIds.get(0))).at("/data/0/invoice");
        assertThat(invoice.get("paymentRequestId").asLong()).isEqualTo(gateway.get("id").asLong());
        assertThat(invoice.get("referenceId").asText()).isEqualTo("b-1");
    }

    /** A shop that never reads the waiting transaction back still gets the payment, once the wait is over. */
    @Test
    void aWaitingTransactionNobodyReadsIsConfirmedAfterTheWait() throws Exception {
        start(false, Duration.ofMillis(200));
        JsonNode gateway = gateway();

        assertThat(pay(gateway).statusCode()).isEqualTo(200);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> deliveries.size() >= 2);
        assertThat(deliveries).containsExactly("waiting/-", "confirmed/-");
        long transaction = Long.parseLong(deliveredIds.get(1));
        assertThat(transaction(transaction).at("/data/0/status").asText()).isEqualTo("confirmed");
        assertThat(gatewayAtSimulator(gateway.get("id").asLong()).at("/data/0/status").asText())
                .isEqualTo("confirmed");
    }

    /**
     * A delivery the shop refuses is logged with the webhook path's shape, not its token. Before, the line named the
     * whole URL, token included, though no secret is to reach the logs.
     */
    @Test
    void aFailedDeliveryIsLoggedWithoutTheWebhookToken(CapturedOutput output) throws Exception {
        shopStatus = 503;
        start(false, Duration.ofSeconds(30));

        pay(gateway());

        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> output.getAll().contains("Sandbox webhook to"));
        assertThat(output.getAll().lines().filter(line -> line.contains("Sandbox webhook to")).toList())
                .first().asString()
                .contains("/webhooks/payrexx/{token} failed: HTTP 503")
                .doesNotContain(PayrexxSimulator.WEBHOOK_TOKEN);
        assertThat(output.getAll()).doesNotContain(PayrexxSimulator.WEBHOOK_TOKEN);
    }

    private void start(boolean readsBack, Duration confirmWait) throws IOException {
        shop = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        shop.createContext("/webhooks/payrexx/", exchange -> receive(exchange, readsBack));
        shop.start();
        String url = "http://127.0.0.1:" + shop.getAddress().getPort() + "/webhooks/payrexx/" + PayrexxSimulator.WEBHOOK_TOKEN;
        simulator = new PayrexxSimulator(sandbox, () -> url, confirmWait);
        sandbox.start();
    }

    /** As the hub: the transaction of each delivery read back from the API before the delivery is answered. */
    private void receive(HttpExchange exchange, boolean readsBack) throws IOException {
        try (exchange) {
            Map<String, String> form = SimulatorHttp.form(
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String id = form.get("transaction[id]");
            String shown = "-";
            if (readsBack) {
                try {
                    shown = transaction(Long.parseLong(id)).at("/data/0/status").asText();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            deliveredIds.add(id);
            deliveries.add(form.get("transaction[status]") + "/" + shown);
            exchange.sendResponseHeaders(shopStatus, -1);
        }
    }

    private JsonNode gateway() throws Exception {
        var created = http.send(api("Gateway/").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("amount=9000&currency=CHF&referenceId=b-1&purpose=Visit"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        return json.readTree(created.body()).at("/data/0");
    }

    private HttpResponse<String> pay(JsonNode gateway) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.get("link").asText())).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode transaction(long id) throws IOException, InterruptedException {
        return json.readTree(http.send(api("Transaction/" + id + "/").GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private JsonNode gatewayAtSimulator(long id) throws IOException, InterruptedException {
        return json.readTree(http.send(api("Gateway/" + id + "/").GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private HttpRequest.Builder api(String path) {
        return HttpRequest.newBuilder(URI.create(simulator.apiBase() + path + "?instance=" + PayrexxSimulator.INSTANCE))
                .header("X-API-KEY", PayrexxSimulator.API_KEY);
    }
}
