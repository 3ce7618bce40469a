package io.connectify.hub.payment.stripe;

import java.util.List;

/** Where the Stripe client goes and which secrets sign its webhooks: the real Stripe or the sandbox simulator. */
public record StripeConnection(boolean live, String apiBase, String secretKey, List<String> webhookSecrets) {

    @Override
    public String toString() {
        return "StripeConnection[live=" + live + ", apiBase=" + apiBase + "]"; // never print the keys
    }
}
