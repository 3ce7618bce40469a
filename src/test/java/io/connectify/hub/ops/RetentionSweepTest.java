package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.web.HttpProperties;
import io.connectify.hub.web.IdempotentRequests;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/** The retention sweep on the hub's schema, on H2 (embedded default) and PostgreSQL (scale-out). */
class RetentionSweepTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();

    static Stream<Arguments> databases() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:retention-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        return Stream.of(Arguments.of("H2", h2), Arguments.of("PostgreSQL", postgres.dataSource()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void deletesOnlyRecordsOlderThanTheirRetentionInBatches(String database, DataSource dataSource) {
        JdbcClient jdbc = migratedAfresh(dataSource);
        for (int i = 0; i < 5; i++) {
            processedKey(jdbc, "stripe:evt_old_" + i, NOW.minus(Duration.ofDays(31)));
            audit(jdbc, NOW.minus(Duration.ofDays(91)));
        }
        processedKey(jdbc, "stripe:evt_recent", NOW.minus(Duration.ofDays(29)));
        for (String sid : new String[] {"SMold1", "SMold2", "SMold3"}) { // parked for a SID never recorded
            parkedCallback(jdbc, sid, NOW.minus(Duration.ofDays(31)));
        }
        parkedCallback(jdbc, "SMrecent", NOW.minus(Duration.ofDays(29)));
        audit(jdbc, NOW.minus(Duration.ofDays(89)));
        deadLetter(jdbc, "REPLAYED", NOW.minus(Duration.ofDays(31)));
        deadLetter(jdbc, "REPLAYED", NOW.minus(Duration.ofDays(29)));
        String waiting = deadLetter(jdbc, "STORED", null); // failed long ago, never replayed: kept
        var meters = new SimpleMeterRegistry();
        // batches of 2: five old records take three deletes
        var sweep = sweep(jdbc, NOW,
                new RetentionProperties(Duration.ofDays(30), Duration.ofDays(90), Duration.ofDays(30), Duration.ofHours(1), 2), meters);

        sweep.sweep(null);

        assertThat(jdbc.sql("SELECT messageId FROM CAMEL_MESSAGEPROCESSED").query(String.class).list())
                .containsExactly("stripe:evt_recent");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM integration_audit").query(Long.class).single()).isEqualTo(1);
        assertThat(meters.counter(RetentionSweep.METRIC, "records", "processed-events").count()).isEqualTo(5);
        assertThat(meters.counter(RetentionSweep.METRIC, "records", "audit").count()).isEqualTo(5);
        assertThat(jdbc.sql("SELECT provider_reference FROM notification_callback").query(String.class).list())
                .containsExactly("SMrecent");
        assertThat(meters.counter(RetentionSweep.METRIC, "records", "parked-callbacks").count()).isEqualTo(3);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM dead_letter WHERE status = 'REPLAYED'").query(Long.class).single())
                .isEqualTo(1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM dead_letter WHERE id = ?").params(waiting).query(Long.class).single())
                .isEqualTo(1);
        assertThat(meters.counter(RetentionSweep.METRIC, "records", "dead-letters").count()).isEqualTo(1);

        // zero keeps them for ever
        sweep(jdbc, NOW.plus(Duration.ofDays(365)),
                new RetentionProperties(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofHours(1), 2), meters).sweep(null);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED").query(Long.class).single()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM integration_audit").query(Long.class).single()).isEqualTo(1);
    }

    /**
     * A send's start (V32) is deleted with its send's outcome; one whose notification reached its final state some
     * other way (skipped by the recovery sweep, sent by an instance of an earlier version, a send whose lock was lost)
     * stayed for ever before. The sweep deletes the starts of notifications no longer unsent (or gone), whatever its
     * retention periods (zero here: for ever), and keeps those of a notification still queued unsent: a send under way,
     * or one the next send takes as a lost answer.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void deletesTheSendStartsOfNotificationsNoLongerUnsentAndKeepsThoseStillUnsent(String database,
                                                                                  DataSource dataSource) {
        JdbcClient jdbc = migratedAfresh(dataSource);
        String unsent = notification(jdbc, "queued", null);
        String sent = notification(jdbc, "sent", "SM1");
        String delivered = notification(jdbc, "delivered", "SM2");
        String failed = notification(jdbc, "failed", null);
        String skipped = notification(jdbc, "skipped", null);
        sendStart(jdbc, unsent, NOW.minus(Duration.ofDays(40)));
        sendStart(jdbc, unsent, NOW.minusSeconds(1));
        for (String done : new String[] {sent, delivered, failed, skipped, "gone-notification"}) {
            sendStart(jdbc, done, NOW.minus(Duration.ofMinutes(5)));
        }
        var meters = sweptKeepingForever(jdbc);

        assertThat(jdbc.sql("SELECT notification_id FROM notification_send_start").query(String.class).list())
                .containsExactly(unsent, unsent);
        assertThat(meters.counter(RetentionSweep.METRIC, "records", "send-starts").count()).isEqualTo(5);
    }

    /**
     * A processing payment recorded for a booking's longer hold (V38) is deleted once its booking no longer waits for
     * its payment (confirmed, expired, failed, cancelled; or paid, waiting for its confirmation), whatever the
     * retention periods (zero here: for ever); those of a booking still waiting unpaid are kept. Before, nothing
     * deleted them.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void deletesTheProcessingPaymentsOfBookingsNoLongerWaiting(String database, DataSource dataSource) {
        JdbcClient jdbc = migratedAfresh(dataSource);
        String waiting = booking(jdbc, "PENDING_PAYMENT", null);
        processingPayment(jdbc, waiting, "cs_waiting");
        processingPayment(jdbc, waiting, "pi_waiting");
        for (String settled : new String[] {"CONFIRMED", "EXPIRED", "PAYMENT_FAILED", "CANCELLED"}) {
            processingPayment(jdbc, booking(jdbc, settled, null), "pi_" + settled);
        }
        processingPayment(jdbc, booking(jdbc, "PENDING_PAYMENT", 9000L), "pi_paid");
        processingPayment(jdbc, "gone-booking", "pi_gone");
        var meters = sweptKeepingForever(jdbc);

        assertThat(jdbc.sql("SELECT payment_ref FROM booking_processing_payment ORDER BY payment_ref")
                .query(String.class).list()).containsExactly("cs_waiting", "pi_waiting");
        assertThat(meters.counter(RetentionSweep.METRIC, "records", "processing-payments").count()).isEqualTo(6);
    }

    /**
     * A payment's failure remembered for its processing event handled after it (V39) is kept while its booking could
     * still be held by that event (waiting unpaid, or expired unpaid: a late processing event holds it again) and
     * deleted with any other, whatever the retention periods.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void deletesThePaymentFailuresOfBookingsNoLongerPayable(String database, DataSource dataSource) {
        JdbcClient jdbc = migratedAfresh(dataSource);
        paymentFailure(jdbc, booking(jdbc, "PENDING_PAYMENT", null), "pi_waiting");
        paymentFailure(jdbc, booking(jdbc, "EXPIRED", null), "pi_expired");
        for (String settled : new String[] {"CONFIRMED", "PAYMENT_FAILED", "CANCELLED"}) {
            paymentFailure(jdbc, booking(jdbc, settled, null), "pi_" + settled);
        }
        paymentFailure(jdbc, booking(jdbc, "PENDING_PAYMENT", 9000L), "pi_paid");
        paymentFailure(jdbc, "gone-booking", "pi_gone");
        var meters = sweptKeepingForever(jdbc);

        assertThat(jdbc.sql("SELECT payment_ref FROM booking_payment_failure ORDER BY payment_ref")
                .query(String.class).list()).containsExactly("pi_expired", "pi_waiting");
        assertThat(meters.counter(RetentionSweep.METRIC, "records", "payment-failures").count()).isEqualTo(5);
    }

    /**
     * The payment failures of an unpaid booking, waiting or expired, whose start has passed are deleted: no
     * processing event can hold a booking that has begun, so they are of no more use. Before, an abandoned booking's
     * rows (one per declined card) were kept for ever. Those of one not begun are kept.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void deletesThePaymentFailuresOfUnpaidBookingsWhoseStartHasPassed(String database, DataSource dataSource) {
        JdbcClient jdbc = migratedAfresh(dataSource);
        Instant begun = NOW.minus(Duration.ofMinutes(1));
        paymentFailure(jdbc, booking(jdbc, "EXPIRED", null, begun), "pi_expired_begun_1");
        paymentFailure(jdbc, booking(jdbc, "EXPIRED", null, begun), "pi_expired_begun_2");
        paymentFailure(jdbc, booking(jdbc, "PENDING_PAYMENT", null, begun), "pi_waiting_begun");
        paymentFailure(jdbc, booking(jdbc, "EXPIRED", null, NOW.plus(Duration.ofMinutes(1))), "pi_expired_soon");
        var meters = sweptKeepingForever(jdbc);

        assertThat(jdbc.sql("SELECT payment_ref FROM booking_payment_failure ORDER BY payment_ref")
                .query(String.class).list()).containsExactly("pi_expired_soon");
        assertThat(meters.counter(RetentionSweep.METRIC, "records", "payment-failures").count()).isEqualTo(3);
    }

    /**
     * The API's Idempotency-Key answers past their lifetime (24 h here, from their claim, by the database's clock) are
     * deleted by the sweep in batches, each batch while the instance leads, and counted under
     * {@code records="api-idempotency"}; live ones, answered or still running, are kept. Before, one unbatched
     * DELETE after the sweep, uncounted.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void deletesTheIdempotencyKeyAnswersPastTheirLifetimeInBatches(String database, DataSource dataSource) {
        var deletes = new AtomicInteger();
        JdbcClient jdbc = migratedAfresh(counting(dataSource, "DELETE FROM api_idempotency", deletes));
        for (int i = 0; i < 4; i++) {
            idempotencyKey(jdbc, "order-old-" + i, 201, NOW.minus(Duration.ofHours(25)));
        }
        idempotencyKey(jdbc, "order-old-unanswered", null, NOW.minus(Duration.ofHours(25)));
        idempotencyKey(jdbc, "order-live", 201, NOW.minus(Duration.ofHours(23)));
        idempotencyKey(jdbc, "order-running", null, NOW.minusSeconds(5));
        var meters = new SimpleMeterRegistry();

        // the hub's clock two days ahead of the database's: the answers' lifetime counts by the database's, as their
        // take-over does (IdempotentRequests), so a live answer is kept whatever an instance's own clock says
        new RetentionSweep(jdbc, Clock.fixed(NOW.plus(Duration.ofDays(2)), ZoneOffset.UTC), keepingForever(2), meters,
                new IdempotentRequests(jdbc, Clock.fixed(NOW, ZoneOffset.UTC), HTTP)).sweep(null);

        assertThat(jdbc.sql("SELECT idempotency_key FROM api_idempotency ORDER BY idempotency_key")
                .query(String.class).list()).containsExactly("order-live", "order-running");
        assertThat(meters.counter(RetentionSweep.METRIC, "records", "api-idempotency").count()).isEqualTo(5);
        assertThat(deletes).as("five answers in batches of 2: three DELETEs").hasValue(3);
    }

    /**
     * A purge that fails (here the processed event keys', the first, its table gone) skips only itself: every other
     * kind of record, the Idempotency-Key answers included, is still purged in that run, and the failure is one ERROR
     * line naming its records. Before, the first failure ended the run, and the Idempotency-Key answers, purged after
     * the sweep, waited for a run that failed nowhere.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aFailingPurgeSkipsNoOtherRecords(String database, DataSource dataSource) {
        JdbcClient jdbc = migratedAfresh(dataSource);
        audit(jdbc, NOW.minus(Duration.ofDays(91)));
        deadLetter(jdbc, "REPLAYED", NOW.minus(Duration.ofDays(31)));
        idempotencyKey(jdbc, "order-old", 201, NOW.minus(Duration.ofHours(25)));
        jdbc.sql("DROP TABLE CAMEL_MESSAGEPROCESSED").update();
        var meters = new SimpleMeterRegistry();

        try (LogLines lines = LogLines.of(RetentionSweep.class)) {
            sweep(jdbc, NOW, new RetentionProperties(Duration.ofDays(30), Duration.ofDays(90), Duration.ofDays(30),
                    Duration.ofHours(1), 2), meters).sweep(null);

            assertThat(lines.errors()).singleElement().satisfies(line -> assertThat(line.getFormattedMessage())
                    .contains("records processed-events not purged"));
        }
        assertThat(jdbc.sql("SELECT COUNT(*) FROM api_idempotency").query(Long.class).single()).isZero();
        assertThat(meters.counter(RetentionSweep.METRIC, "records", "api-idempotency").count()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM integration_audit").query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM dead_letter").query(Long.class).single()).isZero();
    }

    private static final HttpProperties HTTP = new HttpProperties(65536, Duration.ofHours(24), Duration.ofMinutes(1),
            Duration.ofSeconds(5), Duration.ofMinutes(20));

    /** The sweep at {@code now}, by the hub's clock and the database's. */
    private static RetentionSweep sweep(JdbcClient jdbc, Instant now, RetentionProperties retention,
                                        MeterRegistry meters) {
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        return new RetentionSweep(jdbc, clock, retention, meters, new IdempotentRequests(jdbc, clock, HTTP));
    }

    private static RetentionProperties keepingForever(int batchSize) {
        return new RetentionProperties(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofHours(1), batchSize);
    }

    /** {@code dataSource}, counting in {@code statements} the statements prepared that start with {@code sql}. */
    private static DataSource counting(DataSource dataSource, String sql, AtomicInteger statements) {
        return new DelegatingDataSource(dataSource) {
            @Override
            public Connection getConnection() throws SQLException {
                Connection connection = super.getConnection();
                return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            if (method.getName().equals("prepareStatement") && args[0] instanceof String statement
                                    && statement.startsWith(sql)) {
                                statements.incrementAndGet();
                            }
                            try {
                                return method.invoke(connection, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
    }

    /** An Idempotency-Key's row claimed at {@code at}: answered with {@code status}, or still running (null). */
    static void idempotencyKey(JdbcClient jdbc, String key, Integer status, Instant at) {
        jdbc.sql("INSERT INTO api_idempotency (caller, idempotency_key, target, fingerprint, claim, status, created_at, "
                        + "renewed_at) VALUES ('caller-1', ?, 'POST /api/v1/bookings', 'f', ?, ?, ?, ?)")
                .params(key, java.util.UUID.randomUUID().toString(), status, at.atOffset(ZoneOffset.UTC),
                        at.atOffset(ZoneOffset.UTC)).update();
    }

    /** The database emptied and migrated to the latest version; a client of it. */
    private static JdbcClient migratedAfresh(DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).cleanDisabled(false).load().clean();
        Flyway.configure().dataSource(dataSource).load().migrate();
        return JdbcClient.create(dataSource);
    }

    /** One run of the sweep with every retention period zero (kept for ever), in batches of 2; its meters. */
    private static SimpleMeterRegistry sweptKeepingForever(JdbcClient jdbc) {
        var meters = new SimpleMeterRegistry();
        sweep(jdbc, NOW, keepingForever(2), meters).sweep(null);
        return meters;
    }

    static void paymentFailure(JdbcClient jdbc, String bookingId, String payment) {
        jdbc.sql("INSERT INTO booking_payment_failure (booking_id, payment_ref, session_failed, recorded_at) "
                        + "VALUES (?, ?, FALSE, ?)")
                .params(bookingId, payment, NOW.minus(Duration.ofHours(2)).atOffset(ZoneOffset.UTC)).update();
    }

    static String booking(JdbcClient jdbc, String status, Long paidAmount) {
        return booking(jdbc, status, paidAmount, NOW.plus(Duration.ofDays(3)));
    }

    static String booking(JdbcClient jdbc, String status, Long paidAmount, Instant startAt) {
        String id = java.util.UUID.randomUUID().toString();
        var start = startAt.atOffset(ZoneOffset.UTC);
        jdbc.sql("INSERT INTO booking (id, status, start_at, end_at, duration_minutes, amount, currency, "
                        + "customer_name, customer_email, summary, provider, paid_amount, hold_expires_at, created_at, "
                        + "updated_at) VALUES (?, ?, ?, ?, 60, 9000, 'CHF', 'Jane Roe', 'jane@example.com', "
                        + "'Consultation', 'stripe', ?, ?, ?, ?)")
                .params(id, status, start, start.plusHours(1), paidAmount, start,
                        NOW.minus(Duration.ofDays(1)).atOffset(ZoneOffset.UTC),
                        NOW.minus(Duration.ofDays(1)).atOffset(ZoneOffset.UTC)).update();
        return id;
    }

    static void processingPayment(JdbcClient jdbc, String bookingId, String payment) {
        jdbc.sql("INSERT INTO booking_processing_payment (booking_id, payment_ref, payment_intent, recorded_at) "
                        + "VALUES (?, ?, '', ?)")
                .params(bookingId, payment, NOW.minus(Duration.ofHours(2)).atOffset(ZoneOffset.UTC)).update();
    }

    static String notification(JdbcClient jdbc, String status, String providerReference) {
        String id = java.util.UUID.randomUUID().toString();
        jdbc.sql("INSERT INTO notification (id, booking_id, kind, channel, recipient, provider_reference, status, "
                        + "created_at, updated_at) VALUES (?, NULL, 'confirmation', 'SMS', '+41791234567', ?, ?, ?, ?)")
                .params(id, providerReference, status, NOW.minus(Duration.ofDays(1)).atOffset(ZoneOffset.UTC),
                        NOW.minus(Duration.ofDays(1)).atOffset(ZoneOffset.UTC)).update();
        return id;
    }

    static void sendStart(JdbcClient jdbc, String notificationId, Instant at) {
        jdbc.sql("INSERT INTO notification_send_start (id, notification_id, started_at) VALUES (?, ?, ?)")
                .params(java.util.UUID.randomUUID().toString(), notificationId, at.atOffset(ZoneOffset.UTC)).update();
    }

    /** As Camel's JDBC idempotent repository writes it: createdAt a local-time TIMESTAMP. */
    static void processedKey(JdbcClient jdbc, String key, Instant at) {
        jdbc.sql("INSERT INTO CAMEL_MESSAGEPROCESSED (processorName, messageId, createdAt) VALUES (?, ?, ?)")
                .params("webhook-events", key, Timestamp.from(at)).update();
    }

    static void parkedCallback(JdbcClient jdbc, String sid, Instant at) {
        jdbc.sql("INSERT INTO notification_callback (provider_reference, status, received_at) VALUES (?, 'delivered', ?)")
                .params(sid, at.atOffset(ZoneOffset.UTC)).update();
    }

    /** A dead letter that failed 400 days ago, replayed at {@code replayedAt} (null: not replayed). */
    static String deadLetter(JdbcClient jdbc, String status, Instant replayedAt) {
        String id = java.util.UUID.randomUUID().toString();
        jdbc.sql("INSERT INTO dead_letter (id, route_id, source_queue, provider, body, headers, error_type, "
                        + "error_message, attempts, status, failed_at, replayed_at) VALUES (?, 'stripe-event-dispatch', "
                        + "'stripe-events', 'stripe', '{}', '{}', 'x', 'x', 2, ?, ?, ?)")
                .params(id, status, NOW.minus(Duration.ofDays(400)).atOffset(ZoneOffset.UTC),
                        replayedAt == null ? null : replayedAt.atOffset(ZoneOffset.UTC)).update();
        return id;
    }

    static void audit(JdbcClient jdbc, Instant at) {
        jdbc.sql("INSERT INTO integration_audit (provider, operation, outcome, latency_ms, occurred_at) "
                + "VALUES ('stripe', 'create-checkout-session', 'ok', 12, ?)").params(at.atOffset(ZoneOffset.UTC)).update();
    }

    @Test
    void aBatchSizeBelowOneIsRefused() {
        assertThatThrownBy(() -> new RetentionProperties(Duration.ofDays(30), Duration.ofDays(90), Duration.ofDays(30), Duration.ofHours(1), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch-size");
    }
}
