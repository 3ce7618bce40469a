package io.connectify.hub.notification;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Twilio SendGrid settings; {@code apiKey} unset means the sandbox simulator. */
@ConfigurationProperties("connectify.sendgrid")
public record SendGridProperties(String apiKey, String fromEmail, String fromName, String apiBase,
                                 java.time.Duration connectTimeout, java.time.Duration readTimeout) {

    public boolean live() {
        return apiKey != null && !apiKey.isBlank();
    }
}
