package io.connectify.hub.payment.stripe;

/** The live Stripe connection as StripeConfig makes it at start, for tests outside the package. */
public final class StripeConfigAccess {

    private StripeConfigAccess() {
    }

    /** Live only: the sandbox path needs the simulator server. */
    public static StripeConnection stripeConnection(StripeProperties properties) {
        return new StripeConfig().stripeConnection(properties, null, null, null);
    }
}
