package io.connectify.hub.sandbox;

import static io.connectify.hub.sandbox.SimulatorHttp.JSON;
import static io.connectify.hub.sandbox.SimulatorHttp.send;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stripe's API for the calls the hub makes (Checkout Sessions, PaymentIntents, Refunds: form-encoded requests,
 * JSON objects, Stripe's error shape; a PaymentIntent it made, created or by a session's payment, read back with its
 * metadata, 404 for another; a session read back; refunds refused where Stripe refuses them) and Stripe's webhooks: opening a session's URL pays it and sends a
 * {@code checkout.session.completed} event to the hub, signed as Stripe signs ({@code t=...,v1=HMAC-SHA256}).
 */
public class StripeSimulator {

    public static final String SECRET_KEY = "sk_test_sandbox";
    private static final Logger log = LoggerFactory.getLogger(StripeSimulator.class);

    private final Clock clock;
    private final String base;
    private final Supplier<String> webhookUrl;
    private final String webhookSecret = "whsec_sandbox_" + UUID.randomUUID().toString().replace("-", "");
    private final Map<String, ObjectNode> sessions = new ConcurrentHashMap<>();
    // what a session's payment makes its PaymentIntent of (payment_intent_data: not part of the session object)
    private final Map<String, ObjectNode> sessionIntentData = new ConcurrentHashMap<>();
    // every PaymentIntent made, created or by a session's payment, as GET /v1/payment_intents/{id} answers it
    private final Map<String, ObjectNode> intents = new ConcurrentHashMap<>();
    private final Map<String, Long> paidIntents = new ConcurrentHashMap<>();
    private final Map<String, List<ObjectNode>> refunds = new ConcurrentHashMap<>();

    public StripeSimulator(SandboxServer server, Supplier<String> webhookUrl, Clock clock) {
        this.clock = clock;
        this.base = server.baseUrl() + "/stripe";
        this.webhookUrl = webhookUrl;
        server.register("/stripe/", exchange -> {
            try (exchange) {
                handle(exchange);
            } catch (IOException | RuntimeException e) {
                log.warn("Stripe simulator failed on {}", exchange.getRequestURI().getPath(), e);
                send(exchange, 500, error("api_error", "Simulator failure"));
            }
        });
    }

    public String apiBase() {
        return base;
    }

    public String webhookSecret() {
        return webhookSecret;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath().substring("/stripe".length());
        if (path.startsWith("/pay/") && ex.getRequestMethod().equals("GET")) {
            pay(ex, path.substring("/pay/".length()));
            return;
        }
        if (!("Bearer " + SECRET_KEY).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            send(ex, 401, error("invalid_request_error", "Invalid API Key provided"));
            return;
        }
        Map<String, String> form = SimulatorHttp.form(SimulatorHttp.bodyText(ex));
        if (ex.getRequestMethod().equals("POST") && path.matches("/v1/checkout/sessions/[^/]+/expire")) {
            expire(ex, path.split("/")[4]);
            return;
        }
        if (ex.getRequestMethod().equals("GET") && path.matches("/v1/checkout/sessions/[^/]+")) {
            retrieveSession(ex, path.substring("/v1/checkout/sessions/".length()));
            return;
        }
        if (ex.getRequestMethod().equals("GET") && path.matches("/v1/payment_intents/[^/]+")) {
            retrieveIntent(ex, path.substring("/v1/payment_intents/".length()));
            return;
        }
        switch (ex.getRequestMethod() + " " + path) {
            case "POST /v1/checkout/sessions" -> send(ex, 200, createSession(form));
            case "POST /v1/payment_intents" -> send(ex, 200, paymentIntent(form));
            case "POST /v1/refunds" -> refund(ex, form);
            case "GET /v1/refunds" -> refundList(ex, SimulatorHttp.form(ex.getRequestURI().getRawQuery()));
            default -> send(ex, 404, error("invalid_request_error", "Unrecognized request URL"));
        }
    }

    private ObjectNode createSession(Map<String, String> form) {
        String id = "cs_test_" + random();
        long amount = Long.parseLong(form.getOrDefault("line_items[0][price_data][unit_amount]", "0"))
                * Long.parseLong(form.getOrDefault("line_items[0][quantity]", "1"));
        ObjectNode session = JSON.createObjectNode().put("id", id).put("object", "checkout.session")
                .put("mode", "payment").put("status", "open").put("payment_status", "unpaid")
                .put("amount_total", amount).put("currency", form.getOrDefault("line_items[0][price_data][currency]", "chf"))
                .put("client_reference_id", form.get("client_reference_id"))
                .put("customer_email", form.get("customer_email"))
                .put("success_url", form.get("success_url")).put("url", base + "/pay/" + id);
        session.putNull("payment_intent");
        ObjectNode metadata = session.putObject("metadata");
        form.forEach((key, value) -> {
            if (key.startsWith("metadata[")) {
                metadata.put(key.substring(9, key.length() - 1), value);
            }
        });
        // Stripe copies payment_intent_data (not the session's own metadata) to the PaymentIntent a payment makes
        ObjectNode intentData = JSON.createObjectNode().put("description",
                form.get("payment_intent_data[description]"));
        ObjectNode intentMetadata = intentData.putObject("metadata");
        form.forEach((key, value) -> {
            if (key.startsWith("payment_intent_data[metadata][")) {
                intentMetadata.put(key.substring(30, key.length() - 1), value);
            }
        });
        sessionIntentData.put(id, intentData);
        sessions.put(id, session);
        return session;
    }

