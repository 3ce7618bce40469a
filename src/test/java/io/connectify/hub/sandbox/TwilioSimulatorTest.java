package io.connectify.hub.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import com.twilio.security.RequestValidator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Twilio simulator's status callbacks come as Twilio's do: signed, "sent" and then "delivered", one at a time. */
class TwilioSimulatorTest {

    private final SandboxServer sandbox = new SandboxServer(0);
    private final TwilioSimulator simulator = new TwilioSimulator(sandbox, new Outbox());
    /** What the callback receiver saw, in order. */
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch delivered = new CountDownLatch(1);
    /** Two threads: "delivered", if posted while "sent" is held, is received meanwhile. */
    private final ExecutorService receiverThreads = Executors.newFixedThreadPool(2);
    private HttpServer receiver;

    @AfterEach
    void stop() {
        sandbox.close();
        receiver.stop(0);
        receiverThreads.shutdownNow();
    }

    /**
     * The receiver holds its answer to "sent" a moment, to see whether "delivered" comes meanwhile: it does not, it
     * comes once "sent" was answered. Before, both were posted at once ("delivered" arrived while "sent" waited).
     */
    @Test
    void deliveredIsPostedOnlyOnceSentWasAnsweredAndBothAreSigned() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        receiver.setExecutor(receiverThreads);
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/twilio/status";
        receiver.createContext("/webhooks/twilio/status", exchange -> {
            try (exchange) {
                Map<String, String> params = SimulatorHttp.form(
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                String status = params.get("MessageStatus");
                boolean signed = new RequestValidator(TwilioSimulator.AUTH_TOKEN).validate(url, params,
                        exchange.getRequestHeaders().getFirst("X-Twilio-Signature"));
                seen.add(status + (signed ? "" : " (unsigned)"));
                if (status.equals("sent")) {
                    delivered.await(500, TimeUnit.MILLISECONDS);
                    seen.add("sent answered");
                } else {
                    delivered.countDown();
                }
                exchange.sendResponseHeaders(204, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        receiver.start();
        sandbox.start();

        HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        simulator.apiBase() + "/2010-04-01/Accounts/" + TwilioSimulator.ACCOUNT_SID + "/Messages.json"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((TwilioSimulator.API_KEY_SID
                        + ":" + TwilioSimulator.API_KEY_SECRET).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("To=%2B41791234567&From=%2B15005550006&Body=Hello"
                        + "&StatusCallback=" + URLEncoder.encode(url, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 3);
        assertThat(seen).containsExactly("sent", "sent answered", "delivered");
    }
}
