package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.sandbox.GoogleCalendarSimulator;
import io.connectify.hub.sandbox.SandboxServer;
import io.connectify.hub.support.FutureSlots;
import io.connectify.hub.support.PackagedHub;
import io.connectify.hub.support.StripeFake;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyAcceptor;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two packaged hubs with the "scale-out" profile on loopback, sharing one PostgreSQL and one Artemis broker reached
 * over TCP (both run in this JVM, as the external services would): every payment webhook, delivered to both
 * instances at once, is processed once (one calendar event, one SMS, one email per booking, whichever instance took
 * it), and the singleton route booking-expire-holds runs on one instance only, moving to the other when its leader
 * is killed.
 */
class ScaleOutIT {

    private static final int BOOKINGS = 12;
    private static final String API_KEY = "scale-test-key";
    private static final String SINGLETON = "routeId=\"booking-expire-holds\"";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path data;

    private static EmbeddedPostgres postgres;
    private static EmbeddedActiveMQ broker;
    private static int brokerPort;
    private static SandboxServer sandbox;
    private static GoogleCalendarSimulator google;
    private static StripeFake stripe;

    @BeforeAll
    static void sharedServices() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        var config = new ConfigurationImpl()
                .setPersistenceEnabled(true)
                .setJournalDirectory(data.resolve("journal").toString())
                .setBindingsDirectory(data.resolve("bindings").toString())
                .setLargeMessagesDirectory(data.resolve("large").toString())
                .setPagingDirectory(data.resolve("paging").toString())
                .setSecurityEnabled(false)
                // any free port, read back once bound: one picked free before could be taken by then
                .addAcceptorConfiguration("tcp", "tcp://127.0.0.1:0");
        config.addAddressSetting("#", new AddressSettings().setDeadLetterAddress(SimpleString.of("DLQ"))
                .setAutoCreateDeadLetterResources(true).setMaxDeliveryAttempts(20).setRedeliveryDelay(1000));
        broker = new EmbeddedActiveMQ().setConfiguration(config);
        broker.start();
        brokerPort = ((NettyAcceptor) broker.getActiveMQServer().getRemotingService().getAcceptor("tcp"))
                .getActualPort();
        assertThat(brokerPort).as("the broker's port").isPositive();
        sandbox = new SandboxServer(0);
        google = new GoogleCalendarSimulator(sandbox);
        sandbox.start();
        stripe = new StripeFake();
    }

    @AfterAll
    static void stopSharedServices() throws Exception {
        stripe.server().stop();
        sandbox.close();
        broker.stop();
        postgres.close();
    }

    @Test
    void twoInstancesProcessEachWebhookOnceAndRunSingletonsOnOne() throws Exception {
        PackagedHub a = launch("hub-a");
        PackagedHub b = launch("hub-b");
        try {
            a.awaitReady();
            b.awaitReady();
            for (PackagedHub hub : List.of(a, b)) {
                // asked for Spring AOT (as the container), whose bean definitions are the default profile's
                assertThat(hub.output()).contains("profile scale-out is active, so this start builds its beans "
                        + "without them").doesNotContain("Starting AOT-processed");
            }

            // exactly one leader; only its singleton route sweeps
            await("one leader").atMost(Duration.ofSeconds(30)).until(() -> leader(a) ^ leader(b));
            PackagedHub leader = leader(a) ? a : b;
            PackagedHub follower = leader == a ? b : a;
            await("sweeps on the leader").atMost(Duration.ofSeconds(20))
                    .until(() -> leader.metric("camel_exchanges_total", SINGLETON) >= 3);
            assertThat(follower.metric("camel_exchanges_total", SINGLETON)).isZero();
            assertThat(leader(follower)).isFalse();

            // bookings on both instances; every payment event delivered to both at the same moment
            List<String> ids = new ArrayList<>();
            List<String> starts = FutureSlots.next(BOOKINGS);
            for (int i = 0; i < BOOKINGS; i++) {
                PackagedHub hub = i % 2 == 0 ? a : b;
                var booked = hub.post("/api/v1/bookings", """
                        {"start":"%s","durationMinutes":30,"provider":"stripe",
                         "customer":{"name":"Scale Test","email":"scale%d@example.com","phone":"+4179123%04d"}}"""
                        .formatted(starts.get(i), i, i));
                assertThat(booked.statusCode()).as(hub.name() + " " + starts.get(i) + ": " + booked.body())
                        .isEqualTo(201);
                ids.add(JSON.readTree(booked.body()).get("id").asText());
            }
            List<CompletableFuture<Integer>> deliveries = new ArrayList<>();
            for (int i = 0; i < BOOKINGS; i++) {
                String payload = StripeFake.event("evt_scale_" + i, "checkout.session.completed",
                        StripeFake.checkoutSession(ids.get(i), "paid", "pi_scale_" + i));
                for (PackagedHub hub : List.of(a, b)) {
                    deliveries.add(CompletableFuture.supplyAsync(() -> status(hub, payload)));
                }
            }
            for (CompletableFuture<Integer> delivery : deliveries) {
                assertThat(delivery.get()).isEqualTo(200);
            }

            await("all confirmed").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (String id : ids) {
                    assertThat(a.json("/api/v1/bookings/" + id).get("status").asText()).as(id).isEqualTo("CONFIRMED");
                }
            });
            assertThat(google.eventCount()).isEqualTo(BOOKINGS);
            await("notifications sent").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(outbox(a, "sms") + outbox(b, "sms")).isEqualTo(BOOKINGS);
                assertThat(outbox(a, "email") + outbox(b, "email")).isEqualTo(BOOKINGS);
            });
            for (String id : ids) {
                JsonNode notifications = b.json("/api/v1/bookings/" + id + "/notifications").get("notifications");
                assertThat(notifications.findValuesAsText("kind")).as(id).containsOnly("confirmation");
                assertThat(notifications.findValuesAsText("channel")).as(id).containsExactlyInAnyOrder("SMS", "EMAIL");
            }
            // the external broker's queue depths, through its management API: everything consumed, and the three
            // messages parked on the DLQ here (no instance consumes it)
            try (var factory = new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory(
                    "tcp://127.0.0.1:" + brokerPort); var context = factory.createContext()) {
                for (int i = 0; i < 3; i++) {
                    context.createProducer().send(context.createQueue("DLQ"), "parked " + i);
                }
            }
            await("queue depths").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(a.metric("connectify_queue_depth", "queue=\"stripe-events\"")).isZero();
                assertThat(b.metric("connectify_queue_depth", "queue=\"notifications-sms\"")).isZero();
                assertThat(b.metric("connectify_queue_depth", "queue=\"notifications-email\"")).isZero();
                assertThat(a.metric("connectify_queue_depth", "queue=\"DLQ\"")).isEqualTo(3);
            });
            double duplicates = a.metric("connectify_webhook_duplicates_total", "provider=\"stripe\"")
                    + b.metric("connectify_webhook_duplicates_total", "provider=\"stripe\"");
            assertThat(duplicates).as("deliveries dropped as duplicates, on either instance").isPositive();

            // the leader dies: the follower takes the lease over and starts sweeping
            leader.kill();
            await("failover").atMost(Duration.ofSeconds(40)).until(() -> leader(follower));
            await("sweeps on the new leader").atMost(Duration.ofSeconds(20))
                    .until(() -> follower.metric("camel_exchanges_total", SINGLETON) >= 2);
        } finally {
            a.close();
            b.close();
        }
        // still nothing twice once both have stopped
        assertThat(google.eventCount()).isEqualTo(BOOKINGS);
    }

    private static PackagedHub launch(String name) throws Exception {
        return PackagedHub.launch(name, API_KEY, PackagedHub.withFakes(API_KEY, google, stripe,
                "--spring.profiles.active=scale-out",
                "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                "--spring.datasource.username=postgres",
                "--spring.artemis.broker-url=tcp://127.0.0.1:" + brokerPort,
                "--connectify.cluster.member-id=" + name,
                // longer than lock-timeout (2s) + 2 x heartbeat, or the start stops
                "--connectify.cluster.lease-ttl=5s",
                "--connectify.cluster.heartbeat=1s",
                "--connectify.booking.hold-sweep-interval=1s"));
    }

    private static boolean leader(PackagedHub hub) throws Exception {
        return hub.json("/actuator/health").at("/components/cluster/details/leader").asBoolean();
    }

    private static int outbox(PackagedHub hub, String channel) throws Exception {
        return hub.json("/sandbox/outbox").get(channel).size();
    }

    private static int status(PackagedHub hub, String payload) {
        try {
            return hub.stripeWebhook(payload).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(hub.name() + " webhook", e);
        }
    }
}
