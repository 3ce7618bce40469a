package io.connectify.hub.notification;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.twilio.http.TwilioRestClient;
import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.sandbox.HubAddress;
import io.connectify.hub.sandbox.Outbox;
import io.connectify.hub.sandbox.ProviderMode;
import io.connectify.hub.sandbox.SandboxServer;
import io.connectify.hub.sandbox.SendGridSimulator;
import io.connectify.hub.sandbox.TwilioSimulator;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Twilio (camel-twilio) and SendGrid (camel-http), each live with credentials or against its simulator. */
@Configuration(proxyBeanMethods = false)
public class NotificationConfig {

    public static final String TWILIO = "twilio";
    public static final String SENDGRID = "sendgrid";

    /** Domains reserved for documentation and tests, and their subdomains: RFC 2606, RFC 6761. */
    private static final List<String> RESERVED_DOMAINS = List.of("example", "example.com", "example.net",
            "example.org", "invalid", "test", "localhost");

    private static final Logger log = LoggerFactory.getLogger(NotificationConfig.class);

    @Bean
    TwilioConnection twilioConnection(TwilioProperties p, ObjectProvider<SandboxServer> sandbox, HubAddress hub,
                                      Outbox outbox) {
        if (p.live()) {
            // blank values are null here (TwilioProperties): an empty environment variable is a missing one
            List<String> missing = new ArrayList<>();
            if (p.apiKeySid() == null) {
                missing.add("connectify.twilio.api-key-sid (CONNECTIFY_TWILIO_APIKEYSID)");
            }
            if (p.apiKeySecret() == null) {
                missing.add("connectify.twilio.api-key-secret (CONNECTIFY_TWILIO_APIKEYSECRET)");
            }
            if (p.authToken() == null) {
                missing.add("connectify.twilio.auth-token (CONNECTIFY_TWILIO_AUTHTOKEN)");
            }
            if (p.fromNumber() == null && p.messagingServiceSid() == null) {
                missing.add("connectify.twilio.from-number or messaging-service-sid (CONNECTIFY_TWILIO_FROMNUMBER or "
                        + "CONNECTIFY_TWILIO_MESSAGINGSERVICESID)");
            }
            if (!missing.isEmpty()) {
                throw new ConfigurationError("connectify.twilio.account-sid is set but " + String.join(", ", missing)
                        + (missing.size() == 1 ? " is" : " are") + " not set: Twilio live needs an API key, the auth "
                        + "token (its status callbacks' signatures) and a sender", "Set " + String.join(", ", missing)
                        + ", or remove CONNECTIFY_TWILIO_ACCOUNTSID for the sandbox.");
            }
            warnOfLocalPublicUrl(p);
            return new TwilioConnection(true, p.apiBase(), p.accountSid(), p.apiKeySid(), p.apiKeySecret(),
                    p.authToken(), p::publicBaseUrl);
        }
        TwilioSimulator simulator = new TwilioSimulator(sandbox.getObject(), outbox);
        // in the sandbox Twilio calls the hub directly, so the public URL is the hub's own
        return new TwilioConnection(false, simulator.apiBase(), TwilioSimulator.ACCOUNT_SID, TwilioSimulator.API_KEY_SID,
                TwilioSimulator.API_KEY_SECRET, TwilioSimulator.AUTH_TOKEN, hub::baseUrl);
    }

    /** Live, a WARN at start when Twilio is to call the hub's status callbacks at localhost: none would arrive. */
    static void warnOfLocalPublicUrl(TwilioProperties p) {
        List<String> local = PropertyChecks.pointingAtLocalhost(Map.of("connectify.twilio.public-base-url",
                p.publicBaseUrl() == null ? "" : p.publicBaseUrl()));
        if (!local.isEmpty()) {
            log.warn("Twilio is live but connectify.twilio.public-base-url still points at localhost: Twilio cannot "
                    + "reach the hub's status callbacks there, so no delivery status arrives");
        }
    }

    @Bean
    ProviderMode twilioMode(TwilioConnection connection) {
        return new ProviderMode(TWILIO, connection.live());
    }

    /**
     * The single TwilioRestClient bean, which camel-twilio picks up. API key auth, re-targetable, no own retries.
     * Its connections: one for each request thread (POST /notifications/sms calls Twilio on it) and the SMS queue's
     * consumer, so that no Twilio call waits for another's.
     */
    @Bean
    TwilioRestClient twilioRestClient(TwilioConnection connection, TwilioProperties properties,
                                      @Value("${server.tomcat.threads.max:200}") int requestThreads) {
        return new TwilioRestClient.Builder(connection.apiKeySid(), connection.apiKeySecret())
                .accountSid(connection.accountSid())
                .httpClient(new RetargetedTwilioHttpClient(connection.apiBase(), properties.connectTimeout(),
                        properties.readTimeout(), requestThreads + 1))
                .build();
    }

    @Bean
    SendGridConnection sendGridConnection(SendGridProperties p, ObjectProvider<SandboxServer> sandbox, Outbox outbox) {
        if (p.live()) {
            requireOwnSender(p.fromEmail());
            return new SendGridConnection(true, p.apiBase(), p.apiKey());
        }
        SendGridSimulator simulator = new SendGridSimulator(sandbox.getObject(), outbox);
        return new SendGridConnection(false, simulator.apiBase(), SendGridSimulator.API_KEY);
    }

    /**
     * Live, the sender must be the consultancy's own: not blank, and not on a domain reserved for examples and tests
     * (RFC 2606, RFC 6761; a subdomain of one too), such as the default {@code bookings@connectify.example}, which
     * SendGrid refuses as an unverified sender and no one receives replies at. Before, live SendGrid started with it
     * (live Twilio without a sender never started).
     */
    static void requireOwnSender(String fromEmail) {
        String sender = fromEmail == null ? "" : fromEmail.strip();
        String domain = sender.substring(sender.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT)
                .replaceFirst("\\.$", "");
        boolean reserved = RESERVED_DOMAINS.stream().anyMatch(r -> domain.equals(r) || domain.endsWith("." + r));
        if (sender.isEmpty() || reserved) {
            throw new ConfigurationError("connectify.sendgrid.api-key is set but connectify.sendgrid.from-email is "
                    + (sender.isEmpty() ? "not set" : "'" + sender + "', on a domain reserved for examples and tests")
                    + ": SendGrid live sends from a sender verified in the consultancy's SendGrid account",
                    "Set connectify.sendgrid.from-email (CONNECTIFY_SENDGRID_FROMEMAIL) to that sender, or remove "
                    + "CONNECTIFY_SENDGRID_APIKEY for the sandbox.");
        }
    }

    @Bean
    ProviderMode sendGridMode(SendGridConnection connection) {
        return new ProviderMode(SENDGRID, connection.live());
    }

    /** The SendGrid endpoint's own timeouts ({@code httpClientConfigurer=#sendGridHttpTimeouts}). */
    @Bean
    io.connectify.hub.resilience.HttpTimeouts sendGridHttpTimeouts(SendGridProperties p) {
        return new io.connectify.hub.resilience.HttpTimeouts(p.connectTimeout(), p.readTimeout());
    }

    @Bean
    CircuitBreaker twilioCircuitBreaker(ProviderResilience resilience) {
        return resilience.circuitBreaker(TWILIO);
    }

    @Bean
    CircuitBreaker sendGridCircuitBreaker(ProviderResilience resilience) {
        return resilience.circuitBreaker(SENDGRID);
    }
}
