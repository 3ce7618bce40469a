package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.connectify.hub.notification.NotificationLog;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A dispute stop's re-check on PostgreSQL: a refund pending is stopped by its payment's dispute only if, under the
 * booking's row lock, the dispute is still open as stored. Its outcome, stored by another consumer between the
 * opening's record and that lock (Stripe's dispute events are not ordered), found no stopped refund to restart; a
 * refund stopped after it would never be made. The interleaving forced: the outcome's whole handling runs at the
 * opening's first booking lock after its record.
 */
class PostgresDisputeRaceTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    private static final Instant NOW = Instant.parse("2026-11-30T07:00:00Z");

    private static JdbcClient jdbc;
    private static LockHookedRepository bookings;

    @BeforeAll
    static void migrate() {
        bookings = PostgresRepositories.migrated(postgres, LockHookedRepository::new);
        jdbc = JdbcClient.create(postgres.dataSource());
    }

    /** Won, or the bank's inquiry closed: the payment stands, and the customer who cancelled is owed the refund. */
    @ParameterizedTest
    @CsvSource({"won, 2f1c7d0e-0000-4000-8000-0000000000d1", "warning_closed, 2f1c7d0e-0000-4000-8000-0000000000d2"})
    void aDisputeDecidedBetweenItsOpeningsRecordAndTheStopsLockLeavesTheRefundPendingOnPostgres(String outcome,
                                                                                               String bookingId) {
        String payment = "pi_race_" + outcome;
        String id = cancelledWithItsRefundPending(bookingId, payment);
        ProducerTemplate notices = mock(ProducerTemplate.class);
        BookingSaga saga = saga(notices);
        bookings.beforeNextLock.set(() -> {
            assertThat(bookings.disputeStatus(id)).as("the opening recorded first").contains(DisputeStatus.OPEN);
            // charge.dispute.closed, handled whole by another consumer meanwhile: no stopped refund to restart
            join(CompletableFuture.runAsync(() -> saga.paymentDisputeClosed("stripe", null, payment, outcome,
                    9000L)));
        });

        saga.paymentDisputed("stripe", null, payment, "fraudulent");

        assertThat(bookings.beforeNextLock.get()).as("the outcome ran in between").isNull();
        assertThat(bookings.disputeStatus(id)).isEqualTo(DisputeStatus.closedAs(outcome));
        Booking after = bookings.find(id).orElseThrow();
        assertThat(after).extracting(Booking::status, Booking::statusReason)
                .containsExactly(BookingStatus.CANCELLED, BookingSaga.CANCELLED_UNCONFIRMED);
        // still the retry sweep's to make, and its customer told nothing of a dispute deciding
        assertThat(bookings.pendingRefunds(BookingSaga.REFUND_PENDING, NOW, 10)).extracting(Booking::id)
                .contains(id);
        verifyNoInteractions(notices);
    }

    /** A booking paid by {@code payment} (Stripe), then cancelled before its confirmation, its refund still to make. */
    private static String cancelledWithItsRefundPending(String id, String payment) {
        var zurich = ZoneId.of("Europe/Zurich");
        Instant start = Instant.parse("2026-12-14T09:00:00Z");
        Booking b = new Booking(id, BookingStatus.PENDING_PAYMENT, start.atZone(zurich).toOffsetDateTime(),
                start.plusSeconds(3600).atZone(zurich).toOffsetDateTime(), 60, 9000, "CHF",
                new Customer("John Doe", "john@example.com", null, "de", "Europe/Zurich"), "Consultation", null,
                "stripe", null, null, NOW.plusSeconds(900), NOW, null, null, null);
        bookings.withSlotLock(() -> {
            bookings.insert(b, NOW);
            return 1;
        });
        assertThat(bookings.recordPayment(id, "stripe", payment, 9000, NOW).recorded()).isTrue();
        assertThat(bookings.cancelUnconfirmed(id, BookingSaga.CANCELLED_UNCONFIRMED, NOW)).isTrue();
        return id;
    }

    /** The saga as far as a dispute's events need it: the bookings, the notices queued, the clock. */
    private static BookingSaga saga(ProducerTemplate notices) {
        var log = new NotificationLog(jdbc, Clock.fixed(NOW, ZoneOffset.UTC), new SimpleMeterRegistry());
        return new BookingSaga(bookings, null, null, null, null, null, null, null, null, notices, log, null, null, null,
                Clock.fixed(NOW.plusSeconds(30), ZoneOffset.UTC));
    }

    private static void join(CompletableFuture<Void> work) {
        try {
            work.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bookings on PostgreSQL, with a hook run once just before the next booking row lock is taken. */
    static final class LockHookedRepository extends BookingRepository {

        final AtomicReference<Runnable> beforeNextLock = new AtomicReference<>();

        LockHookedRepository(JdbcClient jdbc, TransactionTemplate transactions, AvailabilityProperties hours) {
            super(jdbc, transactions, hours);
        }

        @Override
        public void withBookingLock(String id, Runnable work) {
            Runnable hook = beforeNextLock.getAndSet(null);
            if (hook != null) {
                hook.run();
            }
            super.withBookingLock(id, work);
        }
    }
}
