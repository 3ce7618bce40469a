package io.connectify.hub.notification;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Twilio settings; {@code accountSid} unset means the sandbox simulator. */
@ConfigurationProperties("connectify.twilio")
public record TwilioProperties(String accountSid, String apiKeySid, String apiKeySecret, String authToken,
                               String fromNumber, String messagingServiceSid, String operatorNumber,
                               String publicBaseUrl, String apiBase, java.time.Duration connectTimeout,
                               java.time.Duration readTimeout) {

    public boolean live() {
        return accountSid != null && !accountSid.isBlank();
    }
}
