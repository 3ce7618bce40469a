package io.connectify.hub.payment.stripe;

import static io.connectify.hub.payment.RedirectUrls.HTTP_URL;
import static io.connectify.hub.payment.RedirectUrls.NOT_HTTP_URL;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.connectify.hub.payment.IsoCurrency;
import io.connectify.hub.web.DeliverableEmail;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/** Bodies of the Stripe REST operations and the commands the routes carry. */
public final class StripeCommands {

    /**
     * A metadata key the form body can carry: Stripe's brackets ({@code metadata[a[b]]=x}) would nest it, and a key
     * of none is no key. A null value is refused too: sent as {@code metadata[a]=}, it unsets the key at Stripe.
     */
    static final String METADATA_KEY = "[^\\[\\]]+";
    static final String NOT_METADATA_KEY = "must not be empty nor hold [ or ]";

    private StripeCommands() {
    }

    /** POST /api/v1/payments/stripe/payment-intents: amount in minor units. */
    public record PaymentIntentRequest(
            @NotNull @Positive @Max(99_999_999) @Schema(minimum = "1", description = "minor units") Long amount,
            @NotBlank @IsoCurrency @Schema(pattern = "[A-Z]{3}", example = "CHF") String currency,
            @Size(max = 1000) String description,
            @Size(max = 50) Map<@Size(max = 40) @Pattern(regexp = METADATA_KEY, message = NOT_METADATA_KEY) String,
                    @NotNull @Size(max = 500) String> metadata) {
    }

    /**
     * POST /api/v1/payments/stripe/checkout-sessions: a one-line Checkout for an amount, and where Stripe sends the
     * customer afterwards (else the configured URLs: for the booking its metadata.bookingId names, else only when
     * they are not a booking's pages).
     */
    public record CheckoutSessionRequest(
            @NotNull @Positive @Max(99_999_999) @Schema(minimum = "1", description = "minor units") Long amount,
            @NotBlank @IsoCurrency @Schema(pattern = "[A-Z]{3}", example = "CHF") String currency,
            @NotBlank @Size(max = 250) String description,
            @DeliverableEmail @Size(max = 254) String customerEmail,
            @Size(max = 50) Map<@Size(max = 40) @Pattern(regexp = METADATA_KEY, message = NOT_METADATA_KEY) String,
                    @NotNull @Size(max = 500) String> metadata,
            @Size(max = 2048) @Pattern(regexp = HTTP_URL, message = NOT_HTTP_URL) String successUrl,
            @Size(max = 2048) @Pattern(regexp = HTTP_URL, message = NOT_HTTP_URL) String cancelUrl) {
    }

    /** POST /api/v1/payments/refunds: full refund when amount is absent. */
    public record RefundRequest(
            @NotBlank @Pattern(regexp = "pi_[A-Za-z0-9_]+", message = "must be a PaymentIntent id (pi_...)")
            String paymentIntent,
            @Positive @Max(99_999_999) @Schema(minimum = "1", description = "minor units; absent: in full") Long amount,
            @Pattern(regexp = "duplicate|fraudulent|requested_by_customer")
            @Schema(allowableValues = {"duplicate", "fraudulent", "requested_by_customer"}) String reason) {
    }

    public record PaymentIntentCommand(PaymentIntentRequest request, String idempotencyKey) {
    }

    /**
     * {@code expiresAt}: when Stripe closes the session by itself (null: its default, 24 h); the URLs are where Stripe
     * sends the customer afterwards.
     */
    public record CheckoutSessionCommand(String bookingId, long amount, String currency, String description,
                                         String customerEmail, Map<String, String> metadata, String idempotencyKey,
                                         Instant expiresAt, String successUrl, String cancelUrl) {
    }

    /**
     * The metadata key every refund the hub creates carries ({@code connectify}), so that the refund's events tell it
     * from one made by hand in the Stripe dashboard even when the hub never learnt its id (its answer lost): its value
     * says what made it, a booking (with {@link #REFUND_BOOKING}, the booking's id) or a caller of the payments API.
     */
    public static final String REFUND_MARK = "connectify";
    public static final String REFUND_BOOKING = "bookingId";
    public static final String BY_BOOKING = "booking";
    public static final String BY_API = "api";

    /** {@code metadata}: set on the refund (the hub's mark, {@link #REFUND_MARK}). */
    public record RefundCommand(String paymentIntent, Long amount, String reason, String idempotencyKey,
                                Map<String, String> metadata) {
    }

    public record PaymentIntentResult(String id, String status, long amount, String currency, String clientSecret) {
    }

    /**
     * GET /api/v1/payments/stripe/payment-intents/{id}: a Payment Intent as Stripe shows it now ({@code amountReceived}
     * what it received so far; currency upper case). Its client secret is not answered: it lets a browser confirm the
     * payment, and is handed out once, by the create.
     */
    public record PaymentIntentDetails(String id, String status, long amount, long amountReceived, String currency,
                                       String description, Map<String, String> metadata) {
    }

    /**
     * {@code mark}: the refund's {@link #REFUND_MARK} metadata (what in the hub made it: {@link #BY_BOOKING} or
     * {@link #BY_API}); absent on a refund made outside the hub (by hand in the dashboard). {@code created}: when Stripe
     * made it (its {@code created}, whole seconds; null when not given), not shown by the hub's API.
     */
    public record RefundResult(String id, String status, long amount, String currency, String paymentIntent,
                               String mark, @JsonIgnore Instant created) {

        /** A refund whose creation time is not known. */
        public RefundResult(String id, String status, long amount, String currency, String paymentIntent,
                            String mark) {
            this(id, status, amount, currency, paymentIntent, mark, null);
        }

        /**
         * Whether it takes money back: succeeded, or on its way (pending, or requires_action: waiting for the
         * customer's details to pay it out); a failed or canceled one takes none.
         */
        public boolean refunding() {
            return "succeeded".equals(status) || "pending".equals(status) || "requires_action".equals(status);
        }

        /** What the refunds that take money back ({@link #refunding}) refund together, whoever made them. */
        public static long refundedBy(List<RefundResult> refunds) {
            return refunds.stream().filter(RefundResult::refunding).mapToLong(RefundResult::amount).sum();
        }
    }

    /**
     * GET /api/v1/payments/stripe/payment-intents/{id}/refunds: refundedAmount counts those that take money back
     * ({@link RefundResult#refunding}).
     */
    public record RefundList(String paymentIntent, long refundedAmount, List<RefundResult> refunds) {
    }

    /**
     * The metadata key naming the booking a payment is for ({@code bookingId}): set on a booking's Checkout Session
     * and on its Payment Intent (payment_intent_data), whose Charges then carry it too.
     */
    public static final String BOOKING_METADATA = "bookingId";

    /**
     * A Payment Intent as Stripe shows it now, for the booking it names: its metadata's {@link #BOOKING_METADATA}
     * ({@code bookingId} null: it names none, a payment made outside the hub's bookings), its status, what it received
     * and in which currency (upper case; null when Stripe shows none): a dispute of it handled before its payment's
     * event records that payment.
     */
    public record PaymentIntentBooking(String paymentIntent, String bookingId, String status, Long amountReceived,
                                       String currency) {
    }

    /** One page of a PaymentIntent's refunds to ask Stripe for: the first ({@code startingAfter} null) or a later one. */
    public record RefundPageRequest(String paymentIntent, String startingAfter) {
    }

    /** One page of refunds as Stripe answered it; {@code next}: the refund the next page starts after, null if none. */
    public record RefundPage(List<RefundResult> refunds, String next) {
    }
}
