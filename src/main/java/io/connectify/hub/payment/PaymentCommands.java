package io.connectify.hub.payment;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.notification.NotificationTemplates;
import io.connectify.hub.payment.stripe.StripeCommands;
import io.connectify.hub.payment.stripe.StripeCommands.CheckoutSessionCommand;
import io.connectify.hub.payment.stripe.StripeCommands.RefundCommand;
import io.connectify.hub.payment.stripe.StripeCommands.RefundResult;
import io.connectify.hub.payment.stripe.StripeProperties;
import io.connectify.hub.resilience.ResilienceProperties;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/** Turns a booking into the provider command the payment routes send (canonical PaymentIntent -> provider). */
@Component("paymentCommands")
public class PaymentCommands {

    /** Stripe lets a Checkout Session expire by itself 30 minutes to 24 hours after it is created. */
    private static final Duration STRIPE_SOONEST_EXPIRY = Duration.ofMinutes(30);
    private static final Duration LATEST_SESSION_EXPIRY = Duration.ofHours(24).minusMinutes(2);
    /** For the difference between the hub's clock and Stripe's. */
    private static final Duration CLOCK_MARGIN = Duration.ofMinutes(2);

    private final Clock clock;
    private final StripeProperties stripe;
    private final Duration soonestSessionExpiry;
    private final NotificationTemplates texts;

    public PaymentCommands(Clock clock, StripeProperties stripe, ResilienceProperties resilience,
                           NotificationTemplates texts) {
        this.clock = clock;
        this.stripe = stripe;
        this.texts = texts;
        this.soonestSessionExpiry = soonestSessionExpiry(stripe, resilience.policyFor("stripe").retry(),
                resilience.policyFor("stripe").rateLimiter().timeout());
    }

    /**
     * How soon after now a session may be set to expire: the retries of its create send the same expires_at (its
     * Idempotency-Key requires the same parameters) as late as every attempt's waits, timeouts and back-off allow, and the
     * last must still be 30 minutes before it for Stripe. Derived from the settings, where a fixed 36 minutes held
     * for the default ones only (10 attempts at a 20 s read timeout) and more or longer attempts had Stripe refuse a
     * retried create.
     */
    static Duration soonestSessionExpiry(StripeProperties stripe, ResilienceProperties.Retry retry,
                                         Duration rateLimiterWait) {
        // each attempt: the hub's rate limiter's wait for a permit, the connect, the answer, the back-off after it
        Duration attempt = rateLimiterWait.plus(stripe.connectTimeout()).plus(stripe.readTimeout())
                .plus(retry.maxInterval());
        return STRIPE_SOONEST_EXPIRY.plus(CLOCK_MARGIN).plus(attempt.multipliedBy(retry.maxAttempts()));
    }

    /**
     * A booking's Checkout Session. It expires by itself when the booking's hold runs out, or as soon after as Stripe
     * allows: should the hub fail to expire it then, the customer still cannot pay on it for long. Reckoned on the
     * bookings' clock (the database's), which dates and expires the hold: now is the booking's reservation, read once
     * for the request (a session is made for a booking just reserved), as the Payrexx page's validity is. Reckoned
     * from the instance's own clock, one running ahead of the database's set the session to expire that much later
     * than the hold allowed, one behind it that much sooner. Its line item (and its Payment Intent's description) is
     * the booking's summary in the customer's language: a booking given none shows "Beratung mit …" to a German
     * customer, as its notices do (before, the stored English default).
     */
    public CheckoutSessionCommand stripeCheckout(@Body Booking b) {
        Instant now = b.createdAt() != null ? b.createdAt() : clock.instant();
        Instant soonest = now.plus(soonestSessionExpiry);
        Instant latest = now.plus(LATEST_SESSION_EXPIRY);
        Instant hold = b.holdExpiresAt() == null ? soonest : b.holdExpiresAt();
        Instant expiresAt = hold.isBefore(soonest) ? soonest : hold.isAfter(latest) ? latest : hold;
        return new CheckoutSessionCommand(b.id(), b.amount(), b.currency(), texts.summary(b), b.customer().email(),
                Map.of("bookingId", b.id()), IdempotencyKeys.forBooking(b.id(), "checkout"), expiresAt,
                RedirectUrls.forBooking(stripe.successUrl(), b.id()), RedirectUrls.forBooking(stripe.cancelUrl(), b.id()));
    }

    /**
     * A refund of the payment a booking names; {@code amount} null refunds in full. One key per payment: a booking
     * may see a second payment refunded (paid twice, or after it was cancelled) besides its own. Marked as the hub's,
     * for this booking (metadata {@code connectify=booking}, {@code bookingId}): its failure is then told from that of
     * a refund made by hand in the dashboard even when the hub's answer was lost (BookingSaga#refundFailed).
     */
    public RefundCommand stripeRefund(@Body Booking b, @Header("refundAmount") Long amount) {
        return new RefundCommand(b.paymentReference(), amount, "requested_by_customer",
                IdempotencyKeys.forBooking(b.id(), "refund-" + b.paymentReference()),
                Map.of(StripeCommands.REFUND_MARK, StripeCommands.BY_BOOKING, StripeCommands.REFUND_BOOKING, b.id()));
    }

    /**
     * The status of a refund the provider's answer says was not made, else null. Stripe answers a refund it created
     * with its status then: failed or canceled pays no one back (a repeat with the same Idempotency-Key replays that
     * stored answer); pending, requires_action or succeeded is on its way. Payrexx refuses a refund it does not make.
     */
    public static String refundNotMade(Object answer) {
        return answer instanceof RefundResult refund
                && ("failed".equals(refund.status()) || "canceled".equals(refund.status())) ? refund.status() : null;
    }

    /** The provider's id of the refund its answer is about (Stripe's re_...), else null (Payrexx names none). */
    public static String refundReference(Object answer) {
        return answer instanceof RefundResult refund ? refund.id() : null;
    }
}
