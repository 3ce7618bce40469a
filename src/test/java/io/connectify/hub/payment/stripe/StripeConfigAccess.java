package io.connectify.hub.payment.stripe;

import java.time.Duration;

import com.stripe.StripeClient;

/** The live Stripe connection as StripeConfig makes it at start, for tests outside the package. */
public final class StripeConfigAccess {

    private StripeConfigAccess() {
    }

    /** Live only: the sandbox path needs the simulator server. */
    public static StripeConnection stripeConnection(StripeProperties properties) {
        return new StripeConfig().stripeConnection(properties, null, null, null);
    }

    /** The hub's Stripe client as StripeConfig makes it, for {@code apiBase}. */
    public static StripeClient stripeClient(String apiBase, Duration connectTimeout, Duration readTimeout) {
        return StripeConfig.client(apiBase, "sk_test_answer_deadline", connectTimeout, readTimeout,
                new StripeHttpClient(connectTimeout, readTimeout));
    }
}
