package io.connectify.hub.notification;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Twilio SendGrid settings; {@code apiKey} unset (or blank) means the sandbox simulator. Live, the API base must be
 * https (or http to a loopback address, a fake), since the API key goes with every request.
 */
@ConfigurationProperties("connectify.sendgrid")
public record SendGridProperties(String apiKey, String fromEmail, String fromName, String apiBase,
                                 java.time.Duration connectTimeout, java.time.Duration readTimeout) {

    public SendGridProperties {
        apiKey = PropertyChecks.blankToNull(apiKey);
        if (apiKey != null) {
            PropertyChecks.secureOrLoopback("connectify.sendgrid.api-base", apiBase);
        }
    }

    public boolean live() {
        return apiKey != null;
    }
}
