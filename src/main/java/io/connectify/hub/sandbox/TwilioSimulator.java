package io.connectify.hub.sandbox;

import static io.connectify.hub.sandbox.SimulatorHttp.JSON;
import static io.connectify.hub.sandbox.SimulatorHttp.send;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Twilio's Messages resource ({@code POST /2010-04-01/Accounts/{sid}/Messages.json}, form-encoded, Basic auth with
 * the API key) for the hub's SMS. Every message goes to the outbox, and Twilio's status callbacks ("sent", then
 * "delivered", the second once the first was answered, as Twilio's come one after the other) are posted to the
 * message's StatusCallback, signed with the sandbox auth token as Twilio signs. Before, both were posted at once,
 * and "delivered" could reach the hub first.
 */
public class TwilioSimulator {

    public static final String ACCOUNT_SID = "AC00000000000000000000000000000000";
    public static final String API_KEY_SID = "SK00000000000000000000000000000000";
    public static final String API_KEY_SECRET = "sandbox-twilio-secret";
    public static final String AUTH_TOKEN = "sandbox-twilio-auth-token";
    public static final String FROM_NUMBER = "+15005550006";
    private static final Logger log = LoggerFactory.getLogger(TwilioSimulator.class);

    private final String base;
    private final List<Map<String, String>> outbox = new CopyOnWriteArrayList<>();

    public TwilioSimulator(SandboxServer server, Outbox outboxes) {
        this.base = server.baseUrl() + "/twilio";
        server.register("/twilio/", "twilio", TwilioSimulator::faultError, exchange -> {
            try (exchange) {
                handle(exchange);
            } catch (IOException | RuntimeException e) {
                log.warn("Twilio simulator failed on {}", exchange.getRequestURI().getPath(), e);
                send(exchange, 500, JSON.createObjectNode().put("code", 20500).put("message", "Simulator failure"));
            }
        });
        outboxes.register("sms", outbox);
    }

    public String apiBase() {
        return base;
    }

    private void handle(HttpExchange ex) throws IOException {
        String expected = "Basic " + java.util.Base64.getEncoder().encodeToString(
                (API_KEY_SID + ":" + API_KEY_SECRET).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            send(ex, 401, error(20003, "Authenticate", 401));
            return;
        }
        String path = ex.getRequestURI().getPath().substring("/twilio".length());
        if (!ex.getRequestMethod().equals("POST") || !path.equals("/2010-04-01/Accounts/" + ACCOUNT_SID + "/Messages.json")) {
            send(ex, 404, error(20404, "The requested resource was not found", 404));
            return;
        }
        Map<String, String> form = SimulatorHttp.form(SimulatorHttp.bodyText(ex));
        String to = form.getOrDefault("To", "");
        if (!to.matches("\\+[1-9][0-9]{6,14}")) {
            send(ex, 400, error(21211, "The 'To' number " + to + " is not a valid phone number.", 400));
            return;
        }
        String sid = "SM" + UUID.randomUUID().toString().replace("-", "");
        outbox.add(Map.of("sid", sid, "to", to, "from", form.getOrDefault("From", form.getOrDefault("MessagingServiceSid", "")),
                "body", form.getOrDefault("Body", "")));
        ObjectNode message = JSON.createObjectNode().put("sid", sid).put("account_sid", ACCOUNT_SID).put("to", to)
                .put("from", form.get("From")).put("body", form.get("Body")).put("status", "queued")
                .put("direction", "outbound-api").put("api_version", "2010-04-01")
                .put("uri", "/2010-04-01/Accounts/" + ACCOUNT_SID + "/Messages/" + sid + ".json");
        send(ex, 201, message);
        String callback = form.get("StatusCallback");
        if (callback != null) {
            callback(callback, sid, "sent", to).thenCompose(sent -> callback(callback, sid, "delivered", to));
        }
    }

    /** Twilio's signature: base64 HMAC-SHA1 over the URL plus every parameter name and value, sorted by name. */
    private CompletableFuture<Void> callback(String url, String sid, String status, String to) {
        Map<String, String> params = new TreeMap<>(Map.of("MessageSid", sid, "SmsSid", sid, "MessageStatus", status,
                "SmsStatus", status, "AccountSid", ACCOUNT_SID, "To", to, "ApiVersion", "2010-04-01"));
        String body = params.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).reduce((a, b) -> a + "&" + b).orElse("");
        StringBuilder signed = new StringBuilder(url);
        params.forEach((name, value) -> signed.append(name).append(value));
        String signature;
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(AUTH_TOKEN.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            signature = java.util.Base64.getEncoder().encodeToString(
                    mac.doFinal(signed.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return SimulatorHttp.webhook(url, "application/x-www-form-urlencoded", body,
                Map.of("X-Twilio-Signature", signature));
    }

    /** Twilio's error for a status the failure switch answers (its 2xxxx code; Twilio sends no Retry-After). */
    static ObjectNode faultError(int status) {
        return switch (status) {
            case 400 -> error(21211, "The 'To' number is not a valid phone number.", status);
            case 401 -> error(20003, "Authenticate", status);
            case 404 -> error(20404, "The requested resource was not found", status);
            case 429 -> error(20429, "Too Many Requests", status);
            case 503 -> error(20503, "Service Unavailable", status);
            default -> error(status >= 500 ? 20500 : 20001, status >= 500 ? "Internal Server Error"
                    : "Invalid request", status);
        };
    }

    private static ObjectNode error(int code, String message, int status) {
        return JSON.createObjectNode().put("code", code).put("message", message).put("status", status)
                .put("more_info", "https://www.twilio.com/docs/errors/" + code);
    }
}
