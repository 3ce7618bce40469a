package io.connectify.hub.notification;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Twilio SendGrid settings; {@code apiKey} unset (or blank) means the sandbox simulator. Live, the API base must be
 * https (or http to a loopback address, a fake), since the API key goes with every request. After a lost answer an
 * email is sent again only while at most {@code resendsAfterLostAnswer} answers were lost ({@link SendGridResends}).
 */
@ConfigurationProperties("connectify.sendgrid")
public record SendGridProperties(String apiKey, String fromEmail, String fromName, String apiBase,
                                 java.time.Duration connectTimeout, java.time.Duration readTimeout,
                                 int resendsAfterLostAnswer) {

    public SendGridProperties {
        PropertyChecks.atLeast("connectify.sendgrid.resends-after-lost-answer", resendsAfterLostAnswer, 0,
                "how often an email whose answer was lost is sent again");
        apiKey = PropertyChecks.blankToNull(apiKey);
        if (apiKey != null) {
            PropertyChecks.secureOrLoopback("connectify.sendgrid.api-base", apiBase);
        }
    }

    public boolean live() {
        return apiKey != null;
    }
}
