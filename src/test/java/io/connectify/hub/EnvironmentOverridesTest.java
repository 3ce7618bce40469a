package io.connectify.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.connectify.hub.booking.PricingProperties;
import io.connectify.hub.payment.PaymentProperties;
import io.connectify.hub.resilience.ResilienceProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * The environment variables the README's configuration table gives for map and list entries, bound as Spring Boot
 * binds them over application.yaml: an environment variable names a map key without dashes and in capitals, and
 * replaces a whole list.
 */
class EnvironmentOverridesTest {

    @Test
    void aProviderWithADashInItsNameTakesItsOverridesFromTheEnvironment() throws IOException {
        ResilienceProperties resilience = bind("connectify.resilience", ResilienceProperties.class, Map.of(
                "CONNECTIFY_RESILIENCE_PROVIDERS_GOOGLECALENDAR_RETRY_MAXATTEMPTS", "3",
                "CONNECTIFY_RESILIENCE_PROVIDERS_STRIPE_RATELIMITER_LIMITFORPERIOD", "7"));

        var google = resilience.policyFor("google-calendar");
        assertThat(google.retry().maxAttempts()).isEqualTo(3);
        assertThat(google.retry().maxInterval()).isEqualTo(Duration.ofSeconds(2)); // the rest from the defaults
        assertThat(resilience.policyFor("stripe").rateLimiter().limitForPeriod()).isEqualTo(7);
        assertThat(resilience.policyFor("payrexx").retry().maxAttempts()).isEqualTo(10);
    }

    @Test
    void aCurrencyTakesItsProviderFromTheEnvironment() throws IOException {
        PaymentProperties payment = bind("connectify.payment", PaymentProperties.class, Map.of(
                "CONNECTIFY_PAYMENT_PROVIDERBYCURRENCY_EUR", "payrexx"));

        assertThat(payment.providerFor(null, "EUR")).isEqualTo("payrexx");
        assertThat(payment.providerFor(null, "CHF")).isEqualTo("stripe"); // application.yaml's
        assertThat(payment.providerFor(null, "USD")).isEqualTo("stripe"); // the default
    }

    @Test
    void priceTiersFromTheEnvironmentReplaceTheWholeList() throws IOException {
        PricingProperties pricing = bind("connectify.pricing", PricingProperties.class, Map.of(
                "CONNECTIFY_PRICING_TIERS_0_MINMINUTES", "30", "CONNECTIFY_PRICING_TIERS_0_MAXMINUTES", "90",
                "CONNECTIFY_PRICING_TIERS_0_AMOUNT", "12000"));

        assertThat(pricing.tiers()).containsExactly(new PricingProperties.Tier(30, 90, 12000));
    }

    /** Binds {@code prefix} from application.yaml with {@code environment} as the process environment over it. */
    static <T> T bind(String prefix, Class<T> type, Map<String, Object> environment) throws IOException {
        List<PropertySource<?>> sources = new ArrayList<>();
        sources.add(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                environment));
        sources.addAll(new YamlPropertySourceLoader().load("application.yaml",
                new ClassPathResource("application.yaml")));
        return new Binder(ConfigurationPropertySources.from(sources)).bind(prefix, type).get();
    }
}
