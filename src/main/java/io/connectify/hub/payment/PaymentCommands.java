package io.connectify.hub.payment;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.payment.stripe.StripeCommands.CheckoutSessionCommand;
import io.connectify.hub.payment.stripe.StripeCommands.RefundCommand;
import io.connectify.hub.payment.stripe.StripeProperties;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/** Turns a booking into the provider command the payment routes send (canonical PaymentIntent -> provider). */
@Component("paymentCommands")
public class PaymentCommands {

    /**
     * Stripe lets a Checkout Session expire by itself 30 minutes to 24 hours after it is created; six minutes allow
     * for the clocks' difference and for the retries of the create, which send the same expires_at (its
     * Idempotency-Key requires the same parameters) up to some 4 minutes later (10 attempts at a 20 s read timeout).
     */
    private static final Duration SOONEST_SESSION_EXPIRY = Duration.ofMinutes(36);
    private static final Duration LATEST_SESSION_EXPIRY = Duration.ofHours(24).minusMinutes(2);

    private final Clock clock;
    private final StripeProperties stripe;

    public PaymentCommands(Clock clock, StripeProperties stripe) {
        this.clock = clock;
        this.stripe = stripe;
    }

    /**
     * A booking's Checkout Session. It expires by itself when the booking's hold runs out, or as soon after as Stripe
     * allows: should the hub fail to expire it then, the customer still cannot pay on it for long.
     */
    public CheckoutSessionCommand stripeCheckout(@Body Booking b) {
        Instant now = clock.instant();
        Instant soonest = now.plus(SOONEST_SESSION_EXPIRY);
        Instant latest = now.plus(LATEST_SESSION_EXPIRY);
        Instant hold = b.holdExpiresAt() == null ? soonest : b.holdExpiresAt();
        Instant expiresAt = hold.isBefore(soonest) ? soonest : hold.isAfter(latest) ? latest : hold;
        return new CheckoutSessionCommand(b.id(), b.amount(), b.currency(), b.summary(), b.customer().email(),
                Map.of("bookingId", b.id()), IdempotencyKeys.forBooking(b.id(), "checkout"), expiresAt,
                RedirectUrls.forBooking(stripe.successUrl(), b.id()), RedirectUrls.forBooking(stripe.cancelUrl(), b.id()));
    }

    /**
     * A refund of the payment a booking names; {@code amount} null refunds in full. One key per payment: a booking
     * may see a second payment refunded (paid twice, or after it was cancelled) besides its own.
     */
    public RefundCommand stripeRefund(@Body Booking b, @Header("refundAmount") Long amount) {
        return new RefundCommand(b.paymentReference(), amount, "requested_by_customer",
                IdempotencyKeys.forBooking(b.id(), "refund-" + b.paymentReference()));
    }
}
