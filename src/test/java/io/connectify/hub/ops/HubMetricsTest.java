package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.mockito.Mockito.mock;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import ch.qos.logback.classic.Level;
import com.zaxxer.hikari.HikariDataSource;
import io.connectify.hub.booking.AvailabilityProperties;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.payment.payrexx.PayrexxRefundWatch;
import io.connectify.hub.support.LogLines;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The gauges over the database, read as a scrape reads them: from the counts the refresher last made, so that a
 * scrape never waits for the database. Before, every scrape ran each gauge's query, and while the database was
 * unreachable each waited for a connection (30 s), so a scrape outlasted Prometheus's timeout and every series of
 * the hub was lost.
 */
class HubMetricsTest {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final List<String> DATABASE_GAUGES = List.of("connectify_bookings",
            "connectify_bookings_refund_pending", "connectify_bookings_needing_attention",
            "connectify_refunds_awaiting_provider", "connectify_refunds_awaiting_provider_oldest_seconds",
            "connectify_dead_letters_stored", "connectify_dead_letters_replay_overdue");

    /** Migrated once for the class (the migrations take seconds); emptied before each test. */
    private static DataSource migrated;

    private DatabaseGauges gauges;
    private HikariDataSource pool;

    @BeforeAll
    static void migrate() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:gauges-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        h2.setUser("sa");
        Flyway.configure().dataSource(h2).locations("classpath:db/migration").load().migrate();
        migrated = h2;
    }

    @BeforeEach
    void empty() {
        JdbcClient.create(migrated).sql("DELETE FROM booking").update();
        JdbcClient.create(migrated).sql("DELETE FROM dead_letter").update();
    }

    @AfterEach
    void stop() {
        if (gauges != null) {
            gauges.stop();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void aScrapeWhileTheDatabaseIsUnreachableAnswersAtOnceWithNaN() {
        pool = new HikariDataSource();
        pool.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/x"); // nothing listens: every connection attempt fails
        pool.setUsername("hub");
        pool.setInitializationFailTimeout(-1); // the pool starts without its database, as the hub's does
        gauges = gauges(pool, Duration.ofSeconds(15), System::nanoTime);
        gauges.start(); // its refresher waits for a connection meanwhile (the pool's 30 s), on its own thread
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics(gauges).bindTo(registry);

        String scrape = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> registry.scrape());

        Map<String, Integer> nan = new TreeMap<>();
        Matcher line = Pattern.compile("(?m)^(connectify_[a-z_]+)(?:\\{[^}]*})? (\\S+)$").matcher(scrape);
        while (line.find()) {
            if (DATABASE_GAUGES.contains(line.group(1))) {
                assertThat(line.group(2)).as(line.group()).isEqualTo("NaN");
                nan.merge(line.group(1), 1, Integer::sum);
            }
        }
        assertThat(nan).as("every gauge over the database, each of its series").containsEntry("connectify_bookings", 6)
                .containsEntry("connectify_dead_letters_stored", 2).hasSize(DATABASE_GAUGES.size());
    }

    @Test
    void aScrapeShowsTheCountsOfTheLastRefreshWithoutAskingTheDatabase() {
        DataSource database = migrated;
        gauges = gauges(database, Duration.ofSeconds(15), System::nanoTime);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        metrics(gauges).bindTo(registry);
        JdbcClient jdbc = JdbcClient.create(database);
        insertBooking(jdbc, "CONFIRMED", null, null, NOW);
        assertThat(bookings(registry, "CONFIRMED")).as("never counted").isNaN();

        gauges.refresh();
        assertThat(bookings(registry, "CONFIRMED")).isEqualTo(1);
        assertThat(bookings(registry, "CANCELLED")).isZero();

        insertBooking(jdbc, "CONFIRMED", null, null, NOW);
        assertThat(bookings(registry, "CONFIRMED")).as("the scrape asks the database nothing").isEqualTo(1);
        gauges.refresh();
        assertThat(bookings(registry, "CONFIRMED")).isEqualTo(2);
    }

    /**
     * The refunds awaiting their provider: how many, and how long the longest has waited, told at the scrape from the
     * count the refresh made (so it grows between refreshes, as the time does).
     */
    @Test
    void theRefundsAwaitingTheProviderAreCountedWithTheLongestWait() {
        DataSource database = migrated;
        gauges = gauges(database, Duration.ofSeconds(15), System::nanoTime);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        metrics(gauges).bindTo(registry);
        JdbcClient jdbc = JdbcClient.create(database);
        insertBooking(jdbc, "REFUNDED", "payrexx", PayrexxRefundWatch.reason(), NOW.minusSeconds(7200));
        insertBooking(jdbc, "REFUNDED", "payrexx", PayrexxRefundWatch.reason(), NOW.minusSeconds(60));
        insertBooking(jdbc, "REFUNDED", "payrexx", "refunded", NOW.minusSeconds(9000));

        gauges.refresh();

        assertThat(registry.get("connectify.refunds.awaiting.provider").tag("provider", "payrexx").gauge().value())
                .isEqualTo(2);
        assertThat(registry.get("connectify.refunds.awaiting.provider.oldest").tag("provider", "payrexx").gauge()
                .value()).isEqualTo(7200);
    }

    @Test
    void theRefresherCountsAgainEveryInterval() {
        DataSource database = migrated;
        gauges = gauges(database, Duration.ofMillis(100), System::nanoTime);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        metrics(gauges).bindTo(registry);
        JdbcClient jdbc = JdbcClient.create(database);
        gauges.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> bookings(registry, "PENDING_PAYMENT") == 0);

        insertBooking(jdbc, "PENDING_PAYMENT", null, null, NOW);
        jdbc.sql("INSERT INTO dead_letter (id, route_id, source_queue, body, headers, error_type, attempts, status, "
                        + "failed_at, retry_at) VALUES (:id, 'stripe-event-dispatch', 'stripe-events', '{}', '{}', "
                        + "'ProviderUnavailable', 1, 'STORED', :at, :at)")
                .param("id", UUID.randomUUID().toString()).param("at", NOW.atOffset(ZoneOffset.UTC)).update();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(bookings(registry, "PENDING_PAYMENT")).isEqualTo(1);
            assertThat(registry.get("connectify.dead.letters.stored").tag("waiting_for", "automatic-replay").gauge()
                    .value()).isEqualTo(1);
        });
    }

    /**
     * H2 keeps a statement's query timeout as its session's: a refresh's would stay on the pooled connection for its
     * next user (a sweep, a request), whose statements would then be cut short at the gauges' timeout.
     */
    @Test
    void aRefreshLeavesNoQueryTimeoutOnThePooledConnection() throws SQLException {
        pool = new HikariDataSource();
        pool.setDataSource(migrated);
        pool.setMaximumPoolSize(1); // the refresh's connection is the next user's
        gauges = gauges(pool, Duration.ofSeconds(15), System::nanoTime);

        gauges.refresh();

        try (Connection next = pool.getConnection(); var statement = next.createStatement()) {
            assertThat(statement.getQueryTimeout()).isZero();
        }
    }

    /**
     * A refresh that fails (the database gone) keeps the last counts until they are stale (4 intervals), then NaN;
     * logged once for the outage, and once when counted again.
     */
    @Test
    void aFailedRefreshKeepsTheLastCountsUntilStaleAndIsLoggedOncePerOutage() {
        AtomicBoolean down = new AtomicBoolean();
        DataSource database = new DelegatingDataSource(migrated) {
            @Override
            public Connection getConnection() throws SQLException {
                if (down.get()) {
                    throw new SQLException("Connection refused", "08001");
                }
                return super.getConnection();
            }
        };
        AtomicLong nanos = new AtomicLong();
        gauges = gauges(database, Duration.ofSeconds(15), nanos::get);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        metrics(gauges).bindTo(registry);
        gauges.refresh();

        try (LogLines lines = LogLines.of(DatabaseGauges.class)) {
            down.set(true);
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(gauges::refresh).isInstanceOf(RuntimeException.class);
            }
            nanos.addAndGet(Duration.ofSeconds(60).toNanos());
            assertThat(bookings(registry, "CONFIRMED")).as("4 intervals old").isZero();
            nanos.incrementAndGet();
            assertThat(bookings(registry, "CONFIRMED")).as("older").isNaN();

            down.set(false);
            gauges.refresh();
            assertThat(bookings(registry, "CONFIRMED")).isZero();
            down.set(true);
            assertThatThrownBy(gauges::refresh).isInstanceOf(RuntimeException.class);

            assertThat(lines.lines()).extracting(event -> event.getLevel())
                    .containsExactly(Level.WARN, Level.INFO, Level.WARN);
            assertThat(lines.lines().get(0).getFormattedMessage()).contains("Connection refused");
        }
    }

    private static DatabaseGauges gauges(DataSource database, Duration interval, LongSupplier nanos) {
        JdbcClient jdbc = JdbcClient.create(database);
        JdbcTransactionManager transactions = new JdbcTransactionManager(database);
        BookingRepository bookings = new BookingRepository(jdbc, new TransactionTemplate(transactions),
                new AvailabilityProperties(ZoneId.of("Europe/Zurich"), Map.of(), null, null, null, null));
        DeadLetterProperties deadLetters = new DeadLetterProperties(3, Duration.ofSeconds(1),
                new DeadLetterProperties.AutoReplay(Duration.ofMinutes(1), Duration.ofMinutes(30), 10,
                        Duration.ofSeconds(30), Duration.ofMinutes(5)));
        return new DatabaseGauges(jdbc, bookings, database, transactions, Clock.fixed(NOW, ZoneOffset.UTC),
                deadLetters, new DatabaseGaugeProperties(interval, Duration.ofSeconds(2)), nanos);
    }

    private static HubMetrics metrics(DatabaseGauges gauges) {
        return new HubMetrics(gauges, Clock.fixed(NOW, ZoneOffset.UTC), mock(BrokerQueueDepth.class),
                "stripe-events", "payrexx-events", "twilio-status",
                new io.connectify.hub.notification.NotificationProperties(100, 60000, "notifications",
                        "notifications-sms", "notifications-email", true, java.time.Duration.ofMinutes(5),
                        java.time.Duration.ofMinutes(15)));
    }

    private static double bookings(MeterRegistry registry, String status) {
        return registry.get("connectify.bookings").tag("status", status).gauge().value();
    }

    private static void insertBooking(JdbcClient jdbc, String status, String provider, String reason,
                                      Instant updated) {
        jdbc.sql("INSERT INTO booking (id, status, start_at, end_at, duration_minutes, amount, currency, "
                        + "customer_name, customer_email, summary, provider, status_reason, created_at, updated_at) "
                        + "VALUES (:id, :status, :start, :end, 60, 9000, 'CHF', 'John Doe', 'john@example.com', "
                        + "'Consultation', :provider, :reason, :updated, :updated)")
                .param("id", UUID.randomUUID().toString()).param("status", status)
                .param("start", NOW.plusSeconds(86400).atOffset(ZoneOffset.UTC))
                .param("end", NOW.plusSeconds(90000).atOffset(ZoneOffset.UTC)).param("provider", provider)
                .param("reason", reason).param("updated", updated.atOffset(ZoneOffset.UTC)).update();
    }
}
