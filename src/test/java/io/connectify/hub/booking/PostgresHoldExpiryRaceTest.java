package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.connectify.hub.calendar.GoogleCalendarGateway;
import io.connectify.hub.calendar.Rfc3339;
import io.connectify.hub.calendar.TimeRange;
import io.connectify.hub.notification.NotificationLog;
import io.connectify.hub.payment.PaymentProperties;
import io.connectify.hub.resilience.BookingConflictException;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.connectify.hub.webhook.WebhookMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A booking's payment recorded just as its hold runs out, while another instance reserves the same slot, on
 * PostgreSQL: each instance judges the hold on its own clock, so instance 1 (the payment's) reads a second before the
 * hold's end while instance 2 (the reservation's) reads the end itself. Exactly one booking may hold the slot after.
 * Before, the payment was recorded outside the slot lock on an instant read before it: the reservation, seeing the
 * hold run out, committed its booking, and the payment was recorded on the hold all the same (two bookings, two
 * calendar events, in one slot).
 */
class PostgresHoldExpiryRaceTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    /** When the paying booking's hold runs out. */
    private static final Instant EXPIRY = Instant.parse("2026-11-30T07:15:00Z");
    private static final Customer CUSTOMER = new Customer("John Doe", "john@example.com", null, "de", null);

    private static JdbcClient jdbc;
    private static RecordHookedRepository bookings;

    @BeforeAll
    static void migrate() {
        bookings = PostgresRepositories.migrated(postgres, RecordHookedRepository::new);
        jdbc = JdbcClient.create(postgres.dataSource());
    }

    /**
     * A's payment is being recorded (instance 1, a second before A's hold ends) when B's reservation of the slot runs
     * (instance 2, at the hold's end: A's hold has run out): the payment, first under the slot lock, confirms A, and B
     * is refused (409). Before, B committed while the payment waited, and the payment was recorded on A's hold.
     */
    @Test
    void aPaymentRecordedAsItsHoldRunsOutWhileTheSlotIsReservedLeavesOneBookingInTheSlotOnPostgres() throws Exception {
        TimeRange slot = slotAt("2026-12-15T08:00:00Z");
        String a = heldUntilExpiry("7a1c7d0e-0000-4000-8000-0000000000a1", slot);
        var calendar = mock(GoogleCalendarGateway.class);
        BookingSaga instance1 = saga(calendar, mock(ProducerTemplate.class), EXPIRY.minusSeconds(1));
        BookingService instance2 = bookingService(calendar, EXPIRY);
        var reservation = new AtomicReference<CompletableFuture<Object>>();
        bookings.beforeNextRecord.set(() -> {
            reservation.set(CompletableFuture.supplyAsync(() -> reserve(instance2, slot)));
            // B committed, or waiting for the slot lock the payment holds
            await().atMost(Duration.ofSeconds(20)).until(() -> reservation.get().isDone() || waitsForTheSlotLock());
        });

        instance1.confirmPayment(a, "stripe", "pi_race_a", 9000L, "chf");

        assertThat(bookings.beforeNextRecord.get()).as("B's reservation ran while A's payment was recorded").isNull();
        Object b = reservation.get().get(20, TimeUnit.SECONDS);
        assertThat(bookings.activeRanges(slot.start(), slot.end(), EXPIRY)).as("the bookings holding the slot")
                .hasSize(1);
        assertThat(bookings.find(a).orElseThrow().status()).isEqualTo(BookingStatus.CONFIRMED);
        assertThat(b).as("B's reservation").isInstanceOf(BookingConflictException.class);
    }

    /**
     * B reserved the slot once A's hold ran out (instance 2's clock), then A's payment is handled by instance 1, whose
     * clock is a second behind: the payment pays for a slot taken, and is refunded. Before, instance 1 judged A's
     * hold still running and recorded the payment: both held the slot.
     */
    @Test
    void aPaymentJudgedOnAClockBehindTheReservingInstancesIsRefundedOnceTheSlotWasTakenOnPostgres() {
        TimeRange slot = slotAt("2026-12-16T08:00:00Z");
        String a = heldUntilExpiry("7a1c7d0e-0000-4000-8000-0000000000a2", slot);
        var calendar = mock(GoogleCalendarGateway.class);
        ProducerTemplate camel = mock(ProducerTemplate.class);
        Booking b = bookingService(calendar, EXPIRY).create(request(slot));

        saga(calendar, camel, EXPIRY.minusSeconds(1)).confirmPayment(a, "stripe", "pi_skew_a", 9000L, "chf");

        assertThat(bookings.activeRanges(slot.start(), slot.end(), EXPIRY)).as("the bookings holding the slot")
                .containsExactly(b.range());
        assertThat(bookings.find(a).orElseThrow()).extracting(Booking::status, Booking::statusReason)
                .containsExactly(BookingStatus.REFUNDED, "slot taken before the payment arrived");
        verify(camel).requestBodyAndHeaders(eq("direct:payment-refund"), any(), anyMap(), eq(Object.class));
        verify(calendar, never()).insert(any());
    }

    /**
     * The same for a delayed payment's first word (the hold extended while it settles): B holds the slot since A's
     * hold ran out, so A's hold is not extended. Before, it was, and A's payment days later was confirmed in B's slot.
     */
    @Test
    void aHoldRunOutIsNotExtendedForADelayedPaymentOnceTheSlotWasTakenOnPostgres() {
        TimeRange slot = slotAt("2026-12-17T08:00:00Z");
        String a = heldUntilExpiry("7a1c7d0e-0000-4000-8000-0000000000a3", slot);
        var calendar = mock(GoogleCalendarGateway.class);
        Booking b = bookingService(calendar, EXPIRY).create(request(slot));

        boolean held = saga(calendar, mock(ProducerTemplate.class), EXPIRY.minusSeconds(1))
                .paymentProcessing(a, "cs_test_a3", "pi_a3", null);

        assertThat(held).isFalse();
        assertThat(bookings.find(a).orElseThrow().holdExpiresAt()).isEqualTo(EXPIRY);
        assertThat(bookings.activeRanges(slot.start(), slot.end(), EXPIRY)).as("the bookings holding the slot")
                .containsExactly(b.range());
    }

    private static TimeRange slotAt(String startUtc) {
        return TimeRange.of(Instant.parse(startUtc), Duration.ofHours(1));
    }

    /** Booking A: pending, Stripe, its hold ending at {@link #EXPIRY}. */
    private static String heldUntilExpiry(String id, TimeRange slot) {
        var zone = TestAvailability.HOURS.timeZone();
        Booking booking = new Booking(id, BookingStatus.PENDING_PAYMENT, slot.start().atZone(zone).toOffsetDateTime(),
                slot.end().atZone(zone).toOffsetDateTime(), 60, 9000, "CHF",
                new Customer("Jane Roe", "jane@example.com", null, "de", "Europe/Zurich"), "Consultation", null,
                "stripe", null, null, EXPIRY, EXPIRY.minus(Duration.ofMinutes(15)), null, null, null);
        bookings.withSlotLock(() -> {
            bookings.insert(booking, EXPIRY.minus(Duration.ofMinutes(15)));
            return null;
        });
        return id;
    }

    private static BookingRequest request(TimeRange slot) {
        return new BookingRequest(Rfc3339.format(slot.start().atZone(TestAvailability.HOURS.timeZone())
                .toOffsetDateTime()), 60, CUSTOMER, null, null, "stripe");
    }

    /** B's booking, or the conflict that refused it. */
    private static Object reserve(BookingService service, TimeRange slot) {
        try {
            return service.create(request(slot));
        } catch (BookingConflictException refused) {
            return refused;
        }
    }

    private static boolean waitsForTheSlotLock() {
        return jdbc.sql("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                + "AND query LIKE '%FROM booking_lock%'").query(Integer.class).single() > 0;
    }

    private static BookingProperties properties() {
        return new BookingProperties(Duration.ofMinutes(15), Duration.ofMinutes(1), null, Duration.ofMinutes(5),
                Duration.ofHours(24), 50, Duration.ofDays(5), null, Duration.ofDays(365));
    }

    /** An instance's saga as a payment's events need it, its clock reading {@code now}. */
    private static BookingSaga saga(GoogleCalendarGateway calendar, ProducerTemplate camel, Instant now) {
        var meters = new SimpleMeterRegistry();
        var clock = Clock.fixed(now, ZoneOffset.UTC);
        return new BookingSaga(bookings, calendar, TestAvailability.on(bookings, calendar, clock),
                new SlotCalculator(TestAvailability.HOURS), TestAvailability.HOURS,
                new PaymentProperties("stripe", Map.of(), Duration.ofHours(24), "delete"), null, properties(), null,
                camel, new NotificationLog(jdbc, clock, meters), null, new WebhookMetrics(meters), null, clock);
    }

    /** An instance's booking service, its clock reading {@code now}. */
    private static BookingService bookingService(GoogleCalendarGateway calendar, Instant now) {
        var clock = Clock.fixed(now, ZoneOffset.UTC);
        return new BookingService(TestAvailability.on(bookings, calendar, clock), bookings,
                new SlotCalculator(TestAvailability.HOURS),
                new PriceTable(new PricingProperties("CHF", List.of(new PricingProperties.Tier(30, 120, 9000)))),
                properties(), TestAvailability.HOURS, new PaymentProperties("stripe", Map.of(), Duration.ofHours(24),
                "delete"), null, clock);
    }

    /** The bookings on PostgreSQL, with a hook run once just before the next payment's recording. */
    static final class RecordHookedRepository extends BookingRepository {

        final AtomicReference<Runnable> beforeNextRecord = new AtomicReference<>();

        RecordHookedRepository(JdbcClient jdbc, TransactionTemplate transactions, AvailabilityProperties hours) {
            super(jdbc, transactions, hours);
        }

        @Override
        public PaymentRecording recordPayment(String id, String provider, String paymentReference, long paidAmount,
                                              Instant now) {
            Runnable hook = beforeNextRecord.getAndSet(null);
            if (hook != null) {
                hook.run();
            }
            return super.recordPayment(id, provider, paymentReference, paidAmount, now);
        }
    }
}
