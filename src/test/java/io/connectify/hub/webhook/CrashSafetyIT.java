package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.sandbox.GoogleCalendarSimulator;
import io.connectify.hub.sandbox.SandboxServer;
import io.connectify.hub.support.StripeFake;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged hub, killed with SIGKILL in the middle of a burst of signed Stripe webhooks and restarted on the
 * same database and broker journal, processes every acknowledged event exactly once: every booking is confirmed,
 * with one calendar event (the Google Calendar simulator, which refuses duplicate ids, runs in this JVM), and its
 * confirmation notifications are planned once. Events not acknowledged are delivered again, as Stripe would.
 */
class CrashSafetyIT {

    private static final int BOOKINGS = 20;
    private static final List<String> SLOTS = List.of("09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00",
            "13:30", "14:00", "14:30");
    private static final String API_KEY = "crash-test-key";
    private static final SandboxServer sandbox = new SandboxServer(0);
    private static final GoogleCalendarSimulator google = new GoogleCalendarSimulator(sandbox);
    private static final StripeFake stripe = new StripeFake();
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        sandbox.start();
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path data;

    @AfterAll
    static void stop() {
        sandbox.close();
        stripe.server().stop();
    }

    @Test
    void aKilledHubLosesNoAcknowledgedEventAndDoesNothingTwice() throws Exception {
        int port = freePort();
        Process hub = start(port);
        List<String> bookings = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        try {
            for (int i = 0; i < BOOKINGS; i++) {
                String start = "2026-12-0" + (1 + i / 10) + "T" + SLOTS.get(i % 10) + ":00+01:00";
                var booked = call(port, "/api/v1/bookings", """
                        {"start":"%s","durationMinutes":30,"provider":"stripe",
                         "customer":{"name":"Crash Test","email":"crash@example.com"}}""".formatted(start), null);
                assertThat(booked.statusCode()).as(start + ": " + booked.body()).isEqualTo(201);
                String id = JSON.readTree(booked.body()).get("id").asText();
                bookings.add(id);
                payloads.add(StripeFake.event("evt_crash_" + i, "checkout.session.completed",
                        StripeFake.checkoutSession(id, "paid", "pi_crash_" + i)));
            }

            var burst = Executors.newFixedThreadPool(4);
            for (int i = 0; i < BOOKINGS; i++) {
                int n = i;
                burst.submit(() -> {
                    try {
                        if (webhook(port, payloads.get(n)).statusCode() == 200) {
                            acknowledged.add(n);
                        }
                    } catch (Exception refusedWhileDown) {
                        // not acknowledged: Stripe would deliver it again
                    }
                });
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= BOOKINGS / 3);
            hub.destroyForcibly(); // SIGKILL: no shutdown hook, no drain
            hub.waitFor(10, TimeUnit.SECONDS);
            burst.shutdown();
            burst.awaitTermination(30, TimeUnit.SECONDS);
        } finally {
            hub.destroyForcibly();
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(BOOKINGS / 3);

        Process restarted = start(port);
        try {
            // Stripe redelivers what was not acknowledged; send a few acknowledged ones again too
            for (int i = 0; i < BOOKINGS; i++) {
                if (!acknowledged.contains(i) || i % 3 == 0) {
                    assertThat(webhook(port, payloads.get(i)).statusCode()).isEqualTo(200);
                }
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (String id : bookings) {
                    assertThat(status(port, id)).as(id).isEqualTo("CONFIRMED");
                }
            });
            assertThat(google.eventCount()).isEqualTo(BOOKINGS);
            for (String id : bookings) {
                var notifications = JSON.readTree(call(port, "/api/v1/bookings/" + id + "/notifications", null, null)
                        .body()).get("notifications");
                assertThat(notifications.findValuesAsText("kind")).as(id).containsExactly("confirmation");
            }
            stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        } finally {
            restarted.destroy();
            restarted.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Process start(int port) throws IOException {
        String jar = System.getProperty("hub.jar");
        assertThat(jar).as("the packaged hub (system property hub.jar)").isNotNull();
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar,
                "--server.port=" + port,
                "--spring.datasource.url=jdbc:h2:file:" + data.resolve("db") + ";WRITE_DELAY=0",
                "--spring.artemis.embedded.data-directory=" + data.resolve("artemis"),
                "--connectify.security.api-keys=" + API_KEY,
                "--connectify.security.admin-keys=" + API_KEY,
                "--connectify.gcal.key-path=" + google.serviceAccountKeyFile(),
                "--connectify.gcal.root-url=" + google.rootUrl(),
                "--connectify.stripe.secret-key=" + StripeFake.SECRET_KEY,
                "--connectify.stripe.webhook-secrets=" + StripeFake.WEBHOOK_SECRET,
                "--connectify.stripe.api-base=" + stripe.apiBase(),
                "--connectify.availability.buffer=0m",
                "--connectify.notifications.consumer-enabled=false",
                "--connectify.sandbox.port=0",
                "--logging.level.root=WARN", "--logging.level.io.connectify=INFO")
                .redirectErrorStream(true)
                // kept in target/ so a failure can be read
                .redirectOutput(logFile().toFile())
                .start();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (IOException notYet) {
                return false;
            }
        });
        return process;
    }

    private static Path logFile() throws IOException {
        Path dir = java.nio.file.Files.createDirectories(Path.of("target", "crash-it"));
        return dir.resolve("hub-" + Instant.now().toEpochMilli() + ".log");
    }

    private HttpResponse<String> webhook(int port, String payload) throws Exception {
        String signature = StripeFake.signature(payload, Instant.now().getEpochSecond(), StripeFake.WEBHOOK_SECRET);
        return call(port, "/webhooks/stripe", payload, signature);
    }

    private String status(int port, String id) throws Exception {
        return JSON.readTree(call(port, "/api/v1/bookings/" + id, null, null).body()).get("status").asText();
    }

    private HttpResponse<String> call(int port, String path, String body, String stripeSignature) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).header("X-API-Key", API_KEY);
        if (body != null) {
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        if (stripeSignature != null) {
            request.header("Stripe-Signature", stripeSignature);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
