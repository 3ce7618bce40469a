package io.connectify.hub.payment.stripe;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.PaymentIntent;
import com.stripe.model.Refund;
import com.stripe.model.StripeCollection;
import com.stripe.model.checkout.Session;
import com.stripe.net.RequestOptions;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.RefundCreateParams;
import com.stripe.param.RefundListParams;
import com.stripe.param.checkout.SessionCreateParams;
import io.connectify.hub.payment.PaymentLink;
import io.connectify.hub.payment.PaymentPage;
import io.connectify.hub.payment.stripe.StripeCommands.CheckoutSessionCommand;
import io.connectify.hub.payment.stripe.StripeCommands.PaymentIntentBooking;
import io.connectify.hub.payment.stripe.StripeCommands.PaymentIntentCommand;
import io.connectify.hub.payment.stripe.StripeCommands.PaymentIntentDetails;
import io.connectify.hub.payment.stripe.StripeCommands.PaymentIntentResult;
import io.connectify.hub.payment.stripe.StripeCommands.RefundCommand;
import io.connectify.hub.payment.stripe.StripeCommands.RefundPage;
import io.connectify.hub.payment.stripe.StripeCommands.RefundPageRequest;
import io.connectify.hub.payment.stripe.StripeCommands.RefundResult;
import org.apache.camel.Body;
import org.springframework.stereotype.Component;

/**
 * The stripe-java calls, one per operation; the Stripe routes wrap each in the breaker and retry. Every POST
 * carries an Idempotency-Key, so a retried call never charges or refunds twice. Stripe wants currencies in lower
 * case; the hub speaks ISO 4217 upper case.
 */
@Component("stripeOperations")
public class StripeOperations {

    private final StripeClient stripe;

    public StripeOperations(StripeClient stripe) {
        this.stripe = stripe;
    }

    public PaymentLink checkoutSession(@Body CheckoutSessionCommand c) throws StripeException {
        Map<String, String> metadata = new HashMap<>(c.metadata() == null ? Map.of() : c.metadata());
        if (c.bookingId() != null) {
            metadata.put(StripeCommands.BOOKING_METADATA, c.bookingId());
        }
        var params = SessionCreateParams.builder()
                .setMode(SessionCreateParams.Mode.PAYMENT)
                .setSuccessUrl(c.successUrl())
                .setCancelUrl(c.cancelUrl())
                .putAllMetadata(metadata)
                // session metadata is not copied to the PaymentIntent: payment_intent.* events need it too
                .setPaymentIntentData(SessionCreateParams.PaymentIntentData.builder()
                        .putAllMetadata(metadata).setDescription(c.description()).build())
                .addLineItem(SessionCreateParams.LineItem.builder()
                        .setQuantity(1L)
                        .setPriceData(SessionCreateParams.LineItem.PriceData.builder()
                                .setCurrency(c.currency().toLowerCase(Locale.ROOT))
                                .setUnitAmount(c.amount())
                                .setProductData(SessionCreateParams.LineItem.PriceData.ProductData.builder()
                                        .setName(c.description()).build())
                                .build())
                        .build());
        if (c.bookingId() != null) {
            params.setClientReferenceId(c.bookingId());
            // the booking's price in its own currency: with Stripe's Adaptive Pricing (on by default for new accounts)
            // the customer could pay in theirs, the session and its Payment Intent in that currency and amount, which
            // the saga refunds as a payment in another currency (BookingSaga.wrongCurrency)
            params.setAdaptivePricing(SessionCreateParams.AdaptivePricing.builder().setEnabled(false).build());
        }
        if (c.customerEmail() != null) {
            params.setCustomerEmail(c.customerEmail());
        }
        if (c.expiresAt() != null) {
            params.setExpiresAt(c.expiresAt().getEpochSecond());
        }
        Session session = stripe.v1().checkout().sessions().create(params.build(), options(c.idempotencyKey()));
        return new PaymentLink(StripeConfig.PROVIDER, session.getId(), session.getUrl());
    }

    /**
     * Expires an open Checkout Session: the customer can no longer pay on it (Stripe refuses one that is not open).
     * Its key is the session's own: a retry after a lost answer gets the first answer back, not the 400 of a session
     * expired already (stripe-java adds a random key per call when none is given).
     */
    public PaymentPage expireCheckoutSession(@Body String sessionId) throws StripeException {
        Session session = stripe.v1().checkout().sessions().expire(sessionId, options(expireKey(sessionId)));
        return new PaymentPage(StripeConfig.PROVIDER, session.getId(), session.getStatus());
    }

