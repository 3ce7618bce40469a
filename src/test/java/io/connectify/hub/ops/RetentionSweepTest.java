package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.simple.JdbcClient;

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
        var sweep = new RetentionSweep(jdbc, Clock.fixed(NOW, ZoneOffset.UTC),
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
        new RetentionSweep(jdbc, Clock.fixed(NOW.plus(Duration.ofDays(365)), ZoneOffset.UTC),
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

    /** The database emptied and migrated to the latest version; a client of it. */
    private static JdbcClient migratedAfresh(DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).cleanDisabled(false).load().clean();
        Flyway.configure().dataSource(dataSource).load().migrate();
        return JdbcClient.create(dataSource);
    }

    /** One run of the sweep with every retention period zero (kept for ever), in batches of 2; its meters. */
    private static SimpleMeterRegistry sweptKeepingForever(JdbcClient jdbc) {
        var meters = new SimpleMeterRegistry();
        new RetentionSweep(jdbc, Clock.fixed(NOW, ZoneOffset.UTC),
                new RetentionProperties(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofHours(1), 2), meters)
                .sweep(null);
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