    private ObjectNode paymentIntent(Map<String, String> form) {
        String id = "pi_" + random();
        ObjectNode intent = JSON.createObjectNode().put("id", id).put("object", "payment_intent")
                .put("amount", Long.parseLong(form.getOrDefault("amount", "0")))
                .put("currency", form.getOrDefault("currency", "chf")).put("description", form.get("description"))
                .put("status", "requires_payment_method").put("client_secret", id + "_secret_" + random());
        ObjectNode metadata = intent.putObject("metadata");
        form.forEach((key, value) -> {
            if (key.startsWith("metadata[")) {
                metadata.put(key.substring(9, key.length() - 1), value);
            }
        });
        intents.put(id, intent);
        return intent;
    }

    /** As Stripe: a PaymentIntent of this account with its metadata; another, 404 resource_missing. */
    private void retrieveIntent(HttpExchange ex, String id) throws IOException {
        ObjectNode intent = intents.get(id);
        if (intent == null) {
            ObjectNode body = error("invalid_request_error", "No such payment_intent: '" + id + "'");
            ((ObjectNode) body.get("error")).put("code", "resource_missing").put("param", "intent");
            send(ex, 404, body);
            return;
        }
        send(ex, 200, intent);
    }

    /** As Stripe: a Checkout Session of this account (once paid, naming its PaymentIntent); another, 404. */
    private void retrieveSession(HttpExchange ex, String id) throws IOException {
        ObjectNode session = sessions.get(id);
        if (session == null) {
            send(ex, 404, error("invalid_request_error", "No such checkout.session: '" + id + "'", "resource_missing",
                    "session"));
            return;
        }
        synchronized (session) {
            send(ex, 200, session);
        }
    }

    /** As Stripe: only an open session can be expired; one expired can no longer be paid. */
    private void expire(HttpExchange ex, String sessionId) throws IOException {
        ObjectNode session = sessions.get(sessionId);
        if (session == null) {
            send(ex, 404, error("invalid_request_error", "No such checkout.session"));
            return;
        }
        synchronized (session) {
            if (!"open".equals(session.path("status").asText())) {
                send(ex, 400, error("invalid_request_error", "Only Checkout Sessions with a status of `open` can be "
                        + "expired."));
                return;
            }
            session.put("status", "expired");
        }
        send(ex, 200, session);
        sendEvent("checkout.session.expired", session);
    }

    /** A signed event about a session, sent to the hub as Stripe sends it. */
    private void sendEvent(String type, ObjectNode session) throws IOException {
        ObjectNode event = JSON.createObjectNode().put("id", "evt_" + random()).put("object", "event")
                .put("type", type).put("api_version", "2025-12-15.clover")
                .put("created", clock.instant().getEpochSecond()).put("livemode", false);
        event.putObject("data").set("object", session.deepCopy());
        String payload = JSON.writeValueAsString(event);
        SimulatorHttp.webhook(webhookUrl.get(), "application/json; charset=utf-8", payload,
                Map.of("Stripe-Signature", sign(payload, clock.instant().getEpochSecond())));
    }

    /**
     * As Stripe: a refund of a Payment Intent it does not know is 404 {@code resource_missing}; of one never paid,
     * 400 (no successful charge); a payment refunds at most what is left of it, in its own currency: nothing left,
     * {@code charge_already_refunded}; more than is left, {@code amount_too_large}.
     */
    private void refund(HttpExchange ex, Map<String, String> form) throws IOException {
        String intent = form.get("payment_intent");
        if (intent == null || intent.isBlank()) {
            send(ex, 400, error("invalid_request_error", "Must provide either `charge` or `payment_intent`.",
                    "parameter_missing", "payment_intent"));
            return;
        }
        Long paid = paidIntents.get(intent);
        if (paid == null) {
            if (intents.containsKey(intent)) {
                send(ex, 400, error("invalid_request_error",
                        "This PaymentIntent does not have a successful charge to refund.", null, "payment_intent"));
            } else {
                send(ex, 404, error("invalid_request_error", "No such payment_intent: '" + intent + "'",
                        "resource_missing", "payment_intent"));
            }
            return;
        }
        Long asked = positiveAmount(form.get("amount"));
        if (form.containsKey("amount") && asked == null) {
            send(ex, 400, error("invalid_request_error", "Invalid positive integer", "parameter_invalid_integer",
                    "amount"));
            return;
        }
        String currency = intents.getOrDefault(intent, JSON.createObjectNode()).path("currency").asText("chf");
        List<ObjectNode> made = refunds.computeIfAbsent(intent, key -> new ArrayList<>());
        synchronized (made) {
            long left = paid - made.stream().mapToLong(r -> r.path("amount").asLong()).sum();
            if (left <= 0) {
                send(ex, 400, error("invalid_request_error", "Charge has already been refunded.",
                        "charge_already_refunded", null));
                return;
            }
            long amount = asked == null ? left : asked;
            if (amount > left) {
                send(ex, 400, error("invalid_request_error", "Refund amount (" + amount + ") is greater than "
                        + "unrefunded amount on charge (" + left + ")", "amount_too_large", "amount"));
                return;
            }
            ObjectNode refund = JSON.createObjectNode().put("id", "re_" + random()).put("object", "refund")
                    .put("amount", amount).put("currency", currency).put("payment_intent", intent)
                    .put("status", "succeeded");
            // kept as Stripe keeps it: the hub's mark tells its refunds from those made by hand (charge.refunded)
            ObjectNode metadata = refund.putObject("metadata");
            form.forEach((key, value) -> {
                if (key.startsWith("metadata[")) {
                    metadata.put(key.substring(9, key.length() - 1), value);
                }
            });
            made.add(refund);
            send(ex, 200, refund);
        }
    }

