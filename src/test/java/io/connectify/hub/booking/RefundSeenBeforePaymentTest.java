package io.connectify.hub.booking;

import static io.connectify.hub.booking.BookingRepository.PaymentRecording.RECORDED_REFUND_SEEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

import javax.sql.DataSource;

import io.connectify.hub.calendar.GoogleCalendarGateway;
import io.connectify.hub.notification.NotificationLog;
import io.connectify.hub.webhook.WebhookMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.ProducerTemplate;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The mark of a refund seen before its booking's payment (V25) on H2, the embedded default (PostgresMigrationTest runs
 * the same repository scenario on PostgreSQL), and what reading it costs a confirmation: the statements the bookings'
 * database is sent, counted on their way (StripeWebhookTest covers the events end to end).
 */
class RefundSeenBeforePaymentTest {

    private static final Instant NOW = Instant.parse("2026-12-05T07:00:00Z");
    /** The SQL of every statement prepared on the database, in order. */
    private static final List<String> statements = new CopyOnWriteArrayList<>();

    private static JdbcClient jdbc;
    private static BookingRepository bookings;

    @BeforeAll
    static void migrate() {
        var h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:refund-seen-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        Flyway.configure().dataSource(h2).load().migrate();
        DataSource counted = counted(h2);
        jdbc = JdbcClient.create(counted);
        bookings = new BookingRepository(jdbc, new TransactionTemplate(new DataSourceTransactionManager(counted)),
                new AvailabilityProperties(ZoneId.of("Europe/Zurich"), Map.of(), null, null, null, null));
    }

    /**
     * A Stripe payment's confirmation reads the mark with the update that records the payment: it sends the database
     * as many statements as a Payrexx payment's confirmation, which never reads the mark. Before, every Stripe
     * confirmation sent one more, a query of the mark of its own.
     */
    @Test
    void aStripePaymentsConfirmationReadsTheMarkWithNoStatementOfItsOwn() {
        String stripe = pending("2f1c7d0e-0000-4000-8000-0000000000e1", "stripe", "2026-12-14T09:00:00Z");
        String payrexx = pending("2f1c7d0e-0000-4000-8000-0000000000e2", "payrexx", "2026-12-14T11:00:00Z");
        BookingSaga saga = saga();

        List<String> ofStripe = statementsOf(() -> saga.confirmPayment(stripe, "stripe", "pi_counted", 9000L, "chf"));
        List<String> ofPayrexx = statementsOf(() -> saga.confirmPayment(payrexx, "payrexx", "4711", 9000L, "chf"));

        assertThat(bookings.find(stripe).orElseThrow().status()).isEqualTo(BookingStatus.CONFIRMED);
        assertThat(bookings.find(payrexx).orElseThrow().status()).isEqualTo(BookingStatus.CONFIRMED);
        assertThat(ofStripe).as("the Stripe confirmation's statements, the Payrexx one's being %s", ofPayrexx)
                .hasSameSizeAs(ofPayrexx);
    }

    @Test
    void theMarkOfARefundSeenBeforePaymentGoesWhenTheBookingLeavesItsPayableStatusesOnH2() {
        theMarkGoesWhenTheBookingLeavesItsPayableStatuses(bookings, jdbc,
                (id, startUtc) -> bookings.find(pending(id, null, startUtc)).orElseThrow(), NOW);
    }

