package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.connectify.hub.calendar.GoogleCalendarGateway;
import io.connectify.hub.notification.NotificationLog;
import io.connectify.hub.payment.stripe.StripeCommands;
import io.connectify.hub.payment.stripe.StripeRoutes;
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
 * A Stripe refund seen before its booking's payment (V25) meeting that payment's event, handled by another consumer
 * in between, on PostgreSQL. The interleavings forced: the other consumer's step runs just before the hooked
 * repository call (StripeWebhookTest covers the events in order).
 */
class PostgresRefundSeenRaceTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    private static final Instant NOW = Instant.parse("2026-12-05T07:00:00Z");

    private static JdbcClient jdbc;
    private static HookedRepository bookings;

    @BeforeAll
    static void migrate() {
        bookings = PostgresRepositories.migrated(postgres, HookedRepository::new);
        jdbc = JdbcClient.create(postgres.dataSource());
    }

    /**
     * A charge.refunded (3000 of 9000 by hand) finds no booking paid by its payment, and the booking it names records
     * that payment before the mark's update (the payment's event handled meanwhile): the update finds the booking
     * paid, and the payment, looked up again, takes the usual path: the part refunded outside the hub recorded,
     * marked for a person, counted. Before, the event was dropped ("no booking was paid by it") and nothing recorded.
     */
    @Test
    void aPaymentRecordedBetweenItsLookUpAndTheMarksUpdateTakesTheUsualPathOnPostgres() {
        String id = pending("2f1c7d0e-0000-4000-8000-0000000000c1", "2026-12-14T09:00:00Z");
        String payment = "pi_race_recorded";
        var meters = new SimpleMeterRegistry();
        BookingSaga saga = saga(refundedByHand(payment, 3000), meters);
        bookings.beforeNextMark.set(() -> assertThat(bookings.recordPayment(id, "stripe", payment, 9000, NOW)
                .recorded()).as("the payment's event, handled meanwhile").isTrue());

        boolean acted = saga.paymentRefundedOutside("stripe", id, payment, 3000L, 9000L);

        assertThat(bookings.beforeNextMark.get()).as("the payment was recorded in between").isNull();
        assertThat(acted).isTrue();
        assertThat(bookings.refundedOutsideAmount(id)).contains(3000L);
        assertThat(bookings.attention(id).map(BookingRepository.Attention::note)).contains("a refund the hub did "
                + "not make: stripe shows 3000 of the payment's 9000 refunded outside the hub (in part) before its "
                + "confirmation: decide whether the appointment stands");
        assertThat(meters.counter("connectify.refunds.outside.hub", "provider", "stripe").count()).isOne();
        assertThat(remembered(id)).as("nothing remembered").isFalse();
    }

    /**
     * A payment seen refunded in full (by hand) before it was recorded, its booking confirmed by another run of the
     * same payment between the look-up of its refunds and the booking's row lock: the refund outside the hub is
     * recorded on the confirmed booking (note, amount) and, as a charge.refunded's, counted once; the mark cleared.
     * Before, the note was recorded but neither logged nor counted.
     */
    @Test
    void aPaymentSeenRefundedWhoseBookingWasConfirmedMeanwhileIsCountedAsRefundedOutsideOnPostgres() {
        String id = pending("2f1c7d0e-0000-4000-8000-0000000000c2", "2026-12-14T11:00:00Z");
        String payment = "pi_race_confirmed";
        var meters = new SimpleMeterRegistry();
        BookingSaga saga = saga(refundedByHand(payment, 9000), meters);
        assertThat(bookings.refundSeenBeforePayment(id, payment, List.of(BookingStatus.PENDING_PAYMENT), NOW))
                .isTrue();
        bookings.beforeNextLock.set(() -> assertThat(bookings.confirm(id, BookingSaga.eventIdFor(id), "stripe",
                payment, 9000, NOW)).as("another run of the payment confirms it").isTrue());

        assertThat(saga.confirmPayment(id, "stripe", payment, 9000L, "chf")).isTrue();

        assertThat(bookings.beforeNextLock.get()).as("confirmed in between").isNull();
        assertThat(bookings.find(id).orElseThrow().status()).isEqualTo(BookingStatus.CONFIRMED);
        assertThat(bookings.refundedOutsideAmount(id)).contains(9000L);
        assertThat(bookings.attention(id).map(BookingRepository.Attention::note).orElseThrow())
                .endsWith("(in full): decide whether the appointment stands");
        assertThat(meters.counter("connectify.refunds.outside.hub", "provider", "stripe").count()).isOne();
        assertThat(remembered(id)).as("cleared").isFalse();
    }

    /**
     * A charge.refunded (9000 of 9000 by hand) marks the booking after its payment's event read it and before that
     * payment is recorded on it (the two events handled at once): the recording reads the mark, so the payment's refunds
     * are looked up and the booking is REFUNDED, never confirmed (Google never asked), counted as refunded outside the
     * hub, the mark cleared. The mark as the event first read the booking would be missed: confirmed, the payment
     * given back.
     */
    @Test
    void aRefundSeenBetweenTheBookingsReadAndItsPaymentsRecordingIsActedOnOnPostgres() {
        String id = pending("2f1c7d0e-0000-4000-8000-0000000000c3", "2026-12-14T13:00:00Z");
        String payment = "pi_race_marked";
        var meters = new SimpleMeterRegistry();
        GoogleCalendarGateway calendar = mock(GoogleCalendarGateway.class);
        BookingSaga saga = saga(refundedByHand(payment, 9000), meters, calendar);
        bookings.beforeNextRecording.set(() -> assertThat(bookings.refundSeenBeforePayment(id, payment,
                BookingRepository.PAYABLE, NOW)).as("the charge.refunded, handled meanwhile").isTrue());

        assertThat(saga.confirmPayment(id, "stripe", payment, 9000L, "chf")).isTrue();

        assertThat(bookings.beforeNextRecording.get()).as("marked in between").isNull();
        Booking booking = bookings.find(id).orElseThrow();
        assertThat(booking.status()).isEqualTo(BookingStatus.REFUNDED);
        assertThat(booking.statusReason()).startsWith(
                "paid, then refunded at stripe (refunded) before the hub confirmed it");
        verifyNoInteractions(calendar);
        assertThat(meters.counter("connectify.refunds.outside.hub", "provider", "stripe").count()).isOne();
        assertThat(remembered(id)).as("cleared").isFalse();
    }

    /** Whether the booking remembers a refund seen before its payment (V25). */
    private static boolean remembered(String id) {
        return jdbc.sql("SELECT COUNT(*) FROM booking WHERE id = :id AND refund_seen_at IS NOT NULL").param("id", id)
                .query(Integer.class).single() > 0;
    }

    /**
     * A pending Stripe booking holding its slot (starting at {@code startUtc}, each test's its own: a payment is
     * recorded only while no other booking holds the slot), no payment recorded.
     */
    private static String pending(String id, String startUtc) {
        var zurich = ZoneId.of("Europe/Zurich");
        Instant start = Instant.parse(startUtc);
        Booking b = new Booking(id, BookingStatus.PENDING_PAYMENT, start.atZone(zurich).toOffsetDateTime(),
                start.plusSeconds(3600).atZone(zurich).toOffsetDateTime(), 60, 9000, "CHF",
                new Customer("John Doe", "john@example.com", null, "de", "Europe/Zurich"), "Consultation", null,
                "stripe", null, null, NOW.plusSeconds(900), NOW, null, null, null);
        bookings.withSlotLock(() -> {
            bookings.insert(b, NOW);
            return 1;
        });
        return id;
    }

    /** Camel as far as these steps need it: Stripe lists one refund of {@code payment}, made by hand (no mark). */
    private static ProducerTemplate refundedByHand(String payment, long amount) {
        ProducerTemplate template = mock(ProducerTemplate.class);
        when(template.requestBody(StripeRoutes.REFUNDS, payment, StripeCommands.RefundList.class)).thenReturn(
                new StripeCommands.RefundList(payment, amount, List.of(new StripeCommands.RefundResult("re_by_hand",
                        "succeeded", amount, "chf", payment, null))));
        return template;
    }

    /** The saga as far as these steps need it: the bookings, Camel, the notices logged, the metrics, the clock. */
    private static BookingSaga saga(ProducerTemplate template, SimpleMeterRegistry meters) {
        return saga(template, meters, null);
    }

    /** The same with Google ({@code calendar}). */
    private static BookingSaga saga(ProducerTemplate template, SimpleMeterRegistry meters,
                                    GoogleCalendarGateway calendar) {
        var log = new NotificationLog(jdbc, Clock.fixed(NOW, ZoneOffset.UTC), meters);
        var clock = Clock.fixed(NOW.plusSeconds(30), ZoneOffset.UTC);
        return new BookingSaga(bookings, calendar, TestAvailability.on(bookings, calendar, clock), null, null, null,
                null, null, null, template, log, null, new WebhookMetrics(meters), null, clock);
    }

    /**
     * The bookings on PostgreSQL, with hooks run once just before the next mark's update, booking row lock and
     * payment's recording.
     */
    static final class HookedRepository extends BookingRepository {

        final AtomicReference<Runnable> beforeNextMark = new AtomicReference<>();
        final AtomicReference<Runnable> beforeNextLock = new AtomicReference<>();
        final AtomicReference<Runnable> beforeNextRecording = new AtomicReference<>();

        HookedRepository(JdbcClient jdbc, TransactionTemplate transactions, AvailabilityProperties hours) {
            super(jdbc, transactions, hours);
        }

        @Override
        public boolean refundSeenBeforePayment(String id, String payment, List<BookingStatus> payable, Instant now) {
            run(beforeNextMark);
            return super.refundSeenBeforePayment(id, payment, payable, now);
        }

        @Override
        public void withBookingLock(String id, Runnable work) {
            run(beforeNextLock);
            super.withBookingLock(id, work);
        }

        @Override
        public PaymentRecording recordPayment(String id, String provider, String paymentReference, long paidAmount,
                                              Instant now) {
            run(beforeNextRecording);
            return super.recordPayment(id, provider, paymentReference, paidAmount, now);
        }

        private static void run(AtomicReference<Runnable> hook) {
            Runnable once = hook.getAndSet(null);
            if (once != null) {
                once.run();
            }
        }
    }
}
