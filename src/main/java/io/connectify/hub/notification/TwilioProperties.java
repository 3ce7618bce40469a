package io.connectify.hub.notification;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Twilio settings; {@code accountSid} decides the mode: unset means the sandbox simulator. A blank value counts as
 * unset (an environment variable set to nothing binds as ""). The API key and auth token without the account SID
 * stop the start: the sandbox would ignore them, and the operator believe Twilio live. Live, the API base must be
 * https (or http to a loopback address, a fake), since the API key goes with every request. {@code lookupClockMargin}:
 * how much earlier than the first lost attempt began, or later than the latest one ended (by the hub's clock), a
 * message Twilio took may have been created (by Twilio's), for the lookup after a lost answer
 * ({@link TwilioMessageLookup}): a few seconds, for NTP-synced clocks and Twilio's whole-second {@code date_created};
 * a wider one takes in more of the same SMS sent before or after (to be told apart only by the SIDs the hub recorded).
 * Under a second is refused: the lost attempt's own message, dated to the second before its start, could be missed.
 * {@code publicBaseUrl} loses its trailing slashes; live, it must be an absolute http(s) URL.
 */
@ConfigurationProperties("connectify.twilio")
public record TwilioProperties(String accountSid, String apiKeySid, String apiKeySecret, String authToken,
                               String fromNumber, String messagingServiceSid, String operatorNumber,
                               String publicBaseUrl, String apiBase, java.time.Duration connectTimeout,
                               java.time.Duration readTimeout, java.time.Duration lookupClockMargin) {

    @org.springframework.boot.context.properties.bind.ConstructorBinding
    public TwilioProperties {
        lookupClockMargin = PropertyChecks.atLeast("connectify.twilio.lookup-clock-margin",
                lookupClockMargin == null ? java.time.Duration.ofSeconds(5) : lookupClockMargin,
                java.time.Duration.ofSeconds(1), "Twilio dates a message to the whole second: less may miss the one "
                        + "the lost attempt created, and the SMS go out twice");
        accountSid = PropertyChecks.blankToNull(accountSid);
        apiKeySid = PropertyChecks.blankToNull(apiKeySid);
        apiKeySecret = PropertyChecks.blankToNull(apiKeySecret);
        authToken = PropertyChecks.blankToNull(authToken);
        fromNumber = PropertyChecks.blankToNull(fromNumber);
        messagingServiceSid = PropertyChecks.blankToNull(messagingServiceSid);
        operatorNumber = PropertyChecks.blankToNull(operatorNumber);
        // the status callback URL appends its path: "https://hub.example/" gave "//webhooks/...", which no route takes
        publicBaseUrl = PropertyChecks.withoutTrailingSlash(PropertyChecks.blankToNull(publicBaseUrl));
        if (accountSid == null) {
            PropertyChecks.noCredentialsWithoutTheMode("connectify.twilio.account-sid", "CONNECTIFY_TWILIO_ACCOUNTSID",
                    "connectify.twilio.api-key-sid", apiKeySid, "connectify.twilio.api-key-secret", apiKeySecret,
                    "connectify.twilio.auth-token", authToken);
        } else {
            PropertyChecks.secureOrLoopback("connectify.twilio.api-base", apiBase);
            PropertyChecks.absoluteHttp("connectify.twilio.public-base-url", publicBaseUrl, "Twilio posts each SMS's "
                    + "delivery status to it + /webhooks/twilio/status, and a relative or empty one reaches no hub");
        }
    }

    public TwilioProperties(String accountSid, String apiKeySid, String apiKeySecret, String authToken,
                            String fromNumber, String messagingServiceSid, String operatorNumber, String publicBaseUrl,
                            String apiBase, java.time.Duration connectTimeout, java.time.Duration readTimeout) {
        this(accountSid, apiKeySid, apiKeySecret, authToken, fromNumber, messagingServiceSid, operatorNumber,
                publicBaseUrl, apiBase, connectTimeout, readTimeout, null);
    }

    public boolean live() {
        return accountSid != null;
    }
}
