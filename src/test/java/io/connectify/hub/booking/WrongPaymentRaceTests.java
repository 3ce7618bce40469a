package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import io.connectify.hub.notification.NotificationLog;
import io.connectify.hub.notification.NotificationPlanner;
import io.connectify.hub.payment.stripe.StripeCommands;
import io.connectify.hub.webhook.WebhookMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two payments of one booking handled at once: Stripe's events are queued by Payment Intent, so payment A (one that
 * cannot pay for the booking) and payment B (the price, in the booking's currency) go to two consumers. The
 * interleaving forced: B is recorded on the booking while A is being refunded or before A is handled, and A's status
 * reason then finds the booking paid. Run on H2 ({@link WrongPaymentRaceTest}) and PostgreSQL
 * ({@link PostgresWrongPaymentRaceTest}).
 */
abstract class WrongPaymentRaceTests {

    static final Instant NOW = Instant.parse("2026-12-05T07:00:00Z");

    /** The bookings, on the database of the subclass, migrated as the hub migrates. */
    abstract BookingRepository bookings();

    abstract JdbcClient jdbc();

    /**
     * Payment A, in yen, is refunded; payment B, in francs, is recorded while A's refund is made: B's paid booking keeps
     * no reason of A's ("stripe payment pi_A was refunded: it paid in JPY..."), which it would otherwise show while it
     * waits for its confirmation; A's customer is still told of A's refund (the notice of A, its amount in yen).
     */
    @Test
    void aPaymentInAnotherCurrencyRefundedWhileAnotherIsRecordedLeavesThePaidBookingsReasonAlone() {
        String id = pending("3a1c7d0e-0000-4000-8000-0000000000a1");
        ProducerTemplate template = mock(ProducerTemplate.class);
        when(template.requestBodyAndHeaders(eq("direct:payment-refund"), any(), anyMap(), eq(Object.class)))
                .thenAnswer(refunding -> {
                    assertThat(bookings().recordPayment(id, "stripe", "pi_B_chf", 9000, NOW).recorded())
                            .as("payment B, handled meanwhile by another consumer").isTrue();
                    return new StripeCommands.RefundResult("re_A", "succeeded", 9000, "jpy", "pi_A_jpy", null);
                });

        assertThat(saga(template).confirmPayment(id, "stripe", "pi_A_jpy", 9000L, "jpy")).isTrue();

        Booking booking = bookings().find(id).orElseThrow();
        assertThat(booking.paymentReference()).isEqualTo("pi_B_chf");
        assertThat(booking.status()).isEqualTo(BookingStatus.PENDING_PAYMENT);
        assertThat(booking.statusReason()).as("B's paid booking keeps no reason of A's").isNull();
        verify(template).sendBodyAndHeaders(eq("direct:booking-notify"), any(), argThat(headers ->
                "payment-mismatch".equals(headers.get(NotificationPlanner.KIND))
                        && "9000 JPY stripe pi_A_jpy".equals(headers.get(NotificationPlanner.OCCASION))));
    }

    /**
     * The same for a payment left for a person (disputed when first handled, so never refunded here) on a booking
     * another payment was recorded on: its story goes to the booking's mark for a person, not to the reason of the
     * booking B pays, which waits for its confirmation.
     */
    @Test
    void aPaymentLeftForAPersonOnABookingAnotherPaymentPaidLeavesItsReasonAlone() {
        String id = pending("3a1c7d0e-0000-4000-8000-0000000000a2");
        assertThat(bookings().recordPayment(id, "stripe", "pi_B_paid", 9000, NOW).recorded()).isTrue();

        assertThat(saga(mock(ProducerTemplate.class)).confirmPaymentIfItPays(id, "stripe", "pi_A_disputed", 9000L,
                "chf", "disputed")).isTrue();

        Booking booking = bookings().find(id).orElseThrow();
        assertThat(booking.paymentReference()).isEqualTo("pi_B_paid");
        assertThat(booking.statusReason()).as("B's paid booking keeps no reason of A's").isNull();
        assertThat(bookings().attention(id).map(BookingRepository.Attention::note)).contains("stripe payment "
                + "pi_A_disputed arrived disputed and was neither confirmed nor refunded (its slot was taken): settle it "
                + "by hand");
    }

    /** A pending Stripe booking of 9000 CHF holding its slot, no payment recorded. */
    private String pending(String id) {
        var zurich = ZoneId.of("Europe/Zurich");
        Instant start = Instant.parse("2026-12-14T09:00:00Z");
        Booking b = new Booking(id, BookingStatus.PENDING_PAYMENT, start.atZone(zurich).toOffsetDateTime(),
                start.plusSeconds(3600).atZone(zurich).toOffsetDateTime(), 60, 9000, "CHF",
                new Customer("John Doe", "john@example.com", null, "de", "Europe/Zurich"), "Consultation", null,
                "stripe", null, null, NOW.plusSeconds(900), NOW, null, null, null);
        bookings().withSlotLock(() -> {
            bookings().insert(b, NOW);
            return 1;
        });
        return id;
    }

    /** The saga as far as these steps need it: the bookings, Camel ({@code template}), the notices logged, the clock. */
    private BookingSaga saga(ProducerTemplate template) {
        var meters = new SimpleMeterRegistry();
        var log = new NotificationLog(jdbc(), Clock.fixed(NOW, ZoneOffset.UTC), meters);
        return new BookingSaga(bookings(), null, null, null, null, null, null, null, null, template, log, null,
                new WebhookMetrics(meters), null, Clock.fixed(NOW.plusSeconds(30), ZoneOffset.UTC));
    }
}