    /** A form's amount as Stripe reads it: a positive integer, else null. */
    private static Long positiveAmount(String value) {
        if (value == null || !value.matches("[0-9]{1,18}")) {
            return null;
        }
        long amount = Long.parseLong(value);
        return amount > 0 ? amount : null;
    }

    /** As Stripe: the refunds of a Payment Intent; of one it does not know, 404 resource_missing (before, 200 empty). */
    private void refundList(HttpExchange ex, Map<String, String> query) throws IOException {
        String intent = query.get("payment_intent");
        if (intent != null && !intents.containsKey(intent)) {
            send(ex, 404, error("invalid_request_error", "No such payment_intent: '" + intent + "'",
                    "resource_missing", "payment_intent"));
            return;
        }
        send(ex, 200, refundList(query));
    }

    private ObjectNode refundList(Map<String, String> query) {
        ObjectNode list = JSON.createObjectNode().put("object", "list").put("url", "/v1/refunds")
                .put("has_more", false);
        var data = list.putArray("data");
        List<ObjectNode> made = refunds.getOrDefault(query.get("payment_intent"), List.of());
        synchronized (made) {
            made.forEach(data::add);
        }
        return list;
    }

    /** The payer opened the Checkout URL: the session is paid and Stripe tells the hub. */
    private void pay(HttpExchange ex, String sessionId) throws IOException {
        ObjectNode session = sessions.get(sessionId);
        if (session == null) {
            send(ex, 404, error("invalid_request_error", "No such checkout session"));
            return;
        }
        String intent = "pi_" + random();
        synchronized (session) {
            if (!"open".equals(session.path("status").asText())) {
                SimulatorHttp.sendHtml(ex, "This Checkout Session is no longer active (Stripe sandbox).");
                return;
            }
            session.put("status", "complete").put("payment_status", "paid").put("payment_intent", intent);
        }
        ObjectNode intentData = sessionIntentData.getOrDefault(sessionId, JSON.createObjectNode());
        ObjectNode paid = JSON.createObjectNode().put("id", intent).put("object", "payment_intent")
                .put("amount", session.path("amount_total").asLong())
                .put("amount_received", session.path("amount_total").asLong())
                .put("currency", session.path("currency").asText()).put("status", "succeeded");
        paid.put("description", intentData.path("description").textValue());
        paid.set("metadata", intentData.has("metadata") ? intentData.get("metadata").deepCopy()
                : JSON.createObjectNode());
        intents.put(intent, paid);
        // after the intent: a refund finds what it paid and in which currency
        paidIntents.put(intent, session.path("amount_total").asLong());
        sendEvent("checkout.session.completed", session);
        SimulatorHttp.sendHtml(ex, "Payment of " + session.path("amount_total").asLong() + " "
                + session.path("currency").asText().toUpperCase(Locale.ROOT) + " completed (Stripe sandbox).");
    }

    /** Stripe's scheme: v1 = hex HMAC-SHA256 of "timestamp.payload" keyed with the endpoint's secret. */
    private String sign(String payload, long timestamp) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(webhookSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String signature = HexFormat.of().formatHex(
                    mac.doFinal((timestamp + "." + payload).getBytes(StandardCharsets.UTF_8)));
            return "t=" + timestamp + ",v1=" + signature;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode error(String type, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("type", type).put("message", message);
        return body;
    }

    /** Stripe's error shape with its code and the parameter it names (either may be absent, as at Stripe). */
    private static ObjectNode error(String type, String message, String code, String param) {
        ObjectNode body = error(type, message);
        ObjectNode error = (ObjectNode) body.get("error");
        if (code != null) {
            error.put("code", code);
        }
        if (param != null) {
            error.put("param", param);
        }
        return body;
    }

    private static String random() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
