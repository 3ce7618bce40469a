package io.connectify.hub.payment.stripe;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Stripe settings; {@code secretKey} unset means the sandbox simulator. */
@ConfigurationProperties("connectify.stripe")
public record StripeProperties(String secretKey, List<String> webhookSecrets, Duration webhookTolerance,
                               String apiBase, Duration connectTimeout, Duration readTimeout, String successUrl,
                               String cancelUrl) {

    public StripeProperties {
        webhookSecrets = webhookSecrets == null ? List.of()
                : webhookSecrets.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public boolean live() {
        return secretKey != null && !secretKey.isBlank();
    }
}
