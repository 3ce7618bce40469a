package io.connectify.hub.payment.stripe;

import java.time.Duration;
import java.util.List;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Stripe settings; {@code secretKey} unset (or blank) means the sandbox simulator. Webhook secrets without it are
 * fine: the sandbox accepts events they sign besides its own (the Stripe CLI). Live, the API base must be https (or
 * http to a loopback address, a fake), since the secret key goes with every request, and the Checkout redirects
 * absolute http(s) URLs.
 */
@ConfigurationProperties("connectify.stripe")
public record StripeProperties(String secretKey, List<String> webhookSecrets, Duration webhookTolerance,
                               String apiBase, Duration connectTimeout, Duration readTimeout, String successUrl,
                               String cancelUrl) {

    public StripeProperties {
        secretKey = PropertyChecks.blankToNull(secretKey);
        webhookSecrets = webhookSecrets == null ? List.of()
                : webhookSecrets.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        // whole seconds go to the signature check, where 0 means no age check: below 1 s an event signed any time
        // ago would be accepted (before, 500ms passed as "longer than 0" and did so); 0 or less refused every event
        PropertyChecks.atLeast("connectify.stripe.webhook-tolerance", webhookTolerance, Duration.ofSeconds(1),
                "the oldest signature accepted, in whole seconds: below 1 s no signature's age would be checked");
        if (secretKey != null) {
            PropertyChecks.secureOrLoopback("connectify.stripe.api-base", apiBase);
            PropertyChecks.redirectUrl("connectify.stripe.success-url", successUrl);
            PropertyChecks.redirectUrl("connectify.stripe.cancel-url", cancelUrl);
        }
    }

    public boolean live() {
        return secretKey != null;
    }

    /**
     * "test" for a test-mode key (a secret key {@code sk_test_} or a restricted key {@code rk_test_}: Stripe takes no
     * real payment with it), "live" for a live-mode one, "unknown" otherwise; never any of the key itself.
     */
    public String keyMode() {
        if (secretKey == null) {
            return "unknown";
        }
        if (secretKey.startsWith("sk_test_") || secretKey.startsWith("rk_test_")) {
            return "test";
        }
        return secretKey.startsWith("sk_live_") || secretKey.startsWith("rk_live_") ? "live" : "unknown";
    }
}
