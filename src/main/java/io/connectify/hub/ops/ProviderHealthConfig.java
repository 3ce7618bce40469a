package io.connectify.hub.ops;

import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.sandbox.ProviderModes;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Health shows one indicator per provider under "providers" (e.g. providers.google-calendar). */
@Configuration(proxyBeanMethods = false)
public class ProviderHealthConfig {

    @Bean
    HealthContributor providersHealthContributor(ProviderModes modes, ProviderResilience resilience) {
        var indicators = new java.util.LinkedHashMap<String, HealthContributor>();
        modes.all().forEach(m -> indicators.put(m.provider(), new ProviderHealthIndicator(m, resilience)));
        return CompositeHealthContributor.fromMap(indicators);
    }
}
