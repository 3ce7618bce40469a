package io.connectify.hub.sandbox;

import static io.connectify.hub.sandbox.SimulatorHttp.JSON;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Stripe simulator's webhook endpoint: each event in Stripe's shape, signed as Stripe signs
 * ({@code t=...,v1=HMAC-SHA256}), and the events of one payment posted one after the other, the next once the hub
 * has answered the one before (or its post failed), in the order they were made. Stripe promises no order, but
 * sends a payment's events so as a rule; sent all at once, a {@code charge.refunded} could overtake the
 * {@code payment_intent.succeeded} of the same payment on its way into the hub's queue.
 */
final class StripeEventSender {

    static final String API_VERSION = "2025-12-15.clover";
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Clock clock;
    private final Supplier<String> webhookUrl;
    private final String secret = "whsec_sandbox_" + UUID.randomUUID().toString().replace("-", "");
    // the last event queued per payment (its Payment Intent; a session without one, its own id), until it is sent
    private final Map<String, CompletableFuture<Void>> lastOf = new ConcurrentHashMap<>();

    StripeEventSender(Supplier<String> webhookUrl, Clock clock) {
        this.webhookUrl = webhookUrl;
        this.clock = clock;
    }

    String secret() {
        return secret;
    }

    /**
     * Makes an event of {@code object} as it is now (and, if not null, what changed: {@code previous_attributes}) and
     * posts it once the payment's events made before it have been.
     *
     * @param payment what orders the events: the Payment Intent they are about
     */
    void send(String payment, String type, ObjectNode object, ObjectNode previousAttributes) {
        String payload = payload(type, object, previousAttributes);
        CompletableFuture<Void> sent;
        synchronized (lastOf) {
            sent = lastOf.getOrDefault(payment, DONE).thenCompose(before ->
                    SimulatorHttp.webhook(webhookUrl.get(), "application/json; charset=utf-8", payload,
                            Map.of("Stripe-Signature", sign(payload, clock.instant().getEpochSecond()))));
            lastOf.put(payment, sent);
        }
        // (outside the lock: it may run at once) forgotten once sent, unless a later event queued behind it
        sent.whenComplete((done, failed) -> lastOf.remove(payment, sent));
    }

    private String payload(String type, ObjectNode object, ObjectNode previousAttributes) {
        ObjectNode event = JSON.createObjectNode().put("id", "evt_" + random()).put("object", "event")
                .put("api_version", API_VERSION).put("created", clock.instant().getEpochSecond())
                .put("livemode", false).put("pending_webhooks", 1).put("type", type);
        ObjectNode data = event.putObject("data");
        data.set("object", object.deepCopy());
        if (previousAttributes != null) {
            data.set("previous_attributes", previousAttributes);
        }
        event.putObject("request").putNull("id").putNull("idempotency_key");
        try {
            return JSON.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stripe's scheme: v1 = hex HMAC-SHA256 of "timestamp.payload" keyed with the endpoint's secret. */
    private String sign(String payload, long timestamp) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String signature = HexFormat.of().formatHex(
                    mac.doFinal((timestamp + "." + payload).getBytes(StandardCharsets.UTF_8)));
            return "t=" + timestamp + ",v1=" + signature;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String random() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
