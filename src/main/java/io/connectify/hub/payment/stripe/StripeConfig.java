package io.connectify.hub.payment.stripe;

import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.stripe.Stripe;
import com.stripe.StripeClient;
import com.stripe.net.Authenticator;
import com.stripe.net.LiveStripeResponseGetter;
import com.stripe.net.StripeResponseGetterOptions;
import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.sandbox.HubAddress;
import io.connectify.hub.sandbox.ProviderMode;
import io.connectify.hub.sandbox.SandboxServer;
import io.connectify.hub.sandbox.StripeSimulator;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** stripe-java against the real Stripe (secret key set) or the sandbox simulator; the same calls either way. */
@Configuration(proxyBeanMethods = false)
public class StripeConfig {

    public static final String PROVIDER = "stripe";

    private static final Logger log = LoggerFactory.getLogger(StripeConfig.class);

    @Bean
    StripeConnection stripeConnection(StripeProperties properties, ObjectProvider<SandboxServer> sandbox,
                                      HubAddress hub, Clock clock) {
        if (properties.live()) {
            if (properties.webhookSecrets().isEmpty()) {
                throw new ConfigurationError("connectify.stripe.secret-key is set but connectify.stripe.webhook-secrets "
                        + "is empty: no Stripe webhook could be verified", "Set CONNECTIFY_STRIPE_WEBHOOKSECRETS to the "
                        + "signing secret (whsec_...) of the Stripe webhook endpoint that calls the hub.");
            }
            warnOfLiveMisfits(properties);
            return new StripeConnection(true, properties.apiBase(), properties.secretKey(),
                    properties.webhookSecrets());
        }
        Supplier<String> webhookUrl = () -> hub.baseUrl() + "/webhooks/stripe";
        StripeSimulator simulator = new StripeSimulator(sandbox.getObject(), webhookUrl, clock);
        // the simulator signs with its own secret; configured secrets are accepted too, so events signed elsewhere
        // (the Stripe CLI, a load test) can be sent to a sandbox hub
        var secrets = new ArrayList<>(properties.webhookSecrets());
        secrets.add(simulator.webhookSecret());
        return new StripeConnection(false, simulator.apiBase(), StripeSimulator.SECRET_KEY, List.copyOf(secrets));
    }

    /**
     * Live settings that work but are likely wrong, each a WARN at start: a test-mode key (Stripe takes no real
     * payment; the health's keyMode says "test" too) and Checkout redirects still to localhost.
     */
    static void warnOfLiveMisfits(StripeProperties properties) {
        if ("test".equals(properties.keyMode())) {
            log.warn("connectify.stripe.secret-key is a Stripe test-mode key (sk_test_/rk_test_) while Stripe is live: "
                    + "Stripe takes no real payment with it");
        }
        Map<String, String> redirects = new LinkedHashMap<>();
        redirects.put("connectify.stripe.success-url", properties.successUrl());
        redirects.put("connectify.stripe.cancel-url", properties.cancelUrl());
        List<String> local = PropertyChecks.pointingAtLocalhost(redirects);
        if (!local.isEmpty()) {
            log.warn("Stripe is live but {} still point at localhost: customers leaving Checkout are sent to their "
                    + "own machine", String.join(" and ", local));
        }
    }

    @Bean
    ProviderMode stripeMode(StripeConnection connection) {
        return new ProviderMode(PROVIDER, connection.live());
    }

    /**
     * On the hub's {@link StripeHttpClient}, whose read timeout bounds the whole answer. stripe-java 31 takes an
     * HTTP client only through {@code LiveStripeResponseGetter}, with the builder's settings as its options.
     */
    @Bean
    StripeClient stripeClient(StripeConnection connection, StripeProperties properties, StripeHttpClient http) {
        return client(connection.apiBase(), connection.secretKey(), properties.connectTimeout(),
                properties.readTimeout(), http);
    }

    /** A bean of its own, so that the context's close closes its connections and their evictor. */
    @Bean
    StripeHttpClient stripeHttpClient(StripeProperties properties) {
        return new StripeHttpClient(properties.connectTimeout(), properties.readTimeout());
    }

    /** The hub's Stripe client, for {@code apiBase} with {@code secretKey}, on {@code http}. */
    static StripeClient client(String apiBase, String secretKey, Duration connectTimeout, Duration readTimeout,
                               StripeHttpClient http) {
        StripeClient.StripeClientBuilder settings = StripeClient.builder()
                .setAuthenticator(new CorrelatingAuthenticator(secretKey))
                .setApiBase(apiBase)
                .setConnectTimeout(Math.toIntExact(connectTimeout.toMillis()))
                .setReadTimeout(Math.toIntExact(readTimeout.toMillis()))
                // the hub's retry policy decides; Stripe's own would reuse the Idempotency-Key anyway
                .setMaxNetworkRetries(0);
        return new StripeClient(new LiveStripeResponseGetter(new BuilderOptions(settings), http));
    }

    /** A builder's settings as stripe-java's options (its own conversion is not public). */
    private static final class BuilderOptions extends StripeResponseGetterOptions {

        private final StripeClient.StripeClientBuilder settings;

        BuilderOptions(StripeClient.StripeClientBuilder settings) {
            this.settings = settings;
        }

        @Override
        public Authenticator getAuthenticator() {
            return settings.getAuthenticator();
        }

        @Override
        public String getClientId() {
            return settings.getClientId();
        }

        @Override
        public int getConnectTimeout() {
            return settings.getConnectTimeout();
        }

        /**
         * The builder's, else stripe-java's global {@code Stripe.setConnectionProxy} at the time of the request (a
         * {@code StripeClient} reads only its builder's: the global one serves stripe-java's global mode alone).
         */
        @Override
        public Proxy getConnectionProxy() {
            return settings.getConnectionProxy() != null ? settings.getConnectionProxy() : Stripe.getConnectionProxy();
        }

        @Override
        public int getMaxNetworkRetries() {
            return settings.getMaxNetworkRetries();
        }

        /** The builder's, else stripe-java's global {@code Stripe.setProxyCredential}. */
        @Override
        public PasswordAuthentication getProxyCredential() {
            return settings.getProxyCredential() != null ? settings.getProxyCredential() : Stripe.getProxyCredential();
        }

        @Override
        public String getApiBase() {
            return settings.getApiBase();
        }

        @Override
        public String getFilesBase() {
            return settings.getFilesBase();
        }

        @Override
        public String getConnectBase() {
            return settings.getConnectBase();
        }

        @Override
        public String getMeterEventsBase() {
            return settings.getMeterEventsBase();
        }

        @Override
        public int getReadTimeout() {
            return settings.getReadTimeout();
        }

        @Override
        public String getStripeAccount() {
            return settings.getStripeAccount();
        }

        @Override
        public String getStripeContext() {
            return settings.getStripeContext();
        }
    }

    /** Looked up by name by the Circuit Breaker EIP of the Stripe routes. */
    @Bean
    CircuitBreaker stripeCircuitBreaker(ProviderResilience resilience) {
        return resilience.circuitBreaker(PROVIDER);
    }
}
