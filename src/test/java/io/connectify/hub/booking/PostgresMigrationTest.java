package io.connectify.hub.booking;

import static io.connectify.hub.booking.BookingRepository.PaymentRecording.NOT_RECORDED;
import static io.connectify.hub.booking.BookingRepository.PaymentRecording.RECORDED;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZoneId;
import java.util.List;

import io.connectify.hub.notification.Notification;
import io.connectify.hub.notification.NotificationLog;
import io.connectify.hub.notification.SentNotification;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.connectify.hub.support.MutableClock;
import io.connectify.hub.web.HttpProperties;
import io.connectify.hub.web.IdempotentRequests;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The same Flyway migrations and repository SQL run on PostgreSQL (production) as on H2 (embedded default). */
class PostgresMigrationTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    private static BookingRepository repository;
    private static JdbcClient jdbc;
    /** Transactions the repository's statements take part in (the same DataSource as its JdbcClient's). */
    private static TransactionTemplate repositoryTransactions;

    @BeforeAll
    static void migrate() {
        var dataSource = postgres.dataSource();
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        jdbc = JdbcClient.create(dataSource);
        var availability = new AvailabilityProperties(ZoneId.of("Europe/Zurich"), java.util.Map.of(), null, null,
                null, null);
        repositoryTransactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        repository = new BookingRepository(jdbc, repositoryTransactions, availability);
    }

    /**
     * V26 on PostgreSQL: a dead letter keeps a body past the old VARCHAR(100000) whole (a Stripe dispute's event with
     * its evidence), and the column still refuses none.
     */
    @Test
    void aDeadLetterKeepsABodyOfAnySizeWholeOnPostgres() {
        String body = "{\"evidence\":\"" + "\u00e9".repeat(200_000) + "\"}";
        String insert = "INSERT INTO dead_letter (id, route_id, source_queue, body, headers, error_type, attempts, "
                + "status, failed_at) VALUES (:id, 'stripe-event-dispatch', 'stripe-events', :body, '{}', 'x', 2, "
                + "'STORED', CURRENT_TIMESTAMP)";

        jdbc.sql(insert).param("id", "dl-large").param("body", body).update();

        assertThat(jdbc.sql("SELECT body FROM dead_letter WHERE id = 'dl-large'").query(String.class).single())
                .isEqualTo(body);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.sql(insert).param("id", "dl-null")
                .param("body", null, java.sql.Types.VARCHAR).update())
                .isInstanceOf(org.springframework.dao.DataIntegrityViolationException.class);
        jdbc.sql("DELETE FROM dead_letter WHERE id = 'dl-large'").update();
    }

    /**
     * The dead-letter list's next page on PostgreSQL: after a page ending with a letter failed at one instant, those
     * failed at that instant whose id sorts after it in the list come first, none skipped or listed twice (before,
     * {@code to} alone left them out).
     */
    @Test
    void theNextPageOfDeadLettersKeepsThoseFailedAtTheLastOnesInstantOnPostgres() {
        var store = new io.connectify.hub.ops.DeadLetterStore(jdbc,
                new com.fasterxml.jackson.databind.ObjectMapper(), null, null, null, repositoryTransactions,
                new io.connectify.hub.ops.DeadLetterProperties(3, Duration.ofSeconds(1),
                        new io.connectify.hub.ops.DeadLetterProperties.AutoReplay(Duration.ofMinutes(1),
                                Duration.ofMinutes(30), 10, Duration.ofSeconds(30), Duration.ofMinutes(5))),
                null, null);
        Instant at = Instant.parse("2026-11-30T10:00:00Z");
        List<String> ids = List.of("dl-page-a", "dl-page-b", "dl-page-c", "dl-page-d");
        for (String id : ids) {
            jdbc.sql("INSERT INTO dead_letter (id, route_id, source_queue, provider, body, headers, error_type, "
                            + "attempts, status, failed_at) VALUES (:id, 'stripe-event-dispatch', 'stripe-events', "
                            + "'pg-paging', '{}', '{}', 'x', 2, 'STORED', :at)")
                    .param("id", id).param("at", (id.endsWith("d") ? at.minusSeconds(1) : at).atOffset(ZoneOffset.UTC))
                    .update();
        }
        Instant end = Instant.parse("9999-12-31T00:00:00Z");

        var first = store.list("pg-paging", null, null, Instant.EPOCH, end, null, 2);
        var next = store.list("pg-paging", null, null, Instant.EPOCH, first.get(1).failedAt(), first.get(1).id(), 10);

        assertThat(first).extracting(io.connectify.hub.ops.DeadLetterStore.DeadLetter::id)
                .containsExactly("dl-page-c", "dl-page-b");
        assertThat(next).extracting(io.connectify.hub.ops.DeadLetterStore.DeadLetter::id)
                .containsExactly("dl-page-a", "dl-page-d");
        jdbc.sql("DELETE FROM dead_letter WHERE provider = 'pg-paging'").update();
    }

    /** V36 on PostgreSQL: the idempotent check also knows a key waiting in a stored dead letter (one query). */
    @Test
    void aKeyWaitingInAStoredDeadLetterIsKnownOnPostgres() {
        var processed = new io.connectify.hub.webhook.ProcessedEventRepository(postgres.dataSource(),
                repositoryTransactions, "webhook-events");
        processed.setCreateTableIfNotExists(false);
        processed.start();
        jdbc.sql("INSERT INTO dead_letter (id, route_id, source_queue, body, headers, error_type, attempts, status, "
                + "failed_at, unrecorded_key) VALUES ('dl-key', 'stripe-event-dispatch', 'stripe-events', '{}', '{}', "
                + "'x', 2, 'STORED', CURRENT_TIMESTAMP, 'stripe:evt_pg_waiting')").update();

        assertThat(processed.contains("stripe:evt_pg_waiting")).isTrue();
        assertThat(processed.contains("stripe:evt_pg_other")).isFalse();
        assertThat(processed.add("stripe:evt_pg_other")).isTrue();
        assertThat(processed.contains("stripe:evt_pg_other")).isTrue();
        jdbc.sql("DELETE FROM dead_letter WHERE id = 'dl-key'").update();
    }

    @Test
    void bookingsRoundTripWithTheirInstantsAndHoldsOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        var zurich = ZoneId.of("Europe/Zurich");
        var booking = new Booking("2f1c7d0e-0000-4000-8000-000000000001", BookingStatus.PENDING_PAYMENT,
                Instant.parse("2026-12-01T08:00:00Z").atZone(zurich).toOffsetDateTime(),
                Instant.parse("2026-12-01T09:00:00Z").atZone(zurich).toOffsetDateTime(), 60, 9000, "CHF",
                new Customer("John Doe", "john@example.com", "+41791234567", "de", "Europe/Zurich"), "Consultation", null, null,
                null, null, now.plusSeconds(900), now, null, null, null);

        Integer locked = repository.withSlotLock(() -> {
            repository.insert(booking, now);
            return 1;
        });

        assertThat(locked).isEqualTo(1);
        var read = repository.find(booking.id()).orElseThrow();
        assertThat(read.start().toString()).isEqualTo("2026-12-01T09:00+01:00");
        assertThat(read.holdExpiresAt()).isEqualTo(now.plusSeconds(900));
        assertThat(repository.activeRanges(Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2026-12-02T00:00:00Z"),
                now)).containsExactly(booking.range());
        assertThat(repository.expireHolds(now.plusSeconds(901))).extracting(Booking::id).containsExactly(booking.id());
        assertThat(repository.find(booking.id()).orElseThrow().status()).isEqualTo(BookingStatus.EXPIRED);
        assertThat(repository.refundReference(booking.id())).isEmpty();
        repository.refundMade(booking.id(), "re_1");
        assertThat(repository.refundReference(booking.id())).contains("re_1");
        // the hub's own refund of a payment (V37): a repeat adds nothing, and fails nothing on PostgreSQL either
        repository.refundedByTheHub(booking.id(), "payrexx", "4711", java.time.Instant.now());
        repository.refundedByTheHub(booking.id(), "payrexx", "4711", java.time.Instant.now());
        assertThat(repository.refundedByTheHub(booking.id(), "payrexx", "4711")).isTrue();
        assertThat(repository.refundedByTheHub(booking.id(), "payrexx", "4712")).isFalse();
        // a new database is built by the baseline migration B24 (BaselineMigrationTest: it equals V1..V24), then V25 on
        assertThat(jdbc.sql("SELECT version, type FROM flyway_schema_history WHERE success ORDER BY installed_rank")
                .query((rs, row) -> rs.getString(1) + " " + rs.getString(2)).list())
                .containsExactly("24 SQL_BASELINE", "25 SQL", "26 SQL", "27 SQL", "28 SQL", "29 SQL", "30 SQL", "31 SQL", "32 SQL",
                        "33 SQL", "34 SQL", "35 SQL", "36 SQL", "37 SQL", "38 SQL", "39 SQL", "40 SQL",
                        "41 SQL", "42 SQL", "43 SQL");
    }

    @Test
    void aDisputesStateIsStoredOnTheBookingItsPaymentPaidOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        Booking paid = pending("2f1c7d0e-0000-4000-8000-000000000010", "2026-12-04T08:00:00Z", now);
        assertThat(repository.recordPayment(paid.id(), "stripe", "pi_10", 9000, now).recorded()).isTrue();

        assertThat(repository.disputeStatus(paid.id())).isEmpty();
        assertThat(repository.disputeIs(paid.id(), "pi_other", DisputeStatus.OPEN, now)).as("another payment").isFalse();
        assertThat(repository.disputeIs(paid.id(), "pi_10", DisputeStatus.OPEN, now)).isTrue();
        assertThat(repository.disputeStatus(paid.id())).contains(DisputeStatus.OPEN);
        assertThat(repository.disputeIs(paid.id(), "pi_10", DisputeStatus.LOST, now)).isTrue();
        assertThat(repository.disputeIs(paid.id(), "pi_10", DisputeStatus.OPEN, now)).as("after its outcome").isFalse();
        assertThat(repository.disputeStatus(paid.id())).contains(DisputeStatus.LOST);
    }

    /** Bookings disputed before V19 had the dispute in their status reason only: V19 stores its state from there. */
    @Test
    void v19TakesTheDisputesOfEarlierBookingsFromTheirStatusReasons() throws Exception {
        try (var connection = postgres.dataSource().getConnection();
             var statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE before_v19");
        }
        var dataSource = postgres.database("postgres", "before_v19");
        // a database an earlier hub migrated to V18: by the V scripts (Flyway would build an empty one from B24,
        // whatever the target)
        Flyway.configure().configuration(java.util.Map.of("flyway.baselineMigrationPrefix", "NO_BASELINE_"))
                .dataSource(dataSource).locations("classpath:db/migration").target("18").load().migrate();
        var old = JdbcClient.create(dataSource);
        String flag = CalendarEventRecheck.FLAG + "deleted in Google Calendar";
        java.util.Map<String, String> reasons = new java.util.LinkedHashMap<>();
        reasons.put("a", flag + "; the customer disputes the payment (fraudulent): answer the dispute at stripe before "
                + "its deadline");
        reasons.put("b", "cancelled, its refund stopped: the customer disputes the payment, the dispute decides");
        reasons.put("c", "the payment dispute was lost: the customer's bank has taken the payment back");
        reasons.put("d", "cancelled after its payment dispute was lost: nothing to refund");
        reasons.put("e", "the payment dispute was won: the payment stands");
        reasons.put("f", "the customer's bank closed its inquiry without a dispute: the payment stands");
        reasons.put("g", "cancelled: refund pending");
        int n = 0;
        for (var reason : reasons.entrySet()) {
            old.sql("INSERT INTO booking (id, status, start_at, end_at, duration_minutes, amount, currency, "
                            + "customer_name, customer_email, summary, provider, payment_reference, paid_amount, "
                            + "status_reason, created_at, updated_at) VALUES (:id, 'CONFIRMED', :start, :end, 60, "
                            + "9000, 'CHF', 'A', 'a@example.com', 'Consultation', 'stripe', :ref, 9000, :reason, "
                            + ":start, :start)")
                    .param("id", reason.getKey()).param("ref", "pi_" + n++).param("reason", reason.getValue())
                    .param("start", java.time.OffsetDateTime.parse("2026-12-01T08:00:00Z"))
                    .param("end", java.time.OffsetDateTime.parse("2026-12-01T09:00:00Z")).update();
        }

        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();

        assertThat(old.sql("SELECT id, dispute_status FROM booking ORDER BY id")
                .query((rs, row) -> rs.getString(1) + "=" + rs.getString(2)).list())
                .containsExactly("a=open", "b=open", "c=lost", "d=lost", "e=won", "f=warning_closed", "g=null");
    }

    /**
     * A payment an earlier hub marked disputed before its event (V29's column, one per booking) is a row of V33's
     * table once V33 has run, so a payment's event finds it there as every later one.
     */
    @Test
    void v33TakesThePaymentsDisputedBeforeTheirEventsFromV29sColumn() throws Exception {
        try (var connection = postgres.dataSource().getConnection();
             var statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE before_v33");
        }
        var dataSource = postgres.database("postgres", "before_v33");
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").target("31").load().migrate();
        var old = JdbcClient.create(dataSource);
        for (String id : List.of("a", "b")) {
            old.sql("INSERT INTO booking (id, status, start_at, end_at, duration_minutes, amount, currency, "
                            + "customer_name, customer_email, summary, provider, payment_reference, paid_amount, "
                            + "dispute_seen_payment, created_at, updated_at) VALUES (:id, 'CONFIRMED', :start, :end, "
                            + "60, 9000, 'CHF', 'A', 'a@example.com', 'Consultation', 'stripe', 'pi_paid', 9000, "
                            + ":seen, :start, :start)")
                    .param("id", id).param("seen", id.equals("a") ? "pi_second" : null)
                    .param("start", java.time.OffsetDateTime.parse("2026-12-01T08:00:00Z"))
                    .param("end", java.time.OffsetDateTime.parse("2026-12-01T09:00:00Z")).update();
        }

        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();

        assertThat(old.sql("SELECT booking_id, payment FROM booking_dispute_seen")
                .query((rs, row) -> rs.getString(1) + "=" + rs.getString(2)).list()).containsExactly("a=pi_second");
    }

    @Test
    void aPaidBookingKeepsItsSlotUntilConfirmedOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        Booking paid = pending("2f1c7d0e-0000-4000-8000-000000000002", "2026-12-02T08:00:00Z", now);
        Booking late = pending("2f1c7d0e-0000-4000-8000-000000000003", "2026-12-02T10:00:00Z", now);
        Instant later = now.plusSeconds(901);

        assertThat(repository.recordPayment(paid.id(), "stripe", "pi_1", 9000, now)).isEqualTo(RECORDED);
        assertThat(repository.recordPayment(paid.id(), "stripe", "pi_1", 9000, now)).as("its repeat")
                .isEqualTo(RECORDED);
        assertThat(repository.recordPayment(paid.id(), "stripe", "pi_2", 9000, now)).as("another payment")
                .isEqualTo(NOT_RECORDED);
        assertThat(repository.expireHolds(later)).extracting(Booking::id).containsExactly(late.id()); // the unpaid one
        assertThat(repository.transition(paid.id(), List.of(BookingStatus.PENDING_PAYMENT), BookingStatus.CANCELLED,
                "cancelled", later)).isFalse();
        assertThat(repository.activeRanges(paid.start().toInstant(), late.end().toInstant(), later))
                .containsExactly(paid.range());
        assertThat(repository.confirm(paid.id(), "bkevent", "stripe", "pi_1", 9000, later)).isTrue();

        assertThat(repository.reholdPaid(late.id(), "payrexx", "42", 9000, later)).isEqualTo(RECORDED);
        assertThat(repository.find(late.id()).orElseThrow()).extracting(Booking::status, Booking::paidAmount,
                Booking::holdExpiresAt).containsExactly(BookingStatus.PENDING_PAYMENT, 9000L, null);
        // cancelled before its confirmation: once, its slot free, and no confirmation takes it after that
        assertThat(repository.cancelUnconfirmed(late.id(), "refund pending", later)).isTrue();
        assertThat(repository.cancelUnconfirmed(late.id(), "again", later)).isFalse();
        assertThat(repository.confirm(late.id(), "bklate", "payrexx", "42", 9000, later)).isFalse();
        assertThat(repository.activeRanges(late.start().toInstant(), late.end().toInstant(), later)).isEmpty();
        assertThat(repository.find(late.id()).orElseThrow()).extracting(Booking::status, Booking::paidAmount)
                .containsExactly(BookingStatus.CANCELLED, 9000L);
        assertThat(repository.pendingRefunds(List.of("refund pending"), later, 10)).extracting(Booking::id)
                .containsExactly(late.id());
        assertThat(repository.pendingRefunds(List.of("refund pending"), later.plusSeconds(1), 10)).isEmpty();
        assertThat(repository.countPendingRefunds(List.of("refund pending"))).isEqualTo(1);
        Booking cancelled = pending("2f1c7d0e-0000-4000-8000-000000000004", "2026-12-02T12:00:00Z", now);
        repository.transition(cancelled.id(), List.of(BookingStatus.PENDING_PAYMENT), BookingStatus.CANCELLED,
                "cancelled before payment", now);
        Booking payment = new Booking(cancelled.id(), BookingStatus.CANCELLED, cancelled.start(), cancelled.end(), 60,
                9000, "CHF", cancelled.customer(), "Consultation", null, "stripe", null, null, null, now, "pi_3", null,
                9000L);
        assertThat(repository.refundedUnused(cancelled.id(), List.of(BookingStatus.CANCELLED), payment, "refunded",
                later)).isTrue();
        assertThat(repository.find(cancelled.id()).orElseThrow()).extracting(Booking::status, Booking::paymentReference)
                .containsExactly(BookingStatus.REFUNDED, "pi_3");
    }

    @Test
    void aNotificationIsLoggedOnceAndLockedForItsSendOnPostgres() {
        // the JdbcClient's own DataSource: a TransactionTemplate on another (each postgres.dataSource() is a new one)
        // would leave its statements in autocommit, the row lock released at once
        var transactions = repositoryTransactions;
        var log = new NotificationLog(jdbc, java.time.Clock.systemUTC(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        var n = new Notification("7d6f2c3e-0000-4000-8000-0000000000aa", Notification.Channel.SMS, "+41791234567",
                null, "Hello", false, "2f1c7d0e-0000-4000-8000-000000000009", "confirmation",
                null);

        Boolean loggedTwiceUnsent = transactions.execute(status -> log.queuedUnlessSent(n) && log.queuedUnlessSent(n));
        Boolean lockedUnsent = transactions.execute(status -> {
            boolean unsent = log.lockUnsent(n);
            log.sent(new SentNotification(n.id(), "SMS", "SM123", "queued"));
            return unsent;
        });
        Boolean stillUnsent = transactions.execute(status -> log.lockUnsent(n) || log.queuedUnlessSent(n));

        assertThat(loggedTwiceUnsent).isTrue();
        assertThat(lockedUnsent).isTrue();
        assertThat(stillUnsent).isFalse();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM notification WHERE id = :id").param("id", n.id())
                .query(Integer.class).single()).isEqualTo(1);
    }

    @Test
    void unsentNotificationsAreFoundAndMarkedRequeuedOnceOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        var log = new NotificationLog(jdbc, java.time.Clock.fixed(now, java.time.ZoneOffset.UTC),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        String bookingId = "2f1c7d0e-0000-4000-8000-00000000000b";
        log.queued(new Notification("7d6f2c3e-0000-4000-8000-0000000000b1", Notification.Channel.SMS, "+41791234567",
                null, "Hello", false, bookingId, "cancellation", null));
        log.queued(new Notification("7d6f2c3e-0000-4000-8000-0000000000b2", Notification.Channel.EMAIL,
                "john@example.com", "Hi", "Hello", true, bookingId, "cancellation", null));

        // a move's notice, with its occasion (V16)
        log.queued(new Notification("7d6f2c3e-0000-4000-8000-0000000000b3", Notification.Channel.SMS, "+41791234567",
                null, "Moved", false, bookingId, "rescheduled", "2026-12-03T09:00:00Z",
                "2026-12-03T09:00:00Z at 2026-11-30T06:00:00Z"));
        var cancellation = new NotificationLog.BookingKind(bookingId, "cancellation", null);
        var move = new NotificationLog.BookingKind(bookingId, "rescheduled", "2026-12-03T09:00:00Z at 2026-11-30T06:00:00Z");

        assertThat(log.unsentOf(bookingId)).containsExactly(cancellation, move);
        assertThat(log.unsentSince(now, 10)).isEmpty(); // created at now: not before it
        var found = log.unsentSince(now.plusSeconds(60), 10);
        assertThat(found).containsExactly(cancellation, move);
        // paged: each page after the last entry tried (a NULL occasion compared as "")
        assertThat(log.unsentSince(now.plusSeconds(60), 1)).containsExactly(cancellation);
        assertThat(log.unsentSince(now.plusSeconds(60), cancellation, 1)).containsExactly(move);
        assertThat(log.unsentSince(now.plusSeconds(60), move, 1)).isEmpty();
        // each as logged: its id, recipient and the start it tells of (V18; none given here for the cancellation)
        assertThat(log.unsentOf(bookingId, "cancellation", null)).extracting(NotificationLog.Logged::id,
                NotificationLog.Logged::to, NotificationLog.Logged::start).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("7d6f2c3e-0000-4000-8000-0000000000b1", "+41791234567", null),
                org.assertj.core.groups.Tuple.tuple("7d6f2c3e-0000-4000-8000-0000000000b2", "john@example.com", null));
        var moveNotice = log.unsentOf(bookingId, "rescheduled", move.occasion());
        assertThat(moveNotice).singleElement().extracting(NotificationLog.Logged::start)
                .isEqualTo(Instant.parse("2026-12-03T09:00:00Z"));
        // the move was logged at the same moment as the cancellation: before it, as nothing moves a cancelled booking
        assertThat(log.movedSince(log.unsentOf(bookingId, "cancellation", null).get(0))).isFalse();
        assertThat(log.movedSince(moveNotice.get(0))).isFalse();
        // one logged after it (a clock a second on): a move since, as far as the cancellation knows
        new NotificationLog(jdbc, java.time.Clock.fixed(now.plusSeconds(1), java.time.ZoneOffset.UTC),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).queued(new Notification(
                "7d6f2c3e-0000-4000-8000-0000000000b4", Notification.Channel.SMS, "+41791234567", null, "Moved",
                false, bookingId, "rescheduled", "2026-12-04T09:00:00Z", "2026-12-04T09:00:00Z at 2026-11-30T07:00:01Z"));
        assertThat(log.movedSince(log.unsentOf(bookingId, "cancellation", null).get(0))).isTrue();
        jdbc.sql("DELETE FROM notification WHERE id = '7d6f2c3e-0000-4000-8000-0000000000b4'").update();
        // so the sweep cannot queue the cancellation again: recorded as seen, each answered (with its channel) once
        var unrebuildable = List.of("7d6f2c3e-0000-4000-8000-0000000000b1", "7d6f2c3e-0000-4000-8000-0000000000b2");
        assertThat(log.unrebuildable(unrebuildable)).extracting(NotificationLog.Unrebuildable::channel)
                .containsExactly(Notification.Channel.SMS, Notification.Channel.EMAIL);
        assertThat(log.unrebuildable(unrebuildable)).isEmpty();
        assertThat(log.unsentSince(now.plusSeconds(60), 10)).containsExactly(move);
        assertThat(log.requeued(List.of("7d6f2c3e-0000-4000-8000-0000000000b3"))).isEqualTo(1);
        assertThat(log.requeued(List.of("7d6f2c3e-0000-4000-8000-0000000000b3"))).isZero(); // once
        assertThat(log.unsentSince(now.plusSeconds(60), 10)).isEmpty();
        assertThat(log.unsentOf(bookingId)).containsExactly(cancellation, move); // still unsent, queued once more
    }

    @Test
    void aBookingIsFoundByThePaymentRecordedOnItOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        String id = "2f1c7d0e-0000-4000-8000-00000000000c";
        pending(id, "2026-12-04T09:00:00Z", now);
        assertThat(repository.recordPayment(id, "payrexx", "4711", 9000, now).recorded()).isTrue();

        assertThat(repository.idByPayment("payrexx", "4711")).contains(id);
        assertThat(repository.idByPayment("stripe", "4711")).isEmpty();
    }

    @Test
    void aConfirmedBookingFollowsItsCalendarEventOrIsFlaggedOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        String id = "2f1c7d0e-0000-4000-8000-00000000000d";
        pending(id, "2026-12-07T09:00:00Z", now);
        assertThat(repository.confirm(id, "bkevent", "stripe", "pi_d", 9000, now)).isTrue();

        var read = readConfirmed(id, now);
        assertThat(read.moves()).isZero();
        assertThat(read.movingSince()).isNull();
        assertThat(repository.confirmedWithEventEndingAfter(now, read.booking(), 10)).extracting(c -> c.booking().id())
                .doesNotContain(id);
        var later = new io.connectify.hub.calendar.TimeRange(Instant.parse("2026-12-07T13:00:00Z"),
                Instant.parse("2026-12-07T14:00:00Z"));
        var disputed = new BookingRepository.ConfirmedBooking(withReason(read.booking(), "a dispute"), 0, null);
        assertThat(repository.moveConfirmed(disputed, later, null, now)).isFalse(); // no reason
        assertThat(repository.moveConfirmed(read, later, null, now)).isTrue();
        assertThat(repository.moveConfirmed(read, later, null, now)).isFalse(); // moved already
        assertThat(repository.find(id).orElseThrow().range()).isEqualTo(later);
        var moved = readConfirmed(id, now);
        assertThat(repository.reasonOfConfirmed(read, "calendar event moved", now)).isFalse(); // at another time
        assertThat(repository.reasonOfConfirmed(moved, "calendar event deleted", now)).isTrue();
        assertThat(repository.reasonOfConfirmed(moved, "calendar event moved", now)).isFalse(); // reason changed
        assertThat(repository.find(id).orElseThrow().statusReason()).isEqualTo("calendar event deleted");
    }

    @Test
    void aMoveThroughTheHubIsUnderWayUntilItEndsAndKeepsARecheckFromActingOnWhatItReadBeforeOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        String id = "2f1c7d0e-0000-4000-8000-00000000000e";
        pending(id, "2026-12-08T09:00:00Z", now);
        assertThat(repository.confirm(id, "bkevent2", "stripe", "pi_e", 9000, now)).isTrue();
        var before = readConfirmed(id, now);
        var later = new io.connectify.hub.calendar.TimeRange(Instant.parse("2026-12-08T13:00:00Z"),
                Instant.parse("2026-12-08T14:00:00Z"));

        int move = repository.eventChangeBegins(id, now, java.time.Duration.ofMinutes(15));
        assertThat(move).isEqualTo(1);
        var during = readConfirmed(id, now);
        assertThat(during.moves()).isEqualTo(1);
        assertThat(during.eventChangeUnderWay(now.plusSeconds(60), java.time.Duration.ofMinutes(15))).isTrue();
        // its instance died
        assertThat(during.eventChangeUnderWay(now.plusSeconds(901), java.time.Duration.ofMinutes(15))).isFalse();
        // a second reschedule of it while the first is under way does not begin; once the first's instance has died
        // (EventChangeTimeout), it does
        assertThat(repository.eventChangeBegins(id, now.plusSeconds(60), java.time.Duration.ofMinutes(15))).isNull();
        Instant later2 = now.plusSeconds(901);
        assertThat(repository.eventChangeBegins(id, later2, java.time.Duration.ofMinutes(15))).isEqualTo(2);
        repository.eventChangeEnds(id, move); // the first ends: the second is still under way
        assertThat(readConfirmed(id, now).movingSince()).isEqualTo(later2);
        repository.eventChangeEnds(id, 2);
        assertThat(readConfirmed(id, now).movingSince()).isNull();

        // moves begun since the read: what it read no longer holds, though the booking's time and reason are the same
        assertThat(repository.moveConfirmed(before, later, null, now)).isFalse();
        assertThat(repository.reasonOfConfirmed(before, "calendar event deleted", now)).isFalse();
        assertThat(repository.moveConfirmed(readConfirmed(id, now), later, null, now)).isTrue();
    }

    @Test
    void aFailedPutBackIsRecordedForTheLastChangeOfItsEventAndClearedUpToItOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        String id = "2f1c7d0e-0000-4000-8000-000000000041";
        pending(id, "2026-12-09T09:00:00Z", now);
        assertThat(repository.confirm(id, "bkputback", "stripe", "pi_41", 9000, now)).isTrue();
        int cancel = repository.eventChangeBegins(id, now, java.time.Duration.ofMinutes(15));
        repository.eventChangeEnds(id, cancel);

        repository.eventPutBackFailed(id, cancel + 1, now);
        assertThat(pendingPutBack(id)).as("not the last change of its event").isEmpty();
        repository.eventPutBackFailed(id, cancel, now);
        repository.eventPutBackFailed(id, cancel, now.plusSeconds(60));
        var pending = pendingPutBack(id).orElseThrow();
        assertThat(pending.change()).isEqualTo(cancel);
        assertThat(pending.since()).as("the first failure's time kept").isEqualTo(now);
        assertThat(pending.read().moves()).isEqualTo(cancel);
        assertThat(pending.read().booking().status()).isEqualTo(BookingStatus.CONFIRMED);

        repository.eventPutBackDone(id, cancel - 1);
        assertThat(pendingPutBack(id)).as("recorded by a later change: kept").isPresent();
        repository.eventPutBackDone(id, cancel);
        assertThat(pendingPutBack(id)).isEmpty();
    }

    private java.util.Optional<BookingRepository.PendingPutBack> pendingPutBack(String id) {
        return repository.eventPutBacksPending(100).stream().filter(p -> p.read().booking().id().equals(id))
                .findFirst();
    }

    private BookingRepository.ConfirmedBooking readConfirmed(String id, Instant now) {
        return repository.confirmedWithEventEndingAfter(now, null, 100).stream()
                .filter(c -> c.booking().id().equals(id)).findFirst().orElseThrow();
    }

    private static Booking withReason(Booking b, String reason) {
        return new Booking(b.id(), b.status(), b.start(), b.end(), b.durationMinutes(), b.amount(), b.currency(),
                b.customer(), b.summary(), b.description(), b.provider(), b.paymentUrl(), b.calendarEventId(),
                b.holdExpiresAt(), b.createdAt(), b.paymentReference(), reason, b.paidAmount());
    }

    @Test
    void pushChannelsAreStoredRenewedAndStoppedOnPostgres() {
        var channels = new io.connectify.hub.calendar.PushChannelRepository(jdbc);
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        Instant expires = now.plusSeconds(7 * 86400);
        String token = "0".repeat(64); // a token's SHA-256, in hex
        channels.insertPending("ch-1", "primary", "https://hub.example.com/webhooks/google-calendar", token, expires,
                now);
        assertThat(channels.live("ch-1", now)).isPresent();
        assertThat(channels.current("primary", now)).isEmpty(); // Google has not answered yet
        channels.opened("ch-1", "res-1", expires);
        assertThat(channels.current("primary", now)).get().satisfies(c -> {
            assertThat(c.resourceId()).isEqualTo("res-1");
            assertThat(c.expiresAt()).isEqualTo(expires);
            assertThat(c.tokenSha256()).isEqualTo(token);
        });
        channels.insertPending("ch-2", "primary", "https://hub.example.com/webhooks/google-calendar", null, expires,
                now.plusSeconds(1));
        channels.opened("ch-2", "res-1", expires);
        assertThat(channels.current("primary", now.plusSeconds(2)).orElseThrow()).extracting(c -> c.id(),
                c -> c.tokenSha256()).containsExactly("ch-2", null); // as a channel opened before V12
        assertThat(channels.replacedBy("ch-2", null, now)).extracting(c -> c.id()).containsExactly("ch-1");
        assertThat(channels.replacedBy("ch-1", null, now)).isEmpty(); // ch-2 is newer
        assertThat(channels.replacedBy("ch-1", "ch-2", now)).extracting(c -> c.id()).containsExactly("ch-2");
        channels.stopped("ch-1", now);
        assertThat(channels.live("ch-1", now)).isEmpty();
        assertThat(channels.live("ch-2", expires)).isEmpty(); // expired
        assertThat(channels.deleteExpired(expires.plusSeconds(1))).isEqualTo(2);
    }

    @Test
    void aChannelWhoseWatchFailedIsKeptAndStoppedOnceItSendsOnPostgres() {
        var channels = new io.connectify.hub.calendar.PushChannelRepository(jdbc);
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        Instant expires = now.plusSeconds(7 * 86400);
        String address = "https://hub.example.com/webhooks/google-calendar";
        channels.insertPending("lost-1", "primary", address, null, expires, now);
        channels.watchFailed("lost-1", now);
        channels.insertPending("dead-1", "primary", address, null, expires, now.minusSeconds(7200));
        channels.insertPending("busy-1", "primary", address, null, expires, now);
        assertThat(channels.failUnanswered(now.minusSeconds(3600), now)).isEqualTo(1); // dead-1 only
        assertThat(channels.live("dead-1", now)).get().satisfies(c -> assertThat(c.watchFailed()).isTrue());
        assertThat(channels.live("busy-1", now)).get().satisfies(c -> assertThat(c.watchFailed()).isFalse());
        assertThat(channels.failedChannelSends("busy-1", "res-9")).isFalse(); // under way: never taken for lost
        assertThat(channels.failedChannelSends("lost-1", "res-9")).isTrue();
        assertThat(channels.failedChannelSends("lost-1", "res-9")).isFalse(); // recorded already
        assertThat(channels.current("primary", now)).isEmpty(); // a failed watch's channel is never the one in place
        assertThat(channels.running(now)).extracting(c -> c.id()).containsExactly("lost-1");
        channels.stopped("lost-1", now);
        assertThat(channels.live("lost-1", now)).isEmpty();
        assertThat(channels.deleteExpired(expires.plusSeconds(1))).isEqualTo(3);
    }

    @Test
    void anIdempotencyKeyClaimIsRenewedAndTakenOverOnlyOnceUnrenewedForTheClaimTimeoutOnPostgres() {
        var clock = new MutableClock(Instant.parse("2026-11-30T07:00:00Z"));
        var http = new HttpProperties(65536, Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofSeconds(5),
                Duration.ofMinutes(15));
        var instance = new IdempotentRequests(jdbc, clock, http);
        var other = new IdempotentRequests(jdbc, clock, http);
        String first = instance.claim("caller-pg", "key-1", "POST /x", "fp").claim();
        String second = instance.claim("caller-pg", "key-2", "POST /x", "fp").claim();
        // a claim made before V15, by an instance that did not renew: its created_at counts
        jdbc.sql("INSERT INTO api_idempotency (caller, idempotency_key, target, fingerprint, claim, created_at) "
                        + "VALUES ('caller-pg', 'key-old', 'POST /x', 'fp', 'claim-before-v15', :at)")
                .param("at", clock.instant().atOffset(ZoneOffset.UTC)).update();
        // a claim renewed once, then taken over by an instance without V15's renewals, which set created_at alone
        jdbc.sql("INSERT INTO api_idempotency (caller, idempotency_key, target, fingerprint, claim, created_at, "
                        + "renewed_at) VALUES ('caller-pg', 'key-mixed', 'POST /x', 'fp', 'claim-old-instance', :at, "
                        + ":renewed)")
                .param("at", clock.instant().plusSeconds(90).atOffset(ZoneOffset.UTC))
                .param("renewed", clock.instant().minusSeconds(600).atOffset(ZoneOffset.UTC)).update();

        clock.advance(Duration.ofSeconds(50));
        assertThat(instance.renewRunning()).isEqualTo(2); // one UPDATE for both
        clock.advance(Duration.ofSeconds(50)); // 100 s after the claims, 50 s after their renewal
        assertThat(other.claim("caller-pg", "key-1", "POST /x", "fp").held()).isNotNull();
        var oldTakenOver = other.claim("caller-pg", "key-old", "POST /x", "fp");
        assertThat(other.claim("caller-pg", "key-mixed", "POST /x", "fp").held())
                .as("taken over 10 s ago by an instance that does not renew, its renewed_at 11 minutes older")
                .isNotNull();
        clock.advance(Duration.ofSeconds(11));
        var firstTakenOver = other.claim("caller-pg", "key-1", "POST /x", "fp");

        assertThat(oldTakenOver.claim()).as("unrenewed since its claim 100 s ago").isNotNull();
        assertThat(firstTakenOver.claim()).as("unrenewed for 61 s").isNotNull();
        assertThat(instance.answered("caller-pg", "key-1", first, 201, "application/json", null, "{}")).isFalse();
        assertThat(instance.answered("caller-pg", "key-2", second, 201, "application/json", null, "{}")).isTrue();
        instance.ended(first);
        instance.ended(second);
        assertThat(instance.runningClaims()).isZero();
        assertThat(instance.renewRunning()).isZero();
    }

    @Test
    void aBookingLeftForAPersonStaysMarkedUntilClearedOnceOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        Booking b = pending("2f1c7d0e-0000-4000-8000-0000000000f1", "2026-12-09T09:00:00Z", now);
        int before = repository.countNeedingAttention();

        assertThat(repository.needsAttention(b.id(), "first note", now)).isTrue();
        assertThat(repository.needsAttention(b.id(), "second note", now.plusSeconds(60))).isTrue();
        assertThat(repository.countNeedingAttention()).isEqualTo(before + 1);
        assertThat(repository.needsAttention(b.id(), "first note", now.plusSeconds(90))).isTrue();
        // marked since the first time, with every note (once each), whatever the booking's status does
        repository.confirm(b.id(), "bkattention", "payrexx", "42", 9000, now.plusSeconds(120));
        assertThat(repository.needingAttention(500)).filteredOn(a -> a.bookingId().equals(b.id())).singleElement()
                .extracting(BookingRepository.Attention::status, BookingRepository.Attention::since,
                        BookingRepository.Attention::note)
                .containsExactly(BookingStatus.CONFIRMED, now, "first note; second note");

        // cleared only as seen: a mark read before its second note is not cleared
        assertThat(repository.clearAttention(b.id(), now, "first note")).get()
                .isInstanceOf(BookingRepository.AttentionClear.Changed.class);
        assertThat(repository.clearAttention(b.id(), now, "first note; second note")).get()
                .isEqualTo(new BookingRepository.AttentionClear.Cleared(new BookingRepository.Attention(b.id(),
                        BookingStatus.CONFIRMED, now, "first note; second note")));
        assertThat(repository.clearAttention(b.id(), now, "first note; second note")).get()
                .isInstanceOf(BookingRepository.AttentionClear.NotMarked.class);
        assertThat(repository.attention(b.id())).map(BookingRepository.Attention::since).isEmpty();
        assertThat(repository.attention("2f1c7d0e-0000-4000-8000-0000000000f2")).isEmpty();
        assertThat(repository.countNeedingAttention()).isEqualTo(before);
    }

    /**
     * A refund the retry sweep no longer tries, on PostgreSQL: listed once its cancellation is older than the window,
     * its end recorded with its mark as needing a person once; not listed again (its end recorded after its last
     * change), however often asked, until the booking changes.
     */
    @Test
    void aRefundNoLongerRetriedIsMarkedOnceOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        Booking b = pending("2f1c7d0e-0000-4000-8000-0000000000f3", "2026-12-11T09:00:00Z", now);
        assertThat(repository.recordPayment(b.id(), "stripe", "pi_retries_end", 9000, now).recorded()).isTrue();
        assertThat(repository.cancelUnconfirmed(b.id(), BookingSaga.CANCELLED_UNCONFIRMED, now)).isTrue();
        Instant later = now.plus(java.time.Duration.ofDays(8));
        assertThat(repository.refundRetriesEnding(BookingSaga.REFUND_PENDING, now, 50)).isEmpty();

        assertThat(repository.refundRetriesEnding(BookingSaga.REFUND_PENDING, later.minusSeconds(1), 50))
                .extracting(Booking::id).containsExactly(b.id());
        assertThat(repository.refundRetriesEnd(b.id(), BookingSaga.REFUND_PENDING, later.minusSeconds(1), "no retry",
                later)).isTrue();
        assertThat(repository.attention(b.id())).map(BookingRepository.Attention::note).contains("no retry");
        assertThat(repository.refundRetriesEnd(b.id(), BookingSaga.REFUND_PENDING, later.minusSeconds(1), "no retry",
                later.plusSeconds(60))).isFalse();
        assertThat(repository.refundRetriesEnding(BookingSaga.REFUND_PENDING, later.plusSeconds(60), 50)).isEmpty();
    }

    /**
     * The retry sweep's line on PostgreSQL: a refund whose try failed goes behind those not tried since their
     * cancellation, and that record ends nothing: once out of the window, its retries still end (marked once).
     */
    @Test
    void aRefundTheSweepTriedGoesToTheEndOfItsLineAndItsRetriesStillEndOnPostgres() {
        // an hour after the other refund tests' bookings (this database is the class's): the windows take none of them
        Instant now = Instant.parse("2026-11-30T08:00:00Z");
        Booking first = pending("2f1c7d0e-0000-4000-8000-0000000000a1", "2026-12-11T10:00:00Z", now);
        Booking second = pending("2f1c7d0e-0000-4000-8000-0000000000a2", "2026-12-11T11:00:00Z", now);
        assertThat(repository.recordPayment(first.id(), "stripe", "pi_line_1", 9000, now).recorded()).isTrue();
        assertThat(repository.recordPayment(second.id(), "stripe", "pi_line_2", 9000, now).recorded()).isTrue();
        assertThat(repository.cancelUnconfirmed(first.id(), BookingSaga.CANCELLED_UNCONFIRMED, now)).isTrue();
        assertThat(repository.cancelUnconfirmed(second.id(), BookingSaga.CANCELLED_UNCONFIRMED, now.plusSeconds(1)))
                .isTrue();
        assertThat(repository.pendingRefunds(BookingSaga.REFUND_PENDING, now, 1)).extracting(Booking::id)
                .containsExactly(first.id());

        repository.refundTried(first.id(), BookingSaga.REFUND_PENDING, now.plusSeconds(300));
        assertThat(repository.pendingRefunds(BookingSaga.REFUND_PENDING, now, 1)).extracting(Booking::id)
                .containsExactly(second.id());
        repository.refundTried(second.id(), BookingSaga.REFUND_PENDING, now.plusSeconds(600));
        assertThat(repository.pendingRefunds(BookingSaga.REFUND_PENDING, now, 2)).extracting(Booking::id)
                .containsExactly(first.id(), second.id());

        Instant later = now.plus(java.time.Duration.ofDays(8));
        assertThat(repository.refundRetriesEnding(BookingSaga.REFUND_PENDING, later, 50)).extracting(Booking::id)
                .containsExactly(first.id(), second.id());
        assertThat(repository.refundRetriesEnd(first.id(), BookingSaga.REFUND_PENDING, later, "no retry", later))
                .isTrue();
        assertThat(repository.refundRetriesEnding(BookingSaga.REFUND_PENDING, later, 50)).extracting(Booking::id)
                .containsExactly(second.id());
        assertThat(repository.refundRetriesEnd(second.id(), BookingSaga.REFUND_PENDING, later, "no retry", later))
                .isTrue();
    }

    /**
     * V23 on PostgreSQL: a booking made now has its refunds marked (an older row, NULL, does not until one is sent);
     * the refund watch takes the bookings looked at longest ago first (never looked at first), through the index.
     */
    @Test
    void refundsMarkedAndTheRefundWatchsTurnsOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        Booking first = pending("2f1c7d0e-0000-4000-8000-0000000000e1", "2026-12-10T09:00:00Z", now);
        Booking second = pending("2f1c7d0e-0000-4000-8000-0000000000e2", "2026-12-10T11:00:00Z", now);
        assertThat(repository.refundMarked(first.id())).isTrue();
        jdbc.sql("UPDATE booking SET refund_marked = NULL WHERE id = :id").param("id", first.id()).update();
        assertThat(repository.refundMarked(first.id())).isFalse();
        repository.refundSentMarked(first);
        assertThat(repository.refundMarked(first.id())).isTrue();

        jdbc.sql("UPDATE booking SET status = 'REFUNDED', provider = 'payrexx', status_reason = 'waiting' "
                + "WHERE id IN (:ids)").param("ids", List.of(first.id(), second.id())).update();
        repository.refundLookedAt(first.id(), now, "disputed");
        assertThat(repository.awaitingProviderRefund("payrexx", "waiting", now.plusSeconds(60), 10))
                .extracting(a -> a.booking().id(), BookingRepository.AwaitedRefund::lastSeen)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(second.id(), null),
                        org.assertj.core.groups.Tuple.tuple(first.id(), "disputed"));
        repository.refundLookedAt(second.id(), now.plusSeconds(1), null);
        assertThat(repository.awaitingProviderRefund("payrexx", "waiting", now.plusSeconds(60), 1))
                .extracting(a -> a.booking().id()).containsExactly(first.id());
        assertThat(jdbc.sql("SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'booking' "
                + "AND indexname = 'booking_refund_awaiting_idx'").query(Integer.class).single()).isEqualTo(1);
    }

    /**
     * findLocked on PostgreSQL (what a reschedule's commit decides on): it reads the booking as stored and holds its
     * row until the caller's transaction ends, so another transaction's update of it waits (given up here after that
     * connection's lock_timeout); once the transaction has ended, the update goes through.
     */
    @Test
    void aBookingReadLockedHoldsItsRowUntilTheTransactionEndsOnPostgres() {
        // its hold beyond the other tests' hold expiry sweeps (at 2026-11-30)
        Instant now = Instant.parse("2026-12-05T07:00:00Z");
        Booking b = pending("2f1c7d0e-0000-4000-8000-0000000000f4", "2026-12-12T09:00:00Z", now);
        String[] updateWhileHeld = {null};

        Booking read = repositoryTransactions.execute(status -> {
            Booking locked = repository.findLocked(b.id()).orElseThrow();
            updateWhileHeld[0] = updateFromAnotherConnection(b.id());
            return locked;
        });

        assertThat(read).extracting(Booking::id, Booking::status, Booking::range, Booking::holdExpiresAt)
                .containsExactly(b.id(), BookingStatus.PENDING_PAYMENT, b.range(), now.plusSeconds(900));
        assertThat(updateWhileHeld[0]).as("the other update's SQLState: lock_not_available").isEqualTo("55P03");
        assertThat(updateFromAnotherConnection(b.id())).as("once the transaction ended").isNull();
        assertThat(repository.find(b.id()).orElseThrow().statusReason()).isEqualTo("updated by another");
        assertThat(repository.findLocked("2f1c7d0e-0000-4000-8000-0000000000ff")).isEmpty();
    }

    /**
     * Another transaction's update of the booking, on a connection of its own that waits 200 ms for a row held: null
     * when it committed, else its failure's SQLState.
     */
    private static String updateFromAnotherConnection(String id) {
        try (var connection = postgres.dataSource().getConnection()) {
            connection.setAutoCommit(false);
            try (var timeout = connection.createStatement();
                 var update = connection.prepareStatement(
                         "UPDATE booking SET status_reason = 'updated by another' WHERE id = ?")) {
                timeout.execute("SET LOCAL lock_timeout = '200ms'");
                update.setString(1, id);
                update.executeUpdate();
                connection.commit();
                return null;
            } catch (java.sql.SQLException e) {
                connection.rollback();
                return e.getSQLState();
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * V24 on PostgreSQL: what refunds made outside the hub refunded of a booking's payment, none until recorded,
     * recorded in the caller's transaction (gone with its rollback), read back as written (a BIGINT), and reset to
     * nothing refunded outside (0, seen: not none) as a later charge.refunded finds it; no other booking's changed.
     */
    @Test
    void anAmountRefundedOutsideTheHubIsRecordedReadBackAndResetOnPostgres() {
        // its hold beyond the other tests' hold expiry sweeps (at 2026-11-30)
        Instant now = Instant.parse("2026-12-05T07:00:00Z");
        Booking b = pending("2f1c7d0e-0000-4000-8000-0000000000f5", "2026-12-12T11:00:00Z", now);
        Booking other = pending("2f1c7d0e-0000-4000-8000-0000000000f6", "2026-12-12T13:00:00Z", now);
        assertThat(repository.refundedOutsideAmount(b.id())).as("none seen").isEmpty();

        repositoryTransactions.executeWithoutResult(status -> {
            repository.refundedOutside(b.id(), 2500);
            assertThat(repository.refundedOutsideAmount(b.id())).contains(2500L);
            status.setRollbackOnly();
        });
        assertThat(repository.refundedOutsideAmount(b.id())).as("rolled back with its transaction").isEmpty();

        repository.refundedOutside(b.id(), 3_000_000_000L);
        assertThat(repository.refundedOutsideAmount(b.id())).contains(3_000_000_000L);
        repository.refundedOutside(b.id(), 0);
        assertThat(repository.refundedOutsideAmount(b.id())).contains(0L);
        assertThat(repository.refundedOutsideAmount(other.id())).isEmpty();
        assertThat(repository.refundedOutsideAmount("2f1c7d0e-0000-4000-8000-0000000000ff")).isEmpty();
    }

    /**
     * V25 on PostgreSQL: a payment seen refunded before one was recorded is remembered on an unpaid booking in one of
     * the payable statuses (not on a paid one), the booking's mark whichever payment it was (a later one's replaces
     * the payment kept), and cleared once acted on.
     */
    @Test
    void aPaymentSeenRefundedBeforeItWasRecordedIsRememberedReadBackAndClearedOnPostgres() {
        Instant now = Instant.parse("2026-12-05T07:00:00Z");
        Booking b = pending("2f1c7d0e-0000-4000-8000-0000000000f7", "2026-12-12T15:00:00Z", now);
        Booking paid = pending("2f1c7d0e-0000-4000-8000-0000000000f8", "2026-12-12T17:00:00Z", now);
        repository.recordPayment(paid.id(), "stripe", "pi_paid", 9000, now);
        List<BookingStatus> payable = List.of(BookingStatus.PENDING_PAYMENT, BookingStatus.EXPIRED);
        assertThat(remembered(b.id())).as("none seen").isFalse();

        assertThat(repository.refundSeenBeforePayment(b.id(), "pi_early", payable, now)).isTrue();
        assertThat(repository.refundSeenBeforePayment(paid.id(), "pi_paid", payable, now)).as("paid").isFalse();

        assertThat(remembered(b.id())).isTrue();
        assertThat(remembered(paid.id())).isFalse();
        assertThat(repository.refundSeenBeforePayment(b.id(), "pi_other", payable, now)).isTrue();
        assertThat(refundSeenPayment(b.id())).isEqualTo("pi_other");
        repository.refundSeenActedOn(b.id());
        assertThat(remembered(b.id())).isFalse();
    }

    /**
     * V33 on PostgreSQL: every Stripe payment of a booking disputed before it was recorded is remembered (a second one
     * marked after the first leaves the first's; marking one again adds nothing), each read back as the booking is
     * read; and one an instance of the older version marked in V29's column alone (a rolling upgrade) is read too.
     */
    @Test
    void everyPaymentDisputedBeforeItWasRecordedIsRememberedOnPostgres() {
        Instant now = Instant.parse("2026-12-05T07:00:00Z");
        Booking b = pending("2f1c7d0e-0000-4000-8000-0000000000f9", "2026-12-12T13:00:00Z", now);
        Booking old = pending("2f1c7d0e-0000-4000-8000-0000000000fa", "2026-12-12T11:00:00Z", now);
        assertThat(repository.disputeSeenBeforePayment(b, "pi_second")).as("none seen").isFalse();

        repository.disputeSeenBeforePayment(b.id(), "pi_second");
        repository.disputeSeenBeforePayment(b.id(), "pi_third");
        repository.disputeSeenBeforePayment(b.id(), "pi_third");
        jdbc.sql("UPDATE booking SET dispute_seen_payment = 'pi_older' WHERE id = :id").param("id", old.id()).update();

        Booking read = repository.find(b.id()).orElseThrow();
        assertThat(repository.disputeSeenBeforePayment(read, "pi_second")).isTrue();
        assertThat(repository.disputeSeenBeforePayment(read, "pi_third")).isTrue();
        assertThat(repository.disputeSeenBeforePayment(read, "pi_other")).isFalse();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking_dispute_seen WHERE booking_id = :id").param("id", b.id())
                .query(Integer.class).single()).isEqualTo(2);
        assertThat(repository.disputeSeenBeforePayment(repository.find(old.id()).orElseThrow(), "pi_older")).isTrue();
    }

    /**
     * V33 on PostgreSQL, two runs at once marking the same payment disputed before it was recorded (two deliveries of
     * its dispute): the second waits for the first's transaction, then finds its row and adds none, its transaction
     * going on. Before, both checked for the row before either had committed one, and the second's insert, waiting on
     * the first's key, failed on it once the first committed (a duplicate key, aborting the second's transaction).
     */
    @Test
    void aPaymentMarkedDisputedByTwoRunsAtOnceIsRememberedOnceWithoutFailingEitherOnPostgres() throws Exception {
        Instant now = Instant.parse("2026-12-05T07:00:00Z");
        Booking b = pending("2f1c7d0e-0000-4000-8000-0000000000fb", "2026-12-13T09:00:00Z", now);
        var firstMarked = new java.util.concurrent.CountDownLatch(1);
        var firstMayCommit = new java.util.concurrent.CountDownLatch(1);
        var executor = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var first = executor.submit(() -> repositoryTransactions.executeWithoutResult(status -> {
                repository.disputeSeenBeforePayment(b.id(), "pi_raced");
                firstMarked.countDown();
                try {
                    assertThat(firstMayCommit.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }));
            assertThat(firstMarked.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            var second = executor.submit(() -> repositoryTransactions.executeWithoutResult(status ->
                    repository.disputeSeenBeforePayment(b.id(), "pi_raced")));
            // the second waits on the first's transaction (a lock not granted), not before its check
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> second.isDone()
                    || jdbc.sql("SELECT COUNT(*) FROM pg_locks WHERE NOT granted").query(Integer.class).single() > 0);
            firstMayCommit.countDown();
            first.get(30, java.util.concurrent.TimeUnit.SECONDS);
            second.get(30, java.util.concurrent.TimeUnit.SECONDS); // failed before: a duplicate key
        } finally {
            firstMayCommit.countDown();
            executor.shutdownNow();
        }
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking_dispute_seen WHERE booking_id = :id").param("id", b.id())
                .query(Integer.class).single()).isEqualTo(1);
        assertThat(repository.disputeSeenBeforePayment(repository.find(b.id()).orElseThrow(), "pi_raced")).isTrue();
    }

    /** V25's mark on PostgreSQL: RefundSeenBeforePaymentTest's scenario, which runs on H2 too. */
    @Test
    void theMarkOfARefundSeenBeforePaymentGoesWhenTheBookingLeavesItsPayableStatusesOnPostgres() {
        Instant now = Instant.parse("2026-12-05T07:00:00Z");
        RefundSeenBeforePaymentTest.theMarkGoesWhenTheBookingLeavesItsPayableStatuses(repository, jdbc,
                (id, startUtc) -> pending(id, startUtc, now), now);
    }

    /** Whether the booking remembers a payment of it seen refunded before one was recorded (V25). */
    private static boolean remembered(String id) {
        return jdbc.sql("SELECT COUNT(*) FROM booking WHERE id = :id AND refund_seen_at IS NOT NULL").param("id", id)
                .query(Integer.class).single() > 0;
    }

    private static String refundSeenPayment(String id) {
        return jdbc.sql("SELECT refund_seen_payment FROM booking WHERE id = :id").param("id", id)
                .query(String.class).list().get(0);
    }

    private Booking pending(String id, String startUtc, Instant now) {
        var zurich = ZoneId.of("Europe/Zurich");
        Instant start = Instant.parse(startUtc);
        Booking b = new Booking(id, BookingStatus.PENDING_PAYMENT, start.atZone(zurich).toOffsetDateTime(),
                start.plusSeconds(3600).atZone(zurich).toOffsetDateTime(), 60, 9000, "CHF",
                new Customer("John Doe", "john@example.com", null, "de", "Europe/Zurich"), "Consultation", null, null,
                null, null, now.plusSeconds(900), now, null, null, null);
        repository.withSlotLock(() -> {
            repository.insert(b, now);
            return 1;
        });
        return b;
    }
}
