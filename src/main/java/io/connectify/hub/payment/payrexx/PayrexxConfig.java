package io.connectify.hub.payment.payrexx;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.sandbox.HubAddress;
import io.connectify.hub.sandbox.PayrexxSimulator;
import io.connectify.hub.sandbox.ProviderMode;
import io.connectify.hub.sandbox.SandboxServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Payrexx over camel-http against the real API (API key set) or the sandbox simulator. */
@Configuration(proxyBeanMethods = false)
public class PayrexxConfig {

    public static final String PROVIDER = "payrexx";

    private static final Logger log = LoggerFactory.getLogger(PayrexxConfig.class);

    /**
     * The token is one segment of {@code /webhooks/payrexx/{token}} as Payrexx sends it unencoded: a {@code /},
     * {@code ?}, {@code #} or {@code %} (base64 tokens hold {@code /}) would split or end that segment, a {@code ;}
     * starts a path parameter Tomcat strips, white space is no URL's, and no delivery could ever match it. What RFC 3986
     * allows in a segment besides (unreserved characters, its sub-delimiters but {@code ;}, {@code :} and {@code @})
     * matched before and still does: a generated password holding {@code !} or {@code @} keeps working.
     */
    private static final Pattern ONE_PATH_SEGMENT = Pattern.compile("[A-Za-z0-9._~!$&'()*+,=:@-]+");

    @Bean
    PayrexxConnection payrexxConnection(PayrexxProperties p, ObjectProvider<SandboxServer> sandbox, HubAddress hub,
            @Value("${connectify.sandbox.payrexx-confirm-wait}") Duration confirmWait) {
        if (p.live()) {
            // blank values are null here (PayrexxProperties)
            String missing = p.instanceName() == null ? "connectify.payrexx.instance-name is not set"
                    : p.webhookToken() == null ? "connectify.payrexx.webhook-token is not set"
                    : p.webhookToken().length() < 16 ? "connectify.payrexx.webhook-token is shorter than 16 characters"
                    : !ONE_PATH_SEGMENT.matcher(p.webhookToken()).matches() ? "connectify.payrexx.webhook-token holds "
                            + "characters other than letters, digits and . _ ~ - ! $ & ' ( ) * + , = : @"
                    : null;
            if (missing != null) {
                throw new ConfigurationError("connectify.payrexx.api-key is set but " + missing + ": Payrexx live "
                        + "needs the instance's name and a webhook token of at least 16 letters, digits or "
                        + ". _ ~ - ! $ & ' ( ) * + , = : @ (no / ? # % ; or white space)",
                        "Set CONNECTIFY_PAYREXX_INSTANCENAME to the Payrexx instance's name and "
                        + "CONNECTIFY_PAYREXX_WEBHOOKTOKEN to a random value of at least 16 such characters, e.g. "
                        + "`openssl rand -hex 32` (the webhook URL configured at Payrexx ends in it).");
            }
            warnOfLocalRedirects(p);
            return new PayrexxConnection(true, p.apiBase(), p.instanceName(), p.apiKey(), p.webhookToken(),
                    p.useApiKeyHeader());
        }
        PayrexxSimulator simulator = new PayrexxSimulator(sandbox.getObject(),
                () -> hub.baseUrl() + "/webhooks/payrexx/" + PayrexxSimulator.WEBHOOK_TOKEN, confirmWait);
        return new PayrexxConnection(false, simulator.apiBase(), PayrexxSimulator.INSTANCE, PayrexxSimulator.API_KEY,
                PayrexxSimulator.WEBHOOK_TOKEN, p.useApiKeyHeader());
    }

    /** Live, a WARN at start for payment page redirects that still point at localhost. */
    static void warnOfLocalRedirects(PayrexxProperties p) {
        Map<String, String> redirects = new LinkedHashMap<>();
        redirects.put("connectify.payrexx.success-url", p.successUrl());
        redirects.put("connectify.payrexx.failed-url", p.failedUrl());
        redirects.put("connectify.payrexx.cancel-url", p.cancelUrl());
        List<String> local = PropertyChecks.pointingAtLocalhost(redirects);
        if (!local.isEmpty()) {
            log.warn("Payrexx is live but {} still point at localhost: customers leaving the payment page are sent to "
                    + "their own machine", String.join(" and ", local));
        }
    }

    @Bean
    ProviderMode payrexxMode(PayrexxConnection connection) {
        return new ProviderMode(PROVIDER, connection.live());
    }

    /** The Payrexx endpoint's own timeouts ({@code httpClientConfigurer=#payrexxHttpTimeouts}). */
    @Bean
    io.connectify.hub.resilience.HttpTimeouts payrexxHttpTimeouts(PayrexxProperties p) {
        return new io.connectify.hub.resilience.HttpTimeouts(p.connectTimeout(), p.readTimeout());
    }

    /** Looked up by name by the Circuit Breaker EIP of the Payrexx routes. */
    @Bean
    CircuitBreaker payrexxCircuitBreaker(ProviderResilience resilience) {
        return resilience.circuitBreaker(PROVIDER);
    }
}
