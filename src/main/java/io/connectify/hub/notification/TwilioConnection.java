package io.connectify.hub.notification;

import java.util.function.Supplier;

/**
 * The Twilio the hub talks to (real or sandbox), who it is there, and how it verifies status callbacks. The public
 * base URL is a supplier: in the sandbox it is the hub's own address, known only once the web server runs.
 */
public record TwilioConnection(boolean live, String apiBase, String accountSid, String apiKeySid, String apiKeySecret,
                               String authToken, Supplier<String> publicBaseUrl) {

    public String statusCallbackUrl() {
        return publicBaseUrl.get() + "/webhooks/twilio/status";
    }

    @Override
    public String toString() {
        return "TwilioConnection[live=" + live + ", apiBase=" + apiBase + "]"; // never print credentials
    }
}
