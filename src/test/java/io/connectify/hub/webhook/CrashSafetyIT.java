package io.connectify.hub.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.sandbox.GoogleCalendarSimulator;
import io.connectify.hub.sandbox.SandboxServer;
import io.connectify.hub.support.FutureSlots;
import io.connectify.hub.support.PackagedHub;
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
    private static final String API_KEY = "crash-test-key";
    private static final SandboxServer sandbox = new SandboxServer(0);
    private static final GoogleCalendarSimulator google = new GoogleCalendarSimulator(sandbox);
    private static final StripeFake stripe = new StripeFake();
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        sandbox.start();
    }

    @TempDir
    Path data;

    @AfterAll
    static void stop() {
        sandbox.close();
        stripe.server().stop();
    }

    @Test
    void aKilledHubLosesNoAcknowledgedEventAndDoesNothingTwice() throws Exception {
        List<String> bookings = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        PackagedHub hub = start();
        try {
            // as the container starts it: with the bean definitions Spring AOT made at build time
            assertThat(hub.output()).contains("Starting AOT-processed ConnectifyHubApplication");
            List<String> starts = FutureSlots.next(BOOKINGS);
            for (int i = 0; i < BOOKINGS; i++) {
                var booked = hub.post("/api/v1/bookings", """
                        {"start":"%s","durationMinutes":30,"provider":"stripe",
                         "customer":{"name":"Crash Test","email":"crash@example.com"}}""".formatted(starts.get(i)));
                assertThat(booked.statusCode()).as(starts.get(i) + ": " + booked.body()).isEqualTo(201);
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
                        if (hub.stripeWebhook(payloads.get(n)).statusCode() == 200) {
                            acknowledged.add(n);
                        }
                    } catch (Exception refusedWhileDown) {
                        // not acknowledged: Stripe would deliver it again
                    }
                });
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= BOOKINGS / 3);
            hub.kill();
            burst.shutdown();
            burst.awaitTermination(30, TimeUnit.SECONDS);
        } finally {
            hub.kill();
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(BOOKINGS / 3);

        try (PackagedHub restarted = start()) {
            // Stripe redelivers what was not acknowledged; send a few acknowledged ones again too
            for (int i = 0; i < BOOKINGS; i++) {
                if (!acknowledged.contains(i) || i % 3 == 0) {
                    assertThat(restarted.stripeWebhook(payloads.get(i)).statusCode()).isEqualTo(200);
                }
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (String id : bookings) {
                    assertThat(restarted.json("/api/v1/bookings/" + id).get("status").asText()).as(id)
                            .isEqualTo("CONFIRMED");
                }
            });
            assertThat(google.eventCount()).isEqualTo(BOOKINGS);
            for (String id : bookings) {
                var notifications = restarted.json("/api/v1/bookings/" + id + "/notifications").get("notifications");
                assertThat(notifications.findValuesAsText("kind")).as(id).containsExactly("confirmation");
            }
            stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        }
    }

    private PackagedHub start() throws Exception {
        return PackagedHub.launch("crash", API_KEY, PackagedHub.withFakes(API_KEY, google, stripe,
                "--spring.datasource.url=jdbc:h2:file:retry:" + data.resolve("db") + ";WRITE_DELAY=0",
                "--spring.artemis.embedded.data-directory=" + data.resolve("artemis"),
                "--connectify.webhooks.inbox.directory=" + data.resolve("inbox"),
                "--connectify.notifications.consumer-enabled=false")).awaitReady();
    }
}