    /**
     * The mark of V25 goes in the update that takes the booking out of its payable statuses for good or settles its
     * payment: cancelled before payment (transition), REFUNDED by a payment that paid for nothing, a paid one cancelled
     * before its confirmation (cancelUnconfirmed), one REFUNDED before its confirmation. It stays while the booking may
     * still be paid (expired; its payment recorded and waiting for its confirmation, whose recording reads it), and is
     * read with the booking's row. {@code pending}: a pending booking of that id starting at that UTC instant, stored.
     */
    static void theMarkGoesWhenTheBookingLeavesItsPayableStatuses(BookingRepository repository, JdbcClient jdbc,
            BiFunction<String, String, Booking> pending, Instant now) {
        List<BookingStatus> payable = BookingRepository.PAYABLE;
        Booking cancelled = pending.apply("2f1c7d0e-0000-4000-8000-0000000000d1", "2026-12-13T08:00:00Z");
        Booking unused = pending.apply("2f1c7d0e-0000-4000-8000-0000000000d2", "2026-12-13T10:00:00Z");
        Booking cancelledPaid = pending.apply("2f1c7d0e-0000-4000-8000-0000000000d3", "2026-12-13T12:00:00Z");
        Booking returned = pending.apply("2f1c7d0e-0000-4000-8000-0000000000d4", "2026-12-13T14:00:00Z");
        List<Booking> all = List.of(cancelled, unused, cancelledPaid, returned);
        for (Booking b : all) {
            assertThat(repository.refundSeenBeforePayment(b.id(), "pi_seen", payable, now)).isTrue();
        }
        assertThat(repository.transition(cancelled.id(), List.of(BookingStatus.PENDING_PAYMENT),
                BookingStatus.EXPIRED, "the payment page expired", now)).isTrue();
        // the payment's recording reads the mark (the update's generated keys: RETURNING on PostgreSQL)
        assertThat(repository.recordPayment(cancelledPaid.id(), "stripe", "pi_e3", 9000, now))
                .isEqualTo(RECORDED_REFUND_SEEN);
        assertThat(repository.recordPayment(returned.id(), "stripe", "pi_e4", 9000, now))
                .isEqualTo(RECORDED_REFUND_SEEN);
        assertThat(all).extracting(b -> refundSeenPayment(jdbc, b.id())).as("kept while payable")
                .containsOnly("pi_seen");
        assertThat(all).extracting(b -> repository.find(b.id()).orElseThrow().refundSeenBeforePayment())
                .as("read with the row").containsOnly(true);

        assertThat(repository.transition(cancelled.id(), payable, BookingStatus.CANCELLED, "cancelled before payment",
                now)).isTrue();
        Booking payment = new Booking(unused.id(), unused.status(), unused.start(), unused.end(),
                unused.durationMinutes(), unused.amount(), unused.currency(), unused.customer(), unused.summary(),
                unused.description(), "stripe", null, null, null, now, "pi_e2", null, 9000L);
        assertThat(repository.refundedUnused(unused.id(), payable, payment, "slot taken before the payment arrived",
                now)).isTrue();
        // a reason no sweep reads (not a refund pending): other tests' queries may share this database
        assertThat(repository.cancelUnconfirmed(cancelledPaid.id(), "cancelled before its confirmation: test",
                now)).isTrue();
        assertThat(repository.refundedUnconfirmed(returned.id(), "pi_e4",
                "paid, then refunded at stripe (refunded) before the hub confirmed it", now)).isTrue();

        for (Booking b : all) {
            assertThat(jdbc.sql("SELECT COUNT(*) FROM booking WHERE id = :id AND refund_seen_payment IS NULL "
                    + "AND refund_seen_at IS NULL").param("id", b.id()).query(Integer.class).single())
                    .as("the mark of %s (%s)", b.id(), repository.find(b.id()).orElseThrow().status()).isOne();
            assertThat(repository.find(b.id()).orElseThrow().refundSeenBeforePayment()).isFalse();
        }
    }

    private static String refundSeenPayment(JdbcClient jdbc, String id) {
        return jdbc.sql("SELECT refund_seen_payment FROM booking WHERE id = :id").param("id", id)
                .query(String.class).list().get(0);
    }

    /** The statements {@code work} sends the database. */
    private static List<String> statementsOf(Runnable work) {
        statements.clear();
        work.run();
        return new ArrayList<>(statements);
    }

    /** A pending booking of {@code provider} holding its slot, no payment recorded. */
    private static String pending(String id, String provider, String startUtc) {
        var zurich = ZoneId.of("Europe/Zurich");
        Instant start = Instant.parse(startUtc);
        Booking b = new Booking(id, BookingStatus.PENDING_PAYMENT, start.atZone(zurich).toOffsetDateTime(),
                start.plusSeconds(3600).atZone(zurich).toOffsetDateTime(), 60, 9000, "CHF",
                new Customer("John Doe", "john@example.com", null, "de", "Europe/Zurich"), "Consultation", null,
                provider, null, null, NOW.plusSeconds(900), NOW, null, null, null);
        bookings.withSlotLock(() -> {
            bookings.insert(b, NOW);
            return 1;
        });
        return id;
    }

    /** The saga as far as a confirmation needs it: the bookings, Google and Camel (stubs), the clock. */
    private static BookingSaga saga() {
        var meters = new SimpleMeterRegistry();
        var calendar = mock(GoogleCalendarGateway.class);
        var clock = Clock.fixed(NOW.plusSeconds(30), ZoneOffset.UTC);
        return new BookingSaga(bookings, calendar, TestAvailability.on(bookings, calendar, clock), null, null, null,
                null, null, null, mock(ProducerTemplate.class),
                new NotificationLog(jdbc, Clock.fixed(NOW, ZoneOffset.UTC), meters), null, new WebhookMetrics(meters), null,
                clock);
    }

    /** {@code target}, each statement prepared on its connections noted in {@link #statements}. */
    private static DataSource counted(DataSource target) {
        return new DelegatingDataSource(target) {
            @Override
            public Connection getConnection() throws SQLException {
                Connection connection = super.getConnection();
                return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            if (method.getName().startsWith("prepare") || method.getName().equals("createStatement")) {
                                statements.add(args != null && args.length > 0 ? String.valueOf(args[0])
                                        : method.getName());
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
}
