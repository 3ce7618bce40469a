package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.ConnectifyHubApplication;
import io.connectify.hub.support.TestClockConfig;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.EventNotifierSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.OrderUtils;

/**
 * The hub's own start and stop, with the window between Tomcat taking requests and Camel's routes existing held
 * open: Camel's context is held just before it starts (a {@link CamelContextConfiguration}, which camel-spring-boot
 * calls once it has read the routes, on the event that comes after the web server started), and requests are sent
 * meanwhile. Before, they were 404 {@code not-found} ("No resource at this path"); now 503 {@code unavailable} with
 * Retry-After, Actuator still answering. On the way down, the web server is closed before Camel's context stops.
 */
class HubStartWindowTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Held while set: the start waits before Camel's context starts until it is counted down. */
    private static volatile CountDownLatch hold;
    private static volatile int webPort;
    /** What a connection to the hub's port met when Camel's context began to stop. */
    private static volatile String connectionAtCamelStop;

    private final HttpClient http = HttpClient.newHttpClient();
    private ConfigurableApplicationContext hub;

    @AfterEach
    void stopHub() {
        if (hold != null) {
            hold.countDown();
            hold = null;
        }
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void requestsBeforeTheRoutesStartAre503UnavailableNot404AndActuatorAnswers() throws Exception {
        hold = new CountDownLatch(1);
        CompletableFuture<Integer> port = new CompletableFuture<>();
        CompletableFuture<ConfigurableApplicationContext> started = CompletableFuture.supplyAsync(() -> start(port));
        started.whenComplete((context, failed) -> {
            if (failed != null) {
                port.completeExceptionally(failed);
            }
        });
        int serving = port.get(120, TimeUnit.SECONDS); // Tomcat takes requests; Camel's context is held

        HttpResponse<String> webhook = send(HttpRequest.newBuilder(uri(serving, "/webhooks/twilio/status"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("MessageSid=SM1&MessageStatus=delivered")));
        assertUnavailable(webhook, "/webhooks/twilio/status");
        HttpResponse<String> stripe = send(HttpRequest.newBuilder(uri(serving, "/webhooks/stripe"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertUnavailable(stripe, "/webhooks/stripe");
        HttpResponse<String> prices = send(HttpRequest.newBuilder(uri(serving, "/api/v1/prices?duration=60"))
                .header("X-API-Key", "test-api-key").GET());
        assertUnavailable(prices, "/api/v1/prices");
        // over connectify.http.max-body-bytes (64 KB): the start's 503 first, not a 413 telling the caller to send
        // less where nothing is served yet (RoutesNotStartedFilter.ORDER before BodySizeLimitFilter.ORDER; before,
        // one order for both)
        HttpResponse<String> large = send(HttpRequest.newBuilder(uri(serving, "/api/v1/bookings"))
                .header("X-API-Key", "test-api-key").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"summary\":\"" + "x".repeat(70_000) + "\"}")));
        assertUnavailable(large, "/api/v1/bookings");
        // the probe answers itself: not ready until the start is over
        HttpResponse<String> readiness = send(HttpRequest.newBuilder(uri(serving, "/actuator/health/readiness")).GET());
        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(readiness.body()).get("status").asText()).isEqualTo("OUT_OF_SERVICE");

        hold.countDown();
        hub = started.get(120, TimeUnit.SECONDS);

        HttpResponse<String> afterStart = send(HttpRequest.newBuilder(uri(serving, "/api/v1/prices?duration=60"))
                .header("X-API-Key", "test-api-key").GET());
        assertThat(afterStart.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(afterStart.body()).get("amount").asInt()).isEqualTo(9000);
        HttpResponse<String> ready = send(HttpRequest.newBuilder(uri(serving, "/actuator/health/readiness")).GET());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ready.body()).get("status").asText()).isEqualTo("UP");
    }

    @Test
    void theStartsUnavailableIsOrderedBeforeTheBodyLimit() {
        assertThat(OrderUtils.getOrder(RoutesNotStartedFilter.class)).isEqualTo(RoutesNotStartedFilter.ORDER);
        assertThat(OrderUtils.getOrder(BodySizeLimitFilter.class)).isEqualTo(BodySizeLimitFilter.ORDER);
        assertThat(RoutesNotStartedFilter.ORDER).isLessThan(BodySizeLimitFilter.ORDER);
    }

    /** No window on the way down: Spring stops the web server in a later phase than Camel's context. */
    @Test
    void theHubsPortIsClosedBeforeCamelsContextStops() throws Exception {
        hub = start(new CompletableFuture<>());
        assertThat(send(HttpRequest.newBuilder(uri(webPort, "/api/v1/prices?duration=60"))
                .header("X-API-Key", "test-api-key").GET()).statusCode()).isEqualTo(200);

        hub.close();
        hub = null;

        assertThat(connectionAtCamelStop).isEqualTo("refused");
    }

    private static void assertUnavailable(HttpResponse<String> response, String instance) throws IOException {
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.get("type").asText()).isEqualTo("unavailable");
        assertThat(problem.get("instance").asText()).isEqualTo(instance);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static ConfigurableApplicationContext start(CompletableFuture<Integer> port) {
        connectionAtCamelStop = null;
        return new SpringApplicationBuilder(ConnectifyHubApplication.class, TestClockConfig.class, HeldStart.class)
                .profiles("test")
                .listeners((ApplicationListener<ApplicationEvent>) event -> {
                    if (event instanceof WebServerInitializedEvent initialized) {
                        webPort = initialized.getWebServer().getPort();
                        port.complete(webPort);
                    }
                })
                .run("--server.port=0");
    }

    /** Not a @Configuration: no component scan of another test's context picks it up. */
    static class HeldStart {

        @Bean
        CamelContextConfiguration heldBeforeCamelStarts() {
            return new CamelContextConfiguration() {
                @Override
                public void beforeApplicationStart(CamelContext camel) {
                    camel.getManagementStrategy().addEventNotifier(new PortAtCamelStop());
                    CountDownLatch latch = hold;
                    if (latch != null) {
                        try {
                            latch.await(120, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }

                @Override
                public void afterApplicationStart(CamelContext camel) {
                }
            };
        }
    }

    /** Tries the hub's port as Camel's context begins to stop. */
    private static final class PortAtCamelStop extends EventNotifierSupport {

        @Override
        public boolean isEnabled(CamelEvent event) {
            return event instanceof CamelEvent.CamelContextStoppingEvent;
        }

        @Override
        public void notify(CamelEvent event) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", webPort), 2000);
                connectionAtCamelStop = "accepted";
            } catch (IOException refused) {
                connectionAtCamelStop = "refused";
            }
        }
    }
}
