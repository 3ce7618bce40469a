package io.connectify.hub.support;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.notification.NotificationProperties;
import io.connectify.hub.ops.BrokerQueueDepth;
import io.connectify.hub.ops.DatabaseGauges;
import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.webhook.WebhookInbox;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Base of the hub's end-to-end tests: one Google fake for the whole run (so Spring reuses one context), a
 * plain JDK HTTP client for calls, and a clean state before each test.
 */
public abstract class HubTestBase {

    public static final String API_KEY = "test-api-key";
    public static final String ADMIN_KEY = "test-admin-key";
    protected static final GoogleCalendarFake google = new GoogleCalendarFake();
    protected static final StripeFake stripe = new StripeFake();
    protected static final PayrexxFake payrexx = new PayrexxFake();
    protected static final NotificationFakes notify = new NotificationFakes();
    protected static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @LocalServerPort
    protected int port;
    @Autowired
    protected MutableClock clock;
    @Autowired
    protected JdbcClient jdbc;
    @Autowired
    protected ProviderResilience resilience;
    @Autowired
    private TransactionTemplate rowHolder;
    @Autowired
    private BrokerQueueDepth queueDepth;
    @Autowired
    private DatabaseGauges databaseGauges;
    @Autowired
    private ObjectProvider<EmbeddedActiveMQ> broker;
    @Autowired
    private NotificationProperties notifications;
    @Autowired
    protected CamelContext hubContext;
    @Autowired
    private ObjectProvider<WebhookInbox> webhookInbox;
    @Value("${connectify.queues.consumers-enabled}")
    private boolean eventConsumersEnabled;
    @Value("${connectify.queues.stripe-events},${connectify.queues.payrexx-events},${connectify.queues.twilio-status}")
    private String[] eventQueues;

    @DynamicPropertySource
    static void googleFake(DynamicPropertyRegistry registry) {
        registry.add("connectify.gcal.key-path", () -> google.keyFile().toString());
        registry.add("connectify.gcal.root-url", google::rootUrl);
        registry.add("connectify.stripe.secret-key", () -> StripeFake.SECRET_KEY);
        registry.add("connectify.stripe.webhook-secrets", () -> StripeFake.WEBHOOK_SECRET + "," + StripeFake.OLD_WEBHOOK_SECRET);
        registry.add("connectify.stripe.api-base", stripe::apiBase);
        registry.add("connectify.payrexx.api-key", () -> PayrexxFake.API_KEY);
        registry.add("connectify.payrexx.instance-name", () -> PayrexxFake.INSTANCE);
        registry.add("connectify.payrexx.webhook-token", () -> PayrexxFake.WEBHOOK_TOKEN);
        registry.add("connectify.payrexx.api-base", payrexx::apiBase);
        registry.add("connectify.twilio.account-sid", () -> NotificationFakes.ACCOUNT_SID);
        registry.add("connectify.twilio.api-key-sid", () -> NotificationFakes.API_KEY_SID);
        registry.add("connectify.twilio.api-key-secret", () -> NotificationFakes.API_KEY_SECRET);
        registry.add("connectify.twilio.auth-token", () -> NotificationFakes.AUTH_TOKEN);
        registry.add("connectify.twilio.from-number", () -> NotificationFakes.FROM);
        registry.add("connectify.twilio.public-base-url", () -> NotificationFakes.PUBLIC_BASE_URL);
        registry.add("connectify.twilio.api-base", () -> notify.twilio().baseUrl());
        registry.add("connectify.sendgrid.api-key", () -> NotificationFakes.SENDGRID_KEY);
        registry.add("connectify.sendgrid.api-base", () -> notify.sendGrid().baseUrl() + "/");
    }

    /**
     * A test's notifications go out to its own fakes, before the next test resets them, whichever Spring context
     * the next one runs in: the throttle (5 a second in the tests) leaves up to a dozen queued when a payment test
     * ends, which the next test's fakes then counted as its own (those read before the next test deleted their
     * rows; one read after is not sent: NotificationLog.lockUnsent). So are its provider events (Stripe, Payrexx,
     * Twilio's statuses), those still in the webhook inbox too: one processed during the next test found its fakes
     * reset and its rows deleted. Not while this context's broker is stopped (ReadinessTest); the events not where
     * this context does not consume them (connectify.queues.consumers-enabled=false: the test reads the queue).
     */
    @AfterEach
    void awaitNotificationsSent() {
        EmbeddedActiveMQ embedded = broker.getIfAvailable();
        if (embedded != null && embedded.getActiveMQServer() != null && embedded.getActiveMQServer().isActive()) {
            awaitQueuesIdle();
        }
    }

