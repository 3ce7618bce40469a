package io.connectify.hub.ops;

import java.util.Map;

import io.connectify.hub.payment.stripe.StripeConfig;
import io.connectify.hub.payment.stripe.StripeProperties;
import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.sandbox.ProviderModes;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Health shows one indicator per provider under "providers" (e.g. providers.google-calendar). A live Stripe also
 * shows {@code keyMode}: "test" for a test-mode secret key, which takes no real payment.
 */
@Configuration(proxyBeanMethods = false)
public class ProviderHealthConfig {

    @Bean
    HealthContributor providersHealthContributor(ProviderModes modes, ProviderResilience resilience,
                                                 StripeProperties stripe) {
        var indicators = new java.util.LinkedHashMap<String, HealthContributor>();
        modes.all().forEach(m -> indicators.put(m.provider(), new ProviderHealthIndicator(m, resilience,
                m.live() && m.provider().equals(StripeConfig.PROVIDER) ? Map.of("keyMode", stripe.keyMode())
                        : Map.of())));
        return CompositeHealthContributor.fromMap(indicators);
    }
}