    public PaymentIntentResult paymentIntent(@Body PaymentIntentCommand c) throws StripeException {
        var r = c.request();
        var params = PaymentIntentCreateParams.builder()
                .setAmount(r.amount())
                .setCurrency(r.currency().toLowerCase(Locale.ROOT))
                .setDescription(r.description())
                .putAllMetadata(r.metadata() == null ? Map.of() : r.metadata())
                .build();
        PaymentIntent intent = stripe.v1().paymentIntents().create(params, options(c.idempotencyKey()));
        return new PaymentIntentResult(intent.getId(), intent.getStatus(), intent.getAmount(),
                intent.getCurrency().toUpperCase(Locale.ROOT), intent.getClientSecret());
    }

    /**
     * The booking a Payment Intent names, as Stripe shows it now ({@code GET /v1/payment_intents/{id}}): for an event
     * of its payment that names none (a Charge without the metadata, a Dispute), handled before the payment was
     * recorded on any booking; with its status and what it received, in which currency. Its other fields are not read.
     */
    public PaymentIntentBooking paymentIntentBooking(@Body String paymentIntent) throws StripeException {
        PaymentIntent intent = stripe.v1().paymentIntents().retrieve(paymentIntent);
        Map<String, String> metadata = intent.getMetadata();
        String bookingId = metadata == null ? null : metadata.get(StripeCommands.BOOKING_METADATA);
        String currency = intent.getCurrency();
        return new PaymentIntentBooking(intent.getId(), bookingId == null || bookingId.isBlank() ? null : bookingId,
                intent.getStatus(), intent.getAmountReceived(),
                currency == null ? null : currency.toUpperCase(Locale.ROOT));
    }

    /** A Payment Intent as Stripe shows it now ({@code GET /v1/payment_intents/{id}}), for the payments API. */
    public PaymentIntentDetails paymentIntentDetails(@Body String paymentIntent) throws StripeException {
        PaymentIntent intent = stripe.v1().paymentIntents().retrieve(paymentIntent);
        String currency = intent.getCurrency();
        return new PaymentIntentDetails(intent.getId(), intent.getStatus(),
                intent.getAmount() == null ? 0 : intent.getAmount(),
                intent.getAmountReceived() == null ? 0 : intent.getAmountReceived(),
                currency == null ? null : currency.toUpperCase(Locale.ROOT), intent.getDescription(),
                intent.getMetadata() == null ? Map.of() : intent.getMetadata());
    }

    public RefundResult refund(@Body RefundCommand c) throws StripeException {
        var params = RefundCreateParams.builder().setPaymentIntent(c.paymentIntent());
        if (c.amount() != null) {
            params.setAmount(c.amount());
        }
        if (c.reason() != null) {
            params.setReason(RefundCreateParams.Reason.valueOf(c.reason().toUpperCase(Locale.ROOT)));
        }
        if (c.metadata() != null) {
            params.putAllMetadata(c.metadata()); // the hub's mark: its refund events tell it from one made by hand
        }
        return result(stripe.v1().refunds().create(params.build(), options(c.idempotencyKey())));
    }

    /**
     * One page of a PaymentIntent's refunds (each with the hub's mark, if it carries one): the first, or the one
     * starting_after the last refund of the page before. {@link StripeRefunds} reads every page, each its own call
     * (its own rate-limiter permit, retries and breaker outcome). Paged by the hub rather than by stripe-java's
     * autoPagingIterable, which wraps a later page's StripeException in a RuntimeException and reads every page
     * within one call: thrown as it is, a failed page fails the call as any Stripe call fails.
     */
    public RefundPage refundsPage(@Body RefundPageRequest request) throws StripeException {
        var params = RefundListParams.builder().setPaymentIntent(request.paymentIntent()).setLimit(100L);
        if (request.startingAfter() != null) {
            params.setStartingAfter(request.startingAfter());
        }
        StripeCollection<Refund> page = stripe.v1().refunds().list(params.build());
        List<RefundResult> refunds = page.getData().stream().map(StripeOperations::result).toList();
        boolean more = Boolean.TRUE.equals(page.getHasMore()) && !refunds.isEmpty();
        return new RefundPage(refunds, more ? refunds.get(refunds.size() - 1).id() : null);
    }

    private static RefundResult result(Refund refund) {
        return new RefundResult(refund.getId(), refund.getStatus(), refund.getAmount(),
                refund.getCurrency().toUpperCase(Locale.ROOT), refund.getPaymentIntent(),
                refund.getMetadata() == null ? null : refund.getMetadata().get(StripeCommands.REFUND_MARK),
                refund.getCreated() == null ? null : Instant.ofEpochSecond(refund.getCreated()));
    }

    /** One key per session: expiring a session is done once, whoever asks and however often. */
    static String expireKey(String sessionId) {
        return "checkout-session-expire-" + sessionId;
    }

    private static RequestOptions options(String idempotencyKey) {
        return RequestOptions.builder().setIdempotencyKey(idempotencyKey).build();
    }

}
