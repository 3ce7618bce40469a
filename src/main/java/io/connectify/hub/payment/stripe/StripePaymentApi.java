package io.connectify.hub.payment.stripe;

import java.util.HashMap;
import java.util.Map;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.payment.BookingPaymentCheck;
import io.connectify.hub.payment.IdempotencyKeys;
import io.connectify.hub.payment.RedirectUrls;
import io.connectify.hub.payment.stripe.StripeCommands.CheckoutSessionCommand;
import io.connectify.hub.payment.stripe.StripeCommands.CheckoutSessionRequest;
import io.connectify.hub.payment.stripe.StripeCommands.PaymentIntentCommand;
import io.connectify.hub.payment.stripe.StripeCommands.PaymentIntentRequest;
import io.connectify.hub.payment.stripe.StripeCommands.RefundCommand;
import io.connectify.hub.payment.stripe.StripeCommands.RefundRequest;
import io.connectify.hub.resilience.ValidationException;
import io.connectify.hub.security.ApiKeyFilter;
import io.connectify.hub.web.JsonBodies;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/** Reads the Stripe REST operations' bodies into commands with their Idempotency-Key. */
@Component("stripePaymentApi")
public class StripePaymentApi {

    private final JsonBodies json;
    private final StripeProperties properties;
    private final BookingPaymentCheck bookingPayments;

    public StripePaymentApi(JsonBodies json, StripeProperties properties, BookingPaymentCheck bookingPayments) {
        this.json = json;
        this.properties = properties;
        this.bookingPayments = bookingPayments;
    }

    public PaymentIntentCommand paymentIntent(@Body String body, @Header("Idempotency-Key") String key,
                                              @Header(ApiKeyFilter.HEADER) String apiKey) {
        PaymentIntentRequest r = json.read(body, PaymentIntentRequest.class);
        Booking booking = checkBooking(r.metadata(), r.amount(), r.currency());
        if (booking != null) {
            // the booking's id as stored, not as the caller wrote it (" <uuid>", upper case): the payment's events
            // carry this metadata, and the saga updates the booking by its stored id
            Map<String, String> metadata = new HashMap<>(r.metadata());
            metadata.put(StripeCommands.BOOKING_METADATA, booking.id());
            r = new PaymentIntentRequest(r.amount(), r.currency(), r.description(), metadata);
        }
        return new PaymentIntentCommand(r, IdempotencyKeys.forStripe(key, apiKey, "payment-intent"));
    }

    public CheckoutSessionCommand checkoutSession(@Body String body, @Header("Idempotency-Key") String key,
                                                  @Header(ApiKeyFilter.HEADER) String apiKey) {
        CheckoutSessionRequest r = json.read(body, CheckoutSessionRequest.class);
        Booking booking = checkBooking(r.metadata(), r.amount(), r.currency());
        String idempotencyKey = IdempotencyKeys.forStripe(key, apiKey, "checkout-session");
        if (booking != null) {
            // made as the booking's own session is (StripeOperations: Adaptive Pricing off, client_reference_id): its
            // events act on the booking, and one paid in the customer's local currency would be refunded, unpaid
            return new CheckoutSessionCommand(booking.id(), r.amount(), r.currency(), r.description(),
                    r.customerEmail(), r.metadata(), idempotencyKey, null,
                    RedirectUrls.callersOrBookings(r.successUrl(), properties.successUrl(), booking.id()),
                    RedirectUrls.callersOrBookings(r.cancelUrl(), properties.cancelUrl(), booking.id()));
        }
        return new CheckoutSessionCommand(null, r.amount(), r.currency(), r.description(), r.customerEmail(),
                r.metadata(), idempotencyKey, null,
                RedirectUrls.callersOr(r.successUrl(), properties.successUrl(), "successUrl"),
                RedirectUrls.callersOr(r.cancelUrl(), properties.cancelUrl(), "cancelUrl"));
    }

    /**
     * A payment whose metadata names a booking (its webhook acts on it) is of the booking's price; the booking it
     * names, else null.
     */
    private Booking checkBooking(Map<String, String> metadata, long amount, String currency) {
        return metadata == null ? null
                : bookingPayments.check("metadata.bookingId", metadata.get("bookingId"), amount, currency);
    }

    /** The PaymentIntent id in the path. */
    public String paymentIntentId(@Header("id") String id) {
        if (id == null || !id.matches("pi_[A-Za-z0-9_]{1,250}")) {
            throw new ValidationException("'id' is not a PaymentIntent id (pi_...)");
        }
        return id;
    }

    /** The Checkout Session id in the path. */
    public String checkoutSessionId(@Header("id") String id) {
        if (id == null || !id.matches("cs_[A-Za-z0-9_]{1,250}")) {
            throw new ValidationException("'id' is not a Checkout Session id (cs_...)");
        }
        return id;
    }

    public RefundCommand refund(@Body String body, @Header("Idempotency-Key") String key,
                                @Header(ApiKeyFilter.HEADER) String apiKey) {
        RefundRequest r = json.read(body, RefundRequest.class);
        return new RefundCommand(r.paymentIntent(), r.amount(), r.reason(), IdempotencyKeys.forStripe(key, apiKey, "refund"),
                Map.of(StripeCommands.REFUND_MARK, StripeCommands.BY_API));
    }
}