    /**
     * Until no provider event and no notification waits or is being processed (a queue counts a message being
     * delivered until its transaction commits): no queue consumer is at work. For a test that stubs a spied bean the
     * consumers call: Mockito's stubbing of a spy that another thread calls meanwhile fails (UnfinishedStubbing).
     */
    protected void awaitQueuesIdle() {
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(30))
                .until(() -> eventsWaiting() == 0 && notificationsWaiting() == 0);
    }

    /**
     * Provider events not yet processed to their end: in the webhook inbox, or in their queues (a queue's count
     * includes the messages being delivered, until their transaction commits), or NaN.
     */
    private double eventsWaiting() {
        if (!eventConsumersEnabled) {
            return 0;
        }
        WebhookInbox inbox = webhookInbox.getIfAvailable();
        return (inbox == null ? 0 : inbox.waiting())
                + Arrays.stream(eventQueues).mapToDouble(queueDepth::messageCount).sum();
    }

    /** Messages of notifications waiting in their queues (the channels', the earlier versions' one), or NaN. */
    protected double notificationsWaiting() {
        return notifications.queues().stream().mapToDouble(queueDepth::messageCount).sum();
    }

    /** The queued notifications' senders, one per channel, and the earlier versions' queue's drain. */
    protected static final List<String> NOTIFICATION_SENDERS = List.of("notification-send-sms",
            "notification-send-email", "notification-forward-legacy");

    /** Stops sending queued notifications: what is queued from here on stays queued until they start again. */
    protected void stopNotificationSenders() throws Exception {
        for (String route : NOTIFICATION_SENDERS) {
            hubContext.getRouteController().stopRoute(route);
        }
    }

    protected void startNotificationSenders() throws Exception {
        for (String route : NOTIFICATION_SENDERS) {
            hubContext.getRouteController().startRoute(route);
        }
    }

    /** A pool another context shut down is renewed before this, as for every Spring test (SharedProviderPoolsRenewal). */
    @BeforeEach
    void cleanState() {
        awaitNotificationsSent(); // queued since, or by a test not of this base
        google.reset();
        stripe.reset();
        payrexx.reset();
        notify.reset();
        clock.set(TestClockConfig.NOW);
        google.useClock(clock); // a push channel's expiration granted from the hub's time
        jdbc.sql("DELETE FROM booking").update();
        jdbc.sql("DELETE FROM booking_dispute_seen").update();
        jdbc.sql("DELETE FROM notification").update();
        jdbc.sql("DELETE FROM notification_callback").update();
        jdbc.sql("DELETE FROM notification_send_start").update();
        jdbc.sql("DELETE FROM CAMEL_MESSAGEPROCESSED").update();
        jdbc.sql("DELETE FROM api_idempotency").update();
        for (String provider : new String[] {"google-calendar", "stripe", "payrexx", "twilio", "sendgrid"}) {
            resilience.circuitBreaker(provider).reset();
        }
    }

    protected Response httpGet(String path) {
        return send(request(path).GET(), API_KEY);
    }

    protected Response httpGet(String path, String key) {
        return send(request(path).GET(), key);
    }

    protected Response httpPost(String path, String json) {
        return httpPost(path, json, API_KEY);
    }

    protected Response httpPost(String path, String json, String key) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), key);
    }

    protected Response httpPatch(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)), API_KEY);
    }

    protected Response httpDelete(String path) {
        return send(request(path).DELETE(), API_KEY);
    }

    protected HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    }

    protected Response send(HttpRequest.Builder builder, String key) {
        if (key != null) {
            builder.header("X-API-Key", key);
        }
        try {
            HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A POST as {@code curl -X POST} without {@code -d} sends it (HTTP/1.1, neither Content-Length nor Content-Type:
     * Java's client always sends a length); answers the status line.
     */
    protected String bodilessPost(String path) {
        String answer = raw("POST", path, API_KEY);
        return answer.substring(0, answer.indexOf("\r\n"));
    }

    /** A GET of a target as written, which Java's client would refuse (a '%' that escapes nothing); the whole answer. */
    protected String rawGet(String target, String key) {
        return raw("GET", target, key);
    }

    private String raw(String method, String target, String key) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write((method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nX-API-Key: " + key + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The booking's mark as needing a person as {@code GET /admin/bookings/attention} lists it ({@code bookingId},
     * {@code status}, {@code since}, {@code note}); null when it is not listed.
     */
    protected JsonNode attentionOrNull(String bookingId) {
        var list = httpGet("/api/v1/admin/bookings/attention", ADMIN_KEY);
        if (list.status() != 200) {
            throw new AssertionError("GET /admin/bookings/attention answered " + list.status() + ": " + list.body());
        }
        for (JsonNode b : list.json().get("bookings")) {
            if (b.get("bookingId").asText().equals(bookingId)) {
                return b;
            }
        }
        return null;
    }

    /** The booking's mark as listed by {@code GET /admin/bookings/attention}; fails when it is not listed. */
    protected JsonNode attentionOf(String bookingId) {
        JsonNode found = attentionOrNull(bookingId);
        if (found == null) {
            throw new AssertionError("booking " + bookingId + " is not listed as needing attention");
        }
        return found;
    }

    /**
     * Clears the booking's mark as a person does (POST .../attention/clear with the since and note listed), so that a
     * test can tell whether something marks it again: a repeat of what marked it would otherwise add nothing visible,
     * a note the booking already has being not repeated and its since kept.
     */
    protected void clearAttention(String bookingId) {
        JsonNode marked = attentionOf(bookingId);
        var cleared = httpPost("/api/v1/admin/bookings/" + bookingId + "/attention/clear", JSON.createObjectNode()
                .put("since", marked.get("since").asText()).put("note", marked.get("note").asText()).toString(),
                ADMIN_KEY);
        if (cleared.status() != 200 || attentionOrNull(bookingId) != null) {
            throw new AssertionError("the mark of booking " + bookingId + " not cleared: " + cleared.status() + " "
                    + cleared.body());
        }
    }

    /**
     * Counts the gauges over the database now, as their refresher does every interval: a test reads them right after
     * a change, not an interval later.
     */
    protected void refreshDatabaseGauges() {
        databaseGauges.refresh();
    }

    /** The gauge connectify_bookings_needing_attention as scraped (alert BookingsNeedAttention), counted now. */
    protected double needingAttentionGauge() {
        refreshDatabaseGauges();
        var gauge = java.util.regex.Pattern.compile("(?m)^connectify_bookings_needing_attention(?:\\{[^}]*})? (\\S+)$")
                .matcher(httpGet("/actuator/prometheus", null).body());
        if (!gauge.find()) {
            throw new AssertionError("no gauge connectify_bookings_needing_attention scraped");
        }
        return Double.parseDouble(gauge.group(1));
    }

    /** Query-string encoding of an RFC 3339 time (its '+' must not become a space). */
    protected static String q(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    public record Response(HttpResponse<String> raw) {

        public int status() {
            return raw.statusCode();
        }

        public String body() {
            return raw.body();
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(raw.body());
            } catch (Exception e) {
                throw new AssertionError("Not JSON: " + raw.body(), e);
            }
        }
    }
    /**
     * What {@code request} answers while another transaction holds the rows {@code lockSql} selects (FOR UPDATE),
     * a saga step or a sweep say; they are released once it has answered.
     */
    protected <T> T whileRowsAreHeld(String lockSql, Map<String, ?> params, Supplier<T> request) throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> rowHolder.executeWithoutResult(status -> {
            jdbc.sql(lockSql).params(params).query().listOfRows();
            locked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        if (!locked.await(10, TimeUnit.SECONDS)) {
            release.countDown();
            throw new AssertionError("the rows were not locked within 10 s: " + lockSql);
        }
        try {
            return request.get();
        } finally {
            release.countDown();
            holder.get(30, TimeUnit.SECONDS);
        }
    }
}
