package io.connectify.hub.payment;

import java.util.Map;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.payment.stripe.StripeCommands.CheckoutSessionCommand;
import io.connectify.hub.payment.stripe.StripeCommands.RefundCommand;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/** Turns a booking into the provider command the payment routes send (canonical PaymentIntent -> provider). */
@Component("paymentCommands")
public class PaymentCommands {

    public CheckoutSessionCommand stripeCheckout(@Body Booking b) {
        return new CheckoutSessionCommand(b.id(), b.amount(), b.currency(), b.summary(), b.customer().email(),
                Map.of("bookingId", b.id()), IdempotencyKeys.forBooking(b.id(), "checkout"));
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
