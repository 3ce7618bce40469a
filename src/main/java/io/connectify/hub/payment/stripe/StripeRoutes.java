package io.connectify.hub.payment.stripe;

import io.connectify.hub.resilience.ProviderCalls;
import io.connectify.hub.resilience.ProviderRouteBuilder;
import org.springframework.stereotype.Component;

/** The Stripe adapter routes: stripe-java calls of {@link StripeOperations}, each behind the Stripe breaker. */
@Component
public class StripeRoutes extends ProviderRouteBuilder {

    public static final String CHECKOUT_SESSION = "direct:stripe-create-checkout-session";
    public static final String PAYMENT_INTENT = "direct:stripe-create-payment-intent";
    public static final String REFUND = "direct:stripe-create-refund";
    public static final String REFUNDS = "direct:stripe-list-refunds";
    public static final String REFUNDS_PAGE = "direct:stripe-list-refunds-page";
    public static final String EXPIRE_CHECKOUT_SESSION = "direct:stripe-expire-checkout-session";
    public static final String PAYMENT_INTENT_BOOKING = "direct:stripe-retrieve-payment-intent";
    public static final String GET_PAYMENT_INTENT = "direct:stripe-get-payment-intent";

    public StripeRoutes(ProviderCalls calls) {
        super(calls, StripeConfig.PROVIDER, "stripeCircuitBreaker", StripeErrors::translate);
    }

    @Override
    protected void routes() {
        operation(CHECKOUT_SESSION, "Create a Stripe Checkout Session", "bean:stripeOperations?method=checkoutSession");
        operation(PAYMENT_INTENT, "Create a Stripe PaymentIntent", "bean:stripeOperations?method=paymentIntent");
        operation(REFUND, "Refund a Stripe payment", "bean:stripeOperations?method=refund");
        // every page its own call (a permit, retries, the breaker), read in turn by stripeRefunds
        operation(REFUNDS_PAGE, "List one page of a Stripe payment's refunds",
                "bean:stripeOperations?method=refundsPage");
        from(REFUNDS).routeId("stripe-list-refunds").routeDescription("List a Stripe payment's refunds, every page")
                .bean("stripeRefunds", "refunds");
        // the booking a Payment Intent's metadata names, for a charge.refunded that names none (BookingSaga)
        operation(PAYMENT_INTENT_BOOKING, "Retrieve a Stripe PaymentIntent for the booking its metadata names",
                "bean:stripeOperations?method=paymentIntentBooking");
        // the payments API's read of a Payment Intent: its own route, so the audit tells it from the saga's look-up
        operation(GET_PAYMENT_INTENT, "Read a Stripe PaymentIntent",
                "bean:stripeOperations?method=paymentIntentDetails");
        operation(EXPIRE_CHECKOUT_SESSION, "Expire an open Stripe Checkout Session",
                "bean:stripeOperations?method=expireCheckoutSession");
    }
}
