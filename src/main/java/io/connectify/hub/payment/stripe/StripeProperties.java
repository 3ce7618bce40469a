package io.connectify.hub.payment.stripe;

import java.time.Duration;
import java.util.List;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Stripe settings; {@code secretKey} unset means the sandbox simulator. */
@ConfigurationProperties("connectify.stripe")
public record StripeProperties(String secretKey, List<String> webhookSecrets, Duration webhookTolerance,
                               String apiBase, Duration connectTimeout, Duration readTimeout, String successUrl,
                               String cancelUrl) {

    public StripeProperties {
        webhookSecrets = webhookSecrets == null ? List.of()
                : webhookSecrets.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        // 0 or less refused every signed webhook as stale
        PropertyChecks.positive("connectify.stripe.webhook-tolerance", webhookTolerance,
                "the oldest signature accepted");
    }

    public boolean live() {
        return secretKey != null && !secretKey.isBlank();
    }
}
