package io.connectify.hub.payment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.booking.Customer;
import io.connectify.hub.payment.stripe.StripeProperties;
import io.connectify.hub.resilience.ResilienceProperties;
import org.junit.jupiter.api.Test;

/**
 * How soon a booking's Checkout Session may expire follows the Stripe create's timeouts and retries; when it expires is
 * reckoned on the bookings' clock.
 */
class PaymentCommandsTest {

    @Test
    void theLastRetryOfACreateStillSetsAnExpiryStripeTakes() {
        // application.yaml's defaults: 10 attempts, each at most 5 s for a rate-limiter permit, 5 s to connect, 20 s
        // to answer and 2 s of back-off
        assertThat(PaymentCommands.soonestSessionExpiry(stripe(Duration.ofSeconds(20)), retry(10), Duration.ofSeconds(5)))
                .isEqualTo(Duration.ofMinutes(37).plusSeconds(20));
        // more and longer attempts: a fixed 36 minutes let a late retry ask Stripe for an expiry under 30 minutes on
        assertThat(PaymentCommands.soonestSessionExpiry(stripe(Duration.ofSeconds(60)), retry(20), Duration.ofSeconds(5)))
                .isEqualTo(Duration.ofMinutes(32).plus(Duration.ofSeconds(72).multipliedBy(20)));
    }

    /**
     * A booking's Checkout Session expires on the bookings' clock (the database's), which dates its hold: from its
     * reservation, here through an instance whose own clock runs 30 minutes ahead. A 60-minute hold, within what Stripe
     * takes, is the session's expiry as stored; a short one is moved to the soonest Stripe takes, a long one to the
     * latest, both from the reservation. Before, the bounds were reckoned from the instance's clock: the 60-minute hold
     * was moved 7 minutes 20 past its end (the instance's soonest), the others 30 minutes later.
     */
    @Test
    void aCheckoutSessionExpiresWhenItsHoldEndsOnTheBookingsClock() {
        Instant reserved = Instant.parse("2026-12-01T08:00:00Z");
        PaymentCommands commands = new PaymentCommands(Clock.fixed(reserved.plus(Duration.ofMinutes(30)), ZoneOffset.UTC),
                stripe(Duration.ofSeconds(20)), new ResilienceProperties(new ResilienceProperties.Policy(retry(10), null,
                        new ResilienceProperties.RateLimiter(100, Duration.ofMinutes(1), Duration.ofSeconds(5))), Map.of()),
                new io.connectify.hub.notification.NotificationTemplates());

        assertThat(commands.stripeCheckout(reserved(reserved, Duration.ofMinutes(60))).expiresAt())
                .isEqualTo(reserved.plus(Duration.ofMinutes(60)));
        assertThat(commands.stripeCheckout(reserved(reserved, Duration.ofMinutes(15))).expiresAt())
                .isEqualTo(reserved.plus(Duration.ofMinutes(37).plusSeconds(20)));
        assertThat(commands.stripeCheckout(reserved(reserved, Duration.ofHours(30))).expiresAt())
                .isEqualTo(reserved.plus(Duration.ofHours(24).minusMinutes(2)));
    }

    /** A Stripe booking reserved at {@code at} (the database's time), held for {@code hold}. */
    private static Booking reserved(Instant at, Duration hold) {
        OffsetDateTime start = OffsetDateTime.parse("2026-12-02T09:00:00+01:00");
        return new Booking("0b5e3f0c-7f7a-4c57-9d0e-1f2a3b4c5d6e", BookingStatus.PENDING_PAYMENT, start,
                start.plusMinutes(60), 60, 9000, "CHF", new Customer("John Doe", "john@example.com", null, "de", null),
                "Consultation", null, "stripe", null, null, at.plus(hold), at, "cs_test_1", null, null);
    }

    private static StripeProperties stripe(Duration readTimeout) {
        return new StripeProperties("sk_test_x", List.of(), Duration.ofMinutes(5), "https://api.stripe.com", Duration.ofSeconds(5),
                readTimeout, "https://shop.example/ok", "https://shop.example/cancel");
    }

    private static ResilienceProperties.Retry retry(int attempts) {
        return new ResilienceProperties.Retry(attempts, Duration.ofMillis(100), 2.0, Duration.ofSeconds(2), 0.5,
                Duration.ofSeconds(10), Duration.ofSeconds(1));
    }
}
